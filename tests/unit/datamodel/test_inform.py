"""Inform ParameterList content and value-change notification (E-7..E-12)."""

from __future__ import annotations

import pytest
import pytest_twisted

from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.datamodel import inform
from cwmpd.datamodel.model import DataModel
from support.datamodel_fakes import MS

FORCED = {
    "Device.RootDataModelVersion",
    "Device.DeviceInfo.HardwareVersion",
    "Device.DeviceInfo.SoftwareVersion",
    "Device.DeviceInfo.ProvisioningCode",
    MS + "ParameterKey",
    MS + "ConnectionRequestURL",
}


async def names(model: DataModel, *codes: str) -> list[str]:
    """Names in the Inform ParameterList for ``codes``."""
    return [p.name for p in await model.inform_parameters(list(codes))]


async def inform_entry(model: DataModel, pattern: str, events: str, enable: str = "1") -> None:
    """Add a ManagementServer.InformParameter entry."""
    number, _ = await model.add_object(MS + "InformParameter.", "")
    row = f"{MS}InformParameter.{number}."
    await model.set_parameter_values(
        [
            PV(row + "Enable", enable, "boolean"),
            PV(row + "ParameterName", pattern, "string"),
            PV(row + "EventList", events, "string"),
        ],
        "",
    )


@pytest_twisted.ensureDeferred
async def test_forced_parameters_are_always_there(model: DataModel) -> None:
    """Every forced-inform parameter the model has is in every Inform."""
    assert set(await names(model, "2 PERIODIC")) == FORCED


@pytest_twisted.ensureDeferred
async def test_inform_parameter_wildcard_and_event_list(model: DataModel) -> None:
    """A "*" entry expands over instances when one of its events is delivered."""
    await inform_entry(model, "Device.IP.Interface.*.Name", "1 BOOT, 6 CONNECTION REQUEST")
    got = await names(model, "6 CONNECTION REQUEST")
    assert {"Device.IP.Interface.1.Name", "Device.IP.Interface.2.Name"} <= set(got)
    assert "Device.IP.Interface.1.Name" not in await names(model, "2 PERIODIC")


@pytest_twisted.ensureDeferred
async def test_empty_event_list_means_all_but_value_change(model: DataModel) -> None:
    """An empty EventList matches any event except a lone "4 VALUE CHANGE"."""
    await inform_entry(model, "Device.IP.Interface.1.", "")
    assert "Device.IP.Interface.1.IPv4Address.1.IPAddress" in await names(model, "2 PERIODIC")
    assert "Device.IP.Interface.1.Name" not in await names(model, "4 VALUE CHANGE")


@pytest_twisted.ensureDeferred
async def test_disabled_entry_is_ignored(model: DataModel) -> None:
    """An InformParameter entry with Enable=false adds nothing."""
    await inform_entry(model, MS + "URL", "", enable="false")
    assert MS + "URL" not in await names(model, "1 BOOT")


@pytest_twisted.ensureDeferred
async def test_hidden_parameter_is_null_in_inform(model: DataModel) -> None:
    """A hidden parameter named by InformParameter still reads back empty."""
    model.set_local({MS + "Password": "secret"})
    await inform_entry(model, MS + "Password", "")
    got = {p.name: p.value for p in await model.inform_parameters(["1 BOOT"])}
    assert got[MS + "Password"] == ""


@pytest_twisted.ensureDeferred
async def test_passive_change_reported_until_delivered(model: DataModel) -> None:
    """A local change under Notification 1 is pending, reported, then cleared on delivery."""
    await model.set_parameter_attributes([SPA(MS + "URL", True, 1, False, ())])
    assert not model.pending_value_changes()
    model.set_local({MS + "URL": "http://new/"})
    assert model.pending_value_changes() and not model.pending_active_changes()
    assert MS + "URL" in await names(model, "4 VALUE CHANGE")
    assert MS + "URL" in await names(model, "4 VALUE CHANGE")  # a retried Inform repeats it
    model.inform_delivered()
    assert not model.pending_value_changes()
    assert MS + "URL" not in await names(model, "2 PERIODIC")


@pytest_twisted.ensureDeferred
async def test_active_change_signals_listener(model: DataModel) -> None:
    """A change to a parameter with active notification calls on_value_change(True)."""
    seen: list[bool] = []
    model.on_value_change(seen.append)
    model.set_local({MS + "ConnectionRequestURL": "http://10.0.0.1:7547/x"})
    assert seen == [True] and model.pending_active_changes()
    model.set_local({MS + "ConnectionRequestURL": "http://10.0.0.1:7547/x"})
    assert seen == [True]  # the same value again is no change


@pytest_twisted.ensureDeferred
async def test_acs_changes_are_not_value_changes(model: DataModel) -> None:
    """Values the ACS sets are never reported as value changes (E-8)."""
    await model.set_parameter_attributes([SPA(MS + "URL", True, 2, False, ())])
    await model.set_parameter_values([PV(MS + "URL", "http://acs2/", "string")], "")
    assert not model.pending_value_changes()


@pytest_twisted.ensureDeferred
async def test_report_changes_hook_feeds_notifications(model: DataModel) -> None:
    """Backends report device-side changes through report_changes."""
    await model.set_parameter_attributes([SPA("Device.DeviceInfo.UpTime", True, 1, False, ())])
    model.report_changes({"Device.DeviceInfo.UpTime": "43"})
    assert "Device.DeviceInfo.UpTime" in await names(model, "4 VALUE CHANGE")
    assert await model.notified_parameters() == [
        "Device.DeviceInfo.ProvisioningCode",
        "Device.DeviceInfo.SoftwareVersion",
        "Device.DeviceInfo.UpTime",
        MS + "ConnectionRequestURL",
    ]


@pytest.mark.parametrize(
    ("event_list", "codes", "expected"),
    [
        ("", ["4 VALUE CHANGE"], False),
        ("", ["4 VALUE CHANGE", "2 PERIODIC"], True),
        ("1 BOOT,2 PERIODIC", ["2 PERIODIC"], True),
        ("1 BOOT", ["M Reboot"], False),
    ],
)
def test_events_match(event_list: str, codes: list[str], expected: bool) -> None:
    """EventList matching rules."""
    assert inform.events_match(event_list, codes) is expected
