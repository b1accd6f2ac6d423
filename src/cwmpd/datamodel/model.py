"""The data-model facade the session engine talks to (contract B): CWMP RPC semantics.

Hand-written: these are TR-069 A.3.2 rules over our own tree and backends.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING

from twisted.logger import Logger

from cwmpd.backends.base import Backend
from cwmpd.cwmp.eventcodes import BOOTSTRAP, VALUE_CHANGE
from cwmpd.cwmp.faults import CwmpFault, SetParameterValuesFault
from cwmpd.cwmp.structs import (
    DeviceId,
    ParameterAttributeStruct,
    ParameterInfoStruct,
    ParameterValueStruct,
    SetParameterAttributesStruct,
)
from cwmpd.cwmp.types import null_value
from cwmpd.datamodel import attributes, inform, paths, transaction
from cwmpd.datamodel.attributes import AttributeStore
from cwmpd.datamodel.budget import ResponseBudget, expand, unlimited
from cwmpd.datamodel.counters import CounterBackend
from cwmpd.datamodel.notify import ChangeTracker
from cwmpd.datamodel.tree import GenericTree, Index, list_instances
from cwmpd.datamodel.validate import check_value

if TYPE_CHECKING:
    from cwmpd.backends.store import StoreBackend

Subscriber = Callable[[Mapping[str, str], str], None]
#: Called after an SPA: (baseline values of polled names turned on, names turned off).
NotificationListener = Callable[[Mapping[str, str], Sequence[str]], None]
#: Called with the new values of lightweight-notified names that changed, and whether one
#: of them is active lightweight (Notification 5 or 6).
LightweightListener = Callable[[Mapping[str, str], bool], None]
_DEVICE_ID = ("Manufacturer", "ManufacturerOUI", "ProductClass", "SerialNumber")


@cache
def _device_id_names(root: str) -> tuple[str, ...]:
    """The DeviceInfo parameters the Inform's DeviceId is read from (one tuple per root)."""
    return tuple(sys.intern(f"{root}DeviceInfo.{p}") for p in _DEVICE_ID)


_log = Logger()


