"""The session engine against a recording fake of the HTTP transport (bytes in, bytes out)."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock
from twisted.web.http_headers import Headers

from conformance.xsd import validate_envelope
from cwmpd.cwmp import messages as m
from cwmpd.cwmp import soap
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.schema import load_schema
from cwmpd.plugin.load import model_from_declarations, schema_prefixes
from cwmpd.session.dispatch import Dispatcher
from cwmpd.session.engine import SessionEngine
from cwmpd.session.events import EventQueue
from cwmpd.session.http import HttpResponse
from support.logged import capturing

MS = "Device.ManagementServer."


class FakeHttp:
    """Answers each POST with the next scripted (status, envelope) and records the bodies."""

    def __init__(self, answers: list[tuple[int, soap.Envelope | bytes | None]]) -> None:
        self.answers = deque(answers)
        self.posts: list[bytes | None] = []
        self.closed = False
        self.local_address: str | None = "127.0.0.1"

    def post(self, body: bytes | None) -> Deferred[HttpResponse]:
        self.posts.append(body)
        code, env = self.answers.popleft()
        data = soap.serialize(env) if isinstance(env, soap.Envelope) else (env or b"")
        return succeed(HttpResponse(code, Headers(), data))

    def close(self) -> Deferred[None]:
        self.closed = True
        return succeed(None)

    def sent(self) -> list[m.Message | None]:
        """What the engine posted, decoded (None = empty POST)."""
        return [None if b is None else soap.parse(b).body for b in self.posts]


class Source:
    """A CPE request source with one AutonomousTransferComplete to deliver."""

    def __init__(self) -> None:
        self.request = m.AutonomousTransferComplete(
            announce_url="", transfer_url="http://x/f", is_download=True,
            file_type="1 Firmware Upgrade Image", file_size=1, target_file_name="",
            fault_code=0, fault_string="", start_time="0001-01-01T00:00:00Z",
            complete_time="0001-01-01T00:00:00Z",
        )  # fmt: skip
        self.delivered_count = 0
        self.sessions_started = 0

    def session_started(self) -> None:
        self.sessions_started += 1

    def pending_requests(self) -> list[m.Message]:
        return [] if self.delivered_count else [self.request]

    def delivered(self, request: m.Message, response: m.Message) -> None:
        self.delivered_count += 1


def make_engine(tmp_path: Path, http: FakeHttp, source: Source) -> SessionEngine:
    """An engine over a small real model and a real event queue."""
    decl = Declarations("Device.")
    for name in ("Manufacturer", "ProductClass", "SerialNumber"):
        decl.store(f"Device.DeviceInfo.{name}", "x")
    decl.store("Device.DeviceInfo.ManufacturerOUI", "00D09E")
    decl.store(MS + "ParameterKey", "")
    model = model_from_declarations(
        decl, load_schema("Device.", prefixes=schema_prefixes(decl)), tmp_path
    )
    events = EventQueue(tmp_path / "events.json")
    events.add("1 BOOT")
    dispatcher = Dispatcher(model, add_event=events.add, schedule_inform=lambda d, k: None)
    return SessionEngine(
        model=model, events=events, dispatcher=dispatcher, http_factory=lambda: http,
        clock=Clock(), request_sources=[source],
    )  # fmt: skip


def acs(
    body: m.Message, *, hold: bool = False, ident: str = "a1", ns: str = soap.NS_CWMP_11
) -> soap.Envelope:
    """An envelope from the ACS (cwmp-1-1 by default: it has AutonomousTransferComplete)."""
    return soap.Envelope(body, ns=ns, id=ident, hold_requests=hold)


@pytest_twisted.ensureDeferred
async def test_hold_requests_keeps_cpe_requests_back(tmp_path: Path) -> None:
    """HoldRequests on InformResponse: the next POST is empty, the CPE request stays queued."""
    http = FakeHttp([(200, acs(m.InformResponse(max_envelopes=1), hold=True)), (204, None)])
    source = Source()
    assert await make_engine(tmp_path, http, source).run(0)
    assert [type(x).__name__ for x in http.sent()] == ["Inform", "NoneType"]
    assert source.delivered_count == 0 and http.closed


@pytest_twisted.ensureDeferred
async def test_each_source_hears_of_the_session_before_its_inform(tmp_path: Path) -> None:
    """Every request source is told the session started before the Inform is posted, held
    requests or not (the transfer queue starts nothing from then on, P-28)."""
    http = FakeHttp([(200, acs(m.InformResponse(max_envelopes=1), hold=True)), (204, None)])
    seen: list[int] = []

    class Listening(Source):
        def session_started(self) -> None:
            seen.append(len(http.posts))

    engine = make_engine(tmp_path, http, Listening())
    assert await engine.run(0)
    assert seen == [0]
    http.answers.extend(
        [
            (200, acs(m.InformResponse(max_envelopes=1))),
            (200, acs(m.AutonomousTransferCompleteResponse())),
            (204, None),
        ]
    )
    assert await engine.run(0)
    assert seen == [0, 2]


@pytest_twisted.ensureDeferred
async def test_cpe_request_retried_on_8005_then_delivered(tmp_path: Path) -> None:
    """Without HoldRequests the CPE request goes first; 8005 makes it go again (S-22)."""
    http = FakeHttp(
        [
            (200, acs(m.InformResponse(max_envelopes=1))),
            (200, acs(m.Fault(code=8005))),
            (200, acs(m.AutonomousTransferCompleteResponse())),
            (204, None),
        ]
    )
    source = Source()
    assert await make_engine(tmp_path, http, source).run(0)
    names = [type(x).__name__ for x in http.sent()]
    assert names == [
        "Inform",
        "AutonomousTransferComplete",
        "AutonomousTransferComplete",
        "NoneType",
    ]
    assert source.delivered_count == 1


@pytest_twisted.ensureDeferred
async def test_fault_to_inform_fails_the_session(tmp_path: Path) -> None:
    """Any fault other than 8005 in answer to Inform makes the session unsuccessful (S-22)."""
    http = FakeHttp([(200, acs(m.Fault(code=8002)))])
    assert not await make_engine(tmp_path, http, Source()).run(0)
    assert http.closed


@pytest.mark.parametrize("stray", [m.Fault(code=8003), m.GetParameterValuesResponse(parameters=())])
@pytest_twisted.ensureDeferred
async def test_faults_and_responses_from_the_acs_are_not_answered(
    tmp_path: Path, stray: m.Message
) -> None:
    """A stray fault or response from the ACS gets an empty POST, never a fault (S-21)."""
    http = FakeHttp(
        [
            (200, acs(m.InformResponse(max_envelopes=1), hold=True)),
            (200, acs(stray)),
            (204, None),
        ]
    )
    assert await make_engine(tmp_path, http, Source()).run(0)
    assert http.posts[1] is None and http.posts[2] is None


@pytest_twisted.ensureDeferred
async def test_answers_echo_id_and_namespace(tmp_path: Path) -> None:
    """A request in cwmp-1-1 is answered in cwmp-1-1 with the same cwmp:ID (S-11, S-14)."""
    request = soap.Envelope(m.GetRPCMethods(), ns=soap.NS_CWMP_11, id="xyz-9")
    http = FakeHttp(
        [(200, acs(m.InformResponse(max_envelopes=1), hold=True)), (200, request), (204, None)]
    )
    assert await make_engine(tmp_path, http, Source()).run(0)
    answer = soap.parse(http.posts[2] or b"")
    assert (answer.ns, answer.id) == (soap.NS_CWMP_11, "xyz-9")
    assert isinstance(answer.body, m.GetRPCMethodsResponse)


@pytest_twisted.ensureDeferred
async def test_acs_that_never_stops_is_cut_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A runaway ACS cannot keep a session forever: the engine gives up after a cap."""
    import cwmpd.session.engine as engine_module

    monkeypatch.setattr(engine_module, "MAX_ACS_MESSAGES", 5)
    answers: list[tuple[int, soap.Envelope | bytes | None]] = [
        (200, acs(m.InformResponse(max_envelopes=1), hold=True))
    ]
    answers += [(200, acs(m.GetRPCMethods(), ident=f"r{i}")) for i in range(10)]
    http = FakeHttp(answers)
    assert not await make_engine(tmp_path, http, Source()).run(0)
    assert len(http.posts) == 1 + 5


