"""DataModel.watch: names watched for another front end (USP ValueChange) are polled like
notified ones, without touching the CWMP notification attributes or value-change report."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.poll import ValuePoller
from support.datamodel_fakes import make_model

HOST = "Device.DeviceInfo.HostName"


@pytest_twisted.ensureDeferred
async def test_watched_names_are_polled_and_reported_to_subscribers(tmp_path: Path) -> None:
    """A watched getter is polled and its change reaches subscribers; CWMP owes nothing."""
    device = {"host": "a"}

    def extra(decl: Declarations) -> None:
        decl.getter(HOST, lambda _: device["host"])

    model = make_model(tmp_path, extra)
    seen: list[dict[str, str]] = []
    model.subscribe(lambda values, source: seen.append(dict(values)))
    clock = Clock()
    poller = ValuePoller(model, clock, 10)
    poller.start()
    await model.watch("usp", [HOST])
    assert await model.polled_parameters() == [HOST]
    assert poller.seen == {HOST: "a"}
    device["host"] = "b"
    clock.advance(10)
    assert seen == [{HOST: "b"}]
    assert not model.pending_value_changes()
    await model.watch("usp", [])
    assert await model.polled_parameters() == []
    assert poller.seen == {}
    poller.stop()


@pytest_twisted.ensureDeferred
async def test_cwmp_notification_off_keeps_a_watched_name_polled(tmp_path: Path) -> None:
    """SPA turning Notification off leaves a watched name's baseline in the poller."""
    device = {"host": "a"}

    def extra(decl: Declarations) -> None:
        decl.getter(HOST, lambda _: device["host"])

    model = make_model(tmp_path, extra)
    clock = Clock()
    poller = ValuePoller(model, clock, 10)
    poller.start()
    await model.set_parameter_attributes([SPA(HOST, True, 2, False, ())])
    await model.watch("usp", [HOST])
    await model.set_parameter_attributes([SPA(HOST, True, 0, False, ())])
    assert poller.seen == {HOST: "a"}
    assert await model.polled_parameters() == [HOST]
    poller.stop()