class DataModel:
    """One device's data model: GPV, GPN, SPV, attributes, Add/Delete, Inform contents."""

    def __init__(
        self,
        tree: GenericTree,
        store: StoreBackend,
        attrs: AttributeStore,
        counter: CounterBackend,
        changes: ChangeTracker | None = None,
        *,
        backends: Mapping[int, Backend] | None = None,
    ) -> None:
        """``changes``: the persisted value-change set (default: kept in memory only).

        ``backends``: when ``tree`` is shared by several devices (``cwmpd fleet``), this
        device's backend in place of each backend the tree names (keyed by ``id``)."""
        self.root = tree.root
        self._tree = tree
        self._backends = backends
        self._store = store
        self._attrs = attrs
        self._counter = counter
        self._changes = changes if changes is not None else ChangeTracker()
        self._index: Index | None = None
        self._index_gen = 0  # one more each time the index is dropped (see _live)
        self._last_index: Index | None = None  # reused while the tables list the same
        self._subscribers: list[Subscriber] = []
        self._notification_listeners: list[NotificationListener] = []
        self._lightweight_listeners: list[LightweightListener] = []
        self._deferred: list[Backend] = []
        self._reset_hooks: list[Callable[[], None]] = []
        self._self_reported: frozenset[str] = frozenset()  # rarely any: see report_itself
        self._watched: dict[str, frozenset[str]] = {}
        self._pk = sys.intern(f"{self.root}ManagementServer.ParameterKey")  # one for all devices
        self._inform_table = sys.intern(f"{self.root}ManagementServer.InformParameter.")

    def _backend(self, backend: Backend) -> Backend:
        """This device's backend for one the tree names (the same unless the tree is shared)."""
        if self._backends is None:
            return backend
        return self._backends.get(id(backend), backend)

    # -- reading -----------------------------------------------------------------

    async def get_parameter_values(
        self, names: Sequence[str], budget: ResponseBudget | None = None
    ) -> list[ParameterValueStruct]:
        """GPV (P-2): full and partial names; unknown ones 9005; 9004 once over ``budget``."""
        index = await self._live()
        budget = budget or unlimited()
        return await self._read(index, expand(names, index, budget, "value"), budget)

    async def get_parameter_names(
        self, path: str, next_level: bool, budget: ResponseBudget | None = None
    ) -> list[ParameterInfoStruct]:
        """GPN (P-3..P-6); 9004 as soon as the response outgrows ``budget``."""
        index = await self._live()
        if path == "":
            names = [self.root] if next_level else index.names_under("")
        elif path.endswith("."):
            if path not in index.objects:
                raise CwmpFault(9005, f"no object {path}")
            names = index.children[path] if next_level else index.names_under(path)
        elif path in index.params:
            if next_level:
                raise CwmpFault(9003, "NextLevel true with a parameter name")
            names = [path]
        else:
            raise CwmpFault(9005, f"no parameter {path}")
        budget = budget or unlimited()
        params, objects = index.params, index.objects
        out = []
        for n in names:
            budget.take_name(n, "info")
            writable = params[n].writable if n in params else objects[n].writable
            out.append(ParameterInfoStruct(n, writable))
        return out

    async def get_parameter_attributes(
        self, names: Sequence[str], budget: ResponseBudget | None = None
    ) -> list[ParameterAttributeStruct]:
        """GPA: full and partial names; unknown ones 9005; 9004 once over ``budget``."""
        index = await self._live()
        out = []
        for n in expand(names, index, budget or unlimited(), "attribute"):
            notification, acl = self._attrs.get(n, index.params[n])
            out.append(ParameterAttributeStruct(n, notification, acl))
        return out

    async def device_id(self) -> DeviceId:
        """The Inform DeviceId, read from DeviceInfo (E-19)."""
        index = await self._live()
        names = _device_id_names(self.root)
        values = {
            v.name: v.value
            for v in await self._read(index, [n for n in names if n in index.params])
        }
        m, oui, pc, sn = (values.get(n, "") for n in names)
        return DeviceId(m, oui, pc, sn)

    def value(self, name: str) -> str:
        """Sync read of an agent-stored value (the real value, even of hidden parameters)."""
        stored = self._store.value(name)
        if stored is not None:
            return stored
        info = self._tree.params.get(paths.generic(name))
        if info is None or self._backend(info.backend) is not self._store:
            raise KeyError(f"{name} is not an agent-stored parameter")
        return info.default

    # -- writing -----------------------------------------------------------------

    async def set_parameter_values(
        self, params: Sequence[ParameterValueStruct], parameter_key: str
    ) -> int:
        """SPV (P-7..P-13): validate all, then apply all or nothing; Status 0 or 1."""
        return await self._set(params, parameter_key, "acs")

    async def apply_local(self, params: Sequence[ParameterValueStruct]) -> int:
        """A local (non-ACS) write of any parameters, validated and atomic like SPV, without
        touching ParameterKey; notified parameters it changes are reported (e.g. a restored
        vendor configuration file). Status 0 or 1."""
        return await self._set(params, None, "local")

    async def _set(
        self, params: Sequence[ParameterValueStruct], parameter_key: str | None, source: str
    ) -> int:
        index = await self._live()
        groups = self._validate(index, params)
        if parameter_key is not None:
            groups.setdefault(self._store, {})[self._pk] = parameter_key
        store_changes = groups.pop(self._store, {})
        ordered = [*groups.items(), (self._store, store_changes)]
        changed = {k: v for _, g in ordered for k, v in g.items()}
        marked = self._mark(changed) if source == "local" else []
        try:
            later = await transaction.run(ordered)
        except BaseException:
            self._changes.unmark(marked)
            raise
        self._deferred.extend(b for b in later if b not in self._deferred)
        self._committed(changed, source)
        return 1 if later else 0

    def _validate(
        self, index: Index, params: Sequence[ParameterValueStruct]
    ) -> dict[Backend, dict[str, str]]:
        seen: set[str] = set()
        faults: list[SetParameterValuesFault] = []
        groups: dict[Backend, dict[str, str]] = {}
        for p in params:
            if p.name in seen:
                raise CwmpFault(9003, f"{p.name} appears twice")
            seen.add(p.name)
            info = index.params.get(p.name)
            if info is None:
                faults.append(SetParameterValuesFault(p.name, 9005))
                continue
            if not info.writable:
                faults.append(SetParameterValuesFault(p.name, 9008))
                continue
            try:
                value = check_value(info.meta, p.value, p.type)
                self._check_inform_parameter(p.name, value)
            except CwmpFault as fault:
                faults.append(SetParameterValuesFault(p.name, fault.code, fault.string))
                continue
            groups.setdefault(self._backend(info.backend), {})[p.name] = value
        if faults:
            raise CwmpFault(9003, set_faults=tuple(faults))
        return groups

    def _check_inform_parameter(self, name: str, value: str) -> None:
        """E-10: a forced-inform parameter cannot be put into InformParameter (9007)."""
        if name.startswith(self._inform_table) and name.endswith(".ParameterName"):
            info = self._tree.params.get(inform.forced_pattern(value))
            if info is not None and info.forced_inform:
                raise CwmpFault(9007, f"{value} is always in the Inform")

    async def set_parameter_attributes(
        self, params: Sequence[SetParameterAttributesStruct]
    ) -> None:
        """SPA (P-15..P-18): validated as a whole, then stored in one write.

        The value of each polled parameter whose notification it turns on is read at once:
        the poller's baseline, so a change right after the SPA is reported (E-9).
        """
        index = await self._live()
        changes = attributes.plan(params, index, self._attrs)
        was = {n: self._attrs.notification(n, index.params[n]) for n in changes}
        self._attrs.update(changes, index)
        watched = self._all_watched()
        turned_on = [n for n, (v, _) in changes.items() if v and not was[n] and n not in watched]
        off = [n for n, (v, _) in changes.items() if was[n] and not v and n not in watched]
        if not (self._notification_listeners and (turned_on or off)):
            return
        polled = [n for n in turned_on if self._polled(index, n)]
        try:
            baseline = {v.name: v.value for v in await self._read(index, polled)}
        except CwmpFault:  # the SPA stands; the next poll takes the baseline instead
            _log.warn("baseline read after SetParameterAttributes failed")
            baseline = {}
        for listener in list(self._notification_listeners):
            listener(baseline, off)

    def on_notification_change(self, listener: NotificationListener) -> None:
        """Call ``listener(baseline, turned_off)`` after each SPA that switches notification."""
        self._notification_listeners.append(listener)

    async def add_object(self, object_name: str, parameter_key: str | None) -> tuple[int, int]:
        """AddObject: (instance number, status); 9005 for a non-table, 9004 when full.

        ``parameter_key`` None leaves ParameterKey as it is (a USP Add, or an instance the
        agent creates on the way, see cwmpd.datamodel.acsview)."""
        index = await self._live()
        obj = index.objects.get(object_name)
        if obj is None or obj.table is None or obj.is_instance or not obj.table.writable:
            raise CwmpFault(9005, f"{object_name} is not a table the ACS may add to")
        table = obj.table
        if table.max_entries is not None and len(index.children[object_name]) >= table.max_entries:
            raise CwmpFault(9004, f"{object_name} already has {table.max_entries} entries")
        defaults = self._tree.instance_defaults(table.generic)
        key = {} if parameter_key is None else {self._pk: parameter_key}
        backend = self._backend(table.backend)
        if backend is self._store:
            number = await transaction.guarded(
                self._store.add_instance(object_name, defaults, also=key), "add"
            )
        else:
            number = await transaction.guarded(backend.add_instance(object_name, defaults), "add")
            if key:
                self._store.write(key)
        self._drop_index()
        self._committed(key, "acs")
        return number, 0

    async def delete_object(self, object_name: str, parameter_key: str | None) -> int:
        """DeleteObject: removes the instance and everything below it; status 0.

        ``parameter_key`` None (a USP Delete): ParameterKey is left as it is."""
        index = await self._live()
        obj = index.objects.get(object_name)
        if obj is None or not obj.is_instance or obj.table is None or not obj.writable:
            raise CwmpFault(9005, f"{object_name} is not an instance the ACS may delete")
        key = {} if parameter_key is None else {self._pk: parameter_key}
        backend = self._backend(obj.table.backend)
        if backend is self._store:
            await transaction.guarded(self._store.delete_instance(object_name, also=key), "delete")
        else:
            await transaction.guarded(backend.delete_instance(object_name), "delete")
            if key:
                self._store.write(key)
        self._attrs.forget_under(object_name)
        self._changes.forget_under(object_name)
        self._drop_index()
        self._committed(key, "acs")
        return 0

    def set_local(self, values: Mapping[str, str]) -> None:
        """Agent-internal write of store parameters (persisted; may be notified)."""
        for name in values:
            info = self._tree.params.get(paths.generic(name))
            if info is None or self._backend(info.backend) is not self._store:
                raise KeyError(f"{name} is not an agent-stored parameter")
        changed = {n: v for n, v in values.items() if self.value(n) != v}
        if changed:
            marked = self._mark(changed)
            try:
                self._store.write(changed)
            except BaseException:
                self._changes.unmark(marked)
                raise
            self._committed(changed, "local")

    def report_changes(self, values: Mapping[str, str]) -> None:
        """Hook for backends (and a later poller): these values changed on the device."""
        self._committed(values, "local")

    def subscribe(self, callback: Subscriber) -> None:
        """Call ``callback(values, source)`` after each commit; source "acs" or "local"."""
        self._subscribers.append(callback)

    def _attributes(self, values: Iterable[str]) -> list[tuple[str, int]]:
        tree = self._tree.params
        return [
            (n, self._attrs.notification(n, tree[g]))
            for n in values
            if (g := paths.generic(n)) in tree
        ]

    def _notifications(self, values: Iterable[str]) -> list[tuple[str, int]]:
        """Each name with its Inform notification (0, 1 or 2) for the change tracker."""
        return [(n, attributes.inform_part(level)) for n, level in self._attributes(values)]

    def on_lightweight_change(self, listener: LightweightListener) -> None:
        """Call ``listener(values, active)`` when values under Notification 3..6 change
        locally (never for the ACS's own writes, E-8)."""
        self._lightweight_listeners.append(listener)

    def _lightweight(self, values: Mapping[str, str]) -> None:
        parts = [(n, attributes.lightweight_part(level)) for n, level in self._attributes(values)]
        changed = {n: values[n] for n, part in parts if part}
        if not changed:
            return
        active = any(part == 2 for _, part in parts)
        for listener in list(self._lightweight_listeners):
            try:
                listener(changed, active)
            except Exception:
                _log.failure("lightweight notification listener failed")

    def _mark(self, values: Iterable[str]) -> list[str]:
        """Write-ahead of a local write: its notified names are on disk before its values
        (a kill between the two still reports the change); OSError writes no value."""
        return self._changes.mark(self._notifications(values))

    def _committed(self, values: Mapping[str, str], source: str) -> None:
        if source == "acs":
            self._changes.discard(values)
        else:
            self._changes.record(self._notifications(values))
            if self._lightweight_listeners:
                self._lightweight(values)
        for callback in list(self._subscribers):
            try:
                callback(values, source)
            except Exception:  # the commit stands; one listener's bug must not undo or fault it
                _log.failure("subscriber {callback!r} failed after a commit", callback=callback)

    # -- notification and Inform -------------------------------------------------

    async def inform_parameters(self, event_codes: Sequence[str]) -> list[ParameterValueStruct]:
        """Inform ParameterList (E-10): forced, InformParameter matches, notified changes.

        The changed names reported here stay pending until ``inform_delivered``; with
        "0 BOOTSTRAP" they are not reported (the ACS reads everything anew) but cleared all
        the same on delivery.
        """
        index = await self._live()
        wanted = dict.fromkeys(index.forced)
        for pattern in await self._inform_patterns(index, event_codes):
            wanted.update(dict.fromkeys(inform.expand(pattern, index)))
        # Only an Inform carrying "4 VALUE CHANGE" reports (and so consumes) the changes: one
        # recorded after the engine chose the events waits for the next Inform (E-7).
        bootstrap = BOOTSTRAP in event_codes
        changed = self._changes.take() if bootstrap or VALUE_CHANGE in event_codes else []
        if not bootstrap:  # a bootstrap reports no value changes (E-4)
            wanted.update(dict.fromkeys(n for n in changed if n in index.params))
        return await self._read(index, list(wanted))

    async def _inform_patterns(self, index: Index, event_codes: Sequence[str]) -> list[str]:
        rows = [n for n in index.children.get(self._inform_table, ())]
        fields = ("Enable", "ParameterName", "EventList")
        names = [r + f for r in rows for f in fields if r + f in index.params]
        values = {v.name: v.value for v in await self._read(index, names)}
        return [
            values.get(r + "ParameterName", "")
            for r in rows
            if values.get(r + "Enable") == "true"
            and inform.events_match(values.get(r + "EventList", ""), event_codes)
        ]

    def inform_delivered(self) -> None:
        """The InformResponse arrived: the changes it reported are no longer pending."""
        self._changes.delivered()

    def pending_value_changes(self) -> bool:
        """True when the next Inform must carry "4 VALUE CHANGE" (E-7)."""
        return self._changes.pending()

    def pending_active_changes(self) -> bool:
        """True when an active-notification change waits: a session should start (E-9)."""
        return self._changes.pending_active()

    def on_value_change(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(active)`` whenever a notified value changes."""
        self._changes.listen(callback)

    async def notified_parameters(self) -> list[str]:
        """Names with any Notification (1..6)."""
        index = await self._live()
        return [n for n in index.param_names if self._attrs.notification(n, index.params[n])]

    async def polled_parameters(self) -> list[str]:
        """Notified names a poller has to read: not agent-stored (reported as they are
        written), and not the forced-inform, forced-active ones (SoftwareVersion,
        ProvisioningCode: in every Inform, changed by a firmware upgrade's reboot)."""
        index = await self._live()
        watched = self._all_watched()
        return [
            n
            for n in index.param_names
            if (n in watched or self._attrs.notification(n, index.params[n]))
            and self._polled(index, n)
        ]

    def report_itself(self, name: str) -> None:
        """Parameter ``name`` (generic) is reported by the part of the agent that serves
        it (``report_changes``, on its own terms): pollers leave it alone."""
        self._self_reported = self._self_reported | {name}

    async def watch(self, owner: str, names: Iterable[str]) -> None:
        """Have ``names`` watched for value changes as if notified (for ``owner``: USP
        ValueChange subscriptions), replacing what ``owner`` watched before. Their changes
        reach the commit subscribers: agent-stored ones as they are written, the others
        through the poller (whose baseline of the newly watched ones is read here)."""
        index = await self._live()
        before = self._watch_polled(index)
        wanted = frozenset(names)
        if wanted:
            self._watched[owner] = wanted
        else:
            self._watched.pop(owner, None)
        after = self._watch_polled(index)
        turned_on, off = sorted(after - before), sorted(before - after)
        if not (self._notification_listeners and (turned_on or off)):
            return
        try:
            baseline = {v.name: v.value for v in await self._read(index, turned_on)}
        except CwmpFault:  # the next poll takes the baseline instead
            _log.warn("baseline read of watched parameters failed")
            baseline = {}
        for listener in list(self._notification_listeners):
            listener(baseline, off)

    def _all_watched(self) -> frozenset[str]:
        return frozenset().union(*self._watched.values())

    def _watch_polled(self, index: Index) -> set[str]:
        """The names polled only because they are watched (not notified)."""
        return {
            n
            for n in self._all_watched()
            if n in index.params
            and not self._attrs.notification(n, index.params[n])
            and self._polled(index, n)
        }

    def _polled(self, index: Index, name: str) -> bool:
        info = index.params[name]
        forced = info.forced_inform and info.active_notify == "forceEnabled"
        if info.generic in self._self_reported:
            return False
        return self._backend(info.backend) is not self._store and not forced and not info.hidden

    # -- session end, factory reset ----------------------------------------------

    async def end_of_session(self) -> None:
        """Run the apply-after-session hooks of backends that deferred changes.

        The instance index is dropped too: device-listed tables are re-read next session.
        """
        self._drop_index()
        deferred, self._deferred = self._deferred, []
        for backend in deferred:
            await transaction.guarded(backend.apply_after_session(), "apply after session")

    def instances_changed(self) -> None:
        """A backend's tables gained or lost instances outside an RPC: re-list them next read.

        For rows a device creates on its own (diagnostics results such as RouteHops.{i}),
        so the next GPV/GPN sees them even inside a session that has already read the tree.
        """
        self._drop_index()

    def add_factory_reset_hook(self, hook: Callable[[], None]) -> None:
        """Also call ``hook()`` on factory reset (the device plugin's own reset)."""
        self._reset_hooks.append(hook)

    def on_boot(self) -> None:
        """A new boot: owed value changes go, like "4 VALUE CHANGE" (E-17, E-7)."""
        self._changes.reset()

    def factory_reset(self) -> None:
        """Forget every change, attribute and pending notification; factory values return."""
        self._store.factory_reset()
        self._attrs.reset()
        self._changes.reset()
        self._deferred.clear()
        self._drop_index()
        for hook in self._reset_hooks:
            hook()

    # -- for the USP agent --------------------------------------------------------

    @property
    def tree(self) -> GenericTree:
        """The generic (supported) model."""
        return self._tree

    async def live_index(self) -> Index:
        """The concrete names of the live model (rebuilt after Add/Delete; never changed)."""
        return await self._live()

    async def read_values(self, names: Sequence[str]) -> dict[str, str]:
        """Values of concrete parameter ``names`` as GPV reads them (hidden ones null), without
        GPV's response budget; names not in the model are left out. (One pass per name and
        one ``get_many`` per backend: a USP Get of a whole subtree is mostly this.)"""
        index = await self._live()
        params, routes = index.params, self._backends
        out: dict[str, str] = {}
        groups: dict[Backend, list[str]] = {}
        last: Backend | None = None
        group: list[str] = []
        for name in names:
            info = params.get(name)
            if info is None:
                continue
            if info.hidden:
                out[name] = null_value(info.type)
                continue
            backend = info.backend if routes is None else routes.get(id(info.backend), info.backend)
            if backend is not last:  # names come in runs of one backend: one lookup a run
                last, group = backend, groups.setdefault(backend, [])
            group.append(name)
        for backend, group in groups.items():
            got = await transaction.guarded(backend.get_many(group), "read")
            out.update(got)
            if len(got) < len(group):  # what a backend does not hold reads as the default
                for name in group:
                    if name not in got:
                        out[name] = params[name].default
        return out

    async def read_objects(
        self, objects: Sequence[str], known: Mapping[str, str]
    ) -> tuple[list[Iterator[tuple[str, str]]], dict[str, str]]:
        """The own parameters of each of the concrete ``objects`` with their values as
        :meth:`read_values` reads them: (name relative to the object, value) pairs in the
        order of the names; values in ``known`` are used, not read again. With them, the
        values read (those the backends hold). One ``get_many`` per backend, and the work
        per object, not per parameter, where nothing is known: a USP Get of a subtree."""
        index = await self._live()
        own, routes = index.own, self._backends
        entries = [own[obj] for obj in objects]
        groups: dict[Backend, list[str]] = {}
        for names, info in entries:
            for backend, pick in info.reads:
                group = groups.get(backend)
                if group is None:
                    group = groups[backend] = []
                if known:
                    group.extend(n for n in pick(names) if n not in known)
                else:
                    group.extend(pick(names))
        got: dict[str, str] = {}
        for backend, group in groups.items():
            if routes is not None:
                backend = routes.get(id(backend), backend)
            if group:
                got.update(await transaction.guarded(backend.get_many(group), "read"))
        values = {**got, **known} if known else got
        get = values.get
        pairs: list[Iterator[tuple[str, str]]] = [
            zip(info.segments, map(get, names, info.fallbacks), strict=True)
            for names, info in entries
        ]
        return pairs, got

    # -- internals ---------------------------------------------------------------

    def defines(self, generic: str) -> bool:
        """True when generic ``generic`` ("X.{i}.Y" or "X.{i}.") is in this device's model."""
        return generic in self._tree.params or generic in self._tree.children

    def table_backend(self, table: str) -> Backend | None:
        """This device's backend of generic table ``table`` ("X.{i}."), None if no such table."""
        info = self._tree.tables.get(table)
        return None if info is None else self._backend(info.backend)

    def _drop_index(self) -> None:
        self._index = None
        self._index_gen += 1

    async def _live(self) -> Index:
        index = self._index
        if index is None:
            gen = self._index_gen
            listed = list_instances(self._tree, self._backend)
            instances = await transaction.guarded(listed, "list instances")
            last = self._last_index
            if last is not None and last.instances == instances:
                index = last  # the same instances as last time: the same names
            else:
                index = self._last_index = await Index.build(self._tree, self._backend, instances)
            self._counter.index = index
            if gen == self._index_gen:  # an Add or Delete while listing: list again next read
                self._index = index
        return index

    async def _read(
        self, index: Index, names: Iterable[str], budget: ResponseBudget | None = None
    ) -> list[ParameterValueStruct]:
        """Values of concrete ``names``: one ``get_many`` per backend, hidden ones null;
        each value charged to ``budget`` (whose names were charged already)."""
        names = list(names)
        params = index.params
        values = await self._fetch(index, names)
        out = []
        for name in names:
            info = params[name]
            if info.hidden:
                value = null_value(info.type)
            else:
                got = values.get(name)
                value = info.default if got is None else got
            if budget is not None:
                budget.take_value(value, info.type)
            out.append(ParameterValueStruct(name, value, info.type))
        return out

    async def _fetch(self, index: Index, names: Sequence[str]) -> dict[str, str]:
        """What the backends hold for the visible ones of ``names``: one ``get_many`` each."""
        params = index.params
        groups: dict[Backend, list[str]] = {}
        for name in names:
            info = params[name]
            if not info.hidden:
                groups.setdefault(self._backend(info.backend), []).append(name)
        values: dict[str, str] = {}
        for backend, group in groups.items():
            values.update(await transaction.guarded(backend.get_many(group), "read"))
        return values
