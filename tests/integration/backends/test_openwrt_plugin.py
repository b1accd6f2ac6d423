"""The openwrt plugin against a fake ``uci`` on PATH: batched reads, atomic SPV, reloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.load import source_tree_plugins
from support.agent_harness import reactor
from support.backend_helpers import fake_uci_store, openwrt_model

UCI = {
    "wireless": {
        "radio0": {".type": "wifi-device", "channel": "6", "band": "2g", "disabled": "0"},
        "cfg0a": {".type": "wifi-iface", "ssid": "home", "encryption": "psk2", "key": "pw1"},
        "cfg0b": {".type": "wifi-iface", "ssid": "guest", "encryption": "none", "hidden": "1"},
    },
    "firewall": {
        "cfg1": {
            ".type": "redirect",
            "name": "web",
            "src_dport": "8080",
            "dest_port": "80",
            "dest_ip": "192.168.1.10",
            "proto": "tcp",
        },
    },
    "dhcp": {"lan": {".type": "dhcp", "dns": ["1.1.1.1", "9.9.9.9"]}},
}
AP = "Device.WiFi.AccessPoint."


@pytest.fixture
def uci_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake UCI store, with fakebin first on PATH."""
    return fake_uci_store(tmp_path, monkeypatch, UCI)


def model_in(tmp_path: Path) -> DataModel:
    """The openwrt plugin's model."""
    return openwrt_model(tmp_path)


def snapshot(store: Path) -> tuple[str, str]:
    """Committed and staged UCI state."""
    delta = store / "delta.json"
    staged = delta.read_text() if delta.exists() else "{}"
    return (store / "committed.json").read_text(), json.dumps(json.loads(staged) or {})


@pytest_twisted.ensureDeferred
async def test_reads_map_uci_values(tmp_path: Path, uci_dir: Path) -> None:
    """WiFi, NAT and DHCP values come out of UCI mapped to TR-181 forms, one show per package."""
    model = model_in(tmp_path)
    got = {
        v.name: v.value
        for v in await model.get_parameter_values(["Device.WiFi.", "Device.NAT.", "Device.DHCPv4."])
    }
    assert got["Device.WiFi.Radio.1.OperatingFrequencyBand"] == "2.4GHz"
    assert got["Device.WiFi.SSID.1.SSID"] == "home"
    assert got["Device.WiFi.SSID.2.SSID"] == "guest"
    assert got[AP + "1.Security.ModeEnabled"] == "WPA2-Personal"
    assert got[AP + "2.SSIDAdvertisementEnabled"] == "false"
    assert got[AP + "1.Security.KeyPassphrase"] == ""  # hidden: reads back empty
    assert got["Device.NAT.PortMapping.1.Protocol"] == "TCP"
    assert got["Device.DHCPv4.Server.Pool.1.DNSServers"] == "1.1.1.1,9.9.9.9"
    shows = [c for c in (uci_dir / "calls.log").read_text().splitlines() if '"show"' in c]
    assert len(shows) == len(set(shows))


@pytest_twisted.ensureDeferred
async def test_spv_commits_and_reloads_after_session(tmp_path: Path, uci_dir: Path) -> None:
    """SPV stages with uci set, commits, answers 1; wifi reload runs at end of session."""
    model = model_in(tmp_path)
    status = await model.set_parameter_values(
        [
            PV("Device.WiFi.SSID.2.SSID", "guest; reboot"),
            PV(AP + "1.Security.ModeEnabled", "WPA3-Personal"),
            PV("Device.DHCPv4.Server.Pool.1.DNSServers", "8.8.8.8"),
        ],
        "k",
    )
    assert status == 1
    committed = json.loads((uci_dir / "committed.json").read_text())
    assert committed["wireless"]["cfg0b"]["ssid"] == "guest; reboot"
    assert committed["wireless"]["cfg0a"]["encryption"] == "sae"
    assert committed["dhcp"]["lan"]["dns"] == ["8.8.8.8"]
    assert not (uci_dir / "reloads.log").exists()
    with pytest.raises(CwmpFault):  # dnsmasq/firewall reloads are absent here: reported
        await model.end_of_session()
    assert (uci_dir / "reloads.log").read_text() == "wifi reload\n"


