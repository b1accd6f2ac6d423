"""Device.DeviceInfo.FirmwareImage.{i}. (TR-181 2.19, USP): the device's two firmware slots.

Image 1 starts as the running firmware, image 2 as the empty slot a USP
``FirmwareImage.{i}.Download()`` fills; ``Activate()`` of a filled slot makes it the
running one after the reboot, and the slots swap roles (cwmpd.transfers.usp_firmware
drives all of it). DeviceInfo's ActiveFirmwareImage and BootFirmwareImage name the
running slot. Read-only here (Alias, Available and BootFirmwareImage, writable in the
data model, are not: a Controller changes firmware only through the two commands).

The rows and the commands' journal live in one file (``usp-firmware.json`` in the state
directory, written whole by cwmpd.state.write_json), so one write moves a slot's Status
and the step of the command that changed it together: a kill -9 finds either both or
neither. Declared when USP is on, for a Device. root whose hooks handle firmware.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cwmpd.backends.base import ReadOnlyBackend, unsupported_table
from cwmpd.datamodel.bindings import Declarations
from cwmpd.plugin.api import DeviceHooks
from cwmpd.state import read_json, write_json

TABLE = "Device.DeviceInfo.FirmwareImage."
GENERIC = TABLE + "{i}."
INFO = "Device.DeviceInfo."
FIELDS = ("Alias", "Name", "Version", "Available", "Status", "BootFailureLog")
FILE = "usp-firmware.json"
SLOTS = (1, 2)


def empty_state() -> dict[str, Any]:
    """Image 1 running (its Version read from SoftwareVersion at start), image 2 empty."""
    return {
        "active": 1,
        "images": {
            "1": {"name": "running", "version": "", "status": "Active", "file": ""},
            "2": {"name": "", "version": "", "status": "NoImage", "file": ""},
        },
        "jobs": {},
    }


def has_firmware(hooks: DeviceHooks) -> bool:
    """The device installs firmware one of the two plugin ways (cwmpd.plugin.api)."""
    return hooks.firmware_handler is not None or hooks.verify_firmware is not None


class FirmwareImages(ReadOnlyBackend):
    """The slots and the firmware commands' journal, as a data-model backend."""

    def __init__(self, state_dir: Path) -> None:
        self._file = state_dir / FILE
        try:
            saved = read_json(self._file, None)
        except ValueError:  # corrupt: start over (the images themselves are the device's)
            saved = None
        self.state: dict[str, Any] = saved if isinstance(saved, dict) else empty_state()

    def update(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Apply ``change`` to a copy of the state and persist it; memory follows the disk
        (an OSError leaves both as they were)."""
        new = copy.deepcopy(self.state)
        change(new)
        write_json(self._file, new)
        self.state = new

    @property
    def active(self) -> int:
        """The number of the running slot."""
        return int(self.state["active"])

    def image(self, number: int) -> dict[str, str]:
        """Slot ``number``'s record (name, version, status, file)."""
        return dict(self.state["images"][str(number)])

    def job(self, command: str) -> dict[str, Any] | None:
        """The journal entry of ``command`` ("...FirmwareImage.2.Download()"), if any."""
        job = self.state["jobs"].get(command)
        return dict(job) if isinstance(job, dict) else None

    def value(self, number: int, rel: str) -> str:
        """Relative parameter ``rel`` of slot ``number``."""
        image = self.image(number)
        return {
            "Alias": f"cpe-{number}",
            "Name": image["name"],
            "Version": image["version"],
            "Available": "true" if image["status"] in ("Active", "Available") else "false",
            "Status": image["status"],
            "BootFailureLog": image.get("boot_failure_log", ""),
        }[rel]

    # -- the Backend protocol ------------------------------------------------------

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """The slots' values and DeviceInfo's Active/BootFirmwareImage by concrete name."""
        out = {}
        for name in names:
            if name in (INFO + "ActiveFirmwareImage", INFO + "BootFirmwareImage"):
                out[name] = f"{TABLE}{self.active}"
                continue
            number, _, rel = name[len(TABLE) :].partition(".")
            if number.isdigit() and int(number) in SLOTS and rel in FIELDS:
                out[name] = self.value(int(number), rel)
        return out

    async def list_instances(self, table: str) -> Sequence[int]:
        """Both slots, always."""
        if table != TABLE:
            raise unsupported_table(table)
        return list(SLOTS)


def declare_firmware_images(decl: Declarations, images: FirmwareImages) -> None:
    """Declare the FirmwareImage table and DeviceInfo's two references on ``images``."""
    decl.table(GENERIC, images)
    for rel in FIELDS:
        decl.bind(GENERIC + rel, images, writable=False)
    decl.bind(INFO + "ActiveFirmwareImage", images, writable=False)
    decl.bind(INFO + "BootFirmwareImage", images, writable=False)
