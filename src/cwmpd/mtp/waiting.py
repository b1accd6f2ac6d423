"""Records waiting for an MTP connection (an agent just starting, a broker away): bounded
in number and in time, for every transport (MQTT, WebSocket, UDS)."""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

#: Records that may wait for a connection, and how long each.
MAX_WAITING = 64
WAIT_SECONDS = 60.0

Entry = tuple[str, bytes, Deferred[None]]


class WaitingRecords:
    """(topic, Record) pairs that wait; each one's Deferred fails with ConnectionError
    (``unavailable``) when it is refused (full, not running) or waited WAIT_SECONDS."""

    def __init__(self, clock: IReactorTime, unavailable: str) -> None:
        self.clock = clock
        self.unavailable = unavailable
        self.entries: list[Entry] = []

    def add(self, topic: str, record: bytes, running: bool) -> Deferred[None]:
        """Wait with ``record``; fired by whoever sends it (see :meth:`take`)."""
        waiting: Deferred[None] = Deferred()
        if not running or len(self.entries) >= MAX_WAITING:
            waiting.errback(ConnectionError(self.unavailable))
            return waiting
        entry = (topic, record, waiting)
        self.entries.append(entry)

        def give_up() -> None:
            if entry in self.entries:
                self.entries.remove(entry)
                waiting.errback(ConnectionError(self.unavailable))

        timer = self.clock.callLater(WAIT_SECONDS, give_up)

        def settled(result: object) -> object:
            if timer.active():
                timer.cancel()
            return result

        waiting.addBoth(settled)
        return waiting

    def take(self, topic: str | None = None) -> list[Entry]:
        """The entries for ``topic`` (all when None), removed, in order."""
        taken = [e for e in self.entries if topic is None or e[0] == topic]
        self.entries = [e for e in self.entries if e not in taken]
        return taken

    def fail_all(self, reason: str) -> None:
        """Fail every waiting Record (the transport stops)."""
        for _, _, d in self.take():
            d.errback(ConnectionError(reason))
