"""A simulated TR-098 gateway (``InternetGatewayDevice.``), seeded from a real Huawei BM632w.

The parameter values in ``bm632w.csv`` come from the genieacs-sim dump of that device
(MIT licence, see LICENSE-genieacs-sim and NOTICE.md). Like ``plugins/simulated``, its boot
id, boot time, software version and staged firmware live in its own state folder, so a
"reboot" is a real restart of that state (new boot id, uptime from zero) and a firmware
image whose first line is ``CWMPD-SIMULATED-FIRMWARE version=X.Y.Z`` becomes the
SoftwareVersion after the reboot that applies it.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from cwmpd.cwmp import paths
from cwmpd.datamodel.bindings import Declarations
from cwmpd.plugin.api import PluginContext
from cwmpd.plugin.simhardware import STATE_FILE, SimulatedHardware

ROOT = "InternetGatewayDevice."
HERE = Path(__file__).resolve().parent
#: The SoftwareVersion the real device reported.
INITIAL_VERSION = "V100R001IRQC56B017"
MS = ROOT + "ManagementServer."
WAN_IP = ROOT + "WANDevice.1.WANConnectionDevice.1.WANIPConnection.1."
#: The default WAN connection, whose ExternalIPAddress every Inform carries (E-11).
DEFAULT_CONNECTION = WAN_IP.rstrip(".")

#: A writable table the dump has no rows of: NAT port mappings of the WAN IP connection.
PORT_MAPPING: dict[str, str | None] = {
    "PortMappingEnabled": "false",
    "Alias": "",
    "PortMappingLeaseDuration": "0",
    "RemoteHost": "",
    "ExternalPort": "0",
    "ExternalPortEndRange": "0",
    "InternalPort": "0",
    "PortMappingProtocol": "TCP",
    "InternalClient": "",
    "PortMappingDescription": "",
}

LAN = ROOT + "LANDevice.1."
WLAN = LAN + "WLANConfiguration.1."
#: The 802.11b/g rates the radio offers, in Mbit/s (TR-098 comma-separated lists).
RATES = "1,2,5.5,11,6,9,12,18,24,36,48,54"

#: Values the dump lacks or cwmpd answers differently.
EXTRA_FACTORY: dict[str, str] = {
    ROOT + "Layer3Forwarding.DefaultConnectionService": DEFAULT_CONNECTION,
    ROOT + "DeviceInfo.ProvisioningCode": "",
    # The dump's summary is cut short (no closing parenthesis) and lists WiMAX, which
    # this simulation does not serve: say what it does serve, each profile complete
    # (tests/integration/tr098/test_profiles_claimed.py reads them from the BBF XML).
    ROOT + "DeviceSummary": "InternetGatewayDevice:1.4[](Baseline:1, EthernetLAN:1, WiFiLAN:1,"
    " Time:1, IPPing:1, TraceRoute:1, Download:1, Upload:1)",
    # Baseline:1 parameters the dump lacks.
    ROOT + "LANConfigSecurity.ConfigPassword": "",
    LAN + "LANHostConfigManagement.DHCPServerConfigurable": "true",
    LAN + "LANHostConfigManagement.DHCPRelay": "false",
    LAN + "LANHostConfigManagement.SubnetMask": "255.255.255.0",
    ROOT + "WANDevice.1.WANCommonInterfaceConfig.EnabledForInternet": "true",
    # The dump says "WiMAX", which TR-098 does not enumerate: the WiMAX modem is reached
    # over Ethernet.
    ROOT + "WANDevice.1.WANCommonInterfaceConfig.WANAccessType": "Ethernet",
    WAN_IP + "RSIPAvailable": "false",
    # WiFiLAN:1: the dump's invalid values corrected ("up", "WPAWPA2", "b/g/n"), the
    # missing ones added.
    WLAN + "Status": "Up",
    WLAN + "BeaconType": "WPAand11i",
    WLAN + "Standard": "n",
    WLAN + "KeyPassphrase": "",
    WLAN + "PreSharedKey.1.KeyPassphrase": "",
    WLAN + "PossibleChannels": "1-13",
    WLAN + "BasicDataTransmitRates": "1,2,5.5,11",
    WLAN + "OperationalDataTransmitRates": RATES,
    WLAN + "PossibleDataTransmitRates": RATES,
    WLAN + "RadioEnabled": "true",
    WLAN + "AutoRateFallBackEnabled": "true",
    WLAN + "WPS.DevicePassword": "0",
    # Time:1: the dump's zone name is GMT+03:00, with no daylight saving.
    ROOT + "Time.LocalTimeZone": "+03:00",
    ROOT + "Time.DaylightSavingsUsed": "false",
    ROOT + "Time.DaylightSavingsStart": "0001-01-01T00:00:00Z",
    ROOT + "Time.DaylightSavingsEnd": "0001-01-01T00:00:00Z",
    # Download:1 and Upload:1: cwmpd.diagnostics speaks HTTP.
    ROOT + "Capabilities.PerformanceDiagnostic.DownloadTransports": "HTTP",
    ROOT + "Capabilities.PerformanceDiagnostic.UploadTransports": "HTTP",
}


def profile_values(dump: dict[str, str]) -> dict[str, str]:
    """Per-instance values the claimed profiles require, derived from the dump's rows."""
    out: dict[str, str] = {}
    for n in range(1, 5):  # EthernetLAN:1, for the four LAN ports
        port = f"{LAN}LANEthernetInterfaceConfig.{n}."
        out |= {port + "MACAddressControlEnabled": "false", port + "MaxBitRate": "Auto"}
        out[port + "DuplexMode"] = "Auto"
    ip_of_mac = {}
    for name, value in dump.items():
        if name.startswith(LAN + "Hosts.Host.") and name.endswith(".Layer2Interface"):
            host = name[: -len("Layer2Interface")]
            wifi = "WLANConfiguration" in value
            out[host + "InterfaceType"] = "802.11" if wifi else "Ethernet"
            ip_of_mac[dump.get(host + "MACAddress", "").upper()] = dump.get(host + "IPAddress", "")
    for name, mac in dump.items():
        if name.startswith(WLAN + "AssociatedDevice.") and name.endswith("MACAddress"):
            station = name[: -len("AssociatedDeviceMACAddress")]
            out[station + "AssociatedDeviceIPAddress"] = ip_of_mac.get(mac.upper(), "")
            out[station + "AssociatedDeviceAuthenticationState"] = "true"
    return out


