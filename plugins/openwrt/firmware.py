"""Firmware through sysupgrade: ``verify`` runs ``sysupgrade -T``, ``apply`` starts it detached."""

from __future__ import annotations

import os
from pathlib import Path

from twisted.internet.protocol import ProcessProtocol

from cwmpd.backends.process import CommandFailed, ProcessRunner
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.plugin.api import SELF_REBOOT, ReadVersion


class SysupgradeFirmware:
    """The firmware handler the transfers code uses on OpenWrt."""

    def __init__(self, runner: ProcessRunner, sysupgrade: str = "sysupgrade") -> None:
        self.runner = runner
        self.sysupgrade = sysupgrade

    async def verify(self, path: Path) -> None:
        """``sysupgrade -T path``; CwmpFault 9018 when the image is refused."""
        try:
            await self.runner.output([self.sysupgrade, "-T", str(path)], timeout=120)
        except CommandFailed:
            raise CwmpFault(9018, "sysupgrade refused the image") from None

    def apply(self, path: Path, *, keep_settings: bool = True) -> None:
        """Start sysupgrade in its own session (it reboots the device; we do not wait)."""
        argv = ["setsid", self.sysupgrade, *([] if keep_settings else ["-n"]), str(path)]
        self.runner.reactor.spawnProcess(_Detached(), argv[0], argv, env=dict(os.environ))


class _Detached(ProcessProtocol):
    """A process protocol ignoring everything but closing stdin."""

    def connectionMade(self) -> None:
        """Close stdin."""
        assert self.transport is not None
        self.transport.closeStdin()


class SysupgradeHandler:
    """The transfers FileHandler for "1 Firmware Upgrade Image" on OpenWrt.

    verify: ``sysupgrade -T``; apply: sysupgrade detached, which reboots the device itself
    (SELF_REBOOT); success is judged after the boot by a changed SoftwareVersion.
    """

    def __init__(self, firmware: SysupgradeFirmware, read_version: ReadVersion) -> None:
        self._firmware = firmware
        self._read_version = read_version

    async def verify(self, image: Path) -> str:
        """9018 unless sysupgrade accepts the image; the version is not known beforehand."""
        await self._firmware.verify(image)
        return ""

    async def apply(self, image: Path, target_file_name: str) -> str:
        """Start sysupgrade; it flashes and reboots without the agent."""
        self._firmware.apply(image)
        return SELF_REBOOT

    async def version(self) -> str:
        """SoftwareVersion as the data model reports it."""
        return await self._read_version()
