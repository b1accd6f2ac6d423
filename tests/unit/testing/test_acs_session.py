"""The scripted ACS driven over loopback HTTP by a hand-written client, session by session."""

from __future__ import annotations

import pytest
import pytest_twisted
from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import NS_CWMP_12, Envelope, parse, serialize
from cwmpd.cwmp.structs import DeviceId, EventStruct, ParameterValueStruct
from cwmpd.testing.acs import ScriptedAcs
from support.acs_client import Start

INFORM = m.Inform(
    device_id=DeviceId("cwmpd", "00D09E", "Simulated", "SIM0001"),
    events=(EventStruct("0 BOOTSTRAP"), EventStruct("1 BOOT")),
    max_envelopes=1,
    current_time="2026-01-01T00:00:00Z",
    retry_count=0,
    parameters=(
        ParameterValueStruct("Device.DeviceInfo.SoftwareVersion", "1.0.0"),
        ParameterValueStruct("Device.ManagementServer.ParameterKey", ""),
    ),
)
GPV = m.GetParameterValues(names=("Device.DeviceInfo.",))
GPV_RESPONSE = m.GetParameterValuesResponse(
    parameters=(ParameterValueStruct("Device.DeviceInfo.SoftwareVersion", "1.0.0"),)
)


def wire(message: m.Message, ident: str | None = "cpe-1", ns: str | None = None) -> bytes:
    """The envelope a CPE would POST."""
    if ns is None:
        return serialize(Envelope(message, id=ident))
    return serialize(Envelope(message, ns=ns, id=ident))


@pytest_twisted.ensureDeferred
async def test_whole_session_inform_rpc_then_204(start: Start) -> None:
    """Inform gets InformResponse + cookie, the empty POST the queued RPC, its answer a 204."""
    acs = ScriptedAcs()
    acs.queue(GPV)
    client = await start(acs)
    done = acs.wait_for_sessions(1)

    r = await client.post(wire(INFORM, "cpe-7"))
    assert r.code == 200
    answer = parse(r.body)
    assert answer.body == m.InformResponse(max_envelopes=1)
    assert answer.id == "cpe-7"
    assert client.cookie is not None and client.cookie.startswith("cwmpd_acs_session=")

    r = await client.post(None)
    assert r.code == 200
    request = parse(r.body)
    assert request.body == GPV
    assert request.id and request.id != "cpe-7"

    r = await client.post(wire(GPV_RESPONSE, request.id))
    assert r.code == 204 and r.body == b""
    assert done.called

    (session,) = acs.sessions
    assert session.completed and session.failure is None
    assert session.events == ["0 BOOTSTRAP", "1 BOOT"]
    assert session.parameters["Device.DeviceInfo.SoftwareVersion"] == "1.0.0"
    assert session.inform == INFORM
    assert session.cookies_seen == [None, client.cookie, client.cookie]
    assert len(session.raw_requests) == 3 and session.raw_requests[1] == b""
    assert [(x.sent, x.received) for x in session.acs_exchanges] == [(GPV, GPV_RESPONSE)]
    assert session.errors == []


@pytest_twisted.ensureDeferred
async def test_cpe_requests_are_answered_and_recorded(start: Start) -> None:
    """TransferComplete and GetRPCMethods get their responses, with the ID echoed."""
    acs = ScriptedAcs()
    client = await start(acs)
    await client.post(wire(INFORM))
    tc = m.TransferComplete("key1", 0, "", "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z")
    r = await client.post(wire(tc, "tc-1"))
    assert parse(r.body).body == m.TransferCompleteResponse()
    assert parse(r.body).id == "tc-1"
    r = await client.post(wire(m.GetRPCMethods(), "grm"))
    methods = parse(r.body).body
    assert isinstance(methods, m.GetRPCMethodsResponse)
    assert "Inform" in methods.methods and "TransferComplete" in methods.methods
    assert (await client.post(None)).code == 204
    assert acs.sessions[0].transfer_completes == [tc]
    assert [x.by_cpe for x in acs.sessions[0].exchanges] == [True, True, True]


@pytest_twisted.ensureDeferred
async def test_queued_rpcs_get_fresh_ids_and_hold_requests(start: Start) -> None:
    """Each ACS request has its own cwmp:ID; hold_requests sets the HoldRequests header."""
    acs = ScriptedAcs()
    acs.queue(GPV, hold_requests=True)
    acs.queue(m.Reboot(command_key="rb"))
    client = await start(acs)
    await client.post(wire(INFORM))
    first = parse((await client.post(None)).body)
    assert first.hold_requests is True
    second = parse((await client.post(wire(GPV_RESPONSE, first.id))).body)
    assert second.body == m.Reboot(command_key="rb") and second.hold_requests is False
    assert second.id != first.id
    assert (await client.post(wire(m.RebootResponse(), second.id))).code == 204
    assert acs.sessions[0].responses == [GPV_RESPONSE, m.RebootResponse()]


