"""Periodic Inform phase arithmetic (E-13): a few lines of TR-069 rules, nothing to import."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class PeriodicConfig:
    """The ManagementServer.PeriodicInform* values that fix when "2 PERIODIC" is due."""

    enable: bool
    interval: int
    periodic_time: datetime | None  # None or Unknown Time: the CPE picks the phase


def is_unknown_time(when: datetime | None) -> bool:
    """True for None, the Unknown Time 0001-01-01T00:00:00Z and TR-106 relative times.

    A year below 1000 is a time since boot (T-6), not an absolute phase (E-13).
    """
    return when is None or when.year < 1000


def anchor_seconds(when: datetime | None, now: float) -> float:
    """The phase reference in epoch seconds: PeriodicInformTime, or ``now`` when unknown.

    A naive datetime is taken as UTC.
    """
    if when is None or is_unknown_time(when):
        return now
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def next_periodic(now: float, interval: float, anchor: float) -> float:
    """The first anchor + N·interval strictly after ``now`` (N may be negative: E-13)."""
    if interval <= 0:
        raise ValueError(f"PeriodicInformInterval must be >= 1, got {interval}")
    n = math.floor((now - anchor) / interval) + 1
    due = anchor + n * interval
    while due <= now:  # float rounding near a boundary
        due += interval
    return due
