"""OpenWrt: UCI-backed WiFi, DHCPv4, NAT (mapping.toml) and a sysupgrade firmware handler."""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from cwmpd.plugin.api import PluginContext
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

    def firmware_handler(self, read_version: Callable[[], Awaitable[str]]) -> Any:
        """The Download handler for firmware images (used by cwmpd.transfers)."""
        return self._firmware_module.SysupgradeHandler(self.firmware, read_version)


def create(ctx: PluginContext) -> OpenWrtDevice:
    """The plugin entry point."""
    return OpenWrtDevice(ctx)
