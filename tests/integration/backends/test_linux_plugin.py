"""The linux plugin on this machine: real values, valid types, agreeing with ip and /proc."""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from cwmpd.datamodel.schema import load_schema
from cwmpd.datamodel.validate import check_value
from cwmpd.plugin.load import build_model, source_tree_plugins
from support.agent_harness import reactor
from support.fakes import stand_in

pytestmark = pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2 (ip -j)")


@pytest_twisted.ensureDeferred
async def test_gpv_of_device_is_real_and_valid(tmp_path: Path) -> None:
    """GPV Device.: every value validates; addresses match ``ip -j addr``; UpTime /proc/uptime."""
    counting = _CountingReactor()
    model, _ = build_model(
        [str(source_tree_plugins() / "linux")],
        state_dir=tmp_path,
        factory_values={},
        reactor=stand_in(counting),
    )
    values = {v.name: v for v in await model.get_parameter_values(["Device."])}
    schema = load_schema("Device.")
    for name, v in values.items():
        meta = schema.param(_generic(name))
        assert meta is not None, name
        check_value(meta, v.value, v.type, allow_readonly_enums=True)
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    assert abs(int(values["Device.DeviceInfo.UpTime"].value) - uptime) <= 2
    ip = json.loads(subprocess.run(["ip", "-j", "addr"], capture_output=True, check=True).stdout)
    expected = {a["local"] for link in ip for a in link.get("addr_info", [])}
    got = {v.value for n, v in values.items() if n.endswith(".IPAddress") and ".IPv" in n}
    assert got == expected
    names = {
        v.value
        for n, v in values.items()
        if n.startswith("Device.IP.Interface.") and n.endswith(".Name")
    }
    assert names == {link["ifname"] for link in ip}
    assert counting.spawned <= 6


class _CountingReactor:
    """The global reactor, counting the processes spawned through it."""

    def __init__(self) -> None:
        self.spawned = 0

    def spawnProcess(self, *args: Any, **kwargs: Any) -> Any:
        """Count, then spawn on the real reactor."""
        self.spawned += 1
        return reactor.spawnProcess(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(reactor, name)


def _generic(name: str) -> str:
    return ".".join("{i}" if p.isdigit() else p for p in name.split("."))


@pytest_twisted.ensureDeferred
async def test_ipv4_subnet_masks_agree_with_ip_addr(tmp_path: Path) -> None:
    """Each IPv4Address.SubnetMask is the dotted form of its prefix length in ``ip -j addr``."""
    model, _ = build_model(
        [str(source_tree_plugins() / "linux")],
        state_dir=tmp_path,
        factory_values={},
        reactor=reactor,
    )
    values = {v.name: v.value for v in await model.get_parameter_values(["Device.IP.Interface."])}
    got = {
        values[n[: -len("SubnetMask")] + "IPAddress"]: v
        for n, v in values.items()
        if ".IPv4Address." in n and n.endswith(".SubnetMask")
    }
    ip = json.loads(subprocess.run(["ip", "-j", "addr"], capture_output=True, check=True).stdout)
    expected = {
        a["local"]: str(ipaddress.IPv4Network(f"0.0.0.0/{a['prefixlen']}").netmask)
        for link in ip
        for a in link.get("addr_info", [])
        if a.get("family") == "inet"
    }
    assert expected and got == expected
