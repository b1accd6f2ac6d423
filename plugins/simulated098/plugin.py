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
import uuid
from pathlib import Path
from typing import Any

from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.management import declare_management_server
from cwmpd.datamodel.plugin import PluginContext
from cwmpd.diagnostics.bindings import Diagnostics
from cwmpd.state import read_json, write_json

ROOT = "InternetGatewayDevice."
HERE = Path(__file__).resolve().parent
FIRMWARE_MAGIC = "CWMPD-SIMULATED-FIRMWARE version="
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

#: Values the dump lacks or cwmpd answers differently.
EXTRA_FACTORY: dict[str, str] = {
    ROOT + "Layer3Forwarding.DefaultConnectionService": DEFAULT_CONNECTION,
    ROOT + "DeviceInfo.ProvisioningCode": "",
    # The dump's summary is cut short (no closing parenthesis) and lists WiMAX, which
    # this simulation does not serve: say what it does serve.
    ROOT + "DeviceSummary": "InternetGatewayDevice:1.4[](Baseline:1, EthernetLAN:1, WiFiLAN:1,"
    " Bridging:1, Time:1, IPPing:1, TraceRoute:1, Download:1, Upload:1)",
}


def load_dump(path: Path = HERE / "bm632w.csv") -> dict[str, str]:
    """The concrete parameter values of the captured device (``Parameter,Value`` rows)."""
    with open(path, newline="", encoding="utf-8") as f:
        return {row["Parameter"]: row["Value"] for row in csv.DictReader(f)}


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


class SimulatedGateway:
    """A virtual TR-098 gateway whose boots, uptime and firmware live in its state folder."""

    root = ROOT

    def __init__(self, ctx: PluginContext) -> None:
        self._clock = ctx.clock
        self._path = ctx.state_dir / "device.json"
        self.diagnostics = Diagnostics(ctx.clock, ROOT)
        state: Any = read_json(self._path, None)
        if isinstance(state, dict):
            self._state: dict[str, Any] = state
        else:
            self._state = {
                "serial": "8KA8" + uuid.uuid4().hex[:12].upper(),
                "software_version": INITIAL_VERSION,
                "pending_version": "",
            }
            self._boot()

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
        """The dump's parameters (agent-stored), ManagementServer, PortMapping, diagnostics."""
        factory = {**load_dump(), **EXTRA_FACTORY}
        for name in dict.fromkeys(paths.generic(n) for n in factory):
            decl.store(name)
        decl.getter(ROOT + "DeviceInfo.SerialNumber", lambda _: str(self._state["serial"]))
        decl.getter(
            ROOT + "DeviceInfo.SoftwareVersion", lambda _: str(self._state["software_version"])
        )
        decl.getter(ROOT + "DeviceInfo.UpTime", lambda _: str(self.uptime()))
        decl.getter(ROOT + "Time.CurrentLocalTime", lambda _: self._now())
        declare_management_server(decl, ROOT)
        for rel, default in PORT_MAPPING.items():
            decl.store(f"{paths.generic(WAN_IP)}PortMapping.{{i}}.{rel}", default)
        decl.factory(factory)
        self.diagnostics.declare(decl)

    def _now(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock.seconds()))


def create(ctx: PluginContext) -> SimulatedGateway:
    """The plugin entry point."""
    return SimulatedGateway(ctx)
