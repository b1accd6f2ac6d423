"""Atomic SPV across the mapped backend and the store; tables keyed by device rows; apply hooks."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from support.backend_helpers import (
    calls,
    device_values,
    load_model,
    make_plugin,
    set_device,
    store_cmd,
    toml_list,
)

NAMES = {
    "HostName": "Device.DeviceInfo.HostName",
    "FilePath": "Device.DeviceInfo.MemoryStatus.MemoryMonitor.FilePath",
    "LocalTimeZone": "Device.Time.LocalTimeZone",
}
INTERVAL = "Device.ManagementServer.PeriodicInformInterval"
ETH = "Device.Ethernet.Interface."


def mapping(device: Path) -> str:
    """Three settable values, a table listed from the device, an apply hook on one value."""
    out = ['root = "Device."\nmanagement_server = true\n']
    out.append(
        f'[sources.dump]\ncommand = {toml_list(store_cmd(device, "dump"))}\nformat = "json"\n'
    )
    for leaf, name in NAMES.items():
        out.append(
            f'[params."{name}"]\nsource = "dump"\njson = "{leaf}"\ndefault = ""\n'
            f"set = {toml_list(store_cmd(device, 'set', leaf, '{value}'))}\n"
        )
        if leaf == "HostName":
            out.append(f"apply = {toml_list(store_cmd(device, 'set', 'applied', 'yes'))}\n")
    out.append(f"[sources.links]\ncommand = {toml_list(store_cmd(device, 'links'))}\n")
    out.append('format = "json"\n')
    out.append(f'[tables."{ETH}{{i}}."]\nsource = "links"\nkey = "ifname"\n')
    out.append('filter = { link_type = "ether" }\n')
    out.append(f'[params."{ETH}{{i}}.Name"]\nrow = "ifname"\n')
    out.append(f'[params."{ETH}{{i}}.MaxBitRate"]\nrow = "speed"\ndefault = "-1"\n')
    return "".join(out)


def start(device: Path) -> dict[str, str]:
    """The device's initial values."""
    values = {"HostName": "h0", "FilePath": "/f0", "LocalTimeZone": "s0"}
    set_device(device, dict(values))
    return values


@pytest.mark.parametrize("failing", list(NAMES))
@pytest_twisted.ensureDeferred
async def test_failure_at_each_step_leaves_everything_as_before(
    tmp_path: Path, failing: str
) -> None:
    """Whichever set command fails, the device values and the agent store are unchanged."""
    device = tmp_path / "dev"
    before = start(device)
    model = load_model(make_plugin(tmp_path / "p", mapping(device)), tmp_path / "s")
    (device / f"fail-{failing}").write_text("")
    params = [PV(name, f"new-{leaf}") for leaf, name in NAMES.items()]
    with pytest.raises(CwmpFault) as err:
        await model.set_parameter_values([*params, PV(INTERVAL, "77")], "key-x")
    assert err.value.code == 9002
    assert device_values(device) == before
    values = {v.name: v.value for v in await model.get_parameter_values([INTERVAL])}
    assert values[INTERVAL] != "77"
    assert model.value("Device.ManagementServer.ParameterKey") == ""


@pytest_twisted.ensureDeferred
async def test_success_defers_apply_hook_until_session_end(tmp_path: Path) -> None:
    """A set with an apply hook answers Status 1; the hook runs once at end of session."""
    device = tmp_path / "dev"
    start(device)
    model = load_model(make_plugin(tmp_path / "p", mapping(device)), tmp_path / "s")
    status = await model.set_parameter_values([PV(NAMES["HostName"], "box")], "k1")
    assert status == 1
    assert "applied" not in device_values(device)
    await model.end_of_session()
    assert device_values(device)["applied"] == "yes"
    assert device_values(device)["HostName"] == "box"
    assert model.value("Device.ManagementServer.ParameterKey") == "k1"


@pytest_twisted.ensureDeferred
async def test_table_numbers_stay_with_their_keys(tmp_path: Path) -> None:
    """eth1 keeps its instance number when eth0 goes and eth2 comes; filters apply."""
    device = tmp_path / "dev"
    links = [
        {"ifname": "eth0", "link_type": "ether", "speed": 100},
        {"ifname": "eth1", "link_type": "ether"},
        {"ifname": "lo", "link_type": "loopback"},
    ]
    set_device(device, {"_links": links})
    folder = make_plugin(tmp_path / "p", mapping(device))
    model = load_model(folder, tmp_path / "s")
    got = {v.name: v.value for v in await model.get_parameter_values([ETH])}
    assert got[f"{ETH}1.Name"] == "eth0"
    assert got[f"{ETH}1.MaxBitRate"] == "100"
    assert got[f"{ETH}2.Name"] == "eth1"
    assert got[f"{ETH}2.MaxBitRate"] == "-1"
    assert f"{ETH}3.Name" not in got
    assert sum(1 for c in calls(device) if c == ["links"]) == 1
    set_device(device, {"_links": [links[1], {"ifname": "eth2", "link_type": "ether"}]})
    model = load_model(folder, tmp_path / "s")  # a daemon restart: numbers are persisted
    got = {v.name: v.value for v in await model.get_parameter_values(["Device.Ethernet."])}
    assert got[f"{ETH}2.Name"] == "eth1"
    assert got[f"{ETH}3.Name"] == "eth2"
    assert f"{ETH}1.Name" not in got
    assert got["Device.Ethernet.InterfaceNumberOfEntries"] == "2"
