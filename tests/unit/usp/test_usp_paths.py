"""The USP path resolver: every Path Name example of the specification (data file, with its
source) resolves as the spec says over a small model, and the operators, errors and corner
cases around them behave."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cwmpd.usp.errors import UspError
from cwmpd.usp.pathsyntax import Kind, PathSyntaxError, generic, is_supported_path, parse
from cwmpd.usp.resolve import ModelReader, Node, NodeKind, resolve

DATA = tomllib.loads((Path(__file__).parent / "data" / "path_examples.toml").read_text())
EXAMPLES: list[dict[str, Any]] = DATA["example"]


class TomlModel:
    """A ModelReader over the data file's nodes and values (instances from value paths)."""

    def __init__(self, nodes: dict[str, dict[str, Any]], values: dict[str, str]) -> None:
        self.nodes = {
            path: Node(
                NodeKind(spec["kind"]),
                spec.get("type", "string"),
                spec.get("list", False),
                tuple(tuple(k) for k in spec.get("keys", ())),
            )
            for path, spec in nodes.items()
        }
        self.values = dict(values)
        self.reads: list[str] = []

    def node(self, path: str) -> Node | None:
        return self.nodes.get(path)

    def instances(self, table: str) -> Sequence[int]:
        found = {
            int(m.group(1))
            for name in self.values
            if (m := re.match(re.escape(table) + r"([0-9]+)\.", name))
        }
        return sorted(found)

    def value(self, parameter: str) -> str | None:
        self.reads.append(parameter)
        return self.values.get(parameter)


def model() -> TomlModel:
    """A fresh model from the data file."""
    return TomlModel(DATA["model"]["nodes"], DATA["model"]["values"])


def test_the_model_is_a_model_reader() -> None:
    """The test model satisfies the resolver's Protocol (checked by mypy-like use)."""
    reader: ModelReader = model()
    assert reader.instances("Device.IP.Interface.") == [1, 2, 3]


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e['section']}:{e['path']}" for e in EXAMPLES])
def test_spec_example(example: dict[str, Any]) -> None:
    """Each example of TR-369 2.5-2.6 gives the listed paths (or the listed error)."""
    if "error" in example:
        with pytest.raises(UspError) as info:
            resolve(example["path"], model())
        assert info.value.code == example["error"]
        return
    got = resolve(example["path"], model())
    assert list(got.paths) == example["paths"]
    assert got.search == example.get("search", False)


def test_every_example_of_the_data_file_has_its_source() -> None:
    """Each example names its section; the file names the spec text and commit."""
    text = (Path(__file__).parent / "data" / "path_examples.toml").read_text()
    assert "271db29fd65952968a7e73830864847497e4bfd0" in text and "TR-369" in text
    assert all(e["section"] for e in EXAMPLES) and len(EXAMPLES) >= 30


def test_kinds() -> None:
    """Object, parameter, command and event paths are told apart."""
    assert parse("Device.IP.").kind == Kind.OBJECT
    assert parse("Device.IP.Interface.1.Name").kind == Kind.PARAMETER
    assert parse("Device.Reboot()").kind == Kind.COMMAND
    assert parse("Device.Boot!").kind == Kind.EVENT
    assert resolve("Device.Reboot()", model()).paths == ("Device.Reboot()",)


@pytest.mark.parametrize(
    ("expression", "numbers"),
    [
        ("Stats.ErrorsSent==0", [2, 3]),
        ("Stats.ErrorsSent!=0", [1]),
        ("Stats.ErrorsSent<3", [2, 3]),
        ("Stats.ErrorsSent<=3", [1, 2, 3]),
        ("Stats.ErrorsSent>0", [1]),
        ("Stats.ErrorsSent>=0", [1, 2, 3]),
        ("Stats.ErrorsSent==+03", [1]),  # 123, +123 and 0123 are one value
        ('Name!="eth0"', [2, 3]),
        ('Type=="Normal"&&Alias=="LAN"', [3]),
        ("Name==eth1", [3]),  # unquoted strings are tolerated
        ('Name=="nothing"', []),
        (' Type == "Normal" && Alias != "WAN" ', [3]),  # blanks tolerated (R-ARC.9a)
    ],
)
def test_operators(expression: str, numbers: list[int]) -> None:
    """Every operator compares by the parameter's type."""
    got = resolve(f"Device.IP.Interface.[{expression}].", model())
    assert got.paths == tuple(f"Device.IP.Interface.{n}." for n in numbers)


