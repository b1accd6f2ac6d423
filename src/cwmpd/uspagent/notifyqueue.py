"""The persisted queue of USP Notify requests awaiting their NotifyResp (NotifRetry true).

Like the CWMP event queue (cwmpd.session.events), every change is written at once through
cwmpd.state (temp file, fsync, rename), so a queued Notify survives kill -9 and reboots, and
memory changes only once the write succeeded (OSError goes to the caller). The queue holds
at most ``limit`` Notifies: beyond, the oldest is dropped with a log line.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twisted.logger import Logger

from cwmpd.state import Writer, read_json, write_json

#: The default bound of the queue (Notifies, all Controllers together).
MAX_QUEUED = 256
_FORMAT = 1
_log = Logger()


@dataclass(frozen=True)
class Queued:
    """One Notify to (re-)send: the encoded Msg and how long to try.

    ``expires`` is a POSIX time (None: retry until delivered); ``min_wait`` and
    ``multiplier`` are the Controller's USPNotifRetry* values when the Notify was made."""

    msg_id: str
    controller_id: str
    subscription_id: str
    payload: bytes
    expires: float | None = None
    min_wait: int = 5
    multiplier: int = 2000

    def to_json(self) -> dict[str, Any]:
        """The JSON form of the entry."""
        return {
            "msg_id": self.msg_id,
            "controller": self.controller_id,
            "subscription": self.subscription_id,
            "payload": base64.b64encode(self.payload).decode("ascii"),
            "expires": self.expires,
            "min_wait": self.min_wait,
            "multiplier": self.multiplier,
        }

    @classmethod
    def from_json(cls, data: Any) -> Queued:
        """An entry from its JSON form; ValueError (or KeyError, TypeError) when malformed."""
        expires = data["expires"]
        return cls(
            msg_id=str(data["msg_id"]),
            controller_id=str(data["controller"]),
            subscription_id=str(data["subscription"]),
            payload=base64.b64decode(data["payload"], validate=True),
            expires=None if expires is None else float(expires),
            min_wait=int(data["min_wait"]),
            multiplier=int(data["multiplier"]),
        )


class NotifyQueue:
    """Notifies not yet answered, in the order they were made, persisted in one JSON file."""

    def __init__(self, path: Path, writer: Writer = write_json, limit: int = MAX_QUEUED) -> None:
        """Load the queue from ``path`` (a missing or unreadable file is an empty queue)."""
        if limit < 1:
            raise ValueError(f"queue limit must be at least 1, got {limit}")
        self._path = Path(path)
        self._writer = writer
        self._limit = limit
        self._entries: dict[str, Queued] = {}
        self._load()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Queued]:
        return iter(list(self._entries.values()))

    def get(self, msg_id: str) -> Queued | None:
        """The queued Notify ``msg_id``, if still queued."""
        return self._entries.get(msg_id)

    def add(self, entry: Queued) -> list[Queued]:
        """Queue ``entry``; returns the oldest entries dropped to stay within the limit."""
        entries = dict(self._entries)
        entries[entry.msg_id] = entry
        dropped = []
        while len(entries) > self._limit:
            oldest = next(iter(entries))
            dropped.append(entries.pop(oldest))
        self._commit(entries)
        for gone in dropped:
            _log.warn(
                "USP Notify queue full ({limit}): dropped the oldest, {msg_id} to {controller}",
                limit=self._limit,
                msg_id=gone.msg_id,
                controller=gone.controller_id,
            )
        return dropped

    def remove(self, msg_id: str) -> bool:
        """Forget ``msg_id`` (answered or expired); True if it was queued."""
        if msg_id not in self._entries:
            return False
        entries = dict(self._entries)
        del entries[msg_id]
        self._commit(entries)
        return True

    def clear(self) -> None:
        """Forget every queued Notify (factory reset)."""
        self._commit({})

    def _commit(self, entries: dict[str, Queued]) -> None:
        self._writer(
            self._path,
            {"version": _FORMAT, "queue": [e.to_json() for e in entries.values()]},
        )
        self._entries = entries

    def _load(self) -> None:
        try:
            data: Any = read_json(self._path, None)
        except ValueError as exc:
            _log.error("{error}; starting with no queued USP Notify", error=exc)
            return
        if data is None:
            return
        if not isinstance(data, dict) or data.get("version") != _FORMAT:
            _log.error("ignoring USP Notify queue {path} of unknown format", path=self._path)
            return
        for item in data.get("queue", []):
            try:
                entry = Queued.from_json(item)
            except (ValueError, KeyError, TypeError) as exc:
                _log.error("dropping a malformed queued USP Notify: {error!r}", error=exc)
                continue
            self._entries[entry.msg_id] = entry
