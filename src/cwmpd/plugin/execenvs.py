"""Execution environments for ChangeDUState (cwmpd.plugin.api.ExecEnvHandler): the simulated
device's, and OpenWrt's opkg (argv only, never a shell).

The simulated one installs any fetched file as a deployment unit named after the file (the
URL's last path segment, without its extension), with the version of a first line
``Version: X`` when there is one; what it holds lives in one JSON file of its state folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Final
from urllib.parse import urlsplit

from cwmpd.backends.process import CommandFailed, ProcessRunner
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.plugin.api import DeploymentUnit
from cwmpd.state import read_json, write_json

_VERSION: Final = re.compile(rb"Version:[ \t]*([^\r\n]{1,32})")
#: opkg's file names: name_version_arch.ipk.
_IPK: Final = re.compile(r"([^_/]+)_([^_/]+)_([^_/]+)\.ipk")


def file_name(url: str) -> str:
    """The last path segment of ``url``."""
    return PurePosixPath(urlsplit(url).path).name


class SimulatedExecEnv:
    """A package manager of make-believe: its units are records in ``path``."""

    name = "simulated"
    type = "Package Manager"
    vendor = "cwmpd"
    version = "1.0"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _units(self) -> dict[str, dict[str, str]]:
        data = read_json(self.path, {})
        return data if isinstance(data, dict) else {}

    async def inspect(self, package: Path, url: str) -> DeploymentUnit:
        """Named after the file, versioned by its first line (9018 for an empty file)."""
        name = PurePosixPath(file_name(url)).stem
        if not name:
            raise CwmpFault(9018, "the package's URL names no file")
        with open(package, "rb") as f:
            first = f.readline(256)
        if not first:
            raise CwmpFault(9018, "empty package")
        match = _VERSION.match(first)
        return DeploymentUnit(name, match.group(1).decode(errors="replace") if match else "")

    async def install(self, package: Path, url: str) -> DeploymentUnit:
        """Record the unit."""
        du = await self.inspect(package, url)
        units = self._units()
        if du.name in units:
            raise CwmpFault(9026, f"{du.name} is installed already")
        write_json(self.path, {**units, du.name: {"version": du.version, "url": url}})
        return du

    async def update(self, unit: DeploymentUnit, package: Path, url: str) -> DeploymentUnit:
        """Record the new version."""
        du = await self.inspect(package, url)
        units = self._units()
        if unit.name not in units:
            raise CwmpFault(9028, f"{unit.name} is not installed")
        write_json(self.path, {**units, unit.name: {"version": du.version, "url": url}})
        return DeploymentUnit(unit.name, du.version)

    async def uninstall(self, unit: DeploymentUnit) -> None:
        """Drop the record."""
        units = self._units()
        if unit.name not in units:
            raise CwmpFault(9028, f"{unit.name} is not installed")
        write_json(self.path, {k: v for k, v in units.items() if k != unit.name})

    async def list(self) -> Sequence[DeploymentUnit]:
        """The recorded units."""
        return [DeploymentUnit(n, str(v.get("version", ""))) for n, v in self._units().items()]


class OpkgExecEnv:
    """OpenWrt's package manager: ``opkg install FILE.ipk``, ``opkg remove NAME``,
    ``opkg list-installed`` (lines "name - version"), run as argv lists."""

    name = "opkg"
    type = "Package Manager"
    vendor = "OpenWrt"
    version = ""

    def __init__(self, runner: ProcessRunner, opkg: str = "opkg", timeout: float = 300) -> None:
        self.runner = runner
        self.opkg = opkg
        self.timeout = timeout

    async def _opkg(self, *args: str) -> str:
        """opkg's stdout; CwmpFault 9001 with the tail of its stderr when it fails."""
        try:
            result = await self.runner.run([self.opkg, *args], timeout=self.timeout)
        except CommandFailed as exc:
            raise CwmpFault(9001, f"opkg {args[0]}: {exc}") from exc
        if result.exit_code != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1] if lines else f"exited {result.exit_code}"
            raise CwmpFault(9001, f"opkg {args[0]}: {detail}"[:256])
        return result.stdout.decode("utf-8", "replace")

    async def inspect(self, package: Path, url: str) -> DeploymentUnit:
        """The name and version of the package's file name (name_version_arch.ipk)."""
        match = _IPK.fullmatch(file_name(url))
        if match is None:
            raise CwmpFault(9018, "not an .ipk file name (name_version_arch.ipk)")
        return DeploymentUnit(match.group(1), match.group(2))

    async def _install(self, package: Path, url: str, *extra: str) -> DeploymentUnit:
        du = await self.inspect(package, url)
        ipk = package.with_name(package.name + ".ipk")  # opkg wants the extension
        os.link(package, ipk)
        try:
            await self._opkg("install", *extra, str(ipk))
        finally:
            ipk.unlink(missing_ok=True)
        listed = {u.name: u for u in await self.list()}
        if du.name not in listed:
            raise CwmpFault(9018, f"opkg did not install {du.name}")
        return listed[du.name]

    async def install(self, package: Path, url: str) -> DeploymentUnit:
        """``opkg install``."""
        return await self._install(package, url)

    async def update(self, unit: DeploymentUnit, package: Path, url: str) -> DeploymentUnit:
        """``opkg install --force-reinstall`` of the new file (downgrades refused by opkg)."""
        return await self._install(package, url, "--force-reinstall")

    async def uninstall(self, unit: DeploymentUnit) -> None:
        """``opkg remove NAME``."""
        await self._opkg("remove", unit.name)

    async def list(self) -> Sequence[DeploymentUnit]:
        """``opkg list-installed``."""
        out = []
        for line in (await self._opkg("list-installed")).splitlines():
            name, sep, version = line.partition(" - ")
            if sep and name.strip():
                out.append(DeploymentUnit(name.strip(), version.strip()[:32]))
        return out
