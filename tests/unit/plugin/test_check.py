"""check-plugin: the shipped linux plugin is clean; a broken mapping is reported precisely."""

from __future__ import annotations

import io
from pathlib import Path

from cwmpd.plugin.check import check_plugin, main
from cwmpd.plugin.load import source_tree_plugins

PLUGIN_PY = "from cwmpd.plugin.mapping import plugin_factory\ncreate = plugin_factory(__file__)\n"


def test_linux_plugin_is_clean() -> None:
    """``cwmpd check-plugin plugins/linux`` exits 0 with no errors."""
    out = io.StringIO()
    assert main(str(source_tree_plugins() / "linux"), out) == 0
    assert "error:" not in out.getvalue()


def test_broken_mapping_is_reported(tmp_path: Path) -> None:
    """Sets on read-only names, bad constants and missing forced-inform names are errors."""
    (tmp_path / "plugin.py").write_text(PLUGIN_PY)
    (tmp_path / "mapping.toml").write_text(
        'root = "Device."\n[params."Device.DeviceInfo.UpTime"]\nvalue = "soon"\nset = ["true"]\n'
    )
    report = check_plugin(str(tmp_path))
    text = "\n".join(report.errors)
    assert "Device.DeviceInfo.UpTime: read-only in the data model but mapped with a set" in text
    assert "value 'soon' is invalid" in text
    assert "Device.DeviceInfo.SoftwareVersion: forced-inform parameter not provided" in text


def test_unloadable_plugin_is_one_error(tmp_path: Path) -> None:
    """A mapping with an unknown key gives one 'cannot load' error, not a traceback."""
    (tmp_path / "plugin.py").write_text(PLUGIN_PY)
    (tmp_path / "mapping.toml").write_text('root = "Device."\nbogus = 1\n')
    report = check_plugin(str(tmp_path))
    assert len(report.errors) == 1
    assert "bogus" in report.errors[0]


def test_free_text_value_without_end_of_options_is_an_error(tmp_path: Path) -> None:
    """A set argv where an ACS value could be read as an option ("-x...") is refused;
    the same argv with "--" first, or a numeric/boolean/mapped value, is fine."""
    (tmp_path / "plugin.py").write_text(PLUGIN_PY)
    (tmp_path / "mapping.toml").write_text(
        'root = "Device."\n'
        '[params."Device.DeviceInfo.ProvisioningCode"]\nvalue = ""\nset = ["prov", "{value}"]\n'
        '[params."Device.Time.LocalTimeZone"]\nvalue = ""\nset = ["tz", "--", "{value}"]\n'
        '[params."Device.DeviceInfo.MemoryStatus.MemoryMonitor.PollingInterval"]\nvalue = "80"\n'
        'set = ["poll", "{value}"]\n'
    )
    errors = check_plugin(str(tmp_path)).errors
    injectable = [e for e in errors if "would be read as an option" in e]
    assert injectable == [
        "Device.DeviceInfo.ProvisioningCode: set passes a free-text {value} with no '--' "
        'before it; an ACS value starting with "-" would be read as an option'
    ]


def _vendor_plugin(folder: Path, mapping: str) -> list[str]:
    (folder / "plugin.py").write_text(PLUGIN_PY)
    (folder / "mapping.toml").write_text('root = "Device."\n' + mapping)
    return check_plugin(str(folder)).errors


def test_vendor_parameter_is_defined_in_the_mapping(tmp_path: Path) -> None:
    """X_00C0DE_Colour without [vendor] is refused with a hint; with it, it is clean."""
    store = '[store]\n"Device.DeviceInfo.X_00C0DE_Colour" = "blue"\n'
    (tmp_path / "a").mkdir()
    errors = _vendor_plugin(tmp_path / "a", store)
    assert (
        "Device.DeviceInfo.X_00C0DE_Colour: not defined by the Device. data model; "
        "a vendor name needs its [vendor] definition (type, access)"
    ) in errors
    (tmp_path / "b").mkdir()
    defined = '[vendor."Device.DeviceInfo.X_00C0DE_Colour"]\naccess = "read-write"\n'
    defined += 'enums = ["red", "blue"]\n'
    errors = _vendor_plugin(tmp_path / "b", store + defined)
    assert [e for e in errors if "X_00C0DE" in e] == []
    (tmp_path / "c").mkdir()
    errors = _vendor_plugin(tmp_path / "c", store.replace("blue", "mauve") + defined)
    assert [e for e in errors if "X_00C0DE" in e] == [
        "Device.DeviceInfo.X_00C0DE_Colour: default 'mauve' is invalid: "
        "Invalid parameter value: 'mauve' is not one of the allowed values"
    ]


