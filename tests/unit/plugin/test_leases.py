"""TR-111 devices from dnsmasq: the dhcp-script's file, the lease file, the mapping hook."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.datamodel.manageable import ManageableDevice
from cwmpd.plugin.leases import DnsmasqDevices, current_leases, main, read_option125, record
from cwmpd.plugin.mapping_format import MappingError
from support.backend_helpers import load_model, make_plugin

STB_MAC, PHONE_MAC, LAPTOP_MAC = "aa:bb:cc:00:00:01", "aa:bb:cc:00:00:02", "aa:bb:cc:00:00:03"
NOW = 1_800_000_000
STB_ENV = {
    "DNSMASQ_CPEWAN_OUI": "00D09E",
    "DNSMASQ_CPEWAN_SERIAL": "STB-1",
    "DNSMASQ_CPEWAN_CLASS": "SetTopBox",
}


def leasefile(path: Path) -> Path:
    """A dnsmasq lease file: two live leases, one expired, an infinite one, a DHCPv6 line."""
    path.write_text(
        f"{NOW + 600} {STB_MAC} 192.168.1.10 stb 01:aa:bb:cc:00:00:01\n"
        f"{NOW + 600} {PHONE_MAC} 192.168.1.11 * *\n"
        f"{NOW - 1} {LAPTOP_MAC} 192.168.1.12 laptop *\n"
        f"0 AA:BB:CC:00:00:04 192.168.1.13 nas *\n"
        "duid 00:01:00:01:2a:2b:2c:2d:aa:bb:cc:dd:ee:ff\n"
        f"{NOW + 600} 1234 fd00::10 host6 00:02:00:00\n"
    )
    return path


def test_current_leases_skip_expired_and_dhcpv6(tmp_path: Path) -> None:
    """Unexpired IPv4 leases by lower-case MAC; expiry 0 never expires."""
    got = current_leases(leasefile(tmp_path / "dnsmasq.leases"), NOW)
    assert got == {
        STB_MAC: "192.168.1.10",
        PHONE_MAC: "192.168.1.11",
        "aa:bb:cc:00:00:04": "192.168.1.13",
    }
    assert current_leases(tmp_path / "missing", NOW) == {}


def test_script_records_option_125_and_forgets_on_del(tmp_path: Path) -> None:
    """ "add"/"old" with the CPEWAN variables record the device; "old" without them (dnsmasq
    restarting) keeps it; "add" without them or "del" drops it; junk is ignored."""
    path = tmp_path / "opt125.json"
    assert record(path, "add", STB_MAC.upper(), STB_ENV)
    stb = {"oui": "00D09E", "serial": "STB-1", "class": "SetTopBox"}
    assert read_option125(path) == {STB_MAC: stb}
    assert not record(path, "old", STB_MAC, {})
    assert STB_MAC in read_option125(path)
    assert not record(path, "add", "not-a-mac", STB_ENV)
    assert record(path, "del", STB_MAC, {})
    assert read_option125(path) == {}
    record(path, "add", STB_MAC, STB_ENV)
    assert record(path, "add", STB_MAC, {})
    assert read_option125(path) == {}


def test_main_is_the_dhcp_script(tmp_path: Path) -> None:
    """``python -m cwmpd.plugin.leases ACTION MAC IP [HOST]`` as dnsmasq runs it; other
    actions (tftp, arp-add) do nothing."""
    path = tmp_path / "opt125.json"
    env = {**os.environ, **STB_ENV, "CWMPD_OPTION125_FILE": str(path)}
    argv = [sys.executable, "-m", "cwmpd.plugin.leases", "add", STB_MAC, "192.168.1.10", "stb"]
    subprocess.run(argv, env=env, check=True, timeout=60)
    assert read_option125(path)[STB_MAC]["serial"] == "STB-1"
    assert main(["tftp", "1234", "/srv/tftp/file"], {"CWMPD_OPTION125_FILE": str(path)}) == 0
    assert main(["del", STB_MAC, "192.168.1.10"], {"CWMPD_OPTION125_FILE": str(path)}) == 0
    assert read_option125(path) == {}


def test_devices_are_those_with_a_live_lease_and_option_125(tmp_path: Path) -> None:
    """The hook joins both files: a device whose lease expired is not listed."""
    opt = tmp_path / "opt125.json"
    record(opt, "add", STB_MAC, STB_ENV)
    record(opt, "add", LAPTOP_MAC, {**STB_ENV, "DNSMASQ_CPEWAN_SERIAL": "OLD-9"})
    phone = {"DNSMASQ_CPEWAN_OUI": "0004F2", "DNSMASQ_CPEWAN_SERIAL": "PHONE-2"}
    record(opt, "add", PHONE_MAC, phone)
    devices = DnsmasqDevices(leasefile(tmp_path / "leases"), opt, clock=lambda: NOW)
    assert list(devices()) == [
        ManageableDevice("00D09E", "STB-1", "SetTopBox"),
        ManageableDevice("0004F2", "PHONE-2", ""),
    ]
    assert list(DnsmasqDevices(tmp_path / "none", opt)()) == []


MAPPING = """
root = "Device."
[store]
"Device.DeviceInfo.ManufacturerOUI" = "000000"
[manageable_devices]
leasefile = "{leases}"
option125 = "{opt}"
"""


@pytest_twisted.ensureDeferred
async def test_mapping_plugin_serves_the_table(tmp_path: Path) -> None:
    """A mapping.toml ``[manageable_devices]`` table gives the device the TR-111 table."""
    opt = tmp_path / "opt125.json"
    record(opt, "add", PHONE_MAC, {"DNSMASQ_CPEWAN_OUI": "0004F2", "DNSMASQ_CPEWAN_SERIAL": "P2"})
    leases = tmp_path / "leases"
    leases.write_text(f"0 {PHONE_MAC} 192.168.1.11 phone *\n")
    folder = make_plugin(tmp_path / "dev", MAPPING.format(leases=leases, opt=opt))
    model = load_model(folder, tmp_path / "state")
    ms = "Device.ManagementServer."
    got = {
        v.name: v.value
        for v in await model.get_parameter_values(
            [ms + "ManageableDevice.", ms + "ManageableDeviceNumberOfEntries"]
        )
    }
    assert got[ms + "ManageableDevice.1.SerialNumber"] == "P2"
    assert got[ms + "ManageableDeviceNumberOfEntries"] == "1"


def test_mapping_plugin_refuses_unknown_keys(tmp_path: Path) -> None:
    """A typo in ``[manageable_devices]`` is a clear plugin error."""
    text = MAPPING.format(leases="x", opt="y") + 'lease_file = "z"\n'
    folder = make_plugin(tmp_path / "dev", text)
    with pytest.raises(MappingError, match="lease_file"):
        load_model(folder, tmp_path / "state")
