"""ManagementServer.ManageableDevice.{i} (TR-111 part 1, TR-069 Annex F): the LAN devices
that announced themselves with DHCP option 125 (OUI, serial number, product class).

The device plugin supplies the devices (``DeviceHooks.manageable_devices``, e.g. from
dnsmasq, see cwmpd.plugin.leases); ``ManageableDevices`` is the read-only backend of the
table (re-read at each listing, so each session shows the devices of now), with instance
numbers that stay while a device stays; ``ManageableWatcher``, while the ACS has
notification on ManageableDeviceNumberOfEntries, re-reads the devices every poll interval
and reports a changed count ("4 VALUE CHANGE"), at most once per
ManageableDeviceNotificationLimit seconds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from cwmpd.backends.base import BackendError, Transaction, unsupported_table
from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.bindings import Declarations

if TYPE_CHECKING:
    from cwmpd.datamodel.model import DataModel

_log = Logger()
MANAGEABLE_TABLE = "ManagementServer.ManageableDevice.{i}."  # below the root
FIELDS = ("ManufacturerOUI", "SerialNumber", "ProductClass", "Host")
_MAX = 64  # SerialNumber and ProductClass are string(64)


@dataclass(frozen=True)
class ManageableDevice:
    """One LAN device's DHCP option 125 identity (TR-111): ``host`` is the comma list of
    its Hosts.Host rows ("" when the device model has no Hosts table)."""

    manufacturer_oui: str
    serial_number: str
    product_class: str = ""
    host: str = ""

    def key(self) -> tuple[str, str, str]:
        """The table's unique key (OUI, serial number, product class)."""
        return (self.manufacturer_oui, self.serial_number, self.product_class)

    def values(self) -> dict[str, str]:
        """Parameter values by relative name."""
        return dict(zip(FIELDS, (*self.key(), self.host), strict=True))


#: The plugin hook: the devices on the LAN now (called every poll interval, must be quick).
DeviceSource = Callable[[], Sequence[ManageableDevice]]


def cleaned(device: ManageableDevice) -> ManageableDevice | None:
    """``device`` as the data model allows it (OUI six upper-case hex digits, strings
    at most 64 characters), or None when its OUI or serial number is unusable."""
    oui = device.manufacturer_oui.strip().upper()
    serial = device.serial_number.strip()[:_MAX]
    if len(oui) != 6 or any(c not in "0123456789ABCDEF" for c in oui) or not serial:
        return None
    product_class = device.product_class.strip()[:_MAX]
    if (oui, serial, product_class) == device.key():
        return device  # already clean: the plugin's own (shared) object, no copy per device
    return ManageableDevice(oui, serial, product_class, device.host)


class ManageableDevices:
    """The read-only backend of ManagementServer.ManageableDevice.{i}."""

    def __init__(self, root: str, source: DeviceSource) -> None:
        ms = f"{root}ManagementServer."
        self.table = sys.intern(ms + "ManageableDevice.")
        self.count = sys.intern(ms + "ManageableDeviceNumberOfEntries")  # one for all devices
        self.limit = sys.intern(ms + "ManageableDeviceNotificationLimit")
        self._source = source
        self._rows: dict[int, ManageableDevice] = {}
        self._next = 1

    def declare(self, decl: Declarations) -> None:
        """The table's parameters (bound here, read-only) and the notification limit."""
        generic = self.table + paths.INSTANCE + "."
        decl.table(generic, self)
        for name in FIELDS:
            decl.bind(generic + name, self, writable=False)
        decl.store(self.limit, "0")

    def __len__(self) -> int:
        return len(self._rows)

    def refresh(self) -> bool:
        """Read the plugin's devices; True when the set of devices changed. A device keeps
        its instance number while it stays; a new one gets the next number."""
        try:
            found = self._source()
        except Exception:
            _log.failure("manageable devices: the plugin's list failed")
            return False
        wanted: dict[tuple[str, str, str], ManageableDevice] = {}
        for device in found:
            clean = cleaned(device)
            if clean is not None:
                wanted.setdefault(clean.key(), clean)
        numbers = {d.key(): n for n, d in self._rows.items()}
        rows = {numbers[k]: d for k, d in wanted.items() if k in numbers}
        changed = set(rows) != set(self._rows) or len(rows) != len(wanted)
        for key, device in wanted.items():
            if key not in numbers:
                rows[self._next] = device
                self._next += 1
        self._rows = rows
        return changed

    # -- Backend ------------------------------------------------------------------

    async def list_instances(self, table: str) -> Sequence[int]:
        if table != self.table:
            raise unsupported_table(table)
        self.refresh()  # at each listing: every session shows the devices of now
        return sorted(self._rows)

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        out = {}
        for name in names:
            number, _, field = name[len(self.table) :].partition(".")
            row = self._rows.get(int(number)) if number.isdigit() else None
            if row is not None and field in FIELDS:
                out[name] = row.values()[field]
        return out

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        raise BackendError("ManageableDevice is read-only")

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        raise unsupported_table(table)

    async def delete_instance(self, instance: str) -> None:
        raise unsupported_table(instance)

    async def apply_after_session(self) -> None:
        return None


class ManageableWatcher(Service):
    """While ManageableDeviceNumberOfEntries has notification on, re-reads the devices
    every ``interval`` seconds and reports a changed count as a value change, at most
    once per ManageableDeviceNotificationLimit seconds (a change sooner is reported at the
    first check after the limit). Off, nothing is on the clock: each session's listing
    reads the devices anyway. The value poller leaves the count to this watcher."""

    def __init__(
        self, model: DataModel, devices: ManageableDevices, clock: IReactorTime, interval: float
    ) -> None:
        self.model = model
        self.devices = devices
        self._clock = clock
        self._interval = interval
        self._reported = -1  # the count last reported (-1: no baseline yet)
        self._reported_at: float | None = None
        self._loop = LoopingCall(self.check)
        self._loop.clock = clock
        model.report_itself(devices.count)
        model.on_notification_change(self._notification_changed)

    def startService(self) -> None:
        """Start checking if the count's notification is on."""
        super().startService()  # type: ignore[no-untyped-call]
        Deferred.fromCoroutine(self._start())

    def stopService(self) -> None:
        """Stop checking."""
        super().stopService()  # type: ignore[no-untyped-call]
        self._run(False)

    async def _start(self) -> None:
        try:
            (attrs,) = await self.model.get_parameter_attributes([self.devices.count])
        except CwmpFault:
            _log.failure("manageable devices: the count's notification unreadable")
            return
        self._run(attrs.notification > 0)

    def _notification_changed(self, baseline: Mapping[str, str], off: Sequence[str]) -> None:
        if self.running:  # some notification changed: is the count's on now?
            Deferred.fromCoroutine(self._start())

    def _run(self, wanted: bool) -> None:
        if wanted and self.running and not self._loop.running:
            self._reported = len(self.devices)
            self._loop.start(self._interval, now=False)
        elif not wanted and self._loop.running:
            self._loop.stop()

    def _limit(self) -> float:
        try:
            return float(self.model.value(self.devices.limit) or 0)
        except (KeyError, ValueError):
            return 0.0

    def check(self) -> bool:
        """One check: True when a changed count was reported now."""
        if self.devices.refresh():
            self.model.instances_changed()
        count, now = len(self.devices), self._clock.seconds()
        if self._reported < 0:
            self._reported = count
        if count == self._reported:
            return False
        last = self._reported_at
        if last is not None and now - last < self._limit():
            return False
        self._reported, self._reported_at = count, now
        self.model.report_changes({self.devices.count: str(count)})
        return True
