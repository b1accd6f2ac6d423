"""Latency histograms and counters of a fleet run, mergeable across shards.

A histogram keeps counts in log-spaced buckets (5 % wide), so percentiles of merged shards
are those of the whole fleet to within a bucket, and a report stays small.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_RATIO = 1.05
_FLOOR = 1e-5  # seconds: the first bucket holds everything below 10 us


def _bucket(seconds: float) -> int:
    if seconds <= _FLOOR:
        return 0
    return 1 + int(math.log(seconds / _FLOOR, _RATIO))


def _upper(bucket: int) -> float:
    return _FLOOR * _RATIO**bucket


@dataclass
class Histogram:
    """Counts of durations in seconds; percentiles are bucket upper bounds (max is exact)."""

    buckets: Counter[int] = field(default_factory=Counter)
    count: int = 0
    total: float = 0.0
    max: float = 0.0

    def add(self, seconds: float) -> None:
        """Count one duration."""
        self.buckets[_bucket(seconds)] += 1
        self.count += 1
        self.total += seconds
        self.max = max(self.max, seconds)

    def percentile(self, p: float) -> float:
        """The duration under which ``p`` percent of the counted ones fall (0 when empty)."""
        if not self.count:
            return 0.0
        rank = max(1, math.ceil(self.count * p / 100))
        seen = 0
        for bucket in sorted(self.buckets):
            seen += self.buckets[bucket]
            if seen >= rank:
                return min(_upper(bucket), self.max)
        return self.max

    def merge(self, other: Histogram) -> None:
        """Add ``other``'s counts to these."""
        self.buckets.update(other.buckets)
        self.count += other.count
        self.total += other.total
        self.max = max(self.max, other.max)

    def summary(self) -> dict[str, float]:
        """count, mean, p50, p90, p99, max (milliseconds)."""
        mean = self.total / self.count if self.count else 0.0
        return {
            "count": self.count,
            "mean_ms": round(mean * 1000, 3),
            "p50_ms": round(self.percentile(50) * 1000, 3),
            "p90_ms": round(self.percentile(90) * 1000, 3),
            "p99_ms": round(self.percentile(99) * 1000, 3),
            "max_ms": round(self.max * 1000, 3),
        }

    def to_json(self) -> dict[str, Any]:
        """The raw form kept in a report, for merging."""
        return {
            "buckets": {str(k): v for k, v in sorted(self.buckets.items())},
            "count": self.count,
            "total": self.total,
            "max": self.max,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Histogram:
        """Read the raw form back."""
        h = cls(Counter({int(k): int(v) for k, v in data["buckets"].items()}))
        h.count, h.total, h.max = int(data["count"]), float(data["total"]), float(data["max"])
        return h


@dataclass
class Metrics:
    """What a fleet run measured."""

    rpcs: dict[str, Histogram] = field(default_factory=dict)
    session: Histogram = field(default_factory=Histogram)
    sessions_ok: int = 0
    sessions_failed: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    rpcs_from_acs: Counter[str] = field(default_factory=Counter)
    connection_requests: Counter[str] = field(default_factory=Counter)

    def rpc(self, name: str, seconds: float) -> None:
        """One POST of ``name`` (what the CPE sent) answered after ``seconds``."""
        h = self.rpcs.get(name)
        if h is None:
            h = self.rpcs[name] = Histogram()
        h.add(seconds)

    def session_done(self, seconds: float, failure: str) -> None:
        """A session ended after ``seconds``; ``failure`` is "" when it succeeded."""
        if failure:
            self.sessions_failed += 1
            self.failures[cause(failure)] += 1
        else:
            self.sessions_ok += 1
            self.session.add(seconds)

    def merge(self, other: Metrics) -> None:
        """Add ``other``'s figures to these."""
        for name, h in other.rpcs.items():
            self.rpcs.setdefault(name, Histogram()).merge(h)
        self.session.merge(other.session)
        self.sessions_ok += other.sessions_ok
        self.sessions_failed += other.sessions_failed
        self.failures.update(other.failures)
        self.events.update(other.events)
        self.rpcs_from_acs.update(other.rpcs_from_acs)
        self.connection_requests.update(other.connection_requests)

    def to_json(self) -> dict[str, Any]:
        """The report's "metrics" part: summaries to read, raw histograms to merge."""
        return {
            "sessions_ok": self.sessions_ok,
            "sessions_failed": self.sessions_failed,
            "failures": dict(sorted(self.failures.items())),
            "events": dict(sorted(self.events.items())),
            "rpcs_from_acs": dict(sorted(self.rpcs_from_acs.items())),
            "connection_requests": dict(sorted(self.connection_requests.items())),
            "session_latency": self.session.summary(),
            "rpc_latency": {n: h.summary() for n, h in sorted(self.rpcs.items())},
            "raw": {
                "session": self.session.to_json(),
                "rpcs": {n: h.to_json() for n, h in sorted(self.rpcs.items())},
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Metrics:
        """Read the report's "metrics" part back."""
        raw = data["raw"]
        return cls(
            rpcs={n: Histogram.from_json(h) for n, h in raw["rpcs"].items()},
            session=Histogram.from_json(raw["session"]),
            sessions_ok=int(data["sessions_ok"]),
            sessions_failed=int(data["sessions_failed"]),
            failures=Counter(data["failures"]),
            events=Counter(data["events"]),
            rpcs_from_acs=Counter(data.get("rpcs_from_acs", {})),
            connection_requests=Counter(data.get("connection_requests", {})),
        )


def cause(failure: str) -> str:
    """A failure message cut to its kind, so that counts group (no per-device details)."""
    return failure.split(":", 1)[0].strip()[:80] or "unknown"
