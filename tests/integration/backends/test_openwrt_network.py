"""OpenWrt LAN/WAN IP settings in /etc/config/network through the fake ``uci``: atomic SPV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.datamodel.model import DataModel
from support.backend_helpers import fake_uci_store, openwrt_model

UCI = {
    "network": {
        "loopback": {
            ".type": "interface",
            "proto": "static",
            "ipaddr": "127.0.0.1",
            "netmask": "255.0.0.0",
        },
        "lan": {
            ".type": "interface",
            "proto": "static",
            "ipaddr": "192.168.1.1",
            "netmask": "255.255.255.0",
        },
        "wan": {".type": "interface", "proto": "dhcp"},
        "globals": {".type": "globals", "ula_prefix": "fd00::/48"},
    },
    "wireless": {"cfg0a": {".type": "wifi-iface", "ssid": "home", "encryption": "psk2"}},
}
IF = "Device.IP.Interface."


@pytest.fixture
def uci_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake UCI store holding a network config, with fakebin first on PATH."""
    return fake_uci_store(tmp_path, monkeypatch, UCI)


def model_in(tmp_path: Path) -> DataModel:
    """The openwrt plugin's model."""
    return openwrt_model(tmp_path)


def snapshot(store: Path) -> tuple[object, object]:
    """Committed and staged UCI state, parsed."""
    delta = store / "delta.json"
    staged = json.loads(delta.read_text()) if delta.exists() else {}
    return json.loads((store / "committed.json").read_text()), staged or {}


async def interfaces(model: DataModel) -> dict[str, dict[str, str]]:
    """Interface name -> {relative name: value} of every IP.Interface instance."""
    values = {v.name: v.value for v in await model.get_parameter_values([IF])}
    out: dict[str, dict[str, str]] = {}
    for name, value in values.items():
        number, _, rel = name[len(IF) :].partition(".")
        out.setdefault(values[f"{IF}{number}.Name"], {})[rel] = value
    return out


@pytest_twisted.ensureDeferred
async def test_interfaces_and_addresses_come_from_network_config(
    tmp_path: Path, uci_dir: Path
) -> None:
    """One IP.Interface per interface section, each with one IPv4Address from its options."""
    got = await interfaces(model_in(tmp_path))
    assert set(got) == {"loopback", "lan", "wan"}
    lan, wan = got["lan"], got["wan"]
    assert lan["IPv4AddressNumberOfEntries"] == "1"
    assert lan["IPv4Address.1.IPAddress"] == "192.168.1.1"
    assert lan["IPv4Address.1.SubnetMask"] == "255.255.255.0"
    assert lan["IPv4Address.1.AddressingType"] == "Static"
    assert wan["IPv4Address.1.AddressingType"] == "DHCP"
    assert wan["IPv4Address.1.IPAddress"] == ""
    assert got["loopback"]["Enable"] == "true"


@pytest_twisted.ensureDeferred
async def test_spv_changes_lan_address_and_reloads_network(tmp_path: Path, uci_dir: Path) -> None:
    """SPV of the LAN address and mask commits network; status 1; network reload after."""
    model = model_in(tmp_path)
    lan = next(n for n, v in (await _numbers(model)).items() if v == "lan")
    status = await model.set_parameter_values(
        [
            PV(f"{IF}{lan}.IPv4Address.1.IPAddress", "10.0.0.1"),
            PV(f"{IF}{lan}.IPv4Address.1.SubnetMask", "255.255.0.0"),
        ],
        "k",
    )
    assert status == 1
    committed = json.loads((uci_dir / "committed.json").read_text())
    assert committed["network"]["lan"]["ipaddr"] == "10.0.0.1"
    assert committed["network"]["lan"]["netmask"] == "255.255.0.0"
    assert committed["network"]["wan"] == UCI["network"]["wan"]
    with pytest.raises(CwmpFault):  # /etc/init.d/network is absent here: reported, after
        await model.end_of_session()


@pytest.mark.parametrize("failure", ["fail-set-network.lan.netmask", "fail-commit-network"])
@pytest_twisted.ensureDeferred
async def test_spv_failing_halfway_leaves_uci_as_before(
    tmp_path: Path, uci_dir: Path, failure: str
) -> None:
    """A set or a commit failing after other packages were staged or committed: UCI unchanged."""
    model = model_in(tmp_path)
    lan = next(n for n, v in (await _numbers(model)).items() if v == "lan")
    before = snapshot(uci_dir)
    (uci_dir / failure).write_text("")
    with pytest.raises(CwmpFault) as err:
        await model.set_parameter_values(
            [
                PV("Device.WiFi.SSID.1.SSID", "changed"),
                PV(f"{IF}{lan}.IPv4Address.1.IPAddress", "10.9.9.9"),
                PV(f"{IF}{lan}.IPv4Address.1.SubnetMask", "255.255.255.252"),
            ],
            "k",
        )
    assert err.value.code == 9002
    assert snapshot(uci_dir) == before
    calls = (uci_dir / "calls.log").read_text()
    assert '"set", "network.lan.ipaddr=10.9.9.9"' in calls  # it really got halfway


@pytest_twisted.ensureDeferred
async def test_read_only_and_single_address_rules(tmp_path: Path, uci_dir: Path) -> None:
    """Name and AddressingType are read-only (9008); a second IPv4Address cannot be added."""
    model = model_in(tmp_path)
    with pytest.raises(CwmpFault) as err:
        await model.set_parameter_values([PV(f"{IF}1.Name", "evil")], "k")
    assert err.value.code == 9003
    assert {f.code for f in err.value.set_faults} == {9008}
    with pytest.raises(CwmpFault) as err:
        await model.add_object(f"{IF}1.IPv4Address.", "k")
    assert err.value.code == 9004
    assert snapshot(uci_dir)[0] == UCI


async def _numbers(model: DataModel) -> dict[str, str]:
    values = await model.get_parameter_values([IF])
    return {
        v.name[len(IF) :].split(".")[0]: v.value
        for v in values
        if v.name.count(".") == 4 and v.name.endswith(".Name")
    }
