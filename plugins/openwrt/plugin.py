"""OpenWrt: UCI-backed WiFi, DHCPv4, NAT (mapping.toml), a sysupgrade firmware handler and
opkg packages for ChangeDUState."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from typing import Any

from cwmpd.plugin.api import FileHandler, PluginContext, ReadVersion
from cwmpd.plugin.execenvs import OpkgExecEnv
from cwmpd.plugin.mapping import MappingPlugin

_HERE = Path(__file__).resolve().parent


def _firmware_module() -> Any:
    spec = importlib.util.spec_from_file_location("cwmpd_openwrt_firmware", _HERE / "firmware.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class OpenWrtDevice(MappingPlugin):
    """The mapping plugin plus ``firmware`` (verify/apply through sysupgrade)."""

    def __init__(self, ctx: PluginContext) -> None:
        super().__init__(_HERE, ctx)
        self._firmware_module = _firmware_module()
        self.firmware = self._firmware_module.SysupgradeFirmware(self.runner)
        self.hooks = dataclasses.replace(
            self.hooks,
            firmware_handler=self.firmware_handler,
            software_modules=(OpkgExecEnv(self.runner),),
        )

    def firmware_handler(self, read_version: ReadVersion) -> FileHandler:
        """The Download handler for firmware images (the hooks' ``firmware_handler``)."""
        handler: FileHandler = self._firmware_module.SysupgradeHandler(self.firmware, read_version)
        return handler


def create(ctx: PluginContext) -> OpenWrtDevice:
    """The plugin entry point."""
    return OpenWrtDevice(ctx)
