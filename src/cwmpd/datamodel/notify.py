"""Value-change bookkeeping for Notification 1 (passive) and 2 (active): E-7..E-10.

Changes are pushed in (agent writes, backends reporting, a poller later); changes the ACS
makes are not value changes (E-8). The names reported in an Inform stay pending until the
InformResponse proves delivery; changes made meanwhile wait for the next Inform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


class ChangeTracker:
    """Parameters whose value changed under notification since the last delivered Inform."""

    def __init__(self) -> None:
        self._pending: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self._listeners: list[Callable[[bool], None]] = []

    def listen(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(active)`` whenever a notified change is recorded."""
        self._listeners.append(callback)

    def record(self, changes: Iterable[tuple[str, int]]) -> None:
        """Note changed names with their Notification attribute (0 is ignored)."""
        active = False
        recorded = False
        for name, notification in changes:
            if notification > 0:
                self._pending[name] = max(notification, self._pending.get(name, 0))
                recorded = True
                active = active or notification == 2
        if recorded:
            for callback in list(self._listeners):
                callback(active)

    def discard(self, names: Iterable[str]) -> None:
        """The ACS itself set these: nothing to report for them (E-8)."""
        for name in names:
            self._pending.pop(name, None)

    def forget_under(self, prefix: str) -> None:
        """Drop pending changes below ``prefix`` (a deleted instance)."""
        for table in (self._pending, self._in_flight):
            for name in [n for n in table if n.startswith(prefix)]:
                del table[name]

    def pending(self) -> bool:
        """True when the next Inform must carry "4 VALUE CHANGE"."""
        return bool(self._pending or self._in_flight)

    def pending_active(self) -> bool:
        """True when an active-notification change waits to be reported."""
        return any(n == 2 for n in (*self._pending.values(), *self._in_flight.values()))

    def take(self) -> list[str]:
        """Names to report in the Inform being built (kept until ``delivered``)."""
        for name, level in self._pending.items():
            self._in_flight[name] = max(level, self._in_flight.get(name, 0))
        self._pending.clear()
        return list(self._in_flight)

    def delivered(self) -> None:
        """The InformResponse arrived: the reported changes are done."""
        self._in_flight.clear()

    def reset(self) -> None:
        """Forget everything (factory reset)."""
        self._pending.clear()
        self._in_flight.clear()
