"""Value-change polling on a Clock: only notified parameters, no echo of ACS changes."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.poll import ValuePoller
from cwmpd.datamodel.schema import load_schema
from cwmpd.plugin.load import model_from_declarations, schema_prefixes

MS = "Device.ManagementServer."
UPTIME = "Device.DeviceInfo.UpTime"
HOST = "Device.DeviceInfo.HostName"


def build(tmp_path: Path, device: dict[str, str]) -> DataModel:
    """A model whose UpTime and HostName are read from ``device`` by getters."""
    decl = Declarations("Device.")
    for rel in ("URL", "ParameterKey", "PeriodicInformInterval"):
        decl.store(MS + rel)
    decl.getter(UPTIME, lambda _: device["uptime"])
    decl.getter(HOST, lambda _: device["host"])
    schema = load_schema("Device.", prefixes=schema_prefixes(decl))
    return model_from_declarations(decl, schema, tmp_path)


@pytest_twisted.ensureDeferred
async def test_polls_only_notified_and_reports_changes(tmp_path: Path) -> None:
    """Only Notification>0 names are read; a change is reported once, as a value change."""
    device = {"uptime": "1", "host": "a"}
    model = build(tmp_path, device)
    await model.set_parameter_attributes([SPA(HOST, True, 2, False, ())])
    clock = Clock()
    poller = ValuePoller(model, clock, interval=30)
    active: list[bool] = []
    model.on_value_change(active.append)
    await poller.poll()
    assert set(poller.seen) == {HOST}
    device["uptime"], device["host"] = "99", "b"
    assert await poller.poll() == {HOST: "b"}
    assert active == [True]
    assert model.pending_active_changes()
    assert await poller.poll() == {}


@pytest_twisted.ensureDeferred
async def test_acs_changes_are_not_echoed(tmp_path: Path) -> None:
    """A value the ACS set is not reported by the next poll (E-8)."""
    model = build(tmp_path, {"uptime": "1", "host": "a"})
    await model.set_parameter_attributes([SPA(MS + "PeriodicInformInterval", True, 1, False, ())])
    poller = ValuePoller(model, Clock(), interval=30)
    await poller.poll()
    await model.set_parameter_values([PV(MS + "PeriodicInformInterval", "600")], "k")
    assert await poller.poll() == {}
    assert not model.pending_value_changes()


@pytest_twisted.ensureDeferred
async def test_loop_runs_on_the_clock(tmp_path: Path) -> None:
    """start() polls every interval on the injected clock, never before."""
    model = build(tmp_path, {"uptime": "1", "host": "a"})
    await model.set_parameter_attributes([SPA(HOST, True, 1, False, ())])
    clock = Clock()
    poller = ValuePoller(model, clock, interval=30)
    poller.start()
    clock.advance(29)
    assert poller.polls == 0
    clock.advance(1)
    clock.advance(30)
    assert poller.polls == 2
    poller.stop()
