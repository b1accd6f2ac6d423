"""cwmpd.datamodel.validate: the fault code and canonical value for SPV values."""

from __future__ import annotations

import pytest

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.schema import ParamMeta, Schema, load_schema
from cwmpd.datamodel.validate import check_value, wire_type_ok


@pytest.fixture(scope="module")
def device() -> Schema:
    """The TR-181 schema (full)."""
    return load_schema("Device.")


def _meta(schema: Schema, name: str) -> ParamMeta:
    meta = schema.param(name)
    assert meta is not None
    return meta


def _code(meta: ParamMeta, value: str, wire: str | None = None) -> int:
    with pytest.raises(CwmpFault) as info:
        check_value(meta, value, wire)
    return info.value.code


def test_unsigned_int_range(device: Schema) -> None:
    """PeriodicInformInterval: min 1, type range up to 4294967295, canonical without zeros."""
    m = _meta(device, "Device.ManagementServer.PeriodicInformInterval")
    assert check_value(m, "0300", "xsd:unsignedInt") == "300"
    assert check_value(m, "4294967295", None) == "4294967295"
    assert _code(m, "0") == 9007
    assert _code(m, "4294967296") == 9007
    assert _code(m, "-5", "xsd:int") == 9007
    assert _code(m, "abc", "xsd:string") == 9007


def test_type_mismatch_is_9006(device: Schema) -> None:
    """A wrong xsi:type is 9006; string, integer cousins, unknown and absent types pass."""
    m = _meta(device, "Device.ManagementServer.PeriodicInformInterval")
    assert _code(m, "true", "xsd:boolean") == 9006
    assert _code(m, "300", "xsd:dateTime") == 9006
    assert check_value(m, "300", "xsd:string") == "300"
    assert check_value(m, "300", "xsd:int") == "300"
    assert check_value(m, "300", "xsd:anySimpleType") == "300"
    url = _meta(device, "Device.ManagementServer.URL")
    assert _code(url, "5", "xsd:int") == 9006
    assert wire_type_ok("decimal", "unsignedLong")
    assert not wire_type_ok("unsignedInt", "decimal")


def test_booleans(device: Schema) -> None:
    """T-3: 0/1/true/false are accepted and stored canonically; other words are 9007."""
    m = _meta(device, "Device.ManagementServer.PeriodicInformEnable")
    assert check_value(m, "1", "xsd:boolean") == "true"
    assert check_value(m, "false", "xsd:boolean") == "false"
    assert _code(m, "yes", "xsd:boolean") == 9007


def test_string_length(device: Schema) -> None:
    """T-8: Username is string(256): 256 characters pass, 257 are 9007."""
    m = _meta(device, "Device.ManagementServer.Username")
    assert check_value(m, "h" * 256, "xsd:string") == "h" * 256
    assert _code(m, "h" * 257, "xsd:string") == 9007


def test_enumeration_and_read_only_values(device: Schema) -> None:
    """Values outside the enumeration are 9007; so are read-only ones unless allowed."""
    m = _meta(device, "Device.IP.Diagnostics.IPPing.DiagnosticsState")
    assert check_value(m, "Requested", "xsd:string") == "Requested"
    assert _code(m, "Bogus") == 9007
    assert _code(m, "Complete") == 9007
    assert check_value(m, "Complete", None, allow_readonly_enums=True) == "Complete"


def test_pattern(device: Schema) -> None:
    """IPv4Address: a dotted quad or empty passes; anything else is 9007."""
    m = _meta(device, "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress")
    assert check_value(m, "192.168.1.1", "xsd:string") == "192.168.1.1"
    assert check_value(m, "", "xsd:string") == ""
    assert _code(m, "192.168.1.256") == 9007
    assert _code(m, "example.com") == 9007


def test_lists(device: Schema) -> None:
    """Lists: blanks around items dropped, each item checked, maxItems and sizes enforced."""
    m = _meta(device, "Device.DHCPv4.Server.Pool.{i}.DNSServers")
    assert check_value(m, "10.0.0.1 , 10.0.0.2", "xsd:string") == "10.0.0.1,10.0.0.2"
    assert check_value(m, "", "xsd:string") == ""
    assert _code(m, "10.0.0.1,nope") == 9007
    assert _code(m, ",".join(["1.1.1.1"] * 5)) == 9007


def test_int_and_hex_binary(device: Schema) -> None:
    """Signed ranges and hexBinary octet-length facets are enforced."""
    cs = _meta(device, "Device.Time.LocalTimeZone")
    assert cs.type == "string"
    psk = _meta(device, "Device.WiFi.AccessPoint.{i}.Security.PreSharedKey")
    assert check_value(psk, "00" * 32, "xsd:hexBinary") == "00" * 32
    assert _code(psk, "00" * 33, "xsd:hexBinary") == 9007
    assert _code(psk, "0", "xsd:hexBinary") == 9007


def test_synthetic_meta_ranges_and_items() -> None:
    """Several ranges are alternatives; item length and whole-list size are separate limits."""
    ranged = ParamMeta(
        "Device.X",
        "int",
        True,
        None,
        None,
        ((-10, -1), (1, 10)),
        (),
        (),
        False,
        False,
        "normal",
        False,
        None,
    )
    assert check_value(ranged, "-5", "xsd:int") == "-5"
    assert _code(ranged, "0", "xsd:int") == 9007
    assert _code(ranged, "2147483648", "xsd:int") == 9007
    items = ParamMeta(
        "Device.Y",
        "string",
        True,
        None,
        12,
        (),
        (),
        (),
        True,
        False,
        "normal",
        False,
        None,
        item_max_length=4,
    )
    assert check_value(items, "ab, cd", None) == "ab,cd"
    assert _code(items, "abcde") == 9007
    assert _code(items, "abcd,abcd,abcd") == 9007  # 14 characters > size 12
