"""Every table's counter parameter comes from the BBF XML's ``numEntriesParameter``."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from cwmpd.datamodel import generate
from cwmpd.datamodel.schema import load_schema, parent_of

ROOTS = {generate.SOURCES[0]: "Device.", generate.SOURCES[1]: "InternetGatewayDevice."}


def _xml_counters(path: Path) -> dict[str, str]:
    """Live table -> full generic counter name, straight from the XML."""
    model = etree.parse(str(path)).getroot().find("model")
    assert model is not None
    out = {}
    for obj in model.iterfind("object"):
        count = obj.get("numEntriesParameter")
        if obj.get("status") != "deleted" and count:
            out[obj.get("name", "")] = parent_of(obj.get("name", "")) + count
    return out


@pytest.mark.parametrize(
    ("source", "expected"), [(generate.SOURCES[0], 437), (generate.SOURCES[1], 87)]
)
def test_each_table_knows_its_counter(spec: Path, source: str, expected: int) -> None:
    """437 live TR-181 tables (442 in the file, 5 of them status="deleted") and 87 TR-098
    tables name their counter; the schema has each, as an unsignedInt parameter."""
    xml = _xml_counters(spec / "datamodel" / source)
    schema = load_schema(ROOTS[source])
    got = {o.name: o.num_entries for o in schema.objects() if o.num_entries}
    assert got == xml
    assert len(got) == expected
    for counter in got.values():
        meta = schema.param(counter)
        assert meta is not None and meta.type == "unsignedInt" and not meta.writable


def test_irregular_tr098_names() -> None:
    """The names that are not <Table>NumberOfEntries (the cause of issue 10's defect)."""
    schema = load_schema("InternetGatewayDevice.")
    igd = "InternetGatewayDevice."

    def counter(table: str) -> str | None:
        obj = schema.object(igd + table)
        return None if obj is None else obj.num_entries

    assert counter("WANDevice.{i}.WANConnectionDevice.{i}.") == (
        igd + "WANDevice.{i}.WANConnectionNumberOfEntries"
    )
    assert counter("LANDevice.{i}.WLANConfiguration.{i}.") == (
        igd + "LANDevice.{i}.LANWLANConfigurationNumberOfEntries"
    )
    assert counter("LANDevice.{i}.WLANConfiguration.{i}.AssociatedDevice.{i}.") == (
        igd + "LANDevice.{i}.WLANConfiguration.{i}.TotalAssociations"
    )
    assert counter("LANDevice.{i}.LANEthernetInterfaceConfig.{i}.") == (
        igd + "LANDevice.{i}.LANEthernetInterfaceNumberOfEntries"
    )


def test_a_prefix_filtered_schema_keeps_the_counters_of_its_objects() -> None:
    """Loading only one deep parameter still loads the counters of every table below the
    objects above it (TR-106: a counter lives in its table's parent object, whether the
    table is served or not), and no other parameter of those objects."""
    igd = "InternetGatewayDevice."
    wan = igd + "WANDevice.{i}."
    ip = wan + "WANConnectionDevice.{i}.WANIPConnection.{i}."
    name = ip + "Enable"
    schema = load_schema(igd, prefixes=[name])
    assert sorted(m.name for m in schema.params()) == sorted(
        [
            name,
            igd + "LANDeviceNumberOfEntries",
            igd + "SmartCardReaderNumberOfEntries",
            igd + "UserNumberOfEntries",
            igd + "WANDeviceNumberOfEntries",
            wan + "WANConnectionNumberOfEntries",
            wan + "WANConnectionDevice.{i}.WANIPConnectionNumberOfEntries",
            wan + "WANConnectionDevice.{i}.WANPPPConnectionNumberOfEntries",
            ip + "PortMappingNumberOfEntries",
        ]
    )
    assert schema.counters()[wan + "WANConnectionDevice.{i}.WANPPPConnectionNumberOfEntries"] == (
        wan + "WANConnectionDevice.{i}.WANPPPConnection.{i}."
    )
    assert schema.object(wan + "WANConnectionDevice.{i}.WANPPPConnection.{i}.") is None
