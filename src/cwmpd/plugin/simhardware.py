"""The hardware side of the simulated devices: boots, uptime, serial number and firmware.

Kept in the device's own state file, so a simulated reboot is a real restart of that state
(new boot id, uptime from zero, staged firmware installed) across daemon restarts. Its
``hooks`` stage firmware for the next reboot and ask for the diagnostics (which run on
this host).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IReactorTime

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.plugin.api import DeviceHooks
from cwmpd.state import read_json, write_json

FIRMWARE_MAGIC = "CWMPD-SIMULATED-FIRMWARE version="


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


#: The simulated hardware's file in the plugin's own state folder (PluginContext.state_dir).
STATE_FILE = "device.json"


class SimulatedHardware:
    """Boot id, boot time, serial and software version of a simulated device (one JSON file)."""

    def __init__(
        self, clock: IReactorTime, path: Path, *, initial_version: str, serial_prefix: str = ""
    ) -> None:
        self._clock = clock
        self._path = path
        state: Any = read_json(path, None)
        if isinstance(state, dict):
            self._state: dict[str, Any] = state
        else:
            self._state = {
                "serial": serial_prefix + uuid.uuid4().hex[:12].upper(),
                "software_version": initial_version,
                "pending_version": "",
            }
            self._boot()
        self.hooks = DeviceHooks(
            boot_id=self.boot_id,
            reboot=self.reboot,
            factory_reset=self.factory_reset,
            verify_firmware=self.verify_firmware,
            stage_firmware=self.stage_firmware,
            diagnostics=True,
        )

    def _boot(self) -> None:
        self._state["boot_id"] = str(uuid.uuid4())
        self._state["boot_time"] = self._clock.seconds()
        if self._state.get("pending_version"):
            self._state["software_version"] = self._state["pending_version"]
            self._state["pending_version"] = ""
        write_json(self._path, self._state)

    @property
    def serial(self) -> str:
        """The serial number, made up on first start."""
        return str(self._state["serial"])

    @property
    def software_version(self) -> str:
        """The running firmware version."""
        return str(self._state["software_version"])

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
