"""What the device does with a fetched file, and what it produces for an Upload.

These are the seams a device plugin fills: one FileHandler per Download FileType and one
UploadSource per Upload FileType. ``device_firmware`` adapts any plugin offering
``verify_firmware(path) -> version`` and ``stage_firmware(path)`` (the simulated device).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final, Protocol

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct

#: apply() outcomes.
DONE: Final = "done"  # applied now: TransferComplete follows at once
REBOOT: Final = "reboot"  # the agent must reboot the device (it exits); judged after the boot
SELF_REBOOT: Final = "self-reboot"  # a detached process reboots the device (e.g. sysupgrade)


class FileHandler(Protocol):
    """Applies one Download FileType.

    A handler whose applier reports its own outcome (cwmpd.transfers.rootside) also has
    ``async outcome(image) -> (fault code, reason)``: after the reboot it, not the version
    now running, decides the TransferComplete.
    """

    def verify(self, image: Path) -> str | Awaitable[str]:
        """Check the file; the version it will install ("" if none). CwmpFault 9018 if bad.

        May be a coroutine (e.g. ``sysupgrade -T`` runs as a subprocess).
        """
        ...

    async def apply(self, image: Path, target_file_name: str) -> str:
        """Apply the file; DONE, REBOOT or SELF_REBOOT. CwmpFault (9010, 9018 ...) on failure."""
        ...

    async def version(self) -> str:
        """The version now running ("" when not applicable); judged after a reboot."""
        ...


class UploadSource(Protocol):
    """Produces the file of one Upload FileType."""

    async def produce(self, file_type: str, dest: Path) -> str:
        """Write the file to ``dest``; its Content-Type. CwmpFault 9011 when impossible."""
        ...


class DeviceFirmware:
    """FileHandler for a device plugin with verify_firmware/stage_firmware and a reboot.

    apply() stages the image and returns REBOOT: the agent then reboots the device
    (the simulated device restarts the daemon), and success is judged by the version
    read through ``read_version`` after the boot.
    """

    def __init__(self, device: Any, read_version: Callable[[], Awaitable[str]]) -> None:
        self._device = device
        self._read_version = read_version

    def verify(self, image: Path) -> str:
        """The version the image carries; 9018 from the device when it is not valid."""
        return str(self._device.verify_firmware(image))

    async def apply(self, image: Path, target_file_name: str) -> str:
        """Stage the image; the reboot that installs it is the agent's."""
        self._device.stage_firmware(image)
        return REBOOT

    async def version(self) -> str:
        """SoftwareVersion as the data model reports it."""
        return await self._read_version()


def device_firmware(device: Any, model: Any) -> FileHandler | None:
    """The firmware handler of ``device``: its own ``firmware_handler(read_version)`` when it
    has one (e.g. OpenWrt's sysupgrade), else staging through verify/stage_firmware, else None.
    """
    name = f"{model.root}DeviceInfo.SoftwareVersion"

    async def read_version() -> str:
        values = await model.get_parameter_values([name])
        return str(values[0].value) if values else ""

    own = getattr(device, "firmware_handler", None)
    if own is not None:
        handler: FileHandler = own(read_version)
        return handler
    if not (hasattr(device, "verify_firmware") and hasattr(device, "stage_firmware")):
        return None
    return DeviceFirmware(device, read_version)


class StoreFile:
    """FileHandler that keeps the file in a folder under TargetFileName (web content, tones).

    The name is reduced to its last path component so the ACS cannot write elsewhere.
    """

    def __init__(self, folder: Path, default_name: str = "file") -> None:
        self._folder = Path(folder)
        self._default = default_name

    def verify(self, image: Path) -> str:
        """Any file is acceptable."""
        return ""

    async def apply(self, image: Path, target_file_name: str) -> str:
        """Copy the file into the folder (temp + rename)."""
        name = Path(target_file_name).name if target_file_name else self._default
        if name in ("", ".", ".."):
            raise CwmpFault(9010, "bad TargetFileName")
        self._folder.mkdir(parents=True, exist_ok=True)
        tmp = self._folder / f".{name}.part"
        shutil.copyfile(image, tmp)
        tmp.replace(self._folder / name)
        return DONE

    async def version(self) -> str:
        """Not versioned."""
        return ""


class ModelSnapshot:
    """UploadSource: every parameter value below the root as JSON (a vendor configuration)."""

    def __init__(self, model: Any) -> None:
        self._model = model

    async def produce(self, file_type: str, dest: Path) -> str:
        """Write the snapshot; hidden values read as "" (X-1) through the model."""
        values = await self._model.get_parameter_values([self._model.root])
        with open(dest, "w", encoding="utf-8") as out:
            json.dump({v.name: v.value for v in values}, out, indent=0, sort_keys=True)
        return "application/json"


class ConfigRestore:
    """FileHandler for "3 Vendor Configuration File": a JSON object of parameter values, as
    ModelSnapshot uploads it, written back through the data model in one atomic local write.

    Parameters that are unknown now, read-only, or hidden and empty in the file (a snapshot
    never holds secrets) are left alone; a file that is not such an object is 9018.
    """

    def __init__(self, model: Any) -> None:
        self._model = model

    def _read(self, image: Path) -> dict[str, str]:
        try:
            data = json.loads(Path(image).read_bytes())
        except (OSError, ValueError) as exc:
            raise CwmpFault(9018, f"not a configuration file: {exc}") from None
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise CwmpFault(9018, "not a configuration file: expected names and string values")
        return data

    def verify(self, image: Path) -> str:
        """9018 unless the file is a JSON object of names and string values."""
        self._read(image)
        return ""

    async def apply(self, image: Path, target_file_name: str) -> str:
        """Write the writable values back; 9002 when the device refuses part of them."""
        data = self._read(image)
        names = await self._model.get_parameter_names(self._model.root, False)
        writable = {p.name for p in names if p.writable and not p.name.endswith(".")}
        current = {v.name: v for v in await self._model.get_parameter_values([self._model.root])}
        params = [
            ParameterValueStruct(name, value, current[name].type)
            for name, value in sorted(data.items())
            if name in writable and name in current and (value or current[name].value)
        ]
        try:
            await self._model.apply_local(params)
        except CwmpFault as fault:
            detail = "; ".join(f"{f.name}: {f.code}" for f in fault.set_faults)
            raise CwmpFault(9002, f"configuration refused: {detail or fault.string}") from None
        return DONE

    async def version(self) -> str:
        """Not applicable."""
        return ""


class FileUpload:
    """UploadSource that sends an existing file (e.g. a log file)."""

    def __init__(self, path: Path, content_type: str = "text/plain") -> None:
        self._path = Path(path)
        self._content_type = content_type

    async def produce(self, file_type: str, dest: Path) -> str:
        """Copy the file (so it cannot change under the PUT)."""
        try:
            shutil.copyfile(self._path, dest)
        except OSError as exc:
            raise CwmpFault(9011, f"cannot read {self._path.name}: {exc.strerror}") from exc
        return self._content_type
