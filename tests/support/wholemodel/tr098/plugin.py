"""The whole TR-098 InternetGatewayDevice:1.14 model as a device: see support.wholemodel.device.

Every table, nested ones included, has two instances (numbers 1 and 3).
"""

from __future__ import annotations

from cwmpd.plugin.api import PluginContext
from support.wholemodel.device import WholeModelDevice

ROOT = "InternetGatewayDevice."
COPIES = "all"


def create(ctx: PluginContext) -> WholeModelDevice:
    """The plugin entry point."""
    return WholeModelDevice(ROOT, COPIES)
