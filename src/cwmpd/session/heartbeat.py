"""The Heartbeat timer (TR-069 Annex O, ManagementServer.HeartbeatPolicy): when it is due.

Only the clock arithmetic lives here; the scheduler decides how a due heartbeat becomes a
session of its own (never combined with other events, never retried with back-off).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from cwmpd.session.periodic import anchor_seconds, is_unknown_time, next_periodic

#: HeartbeatPolicy.ReportingInterval's floor: TR-181 (Device:2.12) says minInclusive 30; the
#: timer itself accepts down to Annex O's 20 s so a TR-098 or vendor model can go lower.
MIN_INTERVAL = 20


@dataclass(frozen=True, slots=True)
class HeartbeatPolicy:
    """ManagementServer.HeartbeatPolicy.{Enable, ReportingInterval, InitiationTime}."""

    enable: bool = False
    interval: int = 30
    initiation_time: datetime | None = None  # None or Unknown Time: a random phase


class HeartbeatTimer:
    """Calls ``due()`` at InitiationTime + N·ReportingInterval while the policy is enabled.

    Each heartbeat is armed independently of how the last one went: a heartbeat that failed
    is followed by the next one on the grid, never by a back-off retry (Annex O).
    """

    def __init__(self, clock: IReactorTime, rng: random.Random, due: Callable[[], None]) -> None:
        self._clock = clock
        self._rng = rng
        self._due = due
        self._policy = HeartbeatPolicy()
        self._anchor = 0.0
        self._call: IDelayedCall | None = None
        self._running = False

    @property
    def next_at(self) -> float | None:
        """Clock time of the next heartbeat, None when none is armed."""
        return self._call.getTime() if self._call is not None and self._call.active() else None

    def configure(self, policy: HeartbeatPolicy) -> None:
        """Apply HeartbeatPolicy values; re-armed only when they change (the random phase
        chosen for an Unknown InitiationTime is kept otherwise). ValueError when enabled
        with a ReportingInterval under MIN_INTERVAL."""
        if policy.enable and policy.interval < MIN_INTERVAL:
            raise ValueError(f"ReportingInterval must be >= {MIN_INTERVAL}, got {policy.interval}")
        if policy == self._policy:
            return
        self._policy = policy
        now = self._clock.seconds()
        if is_unknown_time(policy.initiation_time):
            # Annex O / TR-181: with no reference the CPE MUST choose a random one.
            self._anchor = now + self._rng.random() * max(policy.interval, 1)
        else:
            self._anchor = anchor_seconds(policy.initiation_time, now)
        self._arm()

    def start(self) -> None:
        """Arm the next heartbeat (when enabled)."""
        self._running = True
        self._arm()

    def stop(self) -> None:
        """Cancel the armed heartbeat."""
        self._running = False
        self._cancel()

    def _cancel(self) -> None:
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None

    def _arm(self) -> None:
        self._cancel()
        if not (self._running and self._policy.enable):
            return
        now = self._clock.seconds()
        at = next_periodic(now, self._policy.interval, self._anchor)
        self._call = self._clock.callLater(at - now, self._fire)

    def _fire(self) -> None:
        self._call = None
        self._arm()  # the next one first: a bug in due() cannot stop the heartbeats
        self._due()
