"""check-plugin: the shipped linux plugin is clean; a broken mapping is reported precisely."""

from __future__ import annotations

import io
from pathlib import Path

from cwmpd.checkplugin import check_plugin, main
from cwmpd.datamodel.plugin import source_tree_plugins

PLUGIN_PY = (
    "from cwmpd.datamodel.mapping import plugin_factory\ncreate = plugin_factory(__file__)\n"
)


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
        '[params."Device.ManagementServer.PeriodicInformInterval"]\nvalue = "60"\n'
        'set = ["interval", "{value}"]\n'
    )
    errors = check_plugin(str(tmp_path)).errors
    injectable = [e for e in errors if "would be read as an option" in e]
    assert injectable == [
        "Device.DeviceInfo.ProvisioningCode: set passes a free-text {value} with no '--' "
        'before it; an ACS value starting with "-" would be read as an option'
    ]
