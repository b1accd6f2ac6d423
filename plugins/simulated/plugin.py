"""The simulated device: a self-contained TR-181 gateway for the demo and the tests.

Its state (boot id, boot time, software version, staged firmware) lives in its own state
folder, so a "reboot" is a real restart of that state: a new boot id and uptime from zero.
"""

from __future__ import annotations

import dataclasses

from cwmpd.datamodel.bindings import Declarations
from cwmpd.plugin.api import ManageableDevice, PluginContext
from cwmpd.plugin.execenvs import SimulatedExecEnv
from cwmpd.plugin.simhardware import STATE_FILE, SimulatedHardware

ROOT = "Device."
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


#: The LAN devices that "sent" DHCP option 125 (TR-111): ManagementServer.ManageableDevice.
LAN_DEVICES = (
    ManageableDevice("00D09E", "STB-0001", "SetTopBox"),
    ManageableDevice("0004F2", "VOIP-0002", "IPPhone"),
)

#: Vendor extensions, the example of TR-106 ``X_<OUI>_`` names (00CAFE is this device's OUI):
#: a settable front LED colour and a read-only board temperature in degrees Celsius.
LED_COLOUR = "Device.DeviceInfo.X_00CAFE_LEDColour"
BOARD_TEMPERATURE = "Device.DeviceInfo.X_00CAFE_BoardTemperature"


class SimulatedDevice(SimulatedHardware):
    """A virtual TR-181 device whose boots, uptime and firmware live in its state folder."""

    root = ROOT

    def __init__(self, ctx: PluginContext) -> None:
        super().__init__(
            ctx.reactor,
            ctx.state_dir / STATE_FILE,
            initial_version=INITIAL_VERSION,
            serial_prefix="",
        )
        self.hooks = dataclasses.replace(self.hooks, manageable_devices=lambda: LAN_DEVICES)
        # ChangeDUState: one make-believe package manager (cwmpd.plugin.execenvs).
        packages = SimulatedExecEnv(ctx.state_dir / "packages.json")
        self.hooks = dataclasses.replace(self.hooks, software_modules=(packages,))

    def declare(self, decl: Declarations) -> None:
        """TR-181 DeviceInfo (two vendor parameters), IP.Interface, NAT (the agent adds more)."""
        for name in ("Manufacturer", "ManufacturerOUI", "ProductClass", "HardwareVersion"):
            decl.store(f"Device.DeviceInfo.{name}")
        decl.store("Device.DeviceInfo.ProvisioningCode", "")
        decl.store("Device.RootDataModelVersion")
        decl.getter("Device.DeviceInfo.SerialNumber", lambda _: self.serial)
        decl.getter("Device.DeviceInfo.SoftwareVersion", lambda _: self.software_version)
        decl.getter("Device.DeviceInfo.UpTime", lambda _: str(self.uptime()))
        for rel, default in IP_INTERFACE.items():
            decl.store("Device.IP.Interface.{i}." + rel, default)
        for rel, default in PORT_MAPPING.items():
            decl.store("Device.NAT.PortMapping.{i}." + rel, default)
        decl.vendor.param(LED_COLOUR, writable=True, enums=("Off", "Green", "Amber"))
        decl.store(LED_COLOUR, "Green")
        decl.vendor.param(BOARD_TEMPERATURE, "int", ranges=((-40, 125),))
        decl.getter(BOARD_TEMPERATURE, lambda _: "41")
        decl.factory(FACTORY)


def create(ctx: PluginContext) -> SimulatedDevice:
    """The plugin entry point."""
    return SimulatedDevice(ctx)
