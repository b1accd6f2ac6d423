"""Helpers for whole-agent transfer tests: firmware images, a misbehaving file server,
a supervisor that restarts a daemon subprocess like systemd, and polling waits.

Hand-written test scaffolding: the file server misbehaves in ways no stock server does
(cuts, trickles), and the supervisor mimics systemd's Restart=always on Twisted's
spawnProcess.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IListeningPort, ITCPTransport
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from cwmpd.cwmp import messages as m
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import reactor
from support.daemon import RestartingDaemon, daemon_config
from support.web import serve, stop

HERE = Path(__file__).resolve().parent
FW_TYPE = "1 Firmware Upgrade Image"


def firmware(version: str = "2.0.0", size: int = 4096) -> bytes:
    """A simulated-device image carrying ``version``, padded to ``size`` bytes."""
    head = f"CWMPD-SIMULATED-FIRMWARE version={version}\n".encode()
    return head + bytes(i % 251 for i in range(max(size - len(head), 0)))


def download(key: str, url: str, size: int, **kw: Any) -> m.Download:
    """A firmware Download RPC (``kw``: username, password, delay_seconds ...)."""
    return m.Download(command_key=key, file_type=FW_TYPE, url=url, file_size=size, **kw)


def transfer_completes(acs: ScriptedAcs, key: str | None = None) -> list[m.TransferComplete]:
    """Every TransferComplete that reached the ACS (in any session), optionally for ``key``."""
    out = [tc for s in acs.sessions for tc in s.transfer_completes]
    return [tc for tc in out if key is None or tc.command_key == key]


def read_state(path: Path) -> Any:
    """A JSON state file (written atomically by the agent), or None if absent."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None


def transfer_states(state_dir: Path) -> list[str]:
    """The state of each persisted transfer record."""
    data = read_state(state_dir / "transfers.json")
    records = data.get("transfers", data) if isinstance(data, dict) else data
    return [t["state"] for t in records or []]


# -- file server ---------------------------------------------------------------------------


@dataclass
class Behaviour:
    """How one path answers: full data, a cut after ``cut_after`` bytes, or a trickle.

    ``trickle`` > 0: the first ``trickle`` GETs send the first 1 KiB and then hold the
    connection open (a very slow server); later GETs get the whole file. ``hang`` > 0: the
    first ``hang`` GETs get no answer at all.
    """

    data: bytes
    cut_after: int | None = None
    trickle: int = 0
    hang: int = 0


@dataclass
class FileServer(Resource):
    """Serves Behaviours by path (404 for any other); logs (path, status) per GET."""

    files: dict[str, Behaviour] = field(default_factory=dict)
    log: list[tuple[str, int]] = field(default_factory=list)
    held: list[Request] = field(default_factory=list)
    isLeaf = True

    def __post_init__(self) -> None:
        Resource.__init__(self)  # type: ignore[no-untyped-call]

    def render_GET(self, request: Request) -> Any:
        """Answer one GET according to the path's Behaviour."""
        path = request.path.decode()
        b = self.files.get(path)
        if b is None:
            self.log.append((path, 404))
            request.setResponseCode(404)
            return b"not found"
        self.log.append((path, 200))
        if b.hang > 0:
            b.hang -= 1
            self.held.append(request)
            return NOT_DONE_YET
        if b.cut_after is None and b.trickle <= 0:
            return b.data
        request.setHeader(b"content-length", str(len(b.data)).encode())  # type: ignore[no-untyped-call]
        if b.trickle > 0:
            b.trickle -= 1
            request.write(b.data[:1024])  # type: ignore[no-untyped-call]
            self.held.append(request)
            return NOT_DONE_YET
        request.write(b.data[: b.cut_after])  # type: ignore[no-untyped-call]
        reactor.callLater(0.01, ITCPTransport(request.channel.transport).abortConnection)
        return NOT_DONE_YET


@dataclass
class Served:
    """A listening FileServer."""

    server: FileServer
    port: IListeningPort
    base: str

    def url(self, path: str) -> str:
        """Full URL of ``path``."""
        return self.base + path


async def serve_files(server: FileServer, tls: Any = None) -> Served:
    """Listen on a free loopback port (TLS when ``tls`` server options are given)."""
    served = await serve(server, tls)
    return Served(server, served.port, served.base)


# -- the daemon under a supervisor -----------------------------------------------------------


@dataclass(frozen=True)
class Exit:
    """How one daemon run ended, and the state files as the next run will find them."""

    pid: int
    signal: int | None
    code: int | None
    transfers: list[str]
    device: Any


class Supervisor(RestartingDaemon[Exit]):
    """Runs ``python crashpoint.py --config FILE`` and restarts it whenever it exits.

    ``crash_at`` names a transfer state: the first run that persists a record in that
    state SIGKILLs itself right after the write (see crashpoint.py).
    """

    def __init__(self, config: Path, state_dir: Path, crash_at: str = "") -> None:
        env = dict(os.environ)
        if crash_at:
            env["CWMPD_TEST_CRASH_AT"] = crash_at
            env["CWMPD_TEST_CRASH_MARK"] = str(config.parent / "crashed")
        argv = [sys.executable, str(HERE / "crashpoint.py"), "--config", str(config)]
        super().__init__(argv, env)
        self.config = config
        self.state_dir = state_dir

    def exit_record(self, pid: int, signal: int | None, code: int | None) -> Exit:
        """The exit, and what the state files say now."""
        device = read_state(self.state_dir / "plugins" / "simulated" / "device.json")
        return Exit(pid, signal, code, transfer_states(self.state_dir), device)


@dataclass
class Rig:
    """The ACS, the file server and the supervised daemon of one test."""

    acs: ScriptedAcs
    files: Served
    daemon: Supervisor
    state: Path

    def records(self) -> list[dict[str, object]]:
        """The persisted transfer records."""
        data = read_state(self.state / "transfers.json")
        return list(data["transfers"]) if isinstance(data, dict) else []

    def gets(self) -> int:
        """How many GETs the file server answered."""
        return len(self.files.server.log)


async def xfer_rig(tmp_path: Path, server: FileServer, crash_at: str = "") -> Rig:
    """A listening ACS and file server, and a supervised daemon for them (not started)."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    files = await serve_files(server)
    state = tmp_path / "state"
    return Rig(acs, files, Supervisor(daemon_config(tmp_path, url), state, crash_at), state)


@asynccontextmanager
async def running(rig: Rig, log_tail: int = 6000) -> AsyncIterator[Rig]:
    """The daemon runs for the block (its log's tail printed if the block fails); then the
    daemon, the ACS and the file server stop."""
    rig.daemon.start()
    try:
        yield rig
    except BaseException:
        print(rig.daemon.stderr.decode(errors="replace")[-log_tail:])
        raise
    finally:
        await rig.daemon.stop()
        await rig.acs.stop()
        await stop(rig.files.port)
