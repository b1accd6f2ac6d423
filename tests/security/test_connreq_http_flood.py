"""Slow and numerous connections to the HTTP Connection Request listener, whole agent on
loopback: the listener cuts slow clients off, holds a bounded number of connections, and the
agent goes on: its ScheduleInform reaches the ACS, cwmpctl answers, a correct Connection
Request from the ACS's address gets through."""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import defer, protocol, task
from twisted.python.failure import Failure

from support.agent_harness import reactor
from support.connreq_world import CR_PASS, CR_USER, World, start
from support.processes import cwmpctl, output_and_code
from support.tcp import connect_tcp
from support.waiting import sleep

HERE = Path(__file__).resolve().parent
ATTACKER = "127.0.0.2"


def open_fds() -> int:
    """Descriptors this process (the agent's) holds; all of them when none is left to count."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # EMFILE
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@pytest.fixture
def nofile_1024() -> Iterator[None]:
    """The agent runs with the common default soft limit of 1024 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class _Trickle(protocol.Protocol):
    """Sends a request's headers one byte every 0.5 s, never finishing them."""

    def __init__(self, lost: defer.Deferred[float]) -> None:
        self.lost = lost
        self.loop = task.LoopingCall(self.tick)
        self.text = b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200

    def connectionMade(self) -> None:
        self.started = time.monotonic()
        self.loop.start(0.5)

    def tick(self) -> None:
        assert self.transport is not None
        self.transport.write(self.text[:1])
        self.text = self.text[1:] or b"a"

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        if self.loop.running:
            self.loop.stop()
        self.lost.callback(time.monotonic() - self.started)


@pytest.mark.needs_tools("curl")
@pytest_twisted.ensureDeferred
async def test_headers_sent_at_one_byte_a_second_are_cut_off(tmp_path: Path) -> None:
    world = await start(tmp_path)
    try:
        lost: defer.Deferred[float] = defer.Deferred()
        connect_tcp(_Trickle(lost), world.http_port, ATTACKER)
        held = await lost.addTimeout(10, reactor)
        print(f"slow client held its connection {held:.1f} s")
        assert held < 7.5  # header_timeout 5 s (default) and some slack
        assert await curl_cr(world) == "200"
        (*_, last) = await world.acs.wait_for_informs(2, timeout=5)
        assert last.events == ["6 CONNECTION REQUEST"]
    except defer.TimeoutError:
        pytest.fail("slow client still connected after 10 s")
    finally:
        await world.stop()


class _Attacker(protocol.ProcessProtocol):
    def __init__(self) -> None:
        self.ready: defer.Deferred[None] = defer.Deferred()
        self.ended: defer.Deferred[None] = defer.Deferred()
        self.out = b""

    def outReceived(self, data: bytes) -> None:
        self.out += data
        if b"ready" in self.out and not self.ready.called:
            self.ready.callback(None)

    def processEnded(self, reason: object) -> None:
        if not self.ready.called:
            self.ready.callback(None)
        self.ended.callback(None)


async def cwmpctl_status(sock: Path) -> int:
    """``cwmpctl status`` (a real subprocess); its exit code, -1 after 5 s without an answer."""
    try:
        code, _out, _err = await cwmpctl(sock, "status", timeout=5)
    except (defer.TimeoutError, OSError):  # OSError: EMFILE, no descriptor for the pipes
        return -1
    return code


async def curl_cr(world: World) -> str:
    """curl --digest to the published URL, 5 s at most; its status code ("000" = none)."""
    try:
        out, _err, _code = await output_and_code(
            "/usr/bin/curl",
            ["-s", "-m", "5", "--digest", "-u", f"{CR_USER}:{CR_PASS}", "-o", "/dev/null",
             "-w", "%{http_code}", world.cr_url],
        )  # fmt: skip
    except OSError as exc:  # EMFILE: the agent's process has no descriptor left for the pipes
        return f"not run ({exc.strerror})"
    return out.decode()


@pytest.mark.needs_tools("curl")
@pytest.mark.parametrize("connections", [1100])
@pytest_twisted.ensureDeferred
async def test_slow_connection_flood_leaves_the_agent_working(
    tmp_path: Path, nofile_1024: None, connections: int
) -> None:
    world = await start(tmp_path)
    attacker = _Attacker()
    script = str(HERE / "connreq_slowloris.py")
    args = [sys.executable, script, str(world.http_port), str(connections), ATTACKER, "12"]
    proc = reactor.spawnProcess(attacker, sys.executable, args, env=dict(os.environ))
    try:
        await attacker.ready.addTimeout(10, reactor)
        world.agent.scheduler.schedule_inform(1, "during-flood")
        await sleep(3.0)
        peak = open_fds()
        cr = await curl_cr(world)
        status = await cwmpctl_status(world.tmp_path / "control.sock")
        await sleep(1.5)
        peak = max(peak, open_fds())
        events = [e for s in world.acs.sessions[1:] for e in s.events]
        print(f"{connections} slow connections: agent holds {peak} descriptors; CR {cr}; "
              f"cwmpctl status -> {status}; events delivered {events}")  # fmt: skip
        assert cr == "200"
        assert status == 0
        assert "M ScheduleInform" in events and "6 CONNECTION REQUEST" in events
        assert peak < 300
        assert world.agent.running
    finally:
        if attacker.ended.called is False:
            proc.signalProcess("KILL")
        await attacker.ended
        await world.stop()
