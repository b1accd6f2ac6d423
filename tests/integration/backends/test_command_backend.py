"""The mapped (command/file) backend against real subprocesses, through the real DataModel."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from support.backend_helpers import (
    PY,
    SCRIPTS,
    calls,
    device_values,
    load_model,
    make_plugin,
    set_device,
    store_cmd,
    toml_list,
)

P1 = "Device.DeviceInfo.HostName"
P2 = "Device.DeviceInfo.MemoryStatus.MemoryMonitor.FilePath"
P3 = "Device.Time.LocalTimeZone"
USER = "Device.DeviceInfo.ProvisioningCode"
UDP = "Device.UserInterface.ISPName"  # any writable string the agent does not keep
QURL = "Device.ManagementServer.DownloadAvailability.Query.URL"
MON = "Device.DeviceInfo.MemoryStatus.MemoryMonitor.Enable"
HOSTILE = "; rm -rf / $(reboot) \nsecond line"


def time_mapping(device: Path, extra: str = "") -> str:
    """A mapping of three parameters served by the store script on ``device``."""
    lines = ['root = "Device."\nmanagement_server = true\nttl = 5\n']
    lines.append(f"[sources.dump]\ncommand = {toml_list(store_cmd(device, 'dump'))}\n")
    lines.append('format = "json"\n')
    for p in (P1, P2, P3):
        leaf = p.rsplit(".", 1)[1]
        lines.append(
            f'[params."{p}"]\nsource = "dump"\njson = "{leaf}"\ndefault = ""\n'
            f"set = {toml_list(store_cmd(device, 'set', leaf, '{value}'))}\n"
        )
    lines.append(extra)
    return "".join(lines)


@pytest_twisted.ensureDeferred
async def test_one_process_serves_many_parameters(tmp_path: Path) -> None:
    """A GPV of three values from one named source spawns one process."""
    device = tmp_path / "dev"
    set_device(device, {"HostName": "a.host", "FilePath": "/b", "LocalTimeZone": "stun"})
    model = load_model(make_plugin(tmp_path / "p", time_mapping(device)), tmp_path / "s")
    values = await model.get_parameter_values([P1, P2, P3])
    got = {v.name: v.value for v in values}
    assert got[P1] == "a.host"
    assert got[P3] == "stun"
    assert calls(device) == [["dump"]]


@pytest_twisted.ensureDeferred
async def test_hostile_value_is_one_literal_argv_element(tmp_path: Path) -> None:
    """An SPV value with shell syntax and a newline reaches the script as one argv element."""
    out = tmp_path / "received"
    cmd = [PY, str(SCRIPTS / "assert_literal.py"), "{value}", str(out)]
    extra = f'[params."{USER}"]\nset = {toml_list(cmd)}\n'
    model = load_model(make_plugin(tmp_path / "p", time_mapping(tmp_path, extra)), tmp_path / "s")
    status = await model.set_parameter_values([PV(USER, HOSTILE)], "k")
    assert status == 0
    assert out.read_text() == HOSTILE


@pytest_twisted.ensureDeferred
async def test_value_on_stdin_and_in_environment(tmp_path: Path) -> None:
    """``set_stdin`` and ``set_env`` deliver the value verbatim without argv."""
    device = tmp_path / "dev"
    set_device(device, {})
    extra = (
        f'[params."{UDP}"]\n'
        f"set = {toml_list(store_cmd(device, 'setstdin', 'N4'))}"
        "\nset_stdin = true\n"
        f'[params."{QURL}"]\n'
        f"set = {toml_list(store_cmd(device, 'setenv', 'N5'))}"
        '\nset_env = { VALUE = "{value}" }\n'
    )
    model = load_model(make_plugin(tmp_path / "p", time_mapping(device, extra)), tmp_path / "s")
    await model.set_parameter_values([PV(UDP, HOSTILE), PV(QURL, "http://x/$(y)")], "k")
    assert device_values(device)["N4"] == HOSTILE
    assert device_values(device)["N5"] == "http://x/$(y)"


@pytest_twisted.ensureDeferred
async def test_timeout_becomes_9002(tmp_path: Path) -> None:
    """A read command that outlives its timeout is killed and the GPV faults 9002."""
    argv = [PY, str(SCRIPTS / "sleep.py")]
    extra = f'[params."Device.DeviceInfo.ModelName"]\ncommand = {toml_list(argv)}\ntimeout = 0.3\n'
    model = load_model(make_plugin(tmp_path / "p", time_mapping(tmp_path, extra)), tmp_path / "s")
    with pytest.raises(CwmpFault) as err:
        await model.get_parameter_values(["Device.DeviceInfo.ModelName"])
    assert err.value.code == 9002


@pytest_twisted.ensureDeferred
async def test_non_zero_exit_and_garbage_become_9002(tmp_path: Path) -> None:
    """A failing command and unparseable JSON output both fault 9002; optional reads default."""
    bad = [PY, str(SCRIPTS / "store.py"), str(tmp_path), "nonsense"]
    garbage = [PY, str(SCRIPTS / "garbage.py")]
    extra = (
        f'[params."Device.DeviceInfo.ModelName"]\ncommand = {toml_list(bad)}\n'
        f'[params."Device.DeviceInfo.Description"]\ncommand = {toml_list(garbage)}\njson = "x"\n'
        f'[params."{MON}"]\ncommand = {toml_list(garbage)}\njson = "x"\n'
        "optional = true\n"
    )
    model = load_model(make_plugin(tmp_path / "p", time_mapping(tmp_path, extra)), tmp_path / "s")
    for name in ("Device.DeviceInfo.ModelName", "Device.DeviceInfo.Description"):
        with pytest.raises(CwmpFault) as err:
            await model.get_parameter_values([name])
        assert err.value.code == 9002
    (value,) = await model.get_parameter_values([MON])
    assert value.value == "false"


@pytest_twisted.ensureDeferred
async def test_file_read_regex_and_atomic_write(tmp_path: Path) -> None:
    """A file parameter reads through a regex and writes by atomic replace."""
    conf = tmp_path / "tz.conf"
    conf.write_text("zone=Europe/Paris\n")
    extra = (
        f'[params."Device.DeviceInfo.ProductClass"]\nfile = "{conf}"\nregex = "zone=(\\\\S+)"\n'
        f'[params."{USER}"]\nfile = "{tmp_path / "ntp3"}"\n'
        f'set_file = "{tmp_path / "ntp3"}"\n'
    )
    model = load_model(make_plugin(tmp_path / "p", time_mapping(tmp_path, extra)), tmp_path / "s")
    inode = None
    (v,) = await model.get_parameter_values(["Device.DeviceInfo.ProductClass"])
    assert v.value == "Europe/Paris"
    (tmp_path / "ntp3").write_text("old")
    inode = (tmp_path / "ntp3").stat().st_ino
    await model.set_parameter_values([PV(USER, "ntp.example")], "k")
    assert (tmp_path / "ntp3").read_text() == "ntp.example"
    assert (tmp_path / "ntp3").stat().st_ino != inode
    (v,) = await model.get_parameter_values([USER])
    assert v.value == "ntp.example"


@pytest_twisted.ensureDeferred
async def test_placeholder_inside_an_element_is_refused(tmp_path: Path) -> None:
    """A mapping splicing {value} into a larger argv element does not load."""
    from cwmpd.plugin.api import PluginError

    extra = f'[params."{USER}"]\nset = ["ntpctl", "--server={{value}}"]\n'
    with pytest.raises((ValueError, PluginError), match="whole argv"):
        load_model(make_plugin(tmp_path / "p", time_mapping(tmp_path, extra)), tmp_path / "s")


@pytest_twisted.ensureDeferred
async def test_instance_gone_since_it_was_listed_still_answers(tmp_path: Path) -> None:
    """A row that disappears between the listing and the read (a process that exits while
    the ACS reads Device.) answers with its last row: the GPV succeeds, no 9002."""
    procs = tmp_path / "procs"
    procs.write_text("11 init\n22 short-lived\n")
    table = "Device.DeviceInfo.ProcessStatus.Process.{i}."
    mapping = (
        'root = "Device."\nmanagement_server = true\nttl = 0\n'
        f'[sources.procs]\nfile = "{procs}"\nformat = "lines"\n'
        "line_regex = '^(?P<pid>\\d+) (?P<cmd>\\S+)$'\n"
        f'[tables."{table}"]\nsource = "procs"\nkey = "pid"\n'
        f'[params."{table}PID"]\nrow = "pid"\n'
        f'[params."{table}Command"]\nrow = "cmd"\n'
    )
    model = load_model(make_plugin(tmp_path / "p", mapping), tmp_path / "s")
    names = await model.get_parameter_names("Device.DeviceInfo.ProcessStatus.", False)
    assert "Device.DeviceInfo.ProcessStatus.Process.2.Command" in {n.name for n in names}
    procs.write_text("11 init\n")  # process 22 exits; the session's index still lists it
    values = await model.get_parameter_values(["Device.DeviceInfo.ProcessStatus."])
    got = {v.name: v.value for v in values}
    assert got["Device.DeviceInfo.ProcessStatus.Process.2.Command"] == "short-lived"
    assert got["Device.DeviceInfo.ProcessStatus.Process.1.Command"] == "init"
