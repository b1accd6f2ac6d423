"""TR-111 manageable devices from dnsmasq: its lease file joined with what its dhcp-script saw.

dnsmasq's lease file ("expiry MAC IP hostname client-id" per line) does not keep DHCP
option 125. dnsmasq hands the TR-111 sub-options of a client's option 125 (enterprise 3561:
ManufacturerOUI, SerialNumber, ProductClass) only to its ``--dhcp-script``, as the
environment variables DNSMASQ_CPEWAN_OUI, DNSMASQ_CPEWAN_SERIAL and DNSMASQ_CPEWAN_CLASS
of the "add" and "old" calls. So this module is also that script: dnsmasq runs one
program with its own arguments (ACTION MAC IP [HOSTNAME]), so a two-line wrapper
``exec python3 -m cwmpd.plugin.leases "$@"`` is named as ``dhcp-script`` (README).
Each call updates a small JSON file (MAC -> OUI, serial, class; state.write_json: temp,
fsync, rename); "del" drops the MAC. At dnsmasq's start, "old" calls come without the
option data: the file keeps what it had. ``DnsmasqDevices`` lists the MACs that are in
both files with a lease not expired: the plugins' ``manageable_devices`` hook.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cwmpd.datamodel.manageable import ManageableDevice
from cwmpd.state import read_json, write_json

DEFAULT_LEASEFILE = "/var/lib/misc/dnsmasq.leases"
DEFAULT_OPTION125 = "/var/lib/cwmpd/dhcp-option125.json"
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def current_leases(path: Path, now: float) -> dict[str, str]:
    """MAC -> IP of the unexpired IPv4 leases in dnsmasq's lease file (none if unreadable).
    Expiry 0 is an infinite lease; DHCPv6 lines (no MAC) are left out."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3 or not fields[0].isdigit():
            continue
        mac = fields[1].lower()
        if _MAC.match(mac) and (int(fields[0]) == 0 or int(fields[0]) > now):
            out[mac] = fields[2]
    return out


def read_option125(path: Path) -> dict[str, dict[str, str]]:
    """The script's file: MAC -> {"oui", "serial", "class"} (empty if missing or bad)."""
    data: Any = read_json(path, {})
    if not isinstance(data, dict):
        return {}
    return {
        str(mac): {k: str(v) for k, v in entry.items()}
        for mac, entry in data.items()
        if isinstance(entry, dict)
    }


class DnsmasqDevices:
    """The ``manageable_devices`` hook: LAN devices with a lease and option 125 data."""

    def __init__(
        self,
        leasefile: Path,
        option125: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.leasefile = Path(leasefile)
        self.option125 = Path(option125)
        self._clock = clock

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> DnsmasqDevices:
        """From a mapping.toml ``[manageable_devices]`` table (``leasefile``, ``option125``)."""
        unknown = set(table) - {"leasefile", "option125"}
        if unknown:
            raise ValueError(f"manageable_devices: unknown key(s) {', '.join(sorted(unknown))}")
        return cls(
            Path(str(table.get("leasefile", DEFAULT_LEASEFILE))),
            Path(str(table.get("option125", DEFAULT_OPTION125))),
        )

    def __call__(self) -> Sequence[ManageableDevice]:
        leases = current_leases(self.leasefile, self._clock())
        seen = read_option125(self.option125)
        return [
            ManageableDevice(e.get("oui", ""), e.get("serial", ""), e.get("class", ""))
            for mac, e in sorted(seen.items())
            if mac in leases
        ]


def record(path: Path, action: str, mac: str, env: Mapping[str, str]) -> bool:
    """Apply one dhcp-script call to the option 125 file; True when the file changed."""
    mac = mac.lower()
    if not _MAC.match(mac):
        return False
    entries = read_option125(path)
    oui = env.get("DNSMASQ_CPEWAN_OUI", "")
    serial = env.get("DNSMASQ_CPEWAN_SERIAL", "")
    before = entries.get(mac)
    if action == "del" or (action == "add" and not (oui and serial)):
        entries.pop(mac, None)
    elif action in ("add", "old") and oui and serial:
        entries[mac] = {"oui": oui, "serial": serial, "class": env.get("DNSMASQ_CPEWAN_CLASS", "")}
    if entries.get(mac) == before:
        return False
    write_json(path, entries)
    return True


def main(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """dnsmasq's dhcp-script: ``ACTION MAC IP [HOSTNAME]``; other actions are ignored.
    The file is CWMPD_OPTION125_FILE, else the default."""
    if len(argv) < 3 or argv[0] not in ("add", "old", "del"):
        return 0
    path = Path(env.get("CWMPD_OPTION125_FILE", DEFAULT_OPTION125))
    try:
        record(path, argv[0], argv[1], env)
    except OSError as exc:
        print(f"cwmpd dhcp-script: {path}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
