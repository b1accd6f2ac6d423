"""cwmpd.datamodel.schema at run time: paths, prefix-filtered loading, navigation, bad files."""

from __future__ import annotations

import io

import pytest

from cwmpd.datamodel.schema import generic_path, load_schema, parent_of, read_schema


@pytest.mark.parametrize(
    ("path", "generic"),
    [
        ("Device.IP.Interface.1.Enable", "Device.IP.Interface.{i}.Enable"),
        ("Device.IP.Interface.12.IPv4Address.3.", "Device.IP.Interface.{i}.IPv4Address.{i}."),
        ("Device.IP.Interface.[lan].Name", "Device.IP.Interface.{i}.Name"),
        ("Device.IP.Interface.{i}.Name", "Device.IP.Interface.{i}.Name"),
        ("Device.DeviceInfo.", "Device.DeviceInfo."),
        ("Device.X_0012AB_Foo.1a.", "Device.X_0012AB_Foo.1a."),
    ],
)
def test_generic_path(path: str, generic: str) -> None:
    """Numeric and [alias] segments become {i}; names that merely contain digits do not."""
    assert generic_path(path) == generic


@pytest.mark.parametrize(
    ("name", "parent"),
    [
        ("Device.IP.Interface.{i}.Enable", "Device.IP.Interface.{i}."),
        ("Device.IP.Interface.{i}.", "Device.IP."),
        ("Device.IP.Interface.{i}.IPv4Address.{i}.", "Device.IP.Interface.{i}."),
        ("Device.IP.", "Device."),
        ("Device.", ""),
    ],
)
def test_parent_of(name: str, parent: str) -> None:
    """A table's parent skips its {i} segment."""
    assert parent_of(name) == parent


def test_filtered_load_keeps_prefixes_and_ancestors() -> None:
    """Only entries under the prefixes are kept, plus the objects above them."""
    s = load_schema("Device.", prefixes=["Device.ManagementServer.", "Device.IP.Interface.2."])
    assert s.param("Device.ManagementServer.URL") is not None
    assert s.param("Device.IP.Interface.{i}.Enable") is not None
    assert s.object("Device.IP.Interface.{i}.IPv4Address.{i}.") is not None
    assert s.object("Device.") is not None and s.object("Device.IP.") is not None
    assert s.param("Device.IP.IPv4Enable") is None  # a parameter of an ancestor, not selected
    assert s.param("Device.DeviceInfo.SoftwareVersion") is None
    assert s.object("Device.DeviceInfo.") is None
    assert len(s) < len(load_schema("Device.")) // 5


def test_filter_by_single_parameter() -> None:
    """A prefix naming one parameter selects that parameter alone in its object, beside
    the table counters of the objects loaded (each an unsignedInt, counting a child table)."""
    s = load_schema("Device.", prefixes=["Device.DeviceInfo.SoftwareVersion"])
    counters = s.counters()
    others = [p.name for p in s.params() if p.name not in counters]
    assert others == ["Device.DeviceInfo.SoftwareVersion"]
    assert "Device.DeviceInfo.ProcessorNumberOfEntries" in counters
    assert counters["Device.InterfaceStackNumberOfEntries"] == "Device.InterfaceStack.{i}."
    for name, table in counters.items():
        assert parent_of(table) == parent_of(name) in ("Device.", "Device.DeviceInfo.")
        meta = s.param(name)
        assert meta is not None and meta.type == "unsignedInt" and not meta.writable
        assert s.object(table) is None  # the table itself is not loaded
    assert [p.name for p in s.forced_inform()] == ["Device.DeviceInfo.SoftwareVersion"]


def test_children_and_params_under() -> None:
    """Navigation lists direct child objects (tables as X.{i}.) and direct parameters only."""
    s = load_schema("Device.", prefixes=["Device.IP."])
    child_names = [o.name for o in s.children("Device.IP.")]
    assert "Device.IP.Interface.{i}." in child_names
    assert "Device.IP.Interface.{i}.IPv4Address.{i}." not in child_names
    under = [p.name for p in s.params_under("Device.IP.Interface.{i}.")]
    assert "Device.IP.Interface.{i}.Enable" in under
    assert not any(n.startswith("Device.IP.Interface.{i}.IPv4Address.") for n in under)
    assert s.children("Device.Nope.") == [] and s.params_under("Device.Nope.") == []


def test_identical_syntax_shares_tuples() -> None:
    """Parameters with the same syntax share one enumeration tuple (memory)."""
    s = load_schema("Device.", prefixes=["Device.IP.", "Device.Ethernet."])
    a = s.param("Device.IP.Interface.{i}.Status")
    b = s.param("Device.Ethernet.Interface.{i}.Status")
    assert a is not None and b is not None
    assert a.enums == ("Up", "Down", "Unknown", "Dormant", "NotPresent", "LowerLayerDown", "Error")
    assert a.enums is b.enums


def test_unknown_root_and_bad_file() -> None:
    """An unknown root or a foreign file is a ValueError."""
    with pytest.raises(ValueError):
        load_schema("Nonsense.")
    with pytest.raises(ValueError):
        read_schema(io.StringIO("hello\n"))


def test_read_schema_parses_a_small_file() -> None:
    """A hand-written data file shows the format: syntax records, objects, parameters."""
    text = (
        "#cwmpd-schema\t1\tDevice.\tDevice:9.9\turn:x\n"
        "T\tunsignedInt\t\t\t\t1:10\x1f20:\t\t\t\t\n"
        "T\tstring\tL3\t\t32\t\ta\x1fb\tb\t\t8\n"
        "O\tDevice.\t\t1\t1\n"
        "P\tN\t0\twf\tforceEnabled\tobject\t5\n"
        "O\tDevice.T.{i}.\twt\t0\t\n"
        "P\tL\t1\th\t\t\t\n"
    )
    s = read_schema(io.StringIO(text))
    assert (s.root, s.model) == ("Device.", "Device:9.9")
    n = s.param("Device.N")
    assert n is not None
    assert n.ranges == ((1, 10), (20, None)) and n.writable and n.forced_inform
    assert (n.active_notify, n.default, n.default_type) == ("forceEnabled", "5", "object")
    lst = s.param("Device.T.{i}.L")
    assert lst is not None
    assert lst.is_list and lst.max_items == 3 and lst.max_length == 32 and lst.item_max_length == 8
    assert lst.enums == ("a", "b") and lst.readonly_enums == ("b",) and lst.hidden
    assert lst.default is None and lst.active_notify == "normal"
    table = s.object("Device.T.{i}.")
    assert table is not None and table.is_table and table.max_entries is None