@pytest_twisted.ensureDeferred
async def test_cpe_request_unknown_to_the_namespace_waits(tmp_path: Path) -> None:
    """A cwmp-1-0 ACS never gets an AutonomousTransferComplete (1-0 lacks it); it stays queued."""
    http = FakeHttp(
        [(200, acs(m.InformResponse(max_envelopes=1), ns=soap.NS_CWMP_10)), (204, None)]
    )
    source = Source()
    assert await make_engine(tmp_path, http, source).run(0)
    assert [type(x).__name__ for x in http.sent()] == ["Inform", "NoneType"]
    assert source.delivered_count == 0


@pytest_twisted.ensureDeferred
async def test_rpc_missing_from_the_namespace_is_not_supported_there(tmp_path: Path) -> None:
    """GetAllQueuedTransfers in cwmp-1-0 (which lacks it) gets 9000, in that namespace."""
    request = soap.Envelope(m.GetAllQueuedTransfers(), ns=soap.NS_CWMP_10, id="q-1")
    http = FakeHttp(
        [(200, acs(m.InformResponse(max_envelopes=1), hold=True)), (200, request), (204, None)]
    )
    assert await make_engine(tmp_path, http, Source()).run(0)
    answer = soap.parse(http.posts[2] or b"")
    assert (answer.ns, answer.id) == (soap.NS_CWMP_10, "q-1")
    assert isinstance(answer.body, m.Fault) and answer.body.code == 9000