def test_datetime_order() -> None:
    """dateTime compares as time: 23:00+02:00 on 30 June is before midnight UTC on 1 July."""
    got = resolve(
        "Device.IP.Interface.*.IPv6Address.[ValidLifetime>=2021-06-30T23:00:00+02:00].", model()
    )
    assert got.paths == (
        "Device.IP.Interface.1.IPv6Address.2.",
        "Device.IP.Interface.3.IPv6Address.1.",
    )


def test_signed_ints() -> None:
    """int values compare with their sign."""
    got = resolve("Device.WiFi.AccessPoint.*.AssociatedDevice.[SignalStrength>-65].", model())
    assert got.paths == (
        "Device.WiFi.AccessPoint.1.AssociatedDevice.1.",
        "Device.WiFi.AccessPoint.1.AssociatedDevice.2.",
    )


@pytest.mark.parametrize(
    "path",
    [
        'Device.IP.Interface.[Name<"eth0"].',  # strings take only == and !=
        "Device.DSL.Line.[Enable>0].",  # booleans too
        "Device.DSL.Line.[Enable==yes].",  # not a boolean
        "Device.IP.Interface.[Stats.ErrorsSent>abc].",  # not a number
        "Device.IP.Interface.[Stats.ErrorsSent>-1].",  # out of unsignedLong's range
        'Device.IP.Interface.[Name~="eth0"].',  # ~= is for lists
        "Device.IP.Interface.*.IPv6Address.[ValidLifetime<0001-01-01T00:00:00Z].",  # Unknown Time
        "Device.PeriodicStatistics.SampleSet.[SampleSeconds>5].",  # a list is not ordered
        'Device.IP.Interface.[Name=="eth0"||Name=="lo"].',  # no OR
        'Device.IP.Interface.[Name=="eth0].',  # unterminated
        "Device.IP.Interface.[Name].",  # no operator
        "Device.IP.Interface.[Name==].",  # no value
        "Device.IP.Interface.[IPv4Address.IPAddress==1].",  # a child table by name
        "Device.IP.Interface.0.",
        "Device.IP.Interface.{i}.",
        "Device..IP.",
        "Device.IP.Interface.1.Name+",
        "Device.IP.Interface.*.*.",
        "Device.Reboot()x",
        "",
        "Device",
    ],
)
def test_invalid_syntax_is_7008(path: str) -> None:
    """Malformed paths and expressions the types reject are errors 7008."""
    with pytest.raises(UspError) as info:
        resolve(path, model())
    assert info.value.code == 7008, info.value


@pytest.mark.parametrize(
    "path",
    [
        "Device.Nope.",
        "Device.IP.Interface.1.Nope",
        "Device.IP.Interface.1.Name.",  # a parameter used as an object
        "Device.IP.Interface.[Nope==1].",
        "Device.IP.Interface.1.Stats.Nope.",
        "Device.IP.1.",  # not a table
        "Device.IP.Interface.Name",  # a table's parameter needs an instance
        "Device.Boot()",  # an event is no command
        "Device.Reboot!",
        "Device.IP.Interface.1.Nope+.Name",
        "Device.NAT.PortMapping.1.Interface+.Nope",
    ],
)
def test_outside_the_supported_model_is_7026(path: str) -> None:
    """Paths the supported model does not have are errors 7026, even with no instances."""
    with pytest.raises(UspError) as info:
        resolve(path, model())
    assert info.value.code == 7026, info.value


