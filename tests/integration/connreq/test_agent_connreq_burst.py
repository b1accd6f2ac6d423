"""Connection Request bursts (C-8) against the whole agent: GenieACS 1.2.16 sends every UDP
Connection Request three times and an HTTP one 8 ms later (capture udp-cr-datagram.*,
cr-get-*.json); all of them share one session, and the copies are no warnings."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import task
from twisted.logger import LogLevel

from cwmpd.connreq.udp import signature
from integration.connreq.test_agent_connreq import CR_PASS, CR_USER, URL_KEY, curl, start
from support.agent_harness import reactor
from support.logged import LogCapture, capturing, namespace


@pytest.fixture
def warnings() -> Iterator[LogCapture]:
    """Warning-or-worse log events of the cwmpd loggers while the test runs."""
    ours = namespace("cwmpd")
    worse = (LogLevel.warn, LogLevel.error, LogLevel.critical)
    with capturing(lambda event: ours(event) and event.get("log_level") in worse) as log:
        yield log


def datagram(port: int) -> bytes:
    """GenieACS's datagram shape (absolute URI, no path, CRLF), signed now."""
    ts, id_, cn = int(time.time()), 73795294, "796b0d1ed36070af"
    sig = signature(CR_PASS, ts, id_, CR_USER, cn)
    return (
        f"GET http://127.0.0.1:{port}?ts={ts}&id={id_}&un={CR_USER}&cn={cn}&sig={sig} HTTP/1.1"
        f"\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    ).encode()


@pytest.mark.needs_tools("curl")
@pytest_twisted.ensureDeferred
async def test_three_udp_copies_and_an_http_request_share_one_session(
    tmp_path: Path, warnings: LogCapture
) -> None:
    acs, runner, agent, first = await start(tmp_path)
    try:
        assert agent.connreq is not None and agent.connreq.udp_port
        port = agent.connreq.udp_port
        data = datagram(port)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for _ in range(3):
                sock.sendto(data, ("127.0.0.1", port))
        await task.deferLater(reactor, 0.008, lambda: None)
        out, code = await curl(
            "--digest", "-u", f"{CR_USER}:{CR_PASS}", "-o", "/dev/null", "-w", "%{http_code}",
            first.parameters[URL_KEY],
        )  # fmt: skip
        assert (out, code) == ("200", 0)
        await acs.wait_for_informs(2, timeout=5)
        await task.deferLater(reactor, 1.5, lambda: None)
        assert [s.events for s in acs.sessions[1:]] == [["6 CONNECTION REQUEST"]]
        assert warnings.texts() == []
    finally:
        runner.stop()
        await acs.stop()
