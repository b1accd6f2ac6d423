"""Heartbeats (TR-069 Annex O) on the scheduler, timed with task.Clock: own session, no retry."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from cwmpd.cwmp.structs import EventStruct
from cwmpd.session.events import EventQueue
from cwmpd.session.heartbeat import HeartbeatPolicy, HeartbeatTimer
from cwmpd.session.scheduler import SessionScheduler

T0 = 1_700_000_000.0  # a whole multiple of 10 s: phases below are easy to read


class Half(random.Random):
    """An rng whose random() is always 0.5 (and 0.0 for the back-off draw: see ``low``)."""

    def __init__(self, value: float = 0.5) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        """The fixed value."""
        return self.value


class Sessions:
    """Regular and heartbeat sessions the test ends by hand; one at a time (S-5)."""

    def __init__(self, clock: Clock, events: EventQueue) -> None:
        self.clock = clock
        self.events = events
        self.log: list[tuple[str, float, tuple[str, ...], int]] = []
        self.open: list[Deferred[bool]] = []
        self._sent: list[EventStruct] = []

    def _open(self, kind: str, codes: tuple[str, ...], retry: int) -> Deferred[bool]:
        assert not self.open, "two sessions at once"
        self.log.append((kind, self.clock.seconds() - T0, codes, retry))
        d: Deferred[bool] = Deferred()
        self.open.append(d)
        return d

    def regular(self, retry_count: int) -> Deferred[bool]:
        """A regular session: its Inform carries every queued event."""
        self._sent = self.events.pending()
        return self._open("session", tuple(e.code for e in self._sent), retry_count)

    def heartbeat(self) -> Deferred[bool]:
        """A heartbeat session: "14 HEARTBEAT" alone."""
        return self._open("heartbeat", ("14 HEARTBEAT",), 0)

    def end(self, ok: bool) -> None:
        """Finish the open session (a successful regular one delivers its events)."""
        d = self.open.pop()
        kind = self.log[-1][0]
        if ok and kind == "session":
            self.events.inform_delivered(self._sent)
        d.callback(ok)

    def kinds(self) -> list[tuple[str, float]]:
        """(kind, start time since T0) of each session so far."""
        return [(kind, at) for kind, at, _, _ in self.log]


class Rig:
    """A started scheduler with heartbeats every 30 s from T0 + 10."""

    def __init__(self, tmp_path: Path, rng: random.Random | None = None) -> None:
        self.clock = Clock()
        self.clock.advance(T0)
        self.events = EventQueue(tmp_path / "events.json")
        self.sessions = Sessions(self.clock, self.events)
        self.sched = SessionScheduler(
            self.clock,
            rng or Half(0.0),
            self.sessions.regular,
            self.events,
            run_heartbeat=self.sessions.heartbeat,
        )
        self.sched.start()

    def beat(self, interval: int = 30, at: float | None = 10.0, enable: bool = True) -> None:
        """Configure HeartbeatPolicy (``at``: InitiationTime as seconds since T0, None unknown)."""
        when = None if at is None else datetime.fromtimestamp(T0 + at, UTC)
        self.sched.configure_heartbeat(HeartbeatPolicy(enable, interval, when))

    def advance(self, seconds: float) -> None:
        """Move the clock."""
        self.clock.advance(seconds)


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    """A started scheduler, no periodic inform, back-off at its minimum."""
    return Rig(tmp_path)


def test_heartbeats_on_the_initiation_time_grid(rig: Rig) -> None:
    """InitiationTime + N·ReportingInterval, each a session of its own with RetryCount 0."""
    rig.beat(30, at=10.0)
    assert rig.sched.next_heartbeat_at == T0 + 10
    for _ in range(3):
        rig.advance(10 if not rig.sessions.log else 30)
        rig.sessions.end(True)
    assert rig.sessions.kinds() == [("heartbeat", 10), ("heartbeat", 40), ("heartbeat", 70)]
    assert all(codes == ("14 HEARTBEAT",) and retry == 0 for _, _, codes, retry in rig.sessions.log)


def test_initiation_time_in_the_future_still_gives_the_grid_now(rig: Rig) -> None:
    """A reference far ahead sets only the phase: the next heartbeat is within one interval."""
    rig.beat(60, at=10 * 86400 + 15.0)
    assert rig.sched.next_heartbeat_at == T0 + 15


def test_unknown_initiation_time_picks_a_random_phase(tmp_path: Path) -> None:
    """The Unknown Time makes the CPE choose a random reference (TR-181, Annex O)."""
    rig = Rig(tmp_path, rng=Half(0.5))
    rig.beat(60, at=None)
    assert rig.sched.next_heartbeat_at == T0 + 30
    rig.beat(60, at=None)  # unchanged values keep the phase
    assert rig.sched.next_heartbeat_at == T0 + 30


def test_disabled_or_too_short(rig: Rig) -> None:
    """Enable false arms nothing; an interval under 20 s is refused."""
    rig.beat(30, enable=False)
    rig.advance(1000)
    assert rig.sessions.log == [] and rig.sched.next_heartbeat_at is None
    with pytest.raises(ValueError, match="ReportingInterval"):
        rig.beat(19)


def test_a_heartbeat_never_carries_queued_events(rig: Rig) -> None:
    """Events queued when the heartbeat is due wait for a session of their own, after it."""
    rig.beat(30, at=10.0)
    rig.advance(9)
    rig.sched.request("6 CONNECTION REQUEST")  # starts at once, ends at 12
    rig.advance(0)
    rig.advance(1)  # the heartbeat falls due during that session: it waits
    assert rig.sessions.kinds() == [("session", 9)]
    rig.advance(2)
    rig.sched.request("4 VALUE CHANGE")  # during the session: one more session after it
    rig.sessions.end(True)
    rig.advance(0)
    assert rig.sessions.kinds() == [("session", 9), ("heartbeat", 12)]
    assert rig.sessions.log[1][2] == ("14 HEARTBEAT",)
    rig.sessions.end(True)
    rig.advance(0)
    assert rig.sessions.kinds() == [("session", 9), ("heartbeat", 12), ("session", 12)]
    assert rig.sessions.log[2][2] == ("4 VALUE CHANGE",)


def test_events_raised_during_a_heartbeat_get_their_own_session(rig: Rig) -> None:
    """A request while the heartbeat runs is not folded into it: one session right after."""
    rig.beat(30, at=10.0)
    rig.advance(10)
    rig.sched.request("6 CONNECTION REQUEST")
    rig.advance(5)
    assert rig.sessions.kinds() == [("heartbeat", 10)]
    rig.sessions.end(True)
    rig.advance(0)
    assert rig.sessions.log[-1][:3] == ("session", 15, ("6 CONNECTION REQUEST",))


def test_a_failed_heartbeat_is_not_retried(rig: Rig) -> None:
    """No back-off retry, no RetryCount: the next heartbeat comes on the grid."""
    rig.beat(30, at=10.0)
    rig.advance(10)
    rig.sessions.end(False)
    rig.advance(29)
    assert rig.sessions.kinds() == [("heartbeat", 10)]
    assert rig.sched.retry_count == 0
    rig.advance(1)
    assert rig.sessions.kinds() == [("heartbeat", 10), ("heartbeat", 40)]


def test_a_heartbeat_leaves_the_retry_of_a_failed_session_alone(rig: Rig) -> None:
    """A regular session in back-off keeps its retry time and RetryCount across a heartbeat."""
    rig.beat(30, at=10.0)
    rig.sched.request("6 CONNECTION REQUEST")
    rig.advance(0)
    rig.sessions.end(False)  # retry 1 after 5 s (rng 0): at 5
    rig.advance(5)
    rig.sessions.end(False)  # retry 2 after 10 s: at 15
    assert rig.sched.retry_count == 2
    rig.advance(5)  # 10: the heartbeat, still open at 15 when the retry falls due
    rig.advance(6)
    assert rig.sessions.kinds() == [("session", 0), ("session", 5), ("heartbeat", 10)]
    rig.sessions.end(True)
    rig.advance(0)
    assert rig.sessions.log[-1] == ("session", 16, ("6 CONNECTION REQUEST",), 2)


def test_heartbeats_stop_with_the_scheduler(rig: Rig) -> None:
    """stop() cancels the armed heartbeat; nothing runs afterwards."""
    rig.beat(30, at=10.0)
    rig.sched.stop()
    rig.advance(100)
    assert rig.sessions.log == [] and rig.clock.getDelayedCalls() == []


def test_timer_rearms_when_its_callback_raises() -> None:
    """A bug in what a heartbeat triggers cannot silence the next ones."""
    clock = Clock()
    fired: list[float] = []

    def due() -> None:
        fired.append(clock.seconds())
        raise RuntimeError("bug")

    timer = HeartbeatTimer(clock, Half(0.0), due)
    timer.start()
    timer.configure(HeartbeatPolicy(True, 20, datetime.fromtimestamp(0, UTC)))
    for _ in range(2):
        with pytest.raises(RuntimeError):
            clock.advance(20)
    assert fired == [20, 40] and timer.next_at == 60
