"""Connection Requests against the whole agent: curl --digest, a flood, UDP, one more session."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_twisted
from twisted.internet import defer, task

from cwmpd.config import Config, parse_config
from cwmpd.connreq.udp import signature
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.service import CwmpAgent
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession
from support.agent_harness import AgentRunner, reactor
from support.processes import output_and_code

CR_USER, CR_PASS = "acs-cr", "cr-secret"
CONNREQ = f'port = 0\nudp_port = 0\nusername = "{CR_USER}"\npassword = "{CR_PASS}"'
URL_KEY = "Device.ManagementServer.ConnectionRequestURL"


def _config(tmp_path: Path, url: str) -> Config:
    return parse_config(
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
        f"[connection_request]\n{CONNREQ}\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{tmp_path}"\n'
        f'[control]\nsocket = "{tmp_path}/control.sock"\n'
    )


async def curl(*args: str) -> tuple[str, int]:
    """Run curl (argv, no shell); its stdout and exit code."""
    out, _err, code = await output_and_code("/usr/bin/curl", ["-s", *args])
    return out.decode(), code


async def start(tmp_path: Path) -> tuple[ScriptedAcs, AgentRunner, CwmpAgent, AcsSession]:
    """Agent + ACS; returns after the bootstrap session with the published URL."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    runner = AgentRunner(_config(tmp_path, url))
    agent = runner.start()
    (first,) = await acs.wait_for_sessions(1, timeout=10)
    return acs, runner, agent, first


@pytest.mark.needs_tools("curl")
@pytest_twisted.ensureDeferred
async def test_curl_digest_starts_a_session(tmp_path: Path) -> None:
    """The URL in the Inform works with curl --digest: 200, then 6 CONNECTION REQUEST."""
    acs, runner, _agent, first = await start(tmp_path)
    try:
        cr_url = first.parameters[URL_KEY]
        assert urlsplit(cr_url).hostname == "127.0.0.1"
        out, code = await curl(
            "--digest", "-u", f"{CR_USER}:{CR_PASS}", "-o", "/dev/null", "-w", "%{http_code}",
            cr_url,
        )  # fmt: skip
        assert (out, code) == ("200", 0)
        _, second = await acs.wait_for_sessions(2, timeout=5)
        assert second.events == ["6 CONNECTION REQUEST"]
        bad, _ = await curl(
            "--digest", "-u", f"{CR_USER}:wrong", "-o", "/dev/null", "-w", "%{http_code}", cr_url
        )
        assert bad == "401"
        await task.deferLater(reactor, 0.3, lambda: None)
        assert len(acs.sessions) == 2
    finally:
        runner.stop()
        await acs.stop()


@pytest.mark.needs_tools("curl")
@pytest_twisted.ensureDeferred
async def test_flood_then_valid_request_within_a_second(tmp_path: Path) -> None:
    """1,000 bad requests get 503s; a valid request right after reaches the ACS within 1 s."""
    acs, runner, _agent, first = await start(tmp_path)
    try:
        cr_url = first.parameters[URL_KEY]
        base = cr_url.rsplit("/", 1)[0]
        urls = [f"{base}/wrong-{i}" for i in range(1000)]
        out, _ = await curl(
            "--parallel", "--parallel-max", "20", "-o", "/dev/null", "-w", "%{http_code}\n",
            *urls,
        )  # fmt: skip
        codes = out.split()
        assert len(codes) == 1000
        assert codes.count("503") >= 900
        assert "200" not in codes
        started = time.monotonic()
        ok, _ = await curl(
            "--digest", "-u", f"{CR_USER}:{CR_PASS}", "-o", "/dev/null", "-w", "%{http_code}",
            cr_url,
        )  # fmt: skip
        assert ok == "200"
        await acs.wait_for_informs(2, timeout=1)
        assert time.monotonic() - started < 1.0
        assert acs.sessions[1].events == ["6 CONNECTION REQUEST"]
    finally:
        runner.stop()
        await acs.stop()


@pytest.mark.needs_tools("curl")
@pytest_twisted.ensureDeferred
async def test_request_during_a_session_gives_exactly_one_more(tmp_path: Path) -> None:
    """Two Connection Requests answered during a session bring exactly one session after it."""
    acs, runner, agent, first = await start(tmp_path)
    answered: list[float] = []
    ended: list[float] = []
    try:
        cr_url = first.parameters[URL_KEY]
        for _ in range(300):
            acs.queue(m.GetParameterValues(names=("Device.DeviceInfo.",)))

        async def poke(session: AcsSession) -> None:
            for _ in range(2):
                code, _ = await curl(
                    "--digest", "-u", f"{CR_USER}:{CR_PASS}", "-o", "/dev/null",
                    "-w", "%{http_code}", cr_url,
                )  # fmt: skip
                assert code == "200"
                answered.append(time.monotonic())

        def started(session: AcsSession) -> None:
            if session.index == 1:
                defer.ensureDeferred(poke(session))

        acs.on_session(started)
        acs.on_session_end(lambda s: ended.append(time.monotonic()) if s.index == 1 else None)
        agent.scheduler.request("6 CONNECTION REQUEST")
        sessions = await acs.wait_for_sessions(3, timeout=20)
        await task.deferLater(reactor, 0.5, lambda: None)
    finally:
        runner.stop()
        await acs.stop()
    assert len(answered) == 2 and ended and max(answered) < ended[0], "CRs were not mid-session"
    assert len(acs.sessions) == 3
    assert sessions[2].events == ["6 CONNECTION REQUEST"]


