"""What the device does with a fetched file, and what it produces for an Upload.

The agent's own FileHandlers (the Protocol and DONE/REBOOT/SELF_REBOOT are the plugin
contract's: cwmpd.plugin.api) and one UploadSource per Upload FileType. ``device_firmware``
makes the firmware handler from a device's hooks.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.plugin.api import DONE as DONE
from cwmpd.plugin.api import REBOOT as REBOOT
from cwmpd.plugin.api import SELF_REBOOT as SELF_REBOOT
from cwmpd.plugin.api import DeviceHooks, ReadVersion
from cwmpd.plugin.api import FileHandler as FileHandler


class UploadSource(Protocol):
    """Produces the file of one Upload FileType."""

    async def produce(self, file_type: str, dest: Path) -> str:
        """Write the file to ``dest``; its Content-Type. CwmpFault 9011 when impossible."""
        ...


class DeviceFirmware:
    """FileHandler for a device whose hooks verify and stage firmware (installed at reboot).

    apply() stages the image and returns REBOOT: the agent then reboots the device
    (the simulated device restarts the daemon), and success is judged by the version
    read through ``read_version`` after the boot.
    """

    def __init__(
        self,
        verify: Callable[[Path], str],
        stage: Callable[[Path], object],
        read_version: ReadVersion,
    ) -> None:
        self._verify = verify
        self._stage = stage
        self._read_version = read_version

    def verify(self, image: Path) -> str:
        """The version the image carries; 9018 from the device when it is not valid."""
        return str(self._verify(image))

    async def apply(self, image: Path, target_file_name: str) -> str:
        """Stage the image; the reboot that installs it is the agent's."""
        self._stage(image)
        return REBOOT

    async def version(self) -> str:
        """SoftwareVersion as the data model reports it."""
        return await self._read_version()


def device_firmware(device: DeviceHooks, model: Any) -> FileHandler | None:
    """The firmware handler of ``device``: its own ``firmware_handler(read_version)`` when it
    has one (e.g. OpenWrt's sysupgrade), else staging through verify/stage_firmware, else None.
    """
    name = sys.intern(f"{model.root}DeviceInfo.SoftwareVersion")  # one for all devices

    async def read_version() -> str:
        values = await model.get_parameter_values([name])
        return str(values[0].value) if values else ""

    if device.firmware_handler is not None:
        return device.firmware_handler(read_version)
    if device.verify_firmware is None or device.stage_firmware is None:
        return None
    return DeviceFirmware(device.verify_firmware, device.stage_firmware, read_version)


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
