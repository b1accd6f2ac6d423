"""The whole TR-181 Device:2.19 model (CWMP flavour) as a device: see support.wholemodel.device.

Top-level tables have two instances, nested tables one (13k parameters; two of every
nested table too would make 22k and a GPV of several megabytes).
"""

from __future__ import annotations

from cwmpd.plugin.api import PluginContext
from support.wholemodel.device import WholeModelDevice

ROOT = "Device."
COPIES = "top"


def create(ctx: PluginContext) -> WholeModelDevice:
    """The plugin entry point."""
    return WholeModelDevice(ROOT, COPIES)
