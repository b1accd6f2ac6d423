"""When BOOTSTRAP and BOOT are sent: fresh state, a new ACS URL, a reboot, never a restart."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor

URL = "Device.ManagementServer.URL"


@pytest_twisted.ensureDeferred
async def test_daemon_restart_is_not_a_boot(tmp_path: Path) -> None:
    """Stopping and starting the daemon on the same state sends neither BOOTSTRAP nor BOOT."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    config = agent_config(tmp_path, url)
    try:
        first_run = AgentRunner(config)
        first_run.start()
        (first,) = await acs.wait_for_sessions(1, timeout=10)
        first_run.stop()
        second_run = AgentRunner(config)
        agent = second_run.start()
        agent.scheduler.request("6 CONNECTION REQUEST")
        _, second = await acs.wait_for_sessions(2, timeout=10)
        second_run.stop()
    finally:
        await acs.stop()
    assert first.events == ["0 BOOTSTRAP", "1 BOOT"]
    assert second.events == ["6 CONNECTION REQUEST"]


@pytest_twisted.ensureDeferred
async def test_new_acs_url_bootstraps_at_the_new_acs(tmp_path: Path) -> None:
    """SPV of ManagementServer.URL: the next session goes to the new ACS with 0 BOOTSTRAP."""
    old, new = ScriptedAcs(), ScriptedAcs()
    old_url, new_url = await old.listen(reactor), await new.listen(reactor)
    old.queue(
        m.SetParameterValues(
            parameters=(ParameterValueStruct(URL, new_url, "string"),), parameter_key="move"
        )
    )
    runner = AgentRunner(agent_config(tmp_path, old_url))
    try:
        runner.start()
        (at_old,) = await old.wait_for_sessions(1, timeout=10)
        (at_new,) = await new.wait_for_sessions(1, timeout=10)
    finally:
        runner.stop()
        await old.stop()
        await new.stop()
    assert at_old.responses == [m.SetParameterValuesResponse(status=0)]
    assert at_new.events == ["0 BOOTSTRAP"]
    assert at_new.parameters["Device.ManagementServer.ParameterKey"] == "move"
    assert len(old.sessions) == 1
