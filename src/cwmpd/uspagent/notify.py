"""USP notifications from the subscriptions (TR-369 "The Notify Message"), on the DataModel.

:class:`Notifications` keeps the Subscription table's rows in force:

* **ValueChange**: the parameters the ReferenceList covers (search paths resolved against
  the live model, objects standing for every parameter below them) are watched on the
  same machinery as CWMP notification: ``DataModel.watch`` puts them with the notified
  ones, so agent-stored values report as they commit and the others are read by the
  ValuePoller; every commit (CWMP SPV, USP Set, a backend's ``report_changes``, a poll)
  reaches ``DataModel.subscribe`` and gives one Notify per changed value.
* **ObjectCreation / ObjectDeletion**: after every commit (AddObject, DeleteObject, USP Add
  and Delete all commit) the instances each ReferenceList names are listed again and
  compared with the last listing; rows a device makes or drops on its own (no commit) are
  found by a re-listing every ``rescan_interval`` seconds while such subscriptions exist.
* **Event**: ``Device.Boot!`` once at start (``start(boot)``), ``Device.LocalAgent.Periodic!``
  every Controller.{i}.PeriodicNotifInterval, phased by its PeriodicNotifTime;
  **OperationComplete** through ``operation_complete``, which the Operate handler calls
  when an asynchronous command ends.
* **Lifetime**: a row gets its CreationDate when first seen, TimeToLive deletes it, and
  a non-persistent row is deleted when the agent starts (R-NOT.0, the data model's words).

A Notify goes only to a Recipient whose Roles give it the notify right on what it is
about (``cwmpd.uspagent.trust.may_receive``; the Roles are read again on every refresh).
Notifies go to the Recipient Controller's EndpointID through
:class:`~cwmpd.uspagent.notifysend.NotifyDelivery` (retry per NotifRetry/NotifExpiration).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.types import format_datetime
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.uspmeta import load_usp_meta
from cwmpd.statedir import StateDir
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent import notifybodies as bodies
from cwmpd.uspagent import subscriptions as subs
from cwmpd.uspagent.notifybodies import BOOT_EVENT as BOOT_EVENT
from cwmpd.uspagent.notifybodies import PERIODIC_EVENT as PERIODIC_EVENT
from cwmpd.uspagent.notifybodies import Boot as Boot
from cwmpd.uspagent.notifybodies import covers as covers
from cwmpd.uspagent.notifyqueue import NotifyQueue
from cwmpd.uspagent.notifysend import NotifyDelivery, Sender
from cwmpd.uspagent.snapshot import (
    Snapshot,
    UniqueKeys,
    instances_of,
    parameters_of,
    resolve_paths,
)
from cwmpd.uspagent.subscriptions import Subscription, read_subscriptions
from cwmpd.uspagent.trust import FULL_ACCESS, Trust, may_receive
from cwmpd.uspagent.trustload import load_trust

#: The owner name of the watched parameters in ``DataModel.watch``.
WATCHER = "usp-subscriptions"
_log = Logger()


@dataclass(frozen=True)
class _Recipient:
    """What a Notify to one Controller.{i}. needs."""

    endpoint_id: str
    min_wait: int = 5
    multiplier: int = 2000
    periodic_interval: int = 0
    periodic_time: float | None = None
    trust: Trust = FULL_ACCESS


class _Ticker:
    """Calls ``fire`` every ``interval`` seconds, at ``phase`` plus a multiple of it when
    ``phase`` (a POSIX time, PeriodicNotifTime) is known, else from now."""

    def __init__(
        self, clock: IReactorTime, interval: int, phase: float | None, fire: Callable[[], None]
    ) -> None:
        self.interval, self.phase = interval, phase
        first = float(interval) if phase is None else (phase - clock.seconds()) % interval
        self._loop = LoopingCall(fire)
        self._loop.clock = clock
        self._call = clock.callLater(first or float(interval), self._loop.start, interval)

    def stop(self) -> None:
        if self._call.active():
            self._call.cancel()
        if self._loop.running:
            self._loop.stop()


def _int(values: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(values.get(name, ""))
    except ValueError:
        return default


class Notifications:
    """The Subscription table in force on one DataModel, sending through ``delivery``."""

    def __init__(
        self,
        model: DataModel,
        delivery: NotifyDelivery,
        clock: IReactorTime,
        *,
        unique_keys: UniqueKeys | None = None,
        rescan_interval: float = 60.0,
    ) -> None:
        self.model = model
        self.delivery = delivery
        self._clock = clock
        self._unique_keys = load_usp_meta().unique_keys if unique_keys is None else unique_keys
        self._rows: list[Subscription] = []
        self._recipients: dict[str, _Recipient | None] = {}
        self._watched: dict[str, list[Subscription]] = {}
        self._last: dict[str, str] = {}
        self._instances: dict[tuple[str, str, str], set[str]] = {}
        self._expiry: dict[str, tuple[float, IDelayedCall]] = {}
        self._periodic: dict[tuple[str, str, str], _Ticker] = {}
        self._refreshing = False
        self._dirty = False
        self._started = False
        self._call: IDelayedCall | None = None
        #: OperationCompletes that came while the table was being read again: sent once
        #: it is in force, so a Subscription added just before its command is not missed
        self._after_refresh: list[Callable[[], object]] = []
        self._rescan = LoopingCall(self._relist)
        self._rescan.clock = clock
        self._rescan_interval = rescan_interval
        model.subscribe(self._committed)
        model.add_factory_reset_hook(self._factory_reset)

    # -- life ----------------------------------------------------------------------

    async def start(self, boot: Boot | None = None) -> None:
        """Agent start: non-persistent rows go, the rest is put in force, queued Notifies
        are sent again, and ``boot`` (if given) raises ``Device.Boot!``."""
        for row in await read_subscriptions(self.model):
            if not row.persistent:
                await self._delete(row.path, "not persistent, agent restarted")
        self._started = True
        await self.refresh()
        self.delivery.start()
        if boot is not None:
            await self._boot(boot)

    def stop(self) -> None:
        """Stop every timer (the persisted queue and the table stay)."""
        self._started = False
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
        for _, call in self._expiry.values():
            if call.active():
                call.cancel()
        self._expiry.clear()
        for ticker in self._periodic.values():
            ticker.stop()
        self._periodic.clear()
        if self._rescan.running:
            self._rescan.stop()
        self.delivery.stop()

    @property
    def subscriptions(self) -> list[Subscription]:
        """The rows as last read."""
        return list(self._rows)

    @property
    def watched(self) -> list[str]:
        """The parameters ValueChange subscriptions watch now."""
        return sorted(self._watched)

    # -- the table -------------------------------------------------------------------

    async def refresh(self) -> None:
        """Read the table again and put it in force (after every commit, coalesced)."""
        if self._refreshing:
            self._dirty = True
            return
        self._refreshing = True
        try:
            while True:
                self._dirty = False
                await self._refresh_once()
                if not self._dirty:
                    break
        except Exception:
            _log.failure("USP subscriptions not refreshed")
        finally:
            self._refreshing = False
        waiting, self._after_refresh = self._after_refresh, []
        for send in waiting:
            send()

    async def _refresh_once(self) -> None:
        rows = await read_subscriptions(self.model)
        rows = self._stamp(rows)
        self._schedule_expiry(rows)
        active = [r for r in rows if r.active]
        recipients = {}
        for path in sorted({r.recipient for r in active}):
            recipients[path] = await self._recipient(path)
        self._recipients = recipients
        await self._watch([r for r in active if r.notif_type == subs.VALUE_CHANGE])
        objects = [
            r for r in active if r.notif_type in (subs.OBJECT_CREATION, subs.OBJECT_DELETION)
        ]
        await self._list_instances(objects)
        self._run_rescan(bool(objects))
        self._schedule_periodic(
            [
                r
                for r in active
                if r.notif_type == subs.EVENT
                and any(covers(ref, PERIODIC_EVENT) for ref in r.references)
            ]
        )
        self._rows = rows

    def _stamp(self, rows: list[Subscription]) -> list[Subscription]:
        """Give new rows their CreationDate (now)."""
        new = [r for r in rows if r.creation_date is None]
        if not new:
            return rows
        now = datetime.fromtimestamp(self._clock.seconds(), UTC).replace(microsecond=0)
        try:
            self.model.set_local({r.path + "CreationDate": format_datetime(now) for r in new})
        except (KeyError, OSError) as exc:
            _log.error("CreationDate of new USP subscriptions not set: {error}", error=exc)
            return rows
        return [replace(r, creation_date=now) if r.creation_date is None else r for r in rows]

    def _schedule_expiry(self, rows: Sequence[Subscription]) -> None:
        """TimeToLive: one timer per row that expires."""
        wanted = {r.path: at for r in rows if (at := r.expires_at()) is not None}
        for path in list(self._expiry):
            at, call = self._expiry[path]
            if wanted.get(path) != at:
                if call.active():
                    call.cancel()
                del self._expiry[path]
        now = self._clock.seconds()
        for path, at in wanted.items():
            if path not in self._expiry:
                call = self._clock.callLater(max(0.0, at - now), self._expire, path)
                self._expiry[path] = (at, call)

    def _expire(self, path: str) -> None:
        self._expiry.pop(path, None)
        Deferred.fromCoroutine(self._delete(path, "TimeToLive expired"))

    async def _delete(self, path: str, why: str) -> None:
        """Delete a row as the agent (ParameterKey stays what it is)."""
        try:
            key = self.model.value(f"{self.model.root}ManagementServer.ParameterKey")
        except KeyError:
            key = ""
        try:
            await self.model.delete_object(path, key)
        except CwmpFault as fault:
            _log.error("USP subscription {path} not deleted: {fault}", path=path, fault=fault)
            return
        except Exception:
            _log.failure("USP subscription {path} not deleted", path=path)
            return
        _log.info("USP subscription {path} deleted: {why}", path=path, why=why)

    async def _recipient(self, path: str) -> _Recipient | None:
        """The Controller a row's Recipient names ("Device.LocalAgent.Controller.1")."""
        try:
            found = await self.model.get_parameter_values([path + "."])
        except CwmpFault:
            _log.warn("USP subscription Recipient {path} is no Controller", path=path)
            return None
        values = {v.name[len(path) + 1 :]: v.value for v in found}
        endpoint = values.get("EndpointID", "")
        if not endpoint:
            return None
        phase = subs.parse_date(values.get("PeriodicNotifTime", ""))
        return _Recipient(
            endpoint,
            _int(values, "USPNotifRetryMinimumWaitInterval", 5),
            _int(values, "USPNotifRetryIntervalMultiplier", 2000),
            _int(values, "PeriodicNotifInterval", 0),
            None if phase is None else phase.timestamp(),
            await load_trust(self.model, endpoint, self._unique_keys),
        )

    # -- ValueChange -----------------------------------------------------------------

    async def _watch(self, rows: Sequence[Subscription]) -> None:
        refs = sorted({ref for r in rows for ref in r.references})
        snap, found = await resolve_paths(self.model, refs, self._unique_keys)
        pairs = [(ref, res) for ref, res in zip(refs, found, strict=True) if res is not None]
        covered = {ref: parameters_of(snap, res) for ref, res in pairs}
        watched: dict[str, list[Subscription]] = {}
        for row in rows:
            for name in dict.fromkeys(n for ref in row.references for n in covered.get(ref, ())):
                watched.setdefault(name, []).append(row)
        new = sorted(n for n in watched if n not in self._last)
        self._last = {n: v for n, v in self._last.items() if n in watched}
        if new:
            try:
                self._last.update(
                    {v.name: v.value for v in await self.model.get_parameter_values(new)}
                )
            except CwmpFault:
                _log.warn("baseline read of USP ValueChange parameters failed")
        self._watched = watched
        await self.model.watch(WATCHER, watched)

    def _committed(self, values: Mapping[str, str], source: str) -> None:
        for name, value in values.items():
            rows = self._watched.get(name)
            if rows is None or self._last.get(name) == value:
                continue
            self._last[name] = value
            for row in rows:
                self._send(row, bodies.value_change(name, value))
        self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        if not self._started or (self._call is not None and self._call.active()):
            return
        self._call = self._clock.callLater(0, self._refresh_now)

    def _refresh_now(self) -> None:
        self._call = None
        Deferred.fromCoroutine(self.refresh())

    # -- ObjectCreation / ObjectDeletion -------------------------------------------------

    async def _list_instances(self, rows: Sequence[Subscription]) -> None:
        refs = sorted({ref for r in rows for ref in r.references})
        snap, found = await resolve_paths(self.model, refs, self._unique_keys)
        pairs = [(ref, res) for ref, res in zip(refs, found, strict=True) if res is not None]
        listed = {ref: instances_of(snap, res) for ref, res in pairs}
        seen: dict[tuple[str, str, str], set[str]] = {}
        for row in rows:
            now = {n for ref in row.references for n in listed.get(ref, ())}
            before = self._instances.get(row.key)
            seen[row.key] = now
            if before is None:
                continue  # a new subscription: this listing is its baseline
            if row.notif_type == subs.OBJECT_CREATION:
                for path in sorted(now - before, key=_instance_order):
                    keys = await self._unique_key_values(snap, path)
                    self._send(row, bodies.object_creation(path, keys))
            else:
                for path in sorted(before - now, key=_instance_order):
                    self._send(row, bodies.object_deletion(path))
        self._instances = seen

    def _run_rescan(self, wanted: bool) -> None:
        if wanted and self._started and self._rescan_interval > 0 and not self._rescan.running:
            self._rescan.start(self._rescan_interval, now=False)
        elif not wanted and self._rescan.running:
            self._rescan.stop()

    def _relist(self) -> None:
        """List the device's tables again (their rows change without a commit)."""
        self.model.instances_changed()
        self._schedule_refresh()

    async def _unique_key_values(self, snap: Snapshot, instance: str) -> dict[str, str]:
        names = {
            instance + name
            for key in self._unique_keys.get(paths.generic(instance), ())
            for name in key
            if instance + name in snap.index.params
        }
        if not names:
            return {}
        try:
            found = await self.model.get_parameter_values(sorted(names))
        except CwmpFault:
            return {}
        return {v.name[len(instance) :]: v.value for v in found}

    # -- Event and OperationComplete -------------------------------------------------

    async def raise_boot(self, boot: Boot) -> None:
        """The device rebooted while the agent ran on: non-persistent rows go, then
        ``Device.Boot!`` is raised as at a start."""
        for row in await read_subscriptions(self.model):
            if not row.persistent:
                await self._delete(row.path, "not persistent, device rebooted")
        await self.refresh()
        await self._boot(boot)

    async def _boot(self, boot: Boot) -> None:
        for row in self._rows:
            if not (row.active and row.notif_type == subs.EVENT):
                continue
            if not any(covers(ref, BOOT_EVENT) for ref in row.references):
                continue
            parameter_map = await self._boot_parameters(row.recipient)
            self._send(row, bodies.boot_event(boot, parameter_map))

    async def _boot_parameters(self, recipient: str) -> dict[str, str]:
        """The values the Controller's enabled BootParameter rows name (sorted by name)."""
        table = f"{recipient}.BootParameter."
        try:
            found = await self.model.get_parameter_values([table])
        except CwmpFault:
            return {}
        values = {v.name: v.value for v in found}
        patterns = [
            values[n]
            for n in values
            if n.endswith(".ParameterName")
            and values.get(n[: -len("ParameterName")] + "Enable") in ("true", "1")
        ]
        snap, resolved = await resolve_paths(self.model, patterns, self._unique_keys)
        names = sorted({n for res in resolved if res is not None for n in parameters_of(snap, res)})
        if not names:
            return {}
        try:
            read = await self.model.get_parameter_values(names)
        except CwmpFault:
            return {}
        return {v.name: v.value for v in read}

    def _schedule_periodic(self, rows: Sequence[Subscription]) -> None:
        wanted: dict[tuple[str, str, str], tuple[int, float | None]] = {}
        for row in rows:
            recipient = self._recipients.get(row.recipient)
            if recipient is not None and recipient.periodic_interval > 0:
                wanted[row.key] = (recipient.periodic_interval, recipient.periodic_time)
        for key in list(self._periodic):
            ticker = self._periodic[key]
            if wanted.get(key) != (ticker.interval, ticker.phase):
                ticker.stop()
                del self._periodic[key]
        for key, (interval, phase) in wanted.items():
            if key not in self._periodic:
                fire = functools.partial(self._periodic_event, key)
                self._periodic[key] = _Ticker(self._clock, interval, phase, fire)

    def _periodic_event(self, key: tuple[str, str, str]) -> None:
        for row in self._rows:
            if row.key == key and row.active:
                self._send(row, bodies.periodic_event())

    def operation_complete(
        self,
        command: str,
        command_key: str,
        output: Mapping[str, str] | None = None,
        error: tuple[int, str] | None = None,
    ) -> int:
        """An asynchronous command ended (``command``: "Device.X.1.Download()"): notify
        every OperationComplete subscription whose ReferenceList names it, with its
        ``output`` arguments or its ``error`` (err_code, err_msg). Returns how many; while
        the table is being read again (after a commit) it waits for that and returns 0."""
        if self._refreshing or (self._call is not None and self._call.active()):
            later = functools.partial(self.operation_complete, command, command_key, output, error)
            self._after_refresh.append(later)
            return 0
        sent = 0
        for row in self._rows:
            if (
                row.active
                and row.notif_type == subs.OPERATION_COMPLETE
                and any(covers(ref, command) for ref in row.references)
            ):
                self._send(row, bodies.operation_complete(command, command_key, output, error))
                sent += 1
        return sent

    # -- sending -----------------------------------------------------------------------

    def _send(self, row: Subscription, notify: pb.Notify) -> None:
        recipient = self._recipients.get(row.recipient)
        if recipient is None:
            _log.warn(
                "USP subscription {path}: Recipient {recipient} has no EndpointID; not sent",
                path=row.path,
                recipient=row.recipient,
            )
            return
        if not may_receive(recipient.trust, notify):
            _log.debug(
                "USP subscription {path}: {recipient} may not be notified of this",
                path=row.path,
                recipient=row.recipient,
            )
            return
        notify.subscription_id = row.id
        self.delivery.notify(
            recipient.endpoint_id,
            notify,
            retry=row.notif_retry,
            expiration=row.notif_expiration,
            min_wait=recipient.min_wait,
            multiplier=recipient.multiplier,
        )

    def _factory_reset(self) -> None:
        """The table went back to its factory rows: nothing owed, nothing watched."""
        self.delivery.clear()
        self._instances.clear()
        self._last.clear()
        self._schedule_refresh()


def make_notifications(
    model: DataModel, sender: Sender, files: StateDir, clock: IReactorTime, rng: random.Random
) -> Notifications:
    """The notification side of a USP agent: its queue in ``files.usp_notify``, Notifies
    out through ``sender``. Start it with ``start(Boot(...))`` on a new boot, ``start()``
    on a mere restart of the daemon; ``stop()`` at shutdown."""
    delivery = NotifyDelivery(sender, NotifyQueue(files.usp_notify), clock, rng)
    return Notifications(model, delivery, clock)


def _instance_order(path: str) -> tuple[int, ...]:
    return tuple(int(s) if s.isdigit() else -1 for s in path.split("."))
