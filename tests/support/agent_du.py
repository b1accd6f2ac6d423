"""Helpers for whole-agent ChangeDUState tests: a cwmp-1-2 ACS (the namespace that has
ChangeDUState), a file server and a supervised daemon; what reached the ACS."""

from __future__ import annotations

from pathlib import Path

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.xmlns import NS_CWMP_12
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession
from support.agent_harness import reactor
from support.agent_xfer import FileServer, Rig, Supervisor, serve_files
from support.daemon import daemon_config


async def du_rig(tmp_path: Path, server: FileServer, crash_at: str = "") -> Rig:
    """A listening cwmp-1-2 ACS and file server, and a supervised daemon (not started)
    that SIGKILLs itself once at ChangeDUState step ``crash_at`` (see crashpoint.py)."""
    acs = ScriptedAcs(ns=NS_CWMP_12)
    url = await acs.listen(reactor)
    files = await serve_files(server)
    state = tmp_path / "state"
    daemon = Supervisor(daemon_config(tmp_path, url), state)
    if crash_at:
        daemon.env["CWMPD_TEST_DU_CRASH_AT"] = crash_at
        daemon.env["CWMPD_TEST_CRASH_MARK"] = str(tmp_path / "crashed")
    return Rig(acs, files, daemon, state)


def du_completes(acs: ScriptedAcs, key: str | None = None) -> list[m.DUStateChangeComplete]:
    """Every DUStateChangeComplete that reached the ACS, optionally for CommandKey ``key``."""
    out = [
        r for s in acs.sessions for r in s.cpe_requests if isinstance(r, m.DUStateChangeComplete)
    ]
    return [r for r in out if key is None or r.command_key == key]


def carried(session: AcsSession, key: str) -> bool:
    """The session carried the DUStateChangeComplete of ``key``."""
    return any(
        isinstance(r, m.DUStateChangeComplete) and r.command_key == key
        for r in session.cpe_requests
    )
