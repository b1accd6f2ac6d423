"""The generic Linux host: values from /proc, /sys, /etc and ``ip -j`` (see mapping.toml),
and firmware applied by the root-side ``cwmpd-firmware`` service (mapping.toml ``[firmware]``);
with a ``[packages]`` table, Debian packages for ChangeDUState through ``cwmpd-packages``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cwmpd.plugin.api import PluginContext, ReadVersion
from cwmpd.plugin.mapping import MappingPlugin
from cwmpd.plugin.mapping_format import MappingError
from cwmpd.transfers.du.debian import DebianPackages
from cwmpd.transfers.rootside import FirmwarePaths, RootSideFirmware

_HERE = Path(__file__).resolve().parent


class LinuxDevice(MappingPlugin):
    """The mapping plugin plus a firmware handler that asks the root side to apply images."""

    def __init__(self, ctx: PluginContext) -> None:
        super().__init__(_HERE, ctx)
        try:
            self.firmware_paths = FirmwarePaths.from_table(dict(self.data.get("firmware", {})))
            packages = self.data.get("packages")
            package_paths = (
                None if packages is None else DebianPackages.paths_from_table(dict(packages))
            )
        except ValueError as exc:
            raise MappingError(f"{_HERE / 'mapping.toml'}: {exc}") from None
        envs = () if package_paths is None else (DebianPackages(self.runner, package_paths),)
        self.hooks = dataclasses.replace(
            self.hooks, firmware_handler=self.firmware_handler, software_modules=envs
        )

    def firmware_handler(self, read_version: ReadVersion) -> RootSideFirmware:
        """The "1 Firmware Upgrade Image" handler (the hooks' ``firmware_handler``)."""
        return RootSideFirmware(self.reactor, self.firmware_paths)


def create(ctx: PluginContext) -> LinuxDevice:
    """The plugin entry point."""
    return LinuxDevice(ctx)
