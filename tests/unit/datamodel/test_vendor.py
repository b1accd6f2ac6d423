"""Vendor parameters declared through the Python API (``decl.vendor``): the simulated
device's X_00CAFE_ examples behave like standard parameters, bad names stop the load."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct as Pv
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.schema import load_schema
from cwmpd.datamodel.vendor import with_vendor
from cwmpd.diagnostics.suite import Diagnostics
from cwmpd.plugin.load import build_model, model_from_declarations, schema_prefixes
from support.fakes import stand_in

LED = "Device.DeviceInfo.X_00CAFE_LEDColour"
TEMP = "Device.DeviceInfo.X_00CAFE_BoardTemperature"


@pytest_twisted.ensureDeferred
async def test_simulated_vendor_parameters(tmp_path: Path) -> None:
    """GPN writability, GPV types, SPV checked against the declared enumeration."""
    reactor = stand_in(Clock())
    model, _ = build_model(
        ["simulated"],
        state_dir=tmp_path,
        factory_values={},
        reactor=reactor,
        diagnostics=lambda root: Diagnostics(reactor, root),
    )
    names = {
        p.name: p.writable for p in await model.get_parameter_names("Device.DeviceInfo.", True)
    }
    assert (names[LED], names[TEMP]) == (True, False)
    got = {(v.name, v.value, v.type) for v in await model.get_parameter_values([LED, TEMP])}
    assert got == {(LED, "Green", "string"), (TEMP, "41", "int")}
    with pytest.raises(CwmpFault) as bad:
        await model.set_parameter_values([Pv(LED, "purple")], "k")
    assert [f.code for f in bad.value.set_faults] == [9007]
    with pytest.raises(CwmpFault) as ro:
        await model.set_parameter_values([Pv(TEMP, "20", "int")], "k")
    assert [f.code for f in ro.value.set_faults] == [9008]
    await model.set_parameter_values([Pv(LED, "Amber")], "k")
    assert (await model.get_parameter_values([LED]))[0].value == "Amber"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Device.DeviceInfo.LEDColour", "has no X_<OUI or domain>_ prefix"),
        ("Device.DeviceInfo.X_cafe_LED", "malformed vendor prefix X_cafe_"),
        ("Device.DeviceInfo.SoftwareVersion", "cannot be redefined"),
    ],
)
def test_bad_vendor_name_stops_the_model(tmp_path: Path, name: str, problem: str) -> None:
    """A Python plugin declaring a name against TR-106 gets one ValueError line."""
    decl = Declarations("Device.")
    decl.vendor.param(name)
    decl.store(name, "")
    schema = load_schema("Device.", prefixes=schema_prefixes(decl))
    with pytest.raises(ValueError, match=problem):
        model_from_declarations(decl, with_vendor(schema, decl.vendor), tmp_path)
