"""ManagementServer.ManageableDevice (TR-111 part 1): the table, its numbers, its notification."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.manageable import ManageableDevice, ManageableDevices, ManageableWatcher
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.schema import load_schema
from cwmpd.plugin.load import build_model, model_from_declarations, schema_prefixes
from cwmpd.plugin.management import declare_management_server
from support.agent_harness import reactor

MS = "Device.ManagementServer."
MD = MS + "ManageableDevice."
COUNT = MS + "ManageableDeviceNumberOfEntries"
STB = ManageableDevice("00d09e", "STB-1", "SetTopBox")
PHONE = ManageableDevice("0004F2", "PHONE-2", "IPPhone")
TV = ManageableDevice("001A2B", "TV-3")


def make(
    tmp_path: Path, lan: list[ManageableDevice], fail: list[bool] | None = None
) -> tuple[DataModel, ManageableDevices]:
    """A model with ManagementServer and the table, fed from the list ``lan`` (raising
    OSError while ``fail`` holds True)."""

    def source() -> list[ManageableDevice]:
        if fail and fail[0]:
            raise OSError("no lease file")
        return list(lan)

    decl = Declarations("Device.")
    declare_management_server(decl, "Device.")
    devices = ManageableDevices("Device.", source)
    devices.declare(decl)
    schema = load_schema("Device.", prefixes=schema_prefixes(decl))
    return model_from_declarations(decl, schema, tmp_path), devices


async def table(model: DataModel) -> dict[str, str]:
    return {v.name: v.value for v in await model.get_parameter_values([MD, COUNT])}


@pytest_twisted.ensureDeferred
async def test_table_lists_the_devices_read_only(tmp_path: Path) -> None:
    """Each device is one instance: OUI upper-cased, unusable entries (bad OUI, no serial,
    duplicates of the key) left out; the count follows; the ACS cannot write it."""
    lan = [STB, PHONE, ManageableDevice("XYZ", "S"), ManageableDevice("001122", ""), STB]
    model, _ = make(tmp_path, lan)
    got = await table(model)
    assert got[MD + "1.ManufacturerOUI"] == "00D09E"
    assert got[MD + "1.SerialNumber"] == "STB-1"
    assert got[MD + "1.ProductClass"] == "SetTopBox"
    assert got[MD + "2.SerialNumber"] == "PHONE-2"
    assert got[COUNT] == "2"
    names = await model.get_parameter_names(MD, True)
    assert [(p.name, p.writable) for p in names] == [(MD + "1.", False), (MD + "2.", False)]
    info = await model.get_parameter_names(MD + "1.SerialNumber", False)
    assert not info[0].writable


@pytest_twisted.ensureDeferred
async def test_each_listing_reads_the_devices_anew(tmp_path: Path) -> None:
    """A device keeps its number while it stays, a new one gets the next: each instance
    listing (each session, after an AddObject...) shows the devices of now."""
    lan = [STB, PHONE]
    model, _ = make(tmp_path, lan)
    await table(model)
    lan[:] = [PHONE, TV]
    model.instances_changed()
    got = await table(model)
    assert got[MD + "2.SerialNumber"] == "PHONE-2" and got[MD + "3.SerialNumber"] == "TV-3"
    assert MD + "1.SerialNumber" not in got and got[COUNT] == "2"


def watching(model: DataModel, devices: ManageableDevices, clock: Clock) -> ManageableWatcher:
    watcher = ManageableWatcher(model, devices, clock, 60)
    watcher.startService()
    return watcher


@pytest_twisted.ensureDeferred
async def test_watcher_runs_only_while_the_count_is_notified(tmp_path: Path) -> None:
    """Nothing on the clock until the ACS turns notification on for the count; then a
    changed count (not merely another set of devices) is a value change; the value poller
    leaves the count alone; notification off stops the checks."""
    lan = [STB, PHONE]
    model, devices = make(tmp_path, lan)
    await table(model)
    clock = Clock()
    watcher = watching(model, devices, clock)
    assert not clock.getDelayedCalls()
    await model.set_parameter_attributes([SPA(COUNT, True, 2, False)])
    assert len(clock.getDelayedCalls()) == 1
    assert COUNT not in await model.polled_parameters()
    lan[:] = [PHONE, TV]
    clock.advance(60)
    assert not model.pending_active_changes()  # another set, the same count
    assert (await table(model))[MD + "3.SerialNumber"] == "TV-3"
    lan.append(STB)
    clock.advance(60)
    assert model.pending_active_changes()
    inform = await model.inform_parameters(["4 VALUE CHANGE"])
    assert (COUNT, "3") in [(p.name, p.value) for p in inform]
    await model.set_parameter_attributes([SPA(COUNT, True, 0, False)])
    assert not clock.getDelayedCalls()
    watcher.stopService()


@pytest_twisted.ensureDeferred
async def test_notification_limit_spaces_the_reports(tmp_path: Path) -> None:
    """ManageableDeviceNotificationLimit: a count change sooner than the limit after the
    last report is reported at the first check after it (the table itself is current)."""
    lan = [STB]
    model, devices = make(tmp_path, lan)
    await model.set_parameter_values([PV(MS + "ManageableDeviceNotificationLimit", "300")], "k")
    await model.set_parameter_attributes([SPA(COUNT, True, 2, False)])
    await table(model)
    clock = Clock()
    clock.advance(1000)
    watcher = watching(model, devices, clock)
    reports: list[str] = []
    model.subscribe(lambda values, _: reports.extend(v for n, v in values.items() if n == COUNT))
    lan.append(PHONE)
    clock.advance(60)  # the first change: reported at once
    assert reports == ["2"]
    lan.append(TV)
    clock.advance(60)  # 60 s after that report: held back, yet the table shows it
    assert (await table(model))[COUNT] == "3" and reports == ["2"]
    clock.advance(180)  # 240 s
    assert reports == ["2"]
    clock.advance(60)  # 300 s: goes now
    assert reports == ["2", "3"]
    watcher.stopService()
    assert not clock.getDelayedCalls()


@pytest_twisted.ensureDeferred
async def test_a_failing_source_changes_nothing(tmp_path: Path) -> None:
    """The plugin's list raising: the table stays as it was (logged, no fault)."""
    lan, fail = [STB], [False]
    model, _ = make(tmp_path, lan, fail)
    await table(model)
    fail[0] = True
    lan.append(PHONE)
    model.instances_changed()
    assert (await table(model))[COUNT] == "1"


@pytest_twisted.ensureDeferred
async def test_simulated_device_has_a_fixed_set(tmp_path: Path) -> None:
    """The simulated device supplies two LAN devices through the plugin hook."""
    model, hooks = build_model(
        ["simulated"], state_dir=tmp_path, factory_values={}, reactor=reactor
    )
    assert hooks.manageable_devices is not None
    got = await table(model)
    assert got[COUNT] == "2"
    assert [got[MD + f"{n}.ProductClass"] for n in (1, 2)] == ["SetTopBox", "IPPhone"]
    assert isinstance(model.table_backend(MD + "{i}."), ManageableDevices)