@pytest_twisted.ensureDeferred
async def test_unanswered_rpc_stays_queued_across_sessions(start: Start) -> None:
    """An RPC queued before the agent connects is delivered in that session, once only."""
    acs = ScriptedAcs()
    client = await start(acs)
    await client.post(wire(INFORM))
    assert (await client.post(None)).code == 204
    acs.queue(GPV)
    client.cookie = None
    await client.post(wire(INFORM))
    assert parse((await client.post(None)).body).body == GPV
    assert acs.pending == 0
    assert [s.completed for s in acs.sessions] == [True, False]


@pytest_twisted.ensureDeferred
async def test_fault_8005_to_inform_then_retry_in_same_session(start: Start) -> None:
    """queue_fault_to_inform(8005) faults one Inform; the retried Inform is accepted."""
    acs = ScriptedAcs()
    acs.queue_fault_to_inform(8005)
    client = await start(acs)
    r = await client.post(wire(INFORM, "i1"))
    fault = parse(r.body)
    assert r.code == 200 and isinstance(fault.body, m.Fault)
    assert fault.body.code == 8005 and fault.id == "i1"
    r = await client.post(wire(INFORM, "i2"))
    assert parse(r.body).body == m.InformResponse(max_envelopes=1)
    assert (await client.post(None)).code == 204
    assert len(acs.sessions) == 1 and acs.sessions[0].completed


@pytest_twisted.ensureDeferred
async def test_other_inform_fault_fails_the_session(start: Start) -> None:
    """Any fault other than 8005 to an Inform ends that session as failed."""
    acs = ScriptedAcs()
    acs.queue_fault_to_inform(8002)
    client = await start(acs)
    assert parse((await client.post(wire(INFORM))).body).body.code == 8002  # type: ignore[attr-defined]
    await client.post(wire(INFORM))
    assert acs.sessions[0].failure == "Inform answered with fault 8002"
    assert acs.sessions[1].inform_answered


@pytest.mark.parametrize("code", [302, 307])
@pytest_twisted.ensureDeferred
async def test_redirect_next(start: Start, code: int) -> None:
    """redirect_next answers one POST with a redirect; the new path serves the same ACS."""
    acs = ScriptedAcs()
    acs.redirect_next(code, "/elsewhere")
    client = await start(acs)
    r = await client.post(wire(INFORM))
    assert r.code == code
    location = r.header("location")
    assert location is not None and location.endswith("/elsewhere")
    assert acs.sessions == []
    r = await client.post(wire(INFORM), url=location)
    assert r.code == 200
    assert acs.sessions[0].paths == ["/elsewhere"]


@pytest_twisted.ensureDeferred
async def test_queue_http_status_fails_the_open_session(start: Start) -> None:
    """queue_http_status answers one POST with a bare status and fails the open session."""
    acs = ScriptedAcs()
    client = await start(acs)
    await client.post(wire(INFORM))
    acs.queue_http_status(503)
    assert (await client.post(None)).code == 503
    assert acs.sessions[0].failure == "scripted HTTP 503"
    assert [r.status for r in acs.requests] == [200, 503]


@pytest_twisted.ensureDeferred
async def test_cut_connection_mid_session(start: Start) -> None:
    """cut_connection_after(1) drops the connection at the empty POST, unanswered."""
    acs = ScriptedAcs()
    acs.queue(GPV)
    acs.cut_connection_after(1)
    client = await start(acs)
    assert (await client.post(wire(INFORM))).code == 200
    with pytest.raises((ResponseFailed, ResponseNeverReceived)):
        await client.post(None)
    (session,) = acs.sessions
    assert session.failure == "connection cut by the script"
    assert acs.pending == 1
    client.cookie = None
    assert (await client.post(wire(INFORM))).code == 200
    assert parse((await client.post(None)).body).body == GPV


@pytest_twisted.ensureDeferred
async def test_cut_at_the_inform_records_the_attempt(start: Start) -> None:
    """cut_connection_after(0) cuts at the Inform, which still shows as a failed session."""
    acs = ScriptedAcs()
    acs.cut_connection_after(0)
    client = await start(acs)
    with pytest.raises((ResponseFailed, ResponseNeverReceived)):
        await client.post(wire(INFORM))
    assert acs.sessions[0].failure == "connection cut by the script"
    assert acs.requests[0].status == 0


@pytest_twisted.ensureDeferred
async def test_require_cookie_refuses_a_post_without_it(start: Start) -> None:
    """With require_cookie, a later POST that drops the cookie gets 403 and fails the session."""
    acs = ScriptedAcs(require_cookie=True)
    client = await start(acs)
    await client.post(wire(INFORM))
    client.cookie = None
    assert (await client.post(None)).code == 403
    assert acs.sessions[0].failure == "session cookie missing"


