"""TR-106 lists on the wire and the tables' counters named by the data model (issue 10).

A list parameter goes out as xsd:string (its items may be unsignedInt), and each table is
counted by the parameter the BBF XML names in ``numEntriesParameter`` (TR-098's
``WANConnectionNumberOfEntries`` counts ``WANConnectionDevice.{i}.``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from conformance.xsd import validate_envelope
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.soap import Envelope, serialize
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.schema import load_schema
from cwmpd.plugin.load import model_from_declarations, schema_prefixes

IGD = "InternetGatewayDevice."
HOPS = "Device.IP.Diagnostics.TraceRoute.RouteHops.{i}."
PORT = "Device.Bridging.Bridge.{i}.Port.{i}."


def _model(tmp_path: Path, decl: Declarations) -> DataModel:
    schema = load_schema(decl.root, prefixes=schema_prefixes(decl))
    return model_from_declarations(decl, schema, tmp_path)


def _lists_device(tmp_path: Path) -> DataModel:
    decl = Declarations("Device.")
    decl.store(HOPS + "RTTimes", "")
    decl.store(HOPS + "Host", "")
    decl.store(PORT + "PriorityRegeneration", "0,1,2,3,4,5,6,7")
    decl.store(PORT + "PriorityCodePoint.PCPEncoding", "")
    decl.store("Device.DSL.Diagnostics.SELTP.CapacitySignalPSD", "")
    decl.factory(
        {
            "Device.IP.Diagnostics.TraceRoute.RouteHops.1.RTTimes": "12,7,9",
            "Device.Bridging.Bridge.1.Port.1.PriorityRegeneration": "0,1,2,3,4,5,6,7",
        }
    )
    return _model(tmp_path, decl)


@pytest_twisted.ensureDeferred
async def test_a_list_of_unsigned_ints_goes_out_as_an_xsd_string(
    tmp_path: Path, spec: Path
) -> None:
    """GPV of RTTimes (list of unsignedInt) says xsd:string, and the response is XSD-valid."""
    model = _lists_device(tmp_path)
    got = await model.get_parameter_values(["Device.IP.Diagnostics.TraceRoute.RouteHops.1."])
    types = {p.name.rpartition(".")[2]: (p.value, p.type) for p in got}
    assert types["RTTimes"] == ("12,7,9", "string")
    body = serialize(Envelope(m.GetParameterValuesResponse(parameters=tuple(got)), id="1"))
    assert validate_envelope(spec, body) == []


@pytest.mark.parametrize("wire", ["xsd:string", "xsd:unsignedInt", None])
@pytest_twisted.ensureDeferred
async def test_an_acs_may_send_a_list_as_string_or_as_its_item_type(
    tmp_path: Path, wire: str | None
) -> None:
    """SPV of a list accepts xsi:type xsd:string (correct) and the item type (liberal)."""
    model = _lists_device(tmp_path)
    name = "Device.Bridging.Bridge.1.Port.1.PriorityRegeneration"
    await model.set_parameter_values([PV(name, "7, 6,5,4,3,2,1,0", wire or "")], "k")
    (got,) = await model.get_parameter_values([name])
    assert (got.value, got.type) == ("7,6,5,4,3,2,1,0", "string")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("0,1,2,3,4,5,6", "item count 7 is below the minimum 8"),
        ("0,1,2,3,4,5,6,7,0", "item count 9 is above the maximum 8"),
        ("0,1,2,3,4,5,6,8", "outside the allowed range"),
        ("0,1,2,3,4,5,6,x", "not a valid unsignedInt"),
    ],
)
@pytest_twisted.ensureDeferred
async def test_list_items_are_checked_against_item_count_range_and_type(
    tmp_path: Path, value: str, why: str
) -> None:
    """PriorityRegeneration is exactly 8 items of 0..7 (minItems=maxItems=8): else 9007."""
    model = _lists_device(tmp_path)
    name = "Device.Bridging.Bridge.1.Port.1.PriorityRegeneration"
    with pytest.raises(CwmpFault) as exc:
        await model.set_parameter_values([PV(name, value, "xsd:string")], "k")
    (fault,) = exc.value.set_faults
    assert fault.code == 9007 and why in fault.string


@pytest_twisted.ensureDeferred
async def test_nested_lists_are_bracketed(tmp_path: Path) -> None:
    """nestedBrackets="required" lists read "[a,b],[c,d]": lists of pairs, lists of strings."""
    model = _lists_device(tmp_path)
    psd = "Device.DSL.Diagnostics.SELTP.CapacitySignalPSD"
    await model.set_parameter_values([PV(psd, "[1, 2], [3,4]", "xsd:string")], "k")
    assert (await model.get_parameter_values([psd]))[0].value == "[1,2],[3,4]"
    with pytest.raises(CwmpFault) as exc:
        await model.set_parameter_values([PV(psd, "[1,2,3]", "xsd:string")], "k")
    assert "inner item count 3" in exc.value.set_faults[0].string
    pcp = "Device.Bridging.Bridge.1.Port.1.PriorityCodePoint.PCPEncoding"
    row = "[" + ",".join("0123456701234567") + "]"
    await model.set_parameter_values([PV(pcp, ",".join([row] * 4), "xsd:string")], "k")
    assert (await model.get_parameter_values([pcp]))[0].value == ",".join([row] * 4)


def _gateway(tmp_path: Path) -> DataModel:
    decl = Declarations(IGD)
    conn = IGD + "WANDevice.{i}.WANConnectionDevice.{i}."
    decl.store(conn + "WANIPConnection.{i}.Enable", "false")
    decl.store(IGD + "LANDevice.{i}.WLANConfiguration.{i}.Enable", "false")
    decl.store(
        IGD + "LANDevice.{i}.WLANConfiguration.{i}.AssociatedDevice.{i}.AssociatedDeviceMACAddress",
        "",
    )
    decl.store(IGD + "LANDevice.{i}.LANEthernetInterfaceConfig.{i}.Enable", "false")
    # A plugin that stores a count itself (as a device dump does) gets the live count.
    decl.store(IGD + "LANDevice.{i}.LANEthernetInterfaceNumberOfEntries", "7")
    decl.factory(
        {
            IGD + "WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.Enable": "true",
            IGD + "WANDevice.1.WANConnectionDevice.2.WANIPConnection.1.Enable": "true",
            IGD + "WANDevice.1.WANConnectionDevice.2.WANIPConnection.2.Enable": "true",
            IGD
            + "LANDevice.1.WLANConfiguration.1.AssociatedDevice.1.AssociatedDeviceMACAddress": "",
            IGD
            + "LANDevice.1.WLANConfiguration.1.AssociatedDevice.2.AssociatedDeviceMACAddress": "",
            IGD + "LANDevice.1.LANEthernetInterfaceConfig.1.Enable": "true",
        }
    )
    return _model(tmp_path, decl)


@pytest_twisted.ensureDeferred
async def test_tr098_irregular_counters_count_their_tables(tmp_path: Path) -> None:
    """WANConnectionNumberOfEntries, LANWLANConfigurationNumberOfEntries, TotalAssociations,
    LANEthernetInterfaceNumberOfEntries are there, live, and follow AddObject."""
    model = _gateway(tmp_path)
    wan, lan = IGD + "WANDevice.1.", IGD + "LANDevice.1."
    names = [
        wan + "WANConnectionNumberOfEntries",
        wan + "WANConnectionDevice.2.WANIPConnectionNumberOfEntries",
        lan + "LANWLANConfigurationNumberOfEntries",
        lan + "WLANConfiguration.1.TotalAssociations",
        lan + "LANEthernetInterfaceNumberOfEntries",
        IGD + "WANDeviceNumberOfEntries",
    ]
    got = await model.get_parameter_values(names)
    assert [(p.value, p.type) for p in got] == [
        ("2", "unsignedInt"),
        ("2", "unsignedInt"),
        ("1", "unsignedInt"),
        ("2", "unsignedInt"),
        ("1", "unsignedInt"),
        ("1", "unsignedInt"),
    ]
    await model.add_object(wan + "WANConnectionDevice.", "k")
    (after,) = await model.get_parameter_values(names[:1])
    assert after.value == "3"


#: (model builder, counters of tables the plugin does not declare, objects that stay unlisted)
UNDECLARED = {
    "InternetGatewayDevice.": (
        _gateway,
        [
            IGD + "LANDevice.1.LANUSBInterfaceNumberOfEntries",
            IGD + "WANDevice.1.WANConnectionDevice.2.WANPPPConnectionNumberOfEntries",
            IGD + "UserNumberOfEntries",
        ],
        [
            IGD + "LANDevice.1.LANUSBInterfaceConfig.",
            IGD + "WANDevice.1.WANConnectionDevice.2.WANPPPConnection.",
            IGD + "User.",
        ],
    ),
    "Device.": (
        _lists_device,
        [
            "Device.IP.InterfaceNumberOfEntries",
            "Device.Bridging.FilterNumberOfEntries",
            "Device.Bridging.Bridge.1.VLANNumberOfEntries",
        ],
        ["Device.IP.Interface.", "Device.Bridging.Filter.", "Device.Bridging.Bridge.1.VLAN."],
    ),
}


@pytest.mark.parametrize("root", sorted(UNDECLARED))
@pytest_twisted.ensureDeferred
async def test_a_counter_of_an_undeclared_table_reads_0_and_is_listed(
    tmp_path: Path, spec: Path, root: str
) -> None:
    """TR-106: a table's counter lives in the parent object, so it is there (0, read-only,
    unsignedInt, listed by GPN) even when the plugin serves no such table; the table is not."""
    build, counters, tables = UNDECLARED[root]
    model = build(tmp_path)
    got = await model.get_parameter_values(counters)
    assert [(p.name, p.value, p.type) for p in got] == [(n, "0", "unsignedInt") for n in counters]
    body = serialize(Envelope(m.GetParameterValuesResponse(parameters=tuple(got)), id="1"))
    assert validate_envelope(spec, body) == []
    listed = {p.name: p.writable for p in await model.get_parameter_names("", False)}
    assert all(listed.get(n) is False for n in counters), [(n, listed.get(n)) for n in counters]
    for name in counters:
        level = await model.get_parameter_names(name[: name.rindex(".") + 1], True)
        assert name in [p.name for p in level]
    attrs = await model.get_parameter_attributes(counters)
    assert [a.notification for a in attrs] == [0] * len(counters)
    assert not [t for t in tables if any(n.startswith(t) for n in listed)]
    with pytest.raises(CwmpFault) as exc:
        await model.set_parameter_values([PV(counters[0], "1", "xsd:unsignedInt")], "k")
    assert exc.value.set_faults[0].code == 9008