@pytest_twisted.ensureDeferred
async def test_debug_log_names_each_exchange_without_values(tmp_path: Path) -> None:
    """--log-level debug shows every exchange (RPC, ID, namespace) and never a value."""
    secret = ParameterValueStruct(MS + "ParameterKey", "s3cret-value", "string")
    request = soap.Envelope(m.SetParameterValues((secret,), "k"), id="r-9")
    http = FakeHttp(
        [(200, acs(m.InformResponse(max_envelopes=1), hold=True)), (200, request), (204, None)]
    )
    with capturing(lambda event: event.get("log_namespace") == "cwmpd.session") as log:
        assert await make_engine(tmp_path, http, Source()).run(0)
    lines = log.texts()
    assert any(line.startswith("CPE -> ACS Inform id=") for line in lines)
    assert "ACS -> CPE SetParameterValues id=r-9 ns=cwmp-1-0" in lines
    assert any(line.startswith("CPE -> ACS fault 9003") for line in lines)
    assert not any("s3cret" in line for line in lines)


@pytest_twisted.ensureDeferred
async def test_heartbeat_session_leaves_queued_events_and_cpe_requests(
    tmp_path: Path, spec: Path
) -> None:
    """Annex O: the Inform carries "14 HEARTBEAT" alone (cwmp-1-2), the queued "1 BOOT" stays
    for its own session and the CPE request waits; the ACS's requests are still answered."""
    http = FakeHttp(
        [
            (200, acs(m.InformResponse(max_envelopes=1), ns=soap.NS_CWMP_12)),
            (200, acs(m.GetRPCMethods(), ns=soap.NS_CWMP_12)),
            (204, None),
        ]
    )
    source = Source()
    engine = make_engine(tmp_path, http, source)
    assert await engine.run(0, heartbeat=True)
    inform, follow, answer = http.sent()
    assert isinstance(inform, m.Inform) and [e.code for e in inform.events] == ["14 HEARTBEAT"]
    assert soap.parse(http.posts[0] or b"").ns == soap.NS_CWMP_12
    assert validate_envelope(spec, http.posts[0] or b"") == []
    assert follow is None and isinstance(answer, m.GetRPCMethodsResponse)
    assert source.delivered_count == 0
    assert [e.code for e in EventQueue(tmp_path / "events.json").queued()] == ["1 BOOT"]
