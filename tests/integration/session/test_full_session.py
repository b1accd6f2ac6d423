"""A whole run of the real agent against the scripted ACS: every core RPC, then a reboot."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct, SetParameterAttributesStruct
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor


@pytest_twisted.ensureDeferred
async def test_full_session_then_reboot(tmp_path: Path) -> None:
    """BOOTSTRAP+BOOT Inform; GPN/GPV/SPV/SPA/AddObject/Reboot answered; then 1 BOOT + M Reboot."""
    acs = ScriptedAcs(auth="digest", username="cpe", password="s3cret")
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url, acs='username = "cpe"\npassword = "s3cret"'))
    acs.queue(m.GetParameterNames(path="Device.DeviceInfo.", next_level=True))
    acs.queue(m.GetParameterValues(names=("Device.DeviceInfo.", "Device.ManagementServer.URL")))
    acs.queue(
        m.SetParameterValues(
            parameters=(
                ParameterValueStruct(
                    "Device.ManagementServer.PeriodicInformInterval", "600", "unsignedInt"
                ),
            ),
            parameter_key="key-1",
        )
    )
    acs.queue(
        m.SetParameterAttributes(
            parameters=(
                SetParameterAttributesStruct(
                    "Device.ManagementServer.PeriodicInformInterval", True, 1, False, ()
                ),
            )
        )
    )
    acs.queue(m.AddObject(object_name="Device.IP.Interface.", parameter_key="key-2"))
    acs.queue(m.Reboot(command_key="reboot-1"))
    try:
        runner.start()
        first, second = await acs.wait_for_sessions(2, timeout=20)
    finally:
        runner.stop()
        await acs.stop()

    assert first.events == ["0 BOOTSTRAP", "1 BOOT"]
    assert first.inform.device_id.oui == "00CAFE"
    assert first.parameters["Device.DeviceInfo.SoftwareVersion"] == "1.0.0"
    gpn, gpv, spv, spa, add, reboot = first.responses
    assert isinstance(gpn, m.GetParameterNamesResponse)
    assert "Device.DeviceInfo.SoftwareVersion" in {p.name for p in gpn.parameters}
    assert isinstance(gpv, m.GetParameterValuesResponse)
    values = {p.name: p for p in gpv.parameters}
    assert values["Device.ManagementServer.URL"].value == url
    assert values["Device.DeviceInfo.UpTime"].type == "unsignedInt"
    assert spv == m.SetParameterValuesResponse(status=0)
    assert isinstance(spa, m.SetParameterAttributesResponse)
    assert isinstance(add, m.AddObjectResponse) and add.instance_number >= 2
    assert isinstance(reboot, m.RebootResponse)

    assert runner.exits == 1
    assert second.events == ["1 BOOT", "M Reboot"]
    assert second.command_keys["M Reboot"] == "reboot-1"
    assert second.parameters["Device.ManagementServer.ParameterKey"] == "key-2"
