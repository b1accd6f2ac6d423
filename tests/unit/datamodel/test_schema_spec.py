"""The shipped data-model metadata against the Broadband Forum XML (needs the spec folder)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest
from lxml import etree

from cwmpd.datamodel import generate
from cwmpd.datamodel.schema import ParamMeta, Schema, data_file, load_schema

DATA = Path(generate.__file__).parent / "data"


@pytest.fixture(scope="module")
def device() -> Schema:
    """The full TR-181 Device:2 schema."""
    return load_schema("Device.")


@pytest.fixture(scope="module")
def igd() -> Schema:
    """The full TR-098 InternetGatewayDevice:1 schema."""
    return load_schema("InternetGatewayDevice.")


def _param(schema: Schema, name: str) -> ParamMeta:
    meta = schema.param(name)
    assert meta is not None, name
    return meta


@pytest.mark.parametrize("source", generate.SOURCES)
def test_regenerating_gives_the_committed_files(spec: Path, source: str) -> None:
    """Regenerating from the spec gives the committed data files byte for byte.

    The content is compared always; the gzip bytes too unless Python runs on zlib-ng, whose
    deflate output legitimately differs from classic zlib's.
    """
    root, text = generate.convert(spec / "datamodel" / source)
    committed = (DATA / data_file(root)).read_bytes()
    assert gzip.decompress(committed).decode("utf-8") == text
    if "ng" not in zlib.ZLIB_RUNTIME_VERSION:
        assert generate.compress(text) == committed


def test_generator_cli_writes_both_roots(spec: Path, tmp_path: Path) -> None:
    """`python -m cwmpd.datamodel.generate SPEC --out DIR` writes one file per root."""
    assert generate.main([str(spec), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "Device.tsv.gz",
        "InternetGatewayDevice.tsv.gz",
    ]


def test_generator_reports_a_bad_spec_dir(tmp_path: Path) -> None:
    """A folder without the XML makes the generator fail with exit code 1, not a traceback."""
    assert generate.main([str(tmp_path), "--out", str(tmp_path / "out")]) == 1


def test_every_xml_parameter_is_in_the_schema(spec: Path, device: Schema) -> None:
    """Each live parameter of the TR-181 XML model is present with its access."""
    doc = etree.parse(str(spec / "datamodel" / generate.SOURCES[0]))
    count = 0
    for obj in doc.getroot().find("model").iterfind("object"):  # type: ignore[union-attr]
        if obj.get("status") == "deleted":
            continue
        assert device.object(obj.get("name", "")) is not None
        for p in obj.iterfind("parameter"):
            if p.get("status") == "deleted":
                continue
            meta = _param(device, obj.get("name", "") + p.get("name", ""))
            assert meta.writable == (p.get("access") == "readWrite")
            count += 1
    assert count == sum(1 for _ in device.params()) > 6000


def test_tr181_management_server(device: Schema) -> None:
    """Spot checks of Device.ManagementServer against the XML."""
    interval = _param(device, "Device.ManagementServer.PeriodicInformInterval")
    assert (interval.type, interval.writable, interval.ranges) == (
        "unsignedInt",
        True,
        ((1, None),),
    )
    password = _param(device, "Device.ManagementServer.Password")
    assert password.hidden and password.writable and password.max_length == 256
    url = _param(device, "Device.ManagementServer.ConnectionRequestURL")
    assert url.forced_inform and url.active_notify == "forceDefaultEnabled" and not url.writable
    assert url.type == "string" and url.max_length == 2048  # dataType URL -> URI string(2048)
    enable = _param(device, "Device.ManagementServer.EnableCWMP")
    assert (enable.type, enable.default, enable.default_type) == ("boolean", "true", "factory")


def test_tr181_device_info_and_forced_inform(device: Schema) -> None:
    """SoftwareVersion is forced-inform, forceEnabled; the forced list matches E-11."""
    sw = _param(device, "Device.DeviceInfo.SoftwareVersion")
    assert sw.forced_inform and sw.active_notify == "forceEnabled" and sw.max_length == 64
    assert {p.name for p in device.forced_inform()} == {
        "Device.RootDataModelVersion",
        "Device.DeviceInfo.HardwareVersion",
        "Device.DeviceInfo.SoftwareVersion",
        "Device.DeviceInfo.ProvisioningCode",
        "Device.ManagementServer.ParameterKey",
        "Device.ManagementServer.ConnectionRequestURL",
        "Device.ManagementServer.AliasBasedAddressing",
    }


def test_tr181_tables_and_named_types(device: Schema) -> None:
    """IP.Interface.{i}. is a writable unbounded table; named types resolve with facets."""
    table = device.object("Device.IP.Interface.{i}.")
    assert table is not None
    assert (table.writable, table.is_table, table.min_entries, table.max_entries) == (
        True,
        True,
        0,
        None,
    )
    ms = device.object("Device.ManagementServer.")
    assert ms is not None and not ms.is_table and not ms.writable
    addr = _param(device, "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress")
    assert addr.max_length == 15 and "" in addr.patterns  # IPv4Address: IPAddress + pattern
    state = _param(device, "Device.IP.Diagnostics.IPPing.DiagnosticsState")
    assert "Requested" in state.enums and "Complete" in state.readonly_enums
    assert "Requested" not in state.readonly_enums
    alias = _param(device, "Device.IP.Interface.{i}.Alias")
    assert alias.max_length == 64


def test_tr181_lists_and_secured(device: Schema) -> None:
    """List syntax is kept with its whole-string size; secured and command read back as null."""
    servers = _param(device, "Device.DHCPv4.Server.Pool.{i}.DNSServers")
    assert servers.is_list and servers.max_items == 4 and servers.item_max_length == 15
    psk = _param(device, "Device.WiFi.AccessPoint.{i}.Security.PreSharedKey")
    assert psk.hidden and psk.type == "hexBinary"
    reset = _param(device, "Device.WiFi.Reset")
    assert reset.hidden and reset.command and reset.type == "boolean"


def test_tr098_spot_checks(igd: Schema) -> None:
    """TR-098: ManagementServer.URL is string(256); DeviceInfo.SoftwareVersion is forced."""
    url = _param(igd, "InternetGatewayDevice.ManagementServer.URL")
    assert (url.type, url.max_length, url.writable) == ("string", 256, True)
    sw = _param(igd, "InternetGatewayDevice.DeviceInfo.SoftwareVersion")
    assert sw.forced_inform
    summary = _param(igd, "InternetGatewayDevice.DeviceSummary")
    assert summary.forced_inform
    wan = igd.object("InternetGatewayDevice.WANDevice.{i}.")
    assert wan is not None and wan.is_table and not wan.writable