@pytest_twisted.ensureDeferred
async def test_no_cookie_when_set_cookie_is_off(start: Start) -> None:
    """set_cookie=False sends no Set-Cookie."""
    acs = ScriptedAcs(set_cookie=False)
    client = await start(acs)
    r = await client.post(wire(INFORM))
    assert r.header("set-cookie") is None and client.cookie is None


@pytest_twisted.ensureDeferred
async def test_raw_request_and_undecodable_answer(start: Start) -> None:
    """queue_raw sends bytes verbatim; an undecodable answer is recorded as bytes."""
    acs = ScriptedAcs()
    raw = wire(m.GetRPCMethods(), "raw-1")
    acs.queue_raw(raw)
    client = await start(acs)
    await client.post(wire(INFORM))
    assert (await client.post(None)).body == raw
    assert (await client.post(b"<not-xml")).code == 204
    (exchange,) = acs.sessions[0].acs_exchanges
    assert exchange.sent == raw and exchange.received == b"<not-xml"
    assert any("undecodable" in e for e in acs.sessions[0].errors)


@pytest_twisted.ensureDeferred
async def test_mismatched_id_is_noted(start: Start) -> None:
    """A response whose cwmp:ID does not echo the request's is recorded as an error."""
    acs = ScriptedAcs()
    acs.queue(GPV)
    client = await start(acs)
    await client.post(wire(INFORM))
    await client.post(None)
    await client.post(wire(GPV_RESPONSE, "wrong"))
    assert any("does not echo" in e for e in acs.sessions[0].errors)


@pytest_twisted.ensureDeferred
async def test_namespace_follows_the_inform_when_ns_is_none(start: Start) -> None:
    """ns=None answers in the CPE's namespace; the default answers in cwmp-1-0."""
    acs = ScriptedAcs(ns=None)
    client = await start(acs)
    assert parse((await client.post(wire(INFORM, ns=NS_CWMP_12))).body).ns == NS_CWMP_12
    other = ScriptedAcs()
    client2 = await start(other)
    assert parse((await client2.post(wire(INFORM, ns=NS_CWMP_12))).body).ns != NS_CWMP_12


@pytest_twisted.ensureDeferred
async def test_hooks_and_waiters(start: Start) -> None:
    """on_session may queue for the session it starts; wait_for_informs fires on the Inform."""
    acs = ScriptedAcs()
    seen: list[str] = []
    acs.on_session(lambda s: acs.queue(GPV))
    acs.on_exchange(lambda s, x: seen.append(type(x.sent).__name__))
    acs.on_session_end(lambda s: seen.append(f"end {s.completed}"))
    informs = acs.wait_for_informs(1)
    client = await start(acs)
    await client.post(wire(INFORM))
    assert informs.called
    request = parse((await client.post(None)).body)
    assert request.body == GPV
    await client.post(wire(GPV_RESPONSE, request.id))
    assert seen == ["InformResponse", "GetParameterValues", "end True"]


@pytest_twisted.ensureDeferred
async def test_get_on_the_acs_is_refused(start: Start) -> None:
    """The CWMP URL answers GET with 405."""
    acs = ScriptedAcs()
    client = await start(acs)
    assert (await client.get(client.url)).code == 405


@pytest_twisted.ensureDeferred
async def test_serve_file(start: Start) -> None:
    """serve_file serves bytes at a path, and only with credentials when it has auth."""
    acs = ScriptedAcs()
    client = await start(acs)
    url = acs.serve_file("fw/image.bin", b"CWMPD-SIMULATED-FIRMWARE version=2.0.0\n")
    assert url.startswith("http://127.0.0.1:") and url.endswith("/fw/image.bin")
    r = await client.get(url)
    assert r.code == 200 and r.body.startswith(b"CWMPD-SIMULATED-FIRMWARE")
    locked = acs.serve_file("/locked.bin", b"x", auth=("u", "p"), scheme="basic")
    assert (await client.get(locked)).code == 401
    assert (await client.get(locked, authorization="Basic dTpw")).body == b"x"


@pytest_twisted.ensureDeferred
async def test_new_inform_abandons_the_open_session(start: Start) -> None:
    """An Inform while a session is open fails the old session and starts a new one."""
    acs = ScriptedAcs()
    acs.queue(GPV)
    client = await start(acs)
    await client.post(wire(INFORM))
    await client.post(None)
    await client.post(wire(INFORM))
    first, second = acs.sessions
    assert first.failure == "a new Inform arrived"
    assert first.acs_exchanges[0].received is None
    assert second.inform_answered and not second.ended


def test_wait_times_out_on_the_given_clock() -> None:
    """wait_for_sessions(n, timeout) fails with a timeout when the clock passes it."""
    clock = Clock()
    acs = ScriptedAcs(clock=clock)
    d = acs.wait_for_sessions(1, timeout=5)
    failures: list[Failure] = []
    d.addErrback(failures.append)
    clock.advance(4.9)
    assert not d.called
    clock.advance(0.2)
    assert failures and failures[0].check(defer.TimeoutError)  # type: ignore[no-untyped-call]
