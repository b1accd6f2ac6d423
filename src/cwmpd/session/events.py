"""The persistent Inform event queue (E-1..E-7, E-16, E-17, R-6): TR-069 rules, no library has them.

Every change is written at once through cwmpd.state (temp file, fsync, rename), so a
queued event survives kill -9; the file is tiny (at most 64 events). A change reaches
memory only once its write succeeded: when the write fails (EMFILE, a full disk) the
queue is left as it was and OSError goes to the caller, who retries (state.WriteRetry),
so a later write can never persist a queue that silently lost an event.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from twisted.logger import Logger

from cwmpd.cwmp import eventcodes as ec
from cwmpd.cwmp.structs import EventStruct
from cwmpd.state import Writer, read_json, write_json

#: E-1: the Inform Event array holds at most 64 entries.
MAX_EVENTS = 64
_FORMAT = 1


class EventQueue:
    """Events waiting to be delivered to the ACS, persisted in one JSON file."""

    log = Logger()

    def __init__(self, path: Path, writer: Writer = write_json) -> None:
        """Load the queue from ``path`` (a missing file is an empty queue)."""
        self._path = Path(path)
        self._writer = writer
        self._events: list[EventStruct] = []  # arrival order
        # Response-delivered singles (7, 9, 10, ...): how many causes are still undelivered.
        self._outstanding: dict[str, int] = {}
        # Race guard: a single event raised again after pending() handed it out must
        # survive the InformResponse of the Inform that carried the older occurrence.
        self._seq = 0
        self._raised_at: dict[str, int] = {}
        self._handed_out = 0
        # ScheduleInform calls not yet due: (due clock time, CommandKey), kept across restarts.
        self._scheduled: list[tuple[float, str]] = []
        self._saved: dict[str, Any] = {}
        self._load()
        self._saved = self._state()

    # -- queries ---------------------------------------------------------------

    @property
    def has_pending(self) -> bool:
        """True when at least one event is queued."""
        return bool(self._events)

    def __len__(self) -> int:
        """The number of queued events."""
        return len(self._events)

    def queued(self) -> list[EventStruct]:
        """The queued events in Inform order, without marking them as handed out (status)."""
        ranked = sorted(enumerate(self._events), key=lambda ie: (ec.sort_rank(ie[1].code), ie[0]))
        return [event for _, event in ranked]

    def pending(self) -> list[EventStruct]:
        """The events for the next Inform: BOOTSTRAP first, singles by number, then M/vendor.

        The engine passes exactly this list to inform_delivered() once InformResponse arrives.
        """
        self._handed_out = self._seq
        return self.queued()

    def scheduled(self) -> list[tuple[float, str]]:
        """Pending ScheduleInform calls as (due clock time, CommandKey), oldest first."""
        return list(self._scheduled)

    # -- changes ---------------------------------------------------------------

    def schedule(self, due: float, command_key: str) -> bool:
        """Remember an accepted ScheduleInform until it is due (E-16); True if saved."""
        if len(command_key) > ec.MAX_COMMAND_KEY_LEN:
            raise ValueError(f"CommandKey longer than {ec.MAX_COMMAND_KEY_LEN}: {command_key!r}")
        before = self._snapshot()
        self._scheduled.append((due, command_key))
        return self._commit(before)

    def unschedule(self, due: float, command_key: str) -> bool:
        """Forget one pending ScheduleInform (it fired); True if the queue changed."""
        before = self._snapshot()
        if (due, command_key) in self._scheduled:
            self._scheduled.remove((due, command_key))
        return self._commit(before)

    def fire_scheduled(self, calls: Sequence[tuple[float, str]]) -> bool:
        """ScheduleInform ``calls`` (due, CommandKey) fell due: in one write, forget them and
        queue "3 SCHEDULED" plus one "M ScheduleInform" each (E-16). On OSError nothing
        changed: call again later."""
        before = self._snapshot()
        for call in calls:
            if call in self._scheduled:
                self._scheduled.remove(call)
                self._add(ec.SCHEDULED, "")
                self._add(ec.M_SCHEDULE_INFORM, call[1])
        return self._commit(before)

    def add(self, code: str, command_key: str = "") -> bool:
        """Queue ``code``; True if the queue changed.

        E-3: a single event is queued at most once, an "M ..." event once per call.
        E-2: the CommandKey belongs to "M ..." events only. E-4: a new 0 BOOTSTRAP
        discards the events marked discard_on_bootstrap. E-1: beyond 64 events the
        oldest "M ..." events go first. ValueError on an unknown code or a bad key.
        """
        pol = ec.policy(code)
        if len(command_key) > ec.MAX_COMMAND_KEY_LEN:
            raise ValueError(f"CommandKey longer than {ec.MAX_COMMAND_KEY_LEN}: {command_key!r}")
        if command_key and not pol.multiple:
            raise ValueError(f"{code!r} carries no CommandKey (E-2)")
        before = self._snapshot()
        self._add(code, command_key)
        return self._commit(before)

    def _add(self, code: str, command_key: str) -> None:
        pol = ec.policy(code)
        if code == ec.BOOTSTRAP:
            self._discard(lambda e: ec.policy(e.code).discard_on_bootstrap)
            if ec.policy(ec.M_SCHEDULE_INFORM).discard_on_bootstrap:
                self._scheduled.clear()
        if pol.delivered_by != ec.INFORM and not pol.multiple:
            self._outstanding[code] = self._outstanding.get(code, 0) + 1
        self._seq += 1
        if pol.multiple or not self._has(code):
            self._events.append(EventStruct(code, command_key))
            self._enforce_cap()
        self._raised_at[code] = self._seq

    def inform_delivered(self, sent: Sequence[EventStruct]) -> bool:
        """InformResponse arrived for an Inform carrying ``sent``: drop what it delivers (E-17).

        Events delivered by their own response (7, 9, 10, 11, 12, 5, M Download,
        M Upload, M ScheduleDownload, M ChangeDUState) stay. R-6: nothing else is
        touched, so a retry carries what is left plus anything new.
        """
        before = self._snapshot()
        for event in sent:
            pol = _policy_or_none(event.code)
            if pol is None or pol.delivered_by != ec.INFORM:
                continue
            if pol.multiple:
                self._remove_first(event.__eq__)
            elif self._raised_at.get(event.code, 0) <= self._handed_out:
                self._discard_code(event.code)
        return self._commit(before)

    def response_delivered(self, method: str, command_key: str = "") -> bool:
        """The response to the CPE's ``method`` call (e.g. "TransferComplete") arrived.

        Drops the oldest "M ..." event delivered by it with ``command_key`` and counts
        down the matching single event (7, 10, 11, ...), dropped when no cause of it is
        left undelivered and no matching "M ..." event remains (E-17).
        """

        before = self._snapshot()

        def by_method(e: EventStruct) -> bool:
            pol = ec.policy(e.code)
            return pol.multiple and pol.delivered_by == method

        self._remove_first(lambda e: by_method(e) and e.command_key == command_key)
        for code, pol in ec.POLICIES.items():
            if pol.multiple or pol.delivered_by != method:
                continue
            left = max(self._outstanding.pop(code, 0) - 1, 0)
            if left:
                self._outstanding[code] = left
            elif not any(by_method(e) for e in self._events):
                self._discard_code(code)
        return self._commit(before)

    def on_boot(self) -> bool:
        """The device booted (new boot id): drop the events that do not survive a reboot.

        E-17: kept are BOOTSTRAP, 2/3, transfer and DU events, 5, 9, M Reboot (E-6),
        M ScheduleInform and vendor events; dropped are 1 BOOT of the previous boot,
        4 VALUE CHANGE, 6 CONNECTION REQUEST, 8 DIAGNOSTICS COMPLETE, 13, 14.
        """
        before = self._snapshot()
        self._discard(lambda e: not ec.policy(e.code).survives_reboot)
        return self._commit(before)

    def clear(self) -> bool:
        """Factory reset: forget every event and count (the caller then queues 0 BOOTSTRAP)."""
        before = self._snapshot()
        self._events.clear()
        self._outstanding.clear()
        self._raised_at.clear()
        self._scheduled.clear()
        return self._commit(before)

    # -- internals -------------------------------------------------------------

    def _has(self, code: str) -> bool:
        return any(e.code == code for e in self._events)

    def _discard_code(self, code: str) -> None:
        self._discard(lambda e: e.code == code)

    def _discard(self, doomed: Callable[[EventStruct], bool]) -> None:
        gone = {e.code for e in self._events if doomed(e)}
        self._events = [e for e in self._events if not doomed(e)]
        for code in gone:
            self._outstanding.pop(code, None)
            self._raised_at.pop(code, None)

    def _remove_first(self, match: Callable[[EventStruct], bool]) -> None:
        for i, event in enumerate(self._events):
            if match(event):
                del self._events[i]
                return

    def _enforce_cap(self) -> None:
        """E-1: discard the oldest "M ..." events, then vendor events; never BOOTSTRAP."""
        while len(self._events) > MAX_EVENTS:
            for kind in ("M ", "X ", ""):
                victim = next(
                    (e for e in self._events if e.code.startswith(kind) and e.code != ec.BOOTSTRAP),
                    None,
                )
                if victim is not None:
                    self.log.warn("event queue full: discarding {code}", code=victim.code)
                    self._events.remove(victim)
                    break

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "version": _FORMAT,
            "events": [[e.code, e.command_key] for e in self._events],
            "outstanding": {c: n for c, n in sorted(self._outstanding.items()) if n > 0},
        }
        if self._scheduled:
            state["scheduled"] = [[due, key] for due, key in self._scheduled]
        return state

    def _snapshot(self) -> dict[str, Any]:
        """Everything a change may touch, to put back when its write fails."""
        fields = ("_events", "_outstanding", "_seq", "_raised_at", "_scheduled")
        return {name: copy.copy(getattr(self, name)) for name in fields}

    def _commit(self, before: dict[str, Any]) -> bool:
        """Persist the changed queue; on OSError put memory back to ``before`` and raise."""
        state = self._state()
        if state == self._saved:
            return False
        try:
            self._writer(self._path, state)
        except OSError:
            for name, value in before.items():
                setattr(self, name, value)
            raise
        self._saved = state
        return True

    def _load(self) -> None:
        try:
            data = read_json(self._path, default=None)
        except ValueError as exc:
            self.log.error("{error}; starting with an empty event queue", error=exc)
            return
        if data is None:
            return
        if not isinstance(data, dict) or data.get("version") != _FORMAT:
            self.log.error("ignoring event queue {path} of unknown format", path=self._path)
            return
        for item in data.get("events", []):
            if _valid_entry(item):
                self._events.append(EventStruct(item[0], item[1]))
            else:
                self.log.error("ignoring bad queued event {item!r}", item=item)
        for code, count in dict(data.get("outstanding", {})).items():
            if isinstance(count, int) and count > 0 and _policy_or_none(code) is not None:
                self._outstanding[code] = count
        for item in data.get("scheduled", []):
            if _valid_schedule(item):
                self._scheduled.append((float(item[0]), item[1]))
            else:
                self.log.error("ignoring bad scheduled inform {item!r}", item=item)


def _policy_or_none(code: str) -> ec.EventPolicy | None:
    try:
        return ec.policy(code)
    except ValueError:
        return None


def _valid_entry(item: object) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 2
        and all(isinstance(x, str) for x in item)
        and _policy_or_none(item[0]) is not None
        and len(item[1]) <= ec.MAX_COMMAND_KEY_LEN
    )


def _valid_schedule(item: object) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 2
        and isinstance(item[0], int | float)
        and isinstance(item[1], str)
        and len(item[1]) <= ec.MAX_COMMAND_KEY_LEN
    )
