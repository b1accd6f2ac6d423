"""Traffic counters of fleet devices: interface Stats that only grow, by seeded steps.

A TR-181 device of the fleet has one Ethernet interface (Device.Ethernet.Interface.1.: its
MAC address from the identity, Stats from zero); a TR-098 device counts on its first LAN
Ethernet interface (the values of the dump it starts from). A "counters" scenario step adds
to each counter an amount drawn from the seed, so a run is reproducible and every counter is
monotonic. The values are the agent's own (stored), so changes are notified as the ACS asked:
the schema marks these counters activeNotify="canDeny" and the agent denies active
notification on them (9009, as TR-069 allows), so they ride, passive, in the next Inform
with "4 VALUE CHANGE"; active notification on a configured parameter ("drift") is what
raises a session of its own.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from cwmpd.datamodel.bindings import Declarations

#: Counter -> (smallest, largest) increment of one step; packets follow bytes roughly.
_STEPS = {
    "BytesSent": (20_000, 2_000_000),
    "BytesReceived": (50_000, 8_000_000),
    "PacketsSent": (20, 2_000),
    "PacketsReceived": (50, 8_000),
}

#: Where each data model's counted interface is (its Stats object).
STATS = {
    "Device.": "Device.Ethernet.Interface.1.Stats.",
    "InternetGatewayDevice.": (
        "InternetGatewayDevice.LANDevice.1.LANEthernetInterfaceConfig.1.Stats."
    ),
}

_TR181_INTERFACE = "Device.Ethernet.Interface.{i}."


def counter_names(root: str) -> list[str]:
    """The concrete counters a device of data model ``root`` drifts (none if unknown)."""
    stats = STATS.get(root)
    return [] if stats is None else [stats + name for name in _STEPS]


def declare_counters(decl: Declarations) -> None:
    """Give a TR-181 device that has no Ethernet interface one, with its Stats in the store
    (a TR-098 dump has its LAN Ethernet Stats already)."""
    if decl.root != "Device." or any(n.startswith(_TR181_INTERFACE) for n in decl.store_params):
        return
    defaults = {
        "Enable": "true",
        "Status": "Up",
        "Name": "eth0",
        "MACAddress": "",
        **{f"Stats.{name}": "0" for name in _STEPS},
    }
    for rel, default in defaults.items():
        decl.store(_TR181_INTERFACE + rel, default)
    # One factory value makes instance 1, the one the identity's MAC address replaces; the
    # others read their defaults (memory: every device keeps its own factory values).
    decl.factory({"Device.Ethernet.Interface.1.MACAddress": ""})


def advance(value: Callable[[str], str], root: str, rng: random.Random) -> dict[str, str]:
    """The next values of a device's counters (``value(name)`` reads the current ones):
    each one more by a seeded step; a counter the device does not store is left out."""
    out: dict[str, str] = {}
    for name in counter_names(root):
        try:
            current = int(value(name) or "0")
        except (KeyError, ValueError):
            continue
        low, high = _STEPS[name.rpartition(".")[2]]
        out[name] = str(current + rng.randint(low, high))
    return out
