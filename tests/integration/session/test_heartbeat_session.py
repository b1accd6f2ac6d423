"""Heartbeat against the scripted ACS: the ACS turns HeartbeatPolicy on, a "14 HEARTBEAT"
session of its own follows on the InitiationTime grid (TR-069 Annex O)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import NS_CWMP_12
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor

HB = "Device.ManagementServer.HeartbeatPolicy."


@pytest_twisted.ensureDeferred
async def test_heartbeat_session_carries_only_its_event(tmp_path: Path) -> None:
    """SPV of HeartbeatPolicy: the heartbeat due 3 s later comes in a session of its own,
    "14 HEARTBEAT" alone, RetryCount 0, in the cwmp-1-2 namespace; the next is armed."""
    acs = ScriptedAcs(ns=NS_CWMP_12)
    due = int(time.time()) + 3
    when = datetime.fromtimestamp(due, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    acs.queue(
        m.SetParameterValues(
            parameters=(
                PV(HB + "ReportingInterval", "30", "xsd:unsignedInt"),
                PV(HB + "InitiationTime", when, "xsd:dateTime"),
                PV(HB + "Enable", "true", "xsd:boolean"),
            ),
            parameter_key="hb",
        )
    )
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url))
    try:
        agent = runner.start()
        first, second = await acs.wait_for_sessions(2, timeout=30)
        assert agent.scheduler.next_heartbeat_at == pytest.approx(due + 30, abs=0.01)
    finally:
        runner.stop()
        await acs.stop()
    assert "14 HEARTBEAT" not in [e.code for e in first.inform.events]
    assert isinstance(first.responses[0], m.SetParameterValuesResponse)
    assert [e.code for e in second.inform.events] == ["14 HEARTBEAT"]
    assert second.inform.retry_count == 0
    assert second.inform_envelope.ns == NS_CWMP_12
    started = second.inform.current_time
    assert abs(datetime.fromisoformat(started).timestamp() - due) <= 1.5
