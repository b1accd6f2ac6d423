"""Failed Connection Request logins slow the guesser down: per source and overall.

* A source (IPv4 address, IPv6 /64) with ``max_failures`` failed digests is locked out for
  ``lockout`` seconds, doubling with each further lockout up to ``max_lockout``. While
  locked, every request from it gets 503 and its digest is not even looked at, so the
  right password cannot be told from a wrong one.
* All sources together: ``max_total_failures`` failed digests lock out every source that
  has not authenticated before (same doubling). Sources that did authenticate (the ACS)
  still get through: the trade-off is that an ACS arriving from a new address waits until
  the overall lockout ends.
* The sources that authenticated are kept in the state directory (``trusted``), so that
  after a restart an attacker holding the overall lockout still cannot shut the ACS out.
* Strikes and levels are forgotten after ``max_lockout`` seconds without a failure; a
  success clears its source's; new credentials clear everything.

With the defaults one address gets about 30 guesses in its first hour and 5 an hour after
that (145 a day); all addresses together about 120, then 20 an hour (580 a day).
Hand-written: Twisted has nothing that counts failures.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from cwmpd.state import read_json, write_json

_log = Logger()


@dataclass(frozen=True)
class LockoutConfig:
    """The thresholds and lockout times; the defaults suit an ACS on the internet."""

    max_failures: int = 5
    lockout: float = 60.0
    max_lockout: float = 3600.0
    max_total_failures: int = 20


@dataclass
class _Strikes:
    failures: int = 0
    level: int = 0
    until: float = 0.0
    last: float = 0.0


class AuthLockout:
    """Per-source and overall failure counting with exponentially growing lockouts."""

    def __init__(
        self,
        clock: IReactorTime,
        config: LockoutConfig | None = None,
        max_sources: int = 4096,
        max_trusted: int = 16,
        trusted: Path | None = None,
    ) -> None:
        self._clock = clock
        self.config = config or LockoutConfig()
        self._max_sources = max_sources
        self._max_trusted = max_trusted
        self._sources: OrderedDict[str, _Strikes] = OrderedDict()
        self._all = _Strikes()
        self._state = trusted
        self._trusted: OrderedDict[str, None] = OrderedDict.fromkeys(self._load())

    def locked(self, source: str) -> str:
        """'' if ``source`` may try now, else why not (for the log)."""
        now = self._clock.seconds()
        mine = self._sources.get(source)
        if mine is not None and mine.until > now:
            return f"{source} locked out for {mine.until - now:.0f} s after failed logins"
        if self._all.until > now and source not in self._trusted:
            return f"every new source locked out for {self._all.until - now:.0f} s"
        return ""

    def failed(self, source: str) -> None:
        """A failed digest from ``source``."""
        mine = self._sources.pop(source, None) or _Strikes()
        self._sources[source] = mine  # most recent last
        while len(self._sources) > self._max_sources:
            self._sources.popitem(last=False)
        if self._strike(mine):
            _log.warn(
                "Connection Request: {n} failed logins from {source}: locked out for {t:.0f} s",
                n=self.config.max_failures,
                source=source,
                t=mine.until - self._clock.seconds(),
            )
        if self._strike(self._all, total=True):
            _log.warn(
                "Connection Request: {n} failed logins in all: sources that never logged in "
                "are locked out for {t:.0f} s",
                n=self.config.max_total_failures,
                t=self._all.until - self._clock.seconds(),
            )

    def succeeded(self, source: str) -> None:
        """A correct digest from ``source``: its strikes go, and it is trusted from now on."""
        self._sources.pop(source, None)
        known = source in self._trusted
        self._trusted.pop(source, None)
        self._trusted[source] = None  # most recent last
        while len(self._trusted) > self._max_trusted:
            self._trusted.popitem(last=False)
        if not known:
            self._save()

    def _load(self) -> list[str]:
        if self._state is None:
            return []
        try:
            saved = read_json(self._state, default=[])
        except ValueError as exc:
            _log.warn("Connection Request trusted sources unreadable, starting empty: {e}", e=exc)
            return []
        if not isinstance(saved, list):
            return []
        return [s for s in saved if isinstance(s, str)][-self._max_trusted :]

    def _save(self) -> None:
        if self._state is None:
            return
        try:
            write_json(self._state, list(self._trusted))
        except OSError as exc:
            _log.error("cannot save the Connection Request trusted sources: {e}", e=exc)

    def reset(self) -> None:
        """New credentials: guesses at the old password no longer count."""
        self._sources.clear()
        self._all = _Strikes()

    def _strike(self, s: _Strikes, total: bool = False) -> bool:
        """Count one failure; True when it starts a lockout."""
        cfg = self.config
        now = self._clock.seconds()
        if now - s.last > cfg.max_lockout and s.until <= now:
            s.failures, s.level = 0, 0  # quiet long enough: a clean slate
        s.last = now
        s.failures += 1
        if s.failures < (cfg.max_total_failures if total else cfg.max_failures):
            return False
        s.until = now + min(cfg.max_lockout, cfg.lockout * 2 ** min(s.level, 32))
        s.level += 1
        s.failures = 0
        return True