@pytest_twisted.ensureDeferred
async def test_spv_failing_halfway_leaves_uci_as_before(tmp_path: Path, uci_dir: Path) -> None:
    """A uci set failing after others were staged: UCI committed and staged state unchanged."""
    model = model_in(tmp_path)
    before = snapshot(uci_dir)
    (uci_dir / "fail-set-firewall.cfg1.name").write_text("")
    with pytest.raises(CwmpFault) as err:
        await model.set_parameter_values(
            [
                PV("Device.WiFi.SSID.1.SSID", "changed"),
                PV("Device.NAT.PortMapping.1.ExternalPort", "9090"),
                PV("Device.NAT.PortMapping.1.Description", "boom"),
            ],
            "k",
        )
    assert err.value.code == 9002
    assert snapshot(uci_dir) == before


@pytest_twisted.ensureDeferred
async def test_add_and_delete_port_mapping(tmp_path: Path, uci_dir: Path) -> None:
    """AddObject creates a committed redirect section; DeleteObject removes it."""
    model = model_in(tmp_path)
    number, status = await model.add_object("Device.NAT.PortMapping.", "k")
    assert (number, status) == (2, 0)
    committed = json.loads((uci_dir / "committed.json").read_text())
    assert [s for s, v in committed["firewall"].items() if v[".type"] == "redirect"][1:]
    await model.set_parameter_values([PV("Device.NAT.PortMapping.2.InternalPort", "22")], "k2")
    await model.delete_object("Device.NAT.PortMapping.2.", "k3")
    committed = json.loads((uci_dir / "committed.json").read_text())
    assert list(committed["firewall"]) == ["cfg1"]


@pytest_twisted.ensureDeferred
async def test_firmware_verify_uses_sysupgrade_test_mode(tmp_path: Path, uci_dir: Path) -> None:
    """verify() accepts what ``sysupgrade -T`` accepts and faults 9018 otherwise."""
    from cwmpd.plugin.load import load_plugin

    device = load_plugin(
        str(source_tree_plugins() / "openwrt"), state_dir=tmp_path, reactor=reactor
    )
    good, bad = tmp_path / "good.bin", tmp_path / "bad.bin"
    good.write_bytes(b"OPENWRT-IMAGE\n...")
    bad.write_bytes(b"garbage")
    firmware = device.firmware  # type: ignore[attr-defined]
    await firmware.verify(good)
    with pytest.raises(CwmpFault) as err:
        await firmware.verify(bad)
    assert err.value.code == 9018


@pytest_twisted.ensureDeferred
async def test_firmware_handler_for_downloads(
    tmp_path: Path, uci_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transfers handler: 9018 for a refused image; apply starts sysupgrade in its own
    session (setsid) and answers SELF_REBOOT; version() reads SoftwareVersion."""
    from twisted.internet import task

    from cwmpd.plugin.load import load_plugin
    from cwmpd.transfers.handlers import SELF_REBOOT

    marker = tmp_path / "flashed"
    monkeypatch.setenv("FAKE_SYSUPGRADE_MARKER", str(marker))
    device = load_plugin(
        str(source_tree_plugins() / "openwrt"), state_dir=tmp_path, reactor=reactor
    )

    async def version() -> str:
        return "23.05.3"

    handler = device.firmware_handler(version)  # type: ignore[attr-defined]
    good, bad = tmp_path / "good.bin", tmp_path / "bad.bin"
    good.write_bytes(b"OPENWRT-IMAGE\n...")
    bad.write_bytes(b"garbage")
    assert await handler.verify(good) == ""
    with pytest.raises(CwmpFault) as err:
        await handler.verify(bad)
    assert err.value.code == 9018
    assert await handler.apply(good, "") == SELF_REBOOT
    for _ in range(100):
        if marker.exists() and marker.read_text():
            break
        await task.deferLater(reactor, 0.05, lambda: None)
    assert marker.read_text().split() == [str(good), "True"]
    assert await handler.version() == "23.05.3"
