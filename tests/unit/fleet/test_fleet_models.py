"""Devices built by SharedModels share the tree, yet keep their own values and instances."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.datamodel.model import DataModel
from cwmpd.fleet.identity import Variant, identity
from cwmpd.fleet.models import SharedModels
from support.agent_harness import reactor

NAME = "Device.DeviceInfo.ProvisioningCode"


def build(models: SharedModels, tmp: Path, n: int) -> DataModel:
    """Device n of a TR-181 fleet, its state under ``tmp``."""
    ident = identity(n, seed=1, prefix="T", variants=(Variant(oui="ABCDEF"),))
    make = models.builder(ident, periodic=60, cr_url=f"http://fleet/{ident.serial}/")
    model, _ = make(["simulated"], state_dir=tmp / ident.serial, factory_values={}, reactor=reactor)
    return model


@pytest_twisted.ensureDeferred
async def test_shared_tree_own_values_and_instances(tmp_path: Path) -> None:
    """One plugin import and one tree for both; SPV and AddObject stay with their device."""
    models = SharedModels()
    a, b = build(models, tmp_path, 1), build(models, tmp_path, 2)
    assert a._tree is b._tree
    assert len(models._modules) == 1 and len(models._templates) == 1
    await a.set_parameter_values([ParameterValueStruct(NAME, "only-a", "string")], "k1")
    number, _ = await b.add_object("Device.IP.Interface.", "k2")
    assert a.value(NAME) == "only-a" and b.value(NAME) == ""
    assert a.value("Device.ManagementServer.ParameterKey") == "k1"
    assert b.value("Device.ManagementServer.ParameterKey") == "k2"
    names_a = {p.name for p in await a.get_parameter_values(["Device.IP."])}
    names_b = {p.name for p in await b.get_parameter_values(["Device.IP."])}
    assert f"Device.IP.Interface.{number}.Enable" in names_b - names_a
    counts = await a.get_parameter_values(["Device.IP.InterfaceNumberOfEntries"])
    counts_b = await b.get_parameter_values(["Device.IP.InterfaceNumberOfEntries"])
    assert int(counts_b[0].value) == int(counts[0].value) + 1
    ids = [await m.device_id() for m in (a, b)]
    assert [i.serial_number for i in ids] == ["T000001", "T000002"]
    assert {i.oui for i in ids} == {"ABCDEF"}
    url = await b.get_parameter_values(["Device.ManagementServer.ConnectionRequestURL"])
    assert url[0].value == "http://fleet/T000002/"
