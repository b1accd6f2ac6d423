"""Shared helpers for the interoperability probes: run the agent, validate what it sent."""

from __future__ import annotations

from pathlib import Path

from conformance.xsd import validate_envelope
from cwmpd.cwmp import messages as m
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession
from support.agent_harness import AgentRunner, agent_config, reactor

MS = "Device.ManagementServer."


async def run_sessions(
    tmp_path: Path, acs: ScriptedAcs, n: int, *, restarts: int = 0, timeout: float = 20
) -> tuple[list[AcsSession], AgentRunner]:
    """Run the agent against ``acs`` until ``n`` sessions completed, then stop both.

    With ``restarts``, the agent is then stopped and started again on the same state dir
    (a daemon restart, same ACS URL) that many times, each time waiting for one more session.
    """
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url))
    try:
        runner.start()
        sessions = await acs.wait_for_sessions(n, timeout=timeout)
        for i in range(restarts):
            runner.stop()
            runner.start()
            sessions = await acs.wait_for_sessions(n + i + 1, timeout=timeout)
    finally:
        runner.stop()
        await acs.stop()
    return sessions, runner


def assert_valid(spec: Path, sessions: list[AcsSession]) -> int:
    """Every non-empty POST the agent sent validates against the BBF schemas; returns the count."""
    checked = 0
    for session in sessions:
        assert session.errors == [], session.errors
        for body in session.raw_requests:
            if body.strip():
                assert validate_envelope(spec, body) == [], body[:600]
                checked += 1
    return checked


def fault_code(message: object) -> int | None:
    """The CWMP fault code of a response, or None when it is not a Fault."""
    return message.code if isinstance(message, m.Fault) else None
