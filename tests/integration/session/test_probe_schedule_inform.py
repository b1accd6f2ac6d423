"""ScheduleInform the ACS was told OK survives a daemon restart (E-16, E-17)."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.testing.acs import ScriptedAcs
from support.probe import assert_valid, fault_code, run_sessions


@pytest_twisted.ensureDeferred
async def test_scheduled_inform_survives_a_daemon_restart(tmp_path: Path, spec: Path) -> None:
    """Accepted ScheduleInforms fire after a restart; DelaySeconds 0 is 9003 (P-31)."""
    acs = ScriptedAcs()
    acs.queue(m.ScheduleInform(delay_seconds=1, command_key="same"))
    acs.queue(m.ScheduleInform(delay_seconds=1, command_key="same"))
    acs.queue(m.ScheduleInform(delay_seconds=2**32 - 1, command_key="far"))
    acs.queue(m.ScheduleInform(delay_seconds=0, command_key="zero"))
    (first, scheduled), _ = await run_sessions(tmp_path, acs, 1, restarts=1)
    *accepted, zero = first.responses
    assert accepted == [m.ScheduleInformResponse()] * 3
    assert fault_code(zero) == 9003
    assert scheduled.events == ["3 SCHEDULED", "M ScheduleInform", "M ScheduleInform"]
    assert [e.command_key for e in scheduled.inform.events] == ["", "same", "same"]
    assert assert_valid(spec, [first, scheduled]) == 6