@pytest_twisted.ensureDeferred
async def test_udp_connection_request(tmp_path: Path) -> None:
    """A signed UDP message starts a session; tampered, old and repeated ones are dropped."""
    acs, runner, agent, _first = await start(tmp_path)
    try:
        assert agent.connreq is not None and agent.connreq.udp_port
        port = agent.connreq.udp_port
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)

        def send(ts: int, id_: int, sig: str | None = None) -> None:
            sig = sig or signature(CR_PASS, ts, id_, CR_USER, "cn1")
            msg = (
                f"GET http://127.0.0.1:{port}?ts={ts}&id={id_}&un={CR_USER}&cn=cn1&sig={sig} "
                f"HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
            )
            sock.sendto(msg.encode(), ("127.0.0.1", port))

        now = int(time.time())
        send(now, 1, sig="0" * 40)
        await task.deferLater(reactor, 0.3, lambda: None)
        assert len(acs.sessions) == 1
        send(now, 2)
        await acs.wait_for_sessions(2, timeout=5)
        send(now - 10, 3)  # older ts
        send(now + 1, 2)  # repeated id
        await task.deferLater(reactor, 0.4, lambda: None)
        assert len(acs.sessions) == 2
        assert acs.sessions[1].events == ["6 CONNECTION REQUEST"]
        try:
            reply = sock.recv(1024)
        except BlockingIOError:
            reply = b""
        assert reply == b""
        sock.close()
    finally:
        runner.stop()
        await acs.stop()


@pytest_twisted.ensureDeferred
async def test_url_follows_the_local_address_with_active_notification(tmp_path: Path) -> None:
    """With an ACS host name the URL is learnt from the connection, and every change of the
    local address republishes it with an active notification (4 VALUE CHANGE session)."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor, host="localhost")
    runner = AgentRunner(_config(tmp_path, url))
    try:
        agent = runner.start()
        first, second = await acs.wait_for_sessions(2, timeout=10)
        assert first.parameters[URL_KEY] == ""  # not known before the first connection
        learnt = second.parameters[URL_KEY]
        assert urlsplit(learnt).hostname == "127.0.0.1"
        assert second.events == ["4 VALUE CHANGE"]
        assert agent.connreq is not None
        while agent.scheduler.running:  # let session 2 finish its own address update
            await task.deferLater(reactor, 0.01, lambda: None)
        agent.connreq.local_address_is("127.0.0.2")
        sessions = await acs.wait_for_sessions(3, timeout=5)
        assert sessions[2].parameters[URL_KEY] == learnt.replace("127.0.0.1", "127.0.0.2")
        assert sessions[2].events == ["4 VALUE CHANGE"]
    finally:
        runner.stop()
        await acs.stop()


@pytest.mark.needs_tools("curl")
@pytest_twisted.ensureDeferred
async def test_http_connection_request_can_be_disabled(tmp_path: Path) -> None:
    """HTTPConnectionRequestEnable=false closes the port and empties the URL (C-11)."""
    acs, runner, _agent, first = await start(tmp_path)
    try:
        cr_url = first.parameters[URL_KEY]
        acs.queue(
            m.SetParameterValues(
                parameters=(
                    ParameterValueStruct(
                        "Device.ManagementServer.HTTPConnectionRequestEnable", "false", "boolean"
                    ),
                ),
                parameter_key="off",
            )
        )
        acs.queue(m.GetParameterValues(names=(URL_KEY,)))
        runner.agent.scheduler.request()  # type: ignore[union-attr]
        _, second = await acs.wait_for_sessions(2, timeout=5)
        gpv = second.responses[1]
        assert isinstance(gpv, m.GetParameterValuesResponse)
        assert gpv.parameters[0].value == ""
        _, code = await curl("-o", "/dev/null", cr_url)
        assert code == 7  # curl: failed to connect
    finally:
        runner.stop()
        await acs.stop()


@pytest_twisted.ensureDeferred
async def test_bootstrap_inform_carries_no_value_change(tmp_path: Path) -> None:
    """The URL published before the first Inform does not add 4 VALUE CHANGE to a bootstrap
    (E-4: the ACS reads everything anew); it is in the Inform as a forced parameter."""
    acs, runner, _agent, first = await start(tmp_path)
    try:
        assert first.events == ["0 BOOTSTRAP", "1 BOOT"]
        assert first.parameters[URL_KEY].startswith("http://127.0.0.1:")
        await task.deferLater(reactor, 0.3, lambda: None)
        assert len(acs.sessions) == 1  # and no extra session for the change
    finally:
        runner.stop()
        await acs.stop()
