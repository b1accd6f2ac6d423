"""Whole-daemon crash campaigns: a real ``cwmpd`` subprocess SIGKILLed at seeded random
moments while the scripted ACS (and cwmpctl's control socket) keep it busy.

Hand-written test scaffolding: a supervisor restarting the daemon like systemd's
Restart=always, a file server taking Upload PUTs and serving Download GETs, and the
bookkeeping of what the agent acknowledged versus what the ACS received. One campaign
runs many kills against one daemon and state folder, not one fresh daemon per kill.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IListeningPort
from twisted.web.resource import Resource
from twisted.web.server import Request

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.xmlns import NS_CWMP_10
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession, Exchange
from support.agent_harness import reactor
from support.control_client import command
from support.daemon import RestartingDaemon, daemon_config
from support.waiting import sleep, wait_for
from support.web import listen_local, port_number, site, stop


class Daemon(RestartingDaemon[tuple[int | None, int | None]]):
    """``python -m cwmpd --config FILE``, restarted whenever it exits (until ``stop``)."""

    def __init__(self, config: Path) -> None:
        super().__init__([sys.executable, "-m", "cwmpd", "--config", str(config)], tail=8000)
        self.config = config

    def exit_record(
        self, pid: int, signal: int | None, code: int | None
    ) -> tuple[int | None, int | None]:
        """(signal, exit code)."""
        return (signal, code)


class Files(Resource):
    """GET serves ``files`` by path; PUT stores the body under its path (Upload)."""

    isLeaf = True

    def __init__(self, files: dict[str, bytes]) -> None:
        Resource.__init__(self)  # type: ignore[no-untyped-call]
        self.files = files
        self.puts: list[str] = []

    def render_GET(self, request: Request) -> bytes:
        """The file, or 404."""
        data = self.files.get(request.path.decode())
        if data is None:
            request.setResponseCode(404)
            return b"not found"
        return data

    def render_PUT(self, request: Request) -> bytes:
        """Accept an upload."""
        assert request.content is not None
        self.files[request.path.decode()] = request.content.read()
        self.puts.append(request.path.decode())
        return b""


async def control(socket_path: Path, name: str, *args: str) -> dict[str, Any] | None:
    """One cwmpctl command over the control socket; None when the daemon is not there."""
    try:
        return await command(socket_path, name, *args, connect_timeout=1)
    except Exception:
        return None


async def answering(socket: Path, *probe: str, timeout: float = 30) -> None:
    """Wait until the (re)started daemon answers ``probe`` (a cwmpctl command, "status"
    by default) with ok on its control socket ``socket``; AssertionError after ``timeout`` s.
    Every kill campaign times its kills from this, not from the spawn."""
    end = time.monotonic() + timeout
    while True:
        answer = await control(socket, *(probe or ("status",)))
        if answer is not None and answer.get("ok"):
            return
        if time.monotonic() > end:
            raise AssertionError(f"the daemon never answered {probe} on its control socket")
        await sleep(0.02)


@dataclass
class Campaign:
    """One daemon, its state folder and ACS, and what was acknowledged and received."""

    tmp: Path
    acs: ScriptedAcs
    daemon: Daemon
    files: Files
    file_url: str
    rng: random.Random
    port: IListeningPort  # the file server's
    acked: dict[str, float] = field(default_factory=dict)  # what the agent confirmed, when
    started_at: list[float] = field(default_factory=list)  # ACS time of each session start
    on_start: list[Callable[[AcsSession], None]] = field(default_factory=list)

    @property
    def socket(self) -> Path:
        """The control socket."""
        return self.tmp / "control.sock"

    def ack_on(self, response: type[m.Message], key: Callable[[m.Message], str]) -> None:
        """Count ``key(rpc)`` as acknowledged when the agent answers it with ``response``."""

        def seen(session: AcsSession, exchange: Exchange) -> None:
            if not exchange.by_cpe and isinstance(exchange.received, response):
                assert isinstance(exchange.sent, m.Message)
                self.acked.setdefault(key(exchange.sent), time.monotonic())

        self.acs.on_exchange(seen)

    async def answering(self, *probe: str, timeout: float = 30) -> None:
        """Wait until the (re)started daemon answers ``probe`` (``answering`` below)."""
        await answering(self.socket, *probe, timeout=timeout)

    async def kill_randomly(
        self, kills: int, low: float, high: float, probe: tuple[str, ...] = ("status",)
    ) -> None:
        """SIGKILL the daemon ``kills`` times, each ``uniform(low, high)`` s after it answered
        ``probe`` on its control socket (``answering``), not after the spawn: start-up alone
        can outlast ``high`` on a loaded machine, and then every kill would land before the
        first session and the campaign would test nothing. A life the daemon ends itself
        (a reboot) before its kill narrows the window for the next (by 0.7, down to ``low``
        plus 10 ms), a kill widens it again (by 1.25, up to ``high``): on a fast machine a
        Reboot's session can end before most of the window, and the campaign would
        otherwise take ever longer to land its kills."""
        daemon = self.daemon
        top = high
        while daemon.kills < kills:
            starts = daemon.starts
            await self.answering(*probe)
            await sleep(self.rng.uniform(low, top))
            if daemon.starts == starts:  # not already restarted by a reboot
                daemon.kill()
                top = min(high, low + (top - low) * 1.25)
            else:
                top = max(low + 0.01, low + (top - low) * 0.7)
            await wait_for(lambda n=starts: daemon.starts > n, 10, "the restart")  # type: ignore[misc]

    def delivered(self, code: str) -> dict[str, list[AcsSession]]:
        """CommandKey -> the sessions whose Inform carried ``code`` with it."""
        out: dict[str, list[AcsSession]] = {}
        for s in self.acs.sessions:
            for e in s.inform.events:
                if e.code == code:
                    out.setdefault(e.command_key, []).append(s)
        return out

    def transfer_completes(self) -> dict[str, list[AcsSession]]:
        """CommandKey -> the sessions that carried a TransferComplete for it."""
        out: dict[str, list[AcsSession]] = {}
        for s in self.acs.sessions:
            for tc in s.transfer_completes:
                out.setdefault(tc.command_key, []).append(s)
        return out


async def campaign(
    tmp: Path, seed: int, periodic: int = 1, ns: str | None = NS_CWMP_10
) -> Campaign:
    """A listening ACS (answering in ``ns``) and file server, and a started daemon on a
    fresh state folder."""
    acs = ScriptedAcs(ns=ns)
    url = await acs.listen(reactor)
    files = Files({})
    port = await listen_local(site(files))
    config = daemon_config(tmp, url, periodic=periodic)
    rig = Campaign(
        tmp,
        acs,
        Daemon(config),
        files,
        f"http://127.0.0.1:{port_number(port)}",
        random.Random(seed),
        port,
    )

    def started(session: AcsSession) -> None:
        rig.started_at.append(time.monotonic())
        for hook in rig.on_start:
            hook(session)

    acs.on_session(started)
    rig.daemon.start()
    return rig


async def finish(rig: Campaign) -> None:
    """Stop the daemon, the ACS and the file server."""
    await rig.daemon.stop()
    await rig.acs.stop()
    await stop(rig.port)


def after_completed(sessions: list[AcsSession]) -> list[AcsSession]:
    """Sessions that came after one that carried the same thing and went past its Inform
    (the agent posted again after InformResponse, so it had recorded the delivery)."""
    for i, s in enumerate(sessions):
        if len(s.raw_requests) > 1 or s.completed:
            return sessions[i + 1 :]
    return []
