"""Value-change bookkeeping for Notification 1 (passive) and 2 (active): E-7..E-10.

Changes are pushed in (agent writes, backends reporting, the poller); changes the ACS
makes are not value changes (E-8). The names reported in an Inform stay pending until the
InformResponse proves delivery; changes made meanwhile wait for the next Inform.

The set of names still owed to the ACS is persisted through cwmpd.state (one small JSON
file), so a change survives kill -9 of the agent: a local write marks its names *before*
the value is written (``mark``), so no crash between the two can lose the report. After a
restart every owed name is pending again (reported at least once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from twisted.logger import Logger

from cwmpd.state import Writer, read_json, write_json

_FORMAT = 1
_log = Logger()


class ChangeTracker:
    """Parameters whose value changed under notification since the last delivered Inform."""

    def __init__(self, path: Path | None = None, writer: Writer = write_json) -> None:
        """Load what is owed from ``path`` (None: kept in memory only)."""
        self._path = path
        self._writer = writer
        self._pending: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self._listeners: list[Callable[[bool], None]] = []
        self._saved: dict[str, int] = {}
        self._load()

    def listen(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(active)`` whenever a notified change is recorded."""
        self._listeners.append(callback)

    def mark(self, changes: Iterable[tuple[str, int]]) -> list[str]:
        """Write-ahead: note ``changes`` as owed and persist that before the value is written.

        The names newly marked are returned for ``unmark`` should the value write fail;
        OSError (nothing marked) when the change set cannot be written: the caller must
        not write the value then. No listener is called: ``record`` does that afterwards.
        """
        changes = list(changes)
        added = [n for n, level in changes if level > 0 and n not in self._pending]
        before = dict(self._pending)
        for name, level in changes:
            if level > 0:
                self._pending[name] = max(level, self._pending.get(name, 0))
        try:
            self._save(strict=True)
        except OSError:
            self._pending = before
            raise
        return added

    def unmark(self, names: Iterable[str]) -> None:
        """The value write failed: the names ``mark`` added are owed no longer."""
        for name in names:
            self._pending.pop(name, None)
        self._save()

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
            self._save()
            for callback in list(self._listeners):
                callback(active)

    def discard(self, names: Iterable[str]) -> None:
        """The ACS itself set these: nothing to report for them (E-8)."""
        for name in names:
            self._pending.pop(name, None)
        self._save()

    def forget_under(self, prefix: str) -> None:
        """Drop pending changes below ``prefix`` (a deleted instance)."""
        for table in (self._pending, self._in_flight):
            for name in [n for n in table if n.startswith(prefix)]:
                del table[name]
        self._save()

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
        self._save()

    def reset(self) -> None:
        """Forget everything (factory reset, a new boot)."""
        self._pending.clear()
        self._in_flight.clear()
        self._save()

    # -- persistence -----------------------------------------------------------

    def _owed(self) -> dict[str, int]:
        owed = dict(self._in_flight)
        for name, level in self._pending.items():
            owed[name] = max(level, owed.get(name, 0))
        return owed

    def _save(self, strict: bool = False) -> None:
        """Persist what is owed; a failed write is logged (memory keeps the changes and the
        next write carries them), or raised when ``strict``."""
        owed = self._owed()
        if self._path is None or owed == self._saved:
            return
        try:
            self._writer(self._path, {"version": _FORMAT, "owed": owed})
        except OSError as exc:
            if strict:
                raise
            _log.error("value changes not persisted ({error}): kept in memory", error=exc)
            return
        self._saved = owed

    def _load(self) -> None:
        if self._path is None:
            return
        try:
            data: Any = read_json(self._path, None)
        except ValueError as exc:
            _log.error("{error}; no value changes owed", error=exc)
            return
        if data is None:
            return
        owed = data.get("owed") if isinstance(data, dict) else None
        if not isinstance(owed, dict) or data.get("version") != _FORMAT:
            _log.error("ignoring value changes {path} of unknown format", path=self._path)
            return
        for name, level in owed.items():
            if isinstance(name, str) and level in (1, 2):
                self._pending[name] = level
        self._saved = dict(self._pending)
