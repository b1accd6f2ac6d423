"""The agent runs the TR-111 watcher while the ACS watches ManageableDeviceNumberOfEntries."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from unit.test_service_idle_timers import POLL, TracingReactor, _agent

COUNT = "Device.ManagementServer.ManageableDeviceNumberOfEntries"


@pytest_twisted.ensureDeferred
async def test_watcher_checks_while_the_count_is_notified(tmp_path: Path) -> None:
    """The simulated device has the table; notification on its count puts one check on
    the clock every poll interval (and the value poller does not poll the count)."""
    reactor = TracingReactor()
    agent = _agent(tmp_path, reactor)
    agent.startService()
    try:
        got = await agent.model.get_parameter_values([COUNT])
        assert got[0].value == "2"
        await agent.model.set_parameter_attributes([SPA(COUNT, True, 1, False)])
        assert COUNT not in await agent.model.polled_parameters()
        reactor.traced.clear()
        reactor.advance(POLL)
        fired = {name for _, name in reactor.traced}
        assert any("ManageableWatcher.check" in name for name in fired), fired
        await agent.model.set_parameter_attributes([SPA(COUNT, True, 0, False)])
        reactor.traced.clear()
        reactor.advance(POLL)
        assert not any("ManageableWatcher" in name for _, name in reactor.traced)
    finally:
        agent.stopService()
