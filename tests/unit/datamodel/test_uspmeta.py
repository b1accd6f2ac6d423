"""The USP-only metadata file: regenerating it from the USP TR-181 XML gives the committed
file, and it holds what the USP agent reads (commands, events, keys, LocalAgent)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from cwmpd.datamodel import generate, generate_usp
from cwmpd.datamodel.schema import load_schema
from cwmpd.datamodel.uspmeta import load_usp_meta, read_usp_meta, with_usp

DATA = Path(generate.__file__).parent / "data"


def test_regenerating_gives_the_committed_file(spec: Path) -> None:
    """Byte for byte (the content always; the gzip bytes unless zlib-ng deflates)."""
    text = generate_usp.convert(spec / "datamodel" / generate_usp.SOURCE)
    committed = (DATA / generate_usp.DATA_FILE).read_bytes()
    assert gzip.decompress(committed).decode("utf-8") == text
    if "ng" not in zlib.ZLIB_RUNTIME_VERSION:
        assert generate.compress(text) == committed


def test_generator_cli(spec: Path, tmp_path: Path) -> None:
    """`python -m cwmpd.datamodel.generate_usp SPEC --out DIR` writes the one file; a folder
    without the XML is exit code 1."""
    assert generate_usp.main([str(spec), "--out", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [generate_usp.DATA_FILE]
    assert generate_usp.main([str(tmp_path), "--out", str(tmp_path / "x")]) == 1


def test_what_the_file_holds() -> None:
    """Commands with arguments and sync/async, events with arguments, unique keys, and the
    LocalAgent objects with their parameter metadata."""
    meta = load_usp_meta()
    reboot = meta.commands["Device.Reboot()"]
    assert (reboot.is_async, reboot.inputs, reboot.outputs) == (False, ("Cause", "Reason"), ())
    ping = meta.commands["Device.IP.Diagnostics.IPPing()"]
    assert ping.is_async and "SuccessCount" in ping.outputs
    assert meta.events["Device.LocalAgent.Periodic!"].args == ()
    assert meta.unique_keys["Device.LocalAgent.Controller.{i}."] == (("EndpointID",), ("Alias",))
    enable = meta.schema.param("Device.LocalAgent.Controller.{i}.Enable")
    assert enable is not None and enable.type == "boolean" and enable.writable
    assert meta.schema.object("Device.LocalAgent.Subscription.{i}.") is not None
    assert meta.spec == "urn:broadband-forum-org:tr-181-2-19-1-usp"


def test_with_usp_adds_only_what_cwmp_lacks() -> None:
    """with_usp keeps the CWMP schema's entries and adds Device.LocalAgent."""
    cwmp = load_schema("Device.", prefixes=["Device.DeviceInfo."])
    merged = with_usp(cwmp)
    assert merged.param("Device.DeviceInfo.SerialNumber") is cwmp.param(
        "Device.DeviceInfo.SerialNumber"
    )
    assert merged.param("Device.LocalAgent.EndpointID") is not None
    assert cwmp.param("Device.LocalAgent.EndpointID") is None
    assert "Device.LocalAgent.ControllerNumberOfEntries" in merged.counters()


def test_reading_a_small_file() -> None:
    """The K/C/E lines parse on their own beside the schema lines."""
    text = (
        "#cwmpd-schema\t1\tDevice.\tDevice:2.19\turn:x\n"
        "T\tstring\t\t\t\t\t\t\t\t\t\t\t\n"
        "O\tDevice.A.{i}.\twt\t0\t\tANumberOfEntries\n"
        "P\tName\t0\tw\t\t\t\n"
        "K\tDevice.A.{i}.\tName\n"
        "C\tDevice.A.{i}.Go()\ta\tX\x1fY\tZ\n"
        "E\tDevice.A.{i}.Done!\tR\n"
    )
    meta = read_usp_meta(text)
    assert meta.unique_keys == {"Device.A.{i}.": (("Name",),)}
    go = meta.commands["Device.A.{i}.Go()"]
    assert (go.is_async, go.inputs, go.outputs) == (True, ("X", "Y"), ("Z",))
    assert meta.events["Device.A.{i}.Done!"].args == ("R",)
    assert meta.schema.param("Device.A.{i}.Name") is not None
