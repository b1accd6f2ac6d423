"""The TR-098 simulated gateway through the whole agent and the scripted ACS, XSD-checked."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from conformance.xsd import validate_envelope
from cwmpd.config import Config, parse_config
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession
from support.agent_harness import AgentRunner, reactor

IGD = "InternetGatewayDevice."
MS = IGD + "ManagementServer."
WAN_IP = IGD + "WANDevice.1.WANConnectionDevice.1.WANIPConnection.1."


def tr098_config(state_dir: Path, acs_url: str) -> Config:
    """A config running the ``simulated098`` device against ``acs_url``."""
    text = (
        f'[acs]\nurl = "{acs_url}"\nperiodic_inform_interval = 0\n'
        'username = "cpe"\npassword = "s3cret"\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated098"]\nstate_dir = "{state_dir}"\n'
        f'[control]\nsocket = "{state_dir}/control.sock"\n'
    )
    return parse_config(text, "tr098.toml")


def emitted_bodies(sessions: list[AcsSession]) -> list[bytes]:
    """Every non-empty POST body the agent sent."""
    return [body for s in sessions for body in s.raw_requests if body.strip()]


@pytest_twisted.ensureDeferred
async def test_tr098_session_then_reboot(tmp_path: Path, spec: Path) -> None:
    """Inform with DeviceSummary and WAN ExternalIPAddress; GPN/GPV/SPV/AddObject/Reboot; 1 BOOT."""
    acs = ScriptedAcs(auth="digest", username="cpe", password="s3cret")
    url = await acs.listen(reactor)
    runner = AgentRunner(tr098_config(tmp_path, url))
    acs.queue(m.GetParameterNames(path=IGD + "DeviceInfo.", next_level=True))
    acs.queue(
        m.GetParameterValues(names=(IGD + "LANDevice.1.LANHostConfigManagement.", MS + "URL"))
    )
    acs.queue(
        m.SetParameterValues(
            parameters=(
                PV(MS + "PeriodicInformInterval", "600", "unsignedInt"),
                PV(IGD + "Time.NTPServer1", "ntp.example.net", "string"),
            ),
            parameter_key="key-1",
        )
    )
    acs.queue(m.AddObject(object_name=WAN_IP + "PortMapping.", parameter_key="key-2"))
    acs.queue(
        m.SetParameterValues(
            parameters=(
                PV(WAN_IP + "PortMapping.1.ExternalPort", "8080", "unsignedInt"),
                PV(WAN_IP + "PortMapping.1.InternalPort", "80", "unsignedInt"),
                PV(WAN_IP + "PortMapping.1.InternalClient", "192.168.1.10", "string"),
                PV(WAN_IP + "PortMapping.1.PortMappingEnabled", "true", "boolean"),
            ),
            parameter_key="key-3",
        )
    )
    acs.queue(m.GetParameterValues(names=(WAN_IP + "PortMapping.", IGD + "Time.NTPServer1", IGD)))
    acs.queue(m.Reboot(command_key="reboot-1"))
    try:
        runner.start()
        first, second = await acs.wait_for_sessions(2, timeout=20)
    finally:
        runner.stop()
        await acs.stop()

    assert first.events == ["0 BOOTSTRAP", "1 BOOT"]
    device_id = first.inform.device_id
    assert (device_id.manufacturer, device_id.oui, device_id.product_class) == (
        "Huawei Technologies Co., Ltd.",
        "202BC1",
        "BM632w",
    )
    informed = first.parameters
    assert informed[IGD + "DeviceSummary"].startswith("InternetGatewayDevice:1.4[](Baseline:1")
    assert informed[IGD + "DeviceInfo.SoftwareVersion"] == "V100R001IRQC56B017"
    assert informed[IGD + "DeviceInfo.HardwareVersion"] == "40501"
    assert informed[WAN_IP + "ExternalIPAddress"] == "172.3.89.139"
    assert MS + "ParameterKey" in informed and MS + "ConnectionRequestURL" in informed

    gpn, gpv, spv, add, spv2, gpv2, reboot = first.responses
    assert isinstance(gpn, m.GetParameterNamesResponse)
    assert IGD + "DeviceInfo.SoftwareVersion" in {p.name for p in gpn.parameters}
    assert isinstance(gpv, m.GetParameterValuesResponse)
    values = {p.name: p for p in gpv.parameters}
    assert values[MS + "URL"].value == url
    lan = IGD + "LANDevice.1.LANHostConfigManagement."
    assert values[lan + "IPInterface.1.IPInterfaceIPAddress"].value == "192.168.1.1"
    assert values[lan + "DHCPLeaseTime"].type == "int"
    assert values[lan + "IPInterfaceNumberOfEntries"].value == "1"
    assert spv == m.SetParameterValuesResponse(status=0)
    assert add == m.AddObjectResponse(instance_number=1, status=0)
    assert spv2 == m.SetParameterValuesResponse(status=0)
    assert isinstance(gpv2, m.GetParameterValuesResponse)
    after = {p.name: p.value for p in gpv2.parameters}
    assert after[WAN_IP + "PortMapping.1.ExternalPort"] == "8080"
    assert after[WAN_IP + "PortMapping.1.InternalClient"] == "192.168.1.10"
    assert after[WAN_IP + "PortMappingNumberOfEntries"] == "1"
    assert after[IGD + "Time.NTPServer1"] == "ntp.example.net"
    assert after[IGD + "DeviceInfo.UpTime"].isdigit()
    assert isinstance(reboot, m.RebootResponse)

    assert runner.exits == 1
    assert second.events == ["1 BOOT", "M Reboot"]
    assert second.command_keys["M Reboot"] == "reboot-1"
    assert second.parameters[MS + "ParameterKey"] == "key-3"
    assert second.parameters[WAN_IP + "ExternalIPAddress"] == "172.3.89.139"

    bodies = emitted_bodies([first, second])
    assert len(bodies) >= 9
    for body in bodies:
        assert validate_envelope(spec, body) == [], body[:400]
