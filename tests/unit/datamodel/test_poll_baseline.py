"""Value-change polling baseline and idle behaviour (issue 10 items 6 and 12, E-9).

The baseline of a parameter is its value when notification is turned on (read by the
SetParameterAttributes itself), so a device-side change before the first poll is
reported; and with nothing under notification the poller leaves no call on the clock.
"""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.poll import ValuePoller
from cwmpd.datamodel.schema import load_schema
from cwmpd.plugin.load import model_from_declarations, schema_prefixes

MS = "Device.ManagementServer."
HOST = "Device.DeviceInfo.HostName"
UPTIME = "Device.DeviceInfo.UpTime"


def build(tmp_path: Path, device: dict[str, str]) -> DataModel:
    """A model whose HostName and UpTime are read from ``device``; MS values in the store."""
    decl = Declarations("Device.")
    for rel in ("URL", "ParameterKey", "PeriodicInformInterval"):
        decl.store(MS + rel)
    decl.getter(HOST, lambda _: device["host"])
    decl.getter(UPTIME, lambda _: device["uptime"])
    schema = load_schema("Device.", prefixes=schema_prefixes(decl))
    return model_from_declarations(decl, schema, tmp_path)


def poller_calls(clock: Clock) -> int:
    """Delayed calls pending on the clock (the poller is the only user here)."""
    return len(clock.getDelayedCalls())


@pytest_twisted.ensureDeferred
async def test_change_before_the_first_poll_is_reported(tmp_path: Path) -> None:
    """SPA turns active notification on; the device changes the value before the first
    poll: that poll reports it (before: the first poll took it as its baseline)."""
    device = {"host": "a", "uptime": "1"}
    model = build(tmp_path, device)
    clock = Clock()
    poller = ValuePoller(model, clock, interval=30)
    poller.start()
    active: list[bool] = []
    model.on_value_change(active.append)
    await model.set_parameter_attributes([SPA(HOST, True, 2, False, ())])
    device["host"] = "b"  # between the SPA and the first poll
    clock.advance(30)
    assert poller.polls == 1
    assert active == [True], "the change before the first poll was not reported"
    assert model.pending_active_changes()
    poller.stop()


@pytest_twisted.ensureDeferred
async def test_idle_poller_leaves_nothing_on_the_clock(tmp_path: Path) -> None:
    """Nothing notified: no delayed call. The first SPA turning notification on starts
    polling; turning the last one off stops it again."""
    device = {"host": "a", "uptime": "1"}
    model = build(tmp_path, device)
    clock = Clock()
    poller = ValuePoller(model, clock, interval=30)
    poller.start()
    assert poller_calls(clock) == 0
    clock.advance(3600)
    assert poller.polls == 0
    await model.set_parameter_attributes([SPA(HOST, True, 1, False, ())])
    await model.set_parameter_attributes([SPA(UPTIME, True, 1, False, ())])
    assert poller_calls(clock) == 1
    clock.advance(30)
    assert poller.polls == 1
    await model.set_parameter_attributes([SPA(HOST, True, 0, False, ())])
    assert poller_calls(clock) == 1  # UpTime is still watched
    await model.set_parameter_attributes([SPA(UPTIME, True, 0, False, ())])
    assert poller_calls(clock) == 0
    clock.advance(3600)
    assert poller.polls == 1
    poller.stop()


@pytest_twisted.ensureDeferred
async def test_store_values_are_not_polled(tmp_path: Path) -> None:
    """Agent-stored values are reported when they are written: notifying one polls nothing."""
    model = build(tmp_path, {"host": "a", "uptime": "1"})
    clock = Clock()
    poller = ValuePoller(model, clock, interval=30)
    poller.start()
    await model.set_parameter_attributes([SPA(MS + "PeriodicInformInterval", True, 2, False, ())])
    assert poller_calls(clock) == 0
    poller.stop()


@pytest_twisted.ensureDeferred
async def test_restart_takes_the_baseline_at_start(tmp_path: Path) -> None:
    """After a restart the watched values are read when polling starts: a change between
    the start and the first poll is reported by that poll."""
    device = {"host": "a", "uptime": "1"}
    await build(tmp_path, device).set_parameter_attributes([SPA(HOST, True, 1, False, ())])
    model = build(tmp_path, device)
    clock = Clock()
    poller = ValuePoller(model, clock, interval=30)
    poller.start()
    device["host"] = "c"
    clock.advance(30)
    assert model.pending_value_changes()
    poller.stop()
