"""The simulated device: a self-contained TR-181 gateway for the demo and the tests.

Its state (boot id, boot time, software version, staged firmware) lives in its own state
folder, so a "reboot" is a real restart of that state: a new boot id and uptime from zero.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.management import declare_management_server
from cwmpd.datamodel.plugin import PluginContext
from cwmpd.diagnostics.bindings import Diagnostics
from cwmpd.state import read_json, write_json

ROOT = "Device."
FIRMWARE_MAGIC = "CWMPD-SIMULATED-FIRMWARE version="
INITIAL_VERSION = "1.0.0"
MS = "Device.ManagementServer."

IP_INTERFACE: dict[str, str | None] = {
    "Enable": "false",
    "Alias": "",
    "Name": "",
    "Status": "Down",
    "Type": "Normal",
    "IPv4Enable": "true",
    "IPv4Address.{i}.Enable": "false",
    "IPv4Address.{i}.Alias": "",
    "IPv4Address.{i}.IPAddress": "",
    "IPv4Address.{i}.SubnetMask": "",
    "IPv4Address.{i}.AddressingType": "Static",
}

#: NAT port mappings: a writable table GenieACS and most ACSes provision.
PORT_MAPPING: dict[str, str | None] = {
    "Enable": "false",
    "Status": "Disabled",
    "Alias": "",
    "Interface": "",
    "AllInterfaces": "false",
    "LeaseDuration": "0",
    "RemainingLeaseTime": "0",
    "RemoteHost": "",
    "ExternalPort": "0",
    "ExternalPortEndRange": "0",
    "InternalPort": "0",
    "Protocol": "TCP",
    "InternalClient": "",
    "Description": "",
}

FACTORY: dict[str, str] = {
    "Device.RootDataModelVersion": "2.19",
    "Device.DeviceInfo.Manufacturer": "cwmpd",
    "Device.DeviceInfo.ManufacturerOUI": "00CAFE",
    "Device.DeviceInfo.ProductClass": "SimulatedGateway",
    "Device.DeviceInfo.HardwareVersion": "sim-1",
    "Device.DeviceInfo.ProvisioningCode": "",
    "Device.IP.Interface.1.Enable": "true",
    "Device.IP.Interface.1.Name": "br-lan",
    "Device.IP.Interface.1.Alias": "cpe-lan",
    "Device.IP.Interface.1.Status": "Up",
    "Device.IP.Interface.1.IPv4Address.1.Enable": "true",
    "Device.IP.Interface.1.IPv4Address.1.IPAddress": "192.168.1.1",
    "Device.IP.Interface.1.IPv4Address.1.SubnetMask": "255.255.255.0",
}


def verify_firmware(image: Path) -> str:
    """The version a simulated firmware image carries, or CwmpFault 9018 (file corrupted)."""
    try:
        with open(image, "rb") as f:
            first = f.readline(256).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise CwmpFault(9018, "not a simulated firmware image") from None
    version = first[len(FIRMWARE_MAGIC) :] if first.startswith(FIRMWARE_MAGIC) else ""
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise CwmpFault(9018, "not a simulated firmware image")
    return version


class SimulatedDevice:
    """A virtual TR-181 device whose boots, uptime and firmware live in its state folder."""

    root = ROOT

    def __init__(self, ctx: PluginContext) -> None:
        self._clock = ctx.clock
        self._path = ctx.state_dir / "device.json"
        self.diagnostics = Diagnostics(ctx.clock, ROOT)
        state: Any = read_json(self._path, None)
        if not isinstance(state, dict):
            state = {
                "serial": uuid.uuid4().hex[:12].upper(),
                "software_version": INITIAL_VERSION,
                "pending_version": "",
            }
            self._state: dict[str, Any] = state
            self._boot()
        else:
            self._state = state

    def _boot(self) -> None:
        self._state["boot_id"] = str(uuid.uuid4())
        self._state["boot_time"] = self._clock.seconds()
        if self._state.get("pending_version"):
            self._state["software_version"] = self._state["pending_version"]
            self._state["pending_version"] = ""
        write_json(self._path, self._state)

    def boot_id(self) -> str:
        """The id of the current simulated boot."""
        return str(self._state["boot_id"])

    def uptime(self) -> int:
        """Seconds since the simulated boot."""
        return max(0, int(self._clock.seconds() - float(self._state["boot_time"])))

    def reboot(self) -> bool:
        """A new boot: new boot id, uptime from zero, staged firmware applied; daemon restarts."""
        self._boot()
        return True

    def factory_reset(self) -> None:
        """Nothing device-side to reset: the firmware stays, agent values are reset by the model."""

    def verify_firmware(self, image: Path) -> str:
        """Check an image (9018 if not ours); its version."""
        return verify_firmware(image)

    def stage_firmware(self, image: Path) -> str:
        """Verify ``image`` and make its version the SoftwareVersion after the next reboot."""
        version = verify_firmware(image)
        self._state["pending_version"] = version
        write_json(self._path, self._state)
        return version

    def declare(self, decl: Declarations) -> None:
        """TR-181 DeviceInfo, ManagementServer, RootDataModelVersion and IP.Interface."""
        for name in ("Manufacturer", "ManufacturerOUI", "ProductClass", "HardwareVersion"):
            decl.store(f"Device.DeviceInfo.{name}")
        decl.store("Device.DeviceInfo.ProvisioningCode", "")
        decl.store("Device.RootDataModelVersion")
        decl.getter("Device.DeviceInfo.SerialNumber", lambda _: str(self._state["serial"]))
        decl.getter(
            "Device.DeviceInfo.SoftwareVersion", lambda _: str(self._state["software_version"])
        )
        decl.getter("Device.DeviceInfo.UpTime", lambda _: str(self.uptime()))
        declare_management_server(decl, ROOT)
        for rel, default in IP_INTERFACE.items():
            decl.store("Device.IP.Interface.{i}." + rel, default)
        for rel, default in PORT_MAPPING.items():
            decl.store("Device.NAT.PortMapping.{i}." + rel, default)
        decl.factory(FACTORY)
        self.diagnostics.declare(decl)


def create(ctx: PluginContext) -> SimulatedDevice:
    """The plugin entry point."""
    return SimulatedDevice(ctx)
