"""ScheduleInform the ACS was told OK survives a daemon restart (E-16, E-17).

The agent's timers run on a task.Clock (its I/O on the real reactor), so no DelaySeconds can
fall due before the restart, however slowly the first session runs: time moves only when the
test says so.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.reactors import agent_reactor
from cwmpd.service import CwmpAgent, makeService
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import agent_config, reactor
from support.fakes import ClockedReactor
from support.probe import assert_valid, fault_code


@pytest_twisted.ensureDeferred
async def test_scheduled_inform_survives_a_daemon_restart(tmp_path: Path, spec: Path) -> None:
    """Accepted ScheduleInforms fire after a restart; DelaySeconds 0 is 9003 (P-31)."""
    acs = ScriptedAcs()
    acs.queue(m.ScheduleInform(delay_seconds=1, command_key="same"))
    acs.queue(m.ScheduleInform(delay_seconds=1, command_key="same"))
    acs.queue(m.ScheduleInform(delay_seconds=2**32 - 1, command_key="far"))
    acs.queue(m.ScheduleInform(delay_seconds=0, command_key="zero"))
    timers = ClockedReactor(reactor)
    whole = agent_reactor(timers)  # it provides what the real reactor does
    config = agent_config(tmp_path, await acs.listen(reactor))

    async def stop(agent: CwmpAgent) -> None:
        stopping = agent.stopService()
        if stopping is not None:
            await stopping

    def start() -> CwmpAgent:
        agent = makeService(config, whole, rng=random.Random(1), on_exit=lambda: None)
        agent.startService()
        return agent

    timers.pump()
    agent = start()
    try:
        (first,) = await acs.wait_for_sessions(1, timeout=20)
        *accepted, zero = first.responses
        assert accepted == [m.ScheduleInformResponse()] * 3
        assert fault_code(zero) == 9003
        assert timers.seconds() == 0  # nothing can have fallen due in the first agent
        await stop(agent)
        agent = start()  # a daemon restart on the same state dir
        assert agent.scheduler.next_session_at == 1.0  # re-armed from the saved state
        assert len(acs.sessions) == 1
        timers.clock.advance(1)
        _, scheduled = await acs.wait_for_sessions(2, timeout=20)
        assert [key for _, key in agent.events.scheduled()] == ["far"]  # still waiting
    finally:
        await stop(agent)
        timers.stop_pump()
        await acs.stop()
    assert scheduled.events == ["3 SCHEDULED", "M ScheduleInform", "M ScheduleInform"]
    assert [e.command_key for e in scheduled.inform.events] == ["", "same", "same"]
    assert len(acs.sessions) == 2
    assert assert_valid(spec, [first, scheduled]) == 6