def test_a_missing_instance_is_an_empty_address() -> None:
    """An addressed instance that does not exist matches nothing and is no search."""
    got = resolve("Device.IP.Interface.9.Name", model())
    assert got.paths == () and not got.search
    assert resolve('Device.IP.Interface.[Name=="wlan9"].', model()).paths == ()


def test_a_partial_unique_key_is_a_search() -> None:
    """A multi-parameter key with a part missing is a search, not an address (2.5.2.2)."""
    got = resolve('Device.NAT.PortMapping.[RemoteHost==""&&Protocol=="TCP"].', model())
    assert got.search and got.paths == ("Device.NAT.PortMapping.1.", "Device.NAT.PortMapping.2.")


def test_a_table_path() -> None:
    """ "Device.IP.Interface." names the table itself."""
    got = resolve("Device.IP.Interface.", model())
    assert got.table and got.paths == ("Device.IP.Interface.",) and got.kind == Kind.OBJECT


def test_references_out_of_range_stale_or_empty_lead_nowhere() -> None:
    """#n+ past the list's end, a reference to nothing, or an empty one match nothing."""
    m = model()
    assert resolve("Device.WiFi.SSID.1.LowerLayers#3+.Name", m).paths == ()
    assert resolve("Device.WiFi.SSID.1.LowerLayers#2+.Name", m).paths == (
        "Device.WiFi.Radio.2.Name",
    )
    m.values["Device.NAT.PortMapping.1.Interface"] = "Device.IP.Interface.7"
    assert resolve("Device.NAT.PortMapping.1.Interface+.Name", m).paths == ()
    m.values["Device.NAT.PortMapping.1.Interface"] = ""
    assert resolve("Device.NAT.PortMapping.1.Interface+.Name", m).paths == ()
    m.values["Device.NAT.PortMapping.1.Interface"] = "not a path at all"
    assert resolve("Device.NAT.PortMapping.1.Interface+.Name", m).paths == ()


def test_reference_to_an_object_path() -> None:
    """ "Param+." names the referenced object itself."""
    got = resolve("Device.WiFi.SSID.1.LowerLayers#*+.", model())
    assert got.paths == ("Device.WiFi.Radio.1.", "Device.WiFi.Radio.2.")


def test_a_wildcard_before_a_reference() -> None:
    """A search path can follow the references of every instance it matches."""
    got = resolve("Device.NAT.PortMapping.*.Interface+.Name", model())
    assert got.paths == ("Device.IP.Interface.1.Name", "Device.IP.Interface.3.Name") and got.search


def test_percent_escapes_in_strings() -> None:
    """%22 is a double quote and %25 a percent sign inside a quoted constant."""
    m = model()
    m.values["Device.IP.Interface.2.Alias"] = 'say "hi" 100%'
    got = resolve('Device.IP.Interface.[Alias=="say %22hi%22 100%25"].', m)
    assert got.paths == ("Device.IP.Interface.2.",)


def test_supported_paths() -> None:
    """2.7's Supported Data Model grammar: instance numbers or {i}, no searches."""
    assert is_supported_path("Device.IP.Interface.{i}.")
    assert is_supported_path("Device.IP.Interface.1.IPv4Address.{i}.IPAddress")
    assert is_supported_path("Device.")
    assert not is_supported_path("Device.IP.Interface.*.")
    assert not is_supported_path('Device.IP.Interface.[Name=="x"].')
    assert (
        generic("Device.IP.Interface.12.IPv4Address.3.")
        == "Device.IP.Interface.{i}.IPv4Address.{i}."
    )


def test_the_syntax_error_names_the_spot() -> None:
    """A syntax error says where the path went wrong."""
    with pytest.raises(PathSyntaxError, match="character 22"):
        parse("Device.IP.Interface.[].")


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.text(alphabet='Device.IPInterface*[]{}"=!<>~&+#()0123456789 %', max_size=60))
def test_fuzz_paths(text: str) -> None:
    """Any string resolves or raises UspError (7008 or 7026), nothing else."""
    try:
        resolve(text, model())
    except UspError as e:
        assert e.code in (7008, 7026)