def load_dump(path: Path = HERE / "bm632w.csv") -> dict[str, str]:
    """The concrete parameter values of the captured device (``Parameter,Value`` rows)."""
    with open(path, newline="", encoding="utf-8") as f:
        return {row["Parameter"]: row["Value"] for row in csv.DictReader(f)}


class SimulatedGateway(SimulatedHardware):
    """A virtual TR-098 gateway whose boots, uptime and firmware live in its state folder."""

    root = ROOT

    def __init__(self, ctx: PluginContext) -> None:
        super().__init__(
            ctx.reactor,
            ctx.state_dir / STATE_FILE,
            initial_version=INITIAL_VERSION,
            serial_prefix="8KA8",
        )

    def declare(self, decl: Declarations) -> None:
        """The dump's parameters (agent-stored) and PortMapping (the agent adds the rest)."""
        dump = load_dump()
        factory = {**dump, **profile_values(dump), **EXTRA_FACTORY}
        for name in dict.fromkeys(paths.generic(n) for n in factory):
            decl.store(name)
        decl.getter(ROOT + "DeviceInfo.SerialNumber", lambda _: self.serial)
        decl.getter(ROOT + "DeviceInfo.SoftwareVersion", lambda _: self.software_version)
        decl.getter(ROOT + "DeviceInfo.UpTime", lambda _: str(self.uptime()))
        decl.getter(ROOT + "Time.CurrentLocalTime", lambda _: self._now())
        for rel, default in PORT_MAPPING.items():
            decl.store(f"{paths.generic(WAN_IP)}PortMapping.{{i}}.{rel}", default)
        decl.factory(factory)

    def _now(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock.seconds()))


def create(ctx: PluginContext) -> SimulatedGateway:
    """The plugin entry point."""
    return SimulatedGateway(ctx)
