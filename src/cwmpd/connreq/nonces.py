"""Server-side digest nonces: issued, expiring, nonce-count checked, bounded in number.

Hand-written: Twisted's ``DigestCredentialFactory`` keeps no per-nonce state, so it can
neither refuse a replayed nonce-count nor say which nonces it issued.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum

from twisted.internet.interfaces import IReactorTime


class NonceStatus(Enum):
    """What the table knows about a nonce an Authorization header presents."""

    FRESH = "fresh"  # issued, live, and this nc is higher than any seen before
    STALE = "stale"  # issued by us but expired: the client should retry with stale=true
    REPLAY = "replay"  # issued and live, but nc is not higher than one already used
    UNKNOWN = "unknown"  # never issued, revoked, or evicted


@dataclass
class _Entry:
    issued: float
    last_nc: int = 0


class NonceTable:
    """Nonces we issued; at most ``max_entries`` are remembered (oldest evicted first).

    A nonce is usable for ``lifetime`` seconds, then reported STALE for another
    ``lifetime`` seconds so the client learns to re-challenge, then forgotten.
    """

    def __init__(self, clock: IReactorTime, lifetime: float = 60.0, max_entries: int = 256) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._max = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def issue(self) -> str:
        """A fresh random nonce, remembered from now."""
        self._expire()
        nonce = secrets.token_hex(16)
        self._entries[nonce] = _Entry(self._clock.seconds())
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return nonce

    def peek(self, nonce: str, nc: int) -> NonceStatus:
        """Classify ``nonce``/``nc`` without recording anything."""
        self._expire()
        entry = self._entries.get(nonce)
        if entry is None:
            return NonceStatus.UNKNOWN
        if self._clock.seconds() - entry.issued > self._lifetime:
            return NonceStatus.STALE
        if nc <= entry.last_nc:
            return NonceStatus.REPLAY
        return NonceStatus.FRESH

    def use(self, nonce: str, nc: int) -> None:
        """Record that ``nc`` was accepted for ``nonce`` (later requests need a higher nc)."""
        entry = self._entries.get(nonce)
        if entry is not None:
            entry.last_nc = max(entry.last_nc, nc)

    def revoke(self, nonce: str) -> None:
        """Forget ``nonce`` (after a failed attempt, so it cannot be used to guess passwords)."""
        self._entries.pop(nonce, None)

    def _expire(self) -> None:
        cutoff = self._clock.seconds() - 2 * self._lifetime
        while self._entries:
            nonce, entry = next(iter(self._entries.items()))
            if entry.issued >= cutoff:
                break
            del self._entries[nonce]