def test_vendor_naming_rules(tmp_path: Path) -> None:
    """TR-106 3.3: X_<OUI>_ (6 upper-case hex) or X_<DOMAIN>_ ('-' for '.'), below a
    standard object; standard names cannot be redefined; a definition needs a value."""
    names = {
        "Device.DeviceInfo.X_00C0DE_Ok": "",
        "Device.DeviceInfo.X_EXAMPLE-COM_Ok": "",
        "Device.X_00C0DE_Fan.{i}.Speed": "",
        "Device.IP.Interface.{i}.X_00C0DE_Ok": "",
        "Device.DeviceInfo.Colour": "has no X_<OUI or domain>_ prefix",
        "Device.DeviceInfo.X_00c0de_Colour": "malformed vendor prefix X_00c0de_",
        "Device.DeviceInfo.X_HUAWEI_Colour": "malformed vendor prefix X_HUAWEI_",
        "Device.DeviceInfo.X_00C0D_Colour": "malformed vendor prefix X_00C0D_",
        "Device.DeviceInfo.X_00C0DE_9": "must start with a letter",
        "Device.Bogus.X_00C0DE_A": "'Bogus' is not in the standard model",
        "Device.DeviceInfo.Manufacturer": "cannot be redefined",
    }
    store = "[store]\n" + "".join(f'"{n}" = ""\n' for n in names)
    vendor = "".join(f'[vendor."{n}"]\n' for n in names)
    vendor += '[vendor."Device.DeviceInfo.X_00C0DE_NoValue"]\n'
    errors = _vendor_plugin(tmp_path, store + vendor)
    for name, problem in names.items():
        mine = [e for e in errors if e.startswith(name + ":")]
        if problem:
            assert any(problem in e for e in mine), (name, mine)
        else:
            assert mine == [], mine
    assert "Device.DeviceInfo.X_00C0DE_NoValue: vendor parameter with no value source" in errors


def test_bad_vendor_definition_is_one_load_error(tmp_path: Path) -> None:
    """An unknown type, access, notify mode, key or a bad range is a precise 'cannot load'."""
    cases = {
        'type = "float"': "type must be one of",
        'access = "rw"': "access must be 'read-only' or 'read-write'",
        'active_notify = "always"': "active_notify must be one of",
        "range = [1]": "range must be [min, max] integers",
        "colour = 1": "unknown key(s) colour",
    }
    for n, (line, problem) in enumerate(cases.items()):
        folder = tmp_path / str(n)
        folder.mkdir()
        errors = _vendor_plugin(folder, f'[vendor."Device.DeviceInfo.X_00C0DE_A"]\n{line}\n')
        assert len(errors) == 1 and "X_00C0DE_A" in errors[0], errors
        assert problem in errors[0] and errors[0].startswith("cannot load: "), errors


def test_plugin_mapping_an_agent_kept_name_does_not_load(tmp_path: Path) -> None:
    """ManagementServer.URL is the agent's own: a plugin mapping it again is refused."""
    (tmp_path / "plugin.py").write_text(PLUGIN_PY)
    (tmp_path / "mapping.toml").write_text(
        'root = "Device."\n[params."Device.ManagementServer.URL"]\nvalue = "http://x/"\n'
    )
    errors = check_plugin(str(tmp_path)).errors
    assert errors == ["cannot load: parameter declared twice: Device.ManagementServer.URL"]


def test_agent_kept_management_server_counts_for_forced_inform(tmp_path: Path) -> None:
    """The check sees the ManagementServer the agent adds: its forced-inform names are there."""
    (tmp_path / "plugin.py").write_text(PLUGIN_PY)
    (tmp_path / "mapping.toml").write_text('root = "Device."\n')
    text = "\n".join(check_plugin(str(tmp_path)).errors)
    assert "Device.DeviceInfo.SoftwareVersion: forced-inform parameter not provided" in text
    assert "ManagementServer" not in text
