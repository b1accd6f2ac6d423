"""SessionScheduler: one session at a time, coalescing, back-off retries, periodic, throttle."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from cwmpd.cwmp.structs import EventStruct as E
from cwmpd.session.backoff import retry_window
from cwmpd.session.events import EventQueue
from cwmpd.session.scheduler import SessionScheduler

T0 = 1_700_000_000.0
UNKNOWN_TIME = datetime(1, 1, 1, tzinfo=UTC)


class FixedRandom(random.Random):
    """An rng whose random() always returns one value."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        """The fixed value."""
        return self.value


class FakeSessions:
    """A run_session that records each call and hands back a Deferred the test fires."""

    def __init__(self, clock: Clock, events: EventQueue) -> None:
        self.clock = clock
        self.events = events
        self.starts: list[float] = []
        self.retries: list[int] = []
        self.seen: list[list[E]] = []
        self.open: list[Deferred[bool]] = []

    def __call__(self, retry_count: int) -> Deferred[bool]:
        """Start a session: record time, RetryCount and the events it would send."""
        assert not self.open, "two sessions at once (S-5)"
        self.starts.append(self.clock.seconds())
        self.retries.append(retry_count)
        self.seen.append(self.events.pending())
        d: Deferred[bool] = Deferred()
        self.open.append(d)
        return d

    def end(self, ok: bool) -> None:
        """Finish the running session; on success the Inform's events count as delivered."""
        d = self.open.pop()
        if ok:
            self.events.inform_delivered(self.seen[-1])
        d.callback(ok)


class Rig:
    """A scheduler on a Clock with fake sessions."""

    def __init__(self, tmp_path: Path, rng: random.Random | None = None) -> None:
        self.clock = Clock()
        self.clock.advance(T0)
        self.events = EventQueue(tmp_path / "events.json")
        self.sessions = FakeSessions(self.clock, self.events)
        self.sched = SessionScheduler(
            self.clock, rng or FixedRandom(0.0), self.sessions, self.events
        )

    def now(self) -> float:
        """Seconds since T0."""
        return self.clock.seconds() - T0

    def advance(self, seconds: float = 0) -> None:
        """Move the clock."""
        self.clock.advance(seconds)

    def starts(self) -> list[float]:
        """Session start times relative to T0."""
        return [s - T0 for s in self.sessions.starts]


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    """A started scheduler, no periodic inform, rng stuck at 0.0 (minimum waits)."""
    r = Rig(tmp_path)
    r.sched.start()
    return r


def test_start_runs_session_when_events_pending(tmp_path: Path) -> None:
    """S-2: events queued before start (BOOTSTRAP, BOOT) trigger a session at once."""
    r = Rig(tmp_path)
    r.events.add("0 BOOTSTRAP")
    r.events.add("1 BOOT")
    r.sched.start()
    r.advance(0)
    assert r.starts() == [0]
    assert r.sessions.seen[0] == [E("0 BOOTSTRAP"), E("1 BOOT")]
    assert r.sessions.retries == [0]


def test_start_idle_without_events(rig: Rig) -> None:
    """Nothing queued and no periodic inform: no session, no timer."""
    rig.advance(10_000)
    assert rig.starts() == []
    assert rig.clock.getDelayedCalls() == []
    assert rig.sched.next_session_at is None


def test_requests_before_start_coalesce(rig: Rig) -> None:
    """Several requests before the session starts share one session carrying all events."""
    rig.sched.request("6 CONNECTION REQUEST")
    rig.sched.request("4 VALUE CHANGE")
    rig.sched.request()
    assert rig.sched.next_session_at == T0
    rig.advance(0)
    assert rig.starts() == [0]
    assert [e.code for e in rig.sessions.seen[0]] == ["4 VALUE CHANGE", "6 CONNECTION REQUEST"]
    rig.sessions.end(True)
    rig.advance(1000)
    assert rig.starts() == [0]


def test_requests_during_session_yield_exactly_one_more(rig: Rig) -> None:
    """S-5: three requests during a session give one more session right after it, then none."""
    rig.sched.request("6 CONNECTION REQUEST")
    rig.advance(0)
    assert rig.sched.running
    rig.advance(3)
    for code in ["4 VALUE CHANGE", "6 CONNECTION REQUEST", None]:
        rig.sched.request(code)
    rig.advance(5)
    assert rig.starts() == [0]
    rig.sessions.end(True)
    rig.advance(0)
    assert rig.starts() == [0, 8]
    assert [e.code for e in rig.sessions.seen[1]] == ["4 VALUE CHANGE", "6 CONNECTION REQUEST"]
    rig.sessions.end(True)
    rig.advance(10_000)
    assert rig.starts() == [0, 8]


@pytest.mark.parametrize(("m", "mult"), [(5, 2000), (10, 2500)])
@pytest.mark.parametrize("draw", [0.0, 0.9999999999999999, None])
def test_retry_waits_inside_window(tmp_path: Path, m: int, mult: int, draw: float | None) -> None:
    """R-1..R-3: retries 1..12 wait inside their window, with rngs at 0, ~1 and seeded."""
    rng = random.Random(42) if draw is None else FixedRandom(draw)
    r = Rig(tmp_path, rng)
    r.sched.configure(False, 0, None, m, mult, 0)
    r.sched.start()
    r.sched.request("1 BOOT")
    r.advance(0)
    for retry in range(1, 13):
        ended = r.now()
        r.sessions.end(False)
        assert r.sched.retry_count == retry
        lo, hi = retry_window(retry, m, mult)
        due = r.sched.next_session_at
        assert due is not None
        wait = due - T0 - ended
        assert lo - 1e-6 <= wait <= hi + 1e-6
        if draw == 0.0:
            assert wait == pytest.approx(lo)
        elif draw is not None:
            assert wait == pytest.approx(hi)
        r.advance(wait - 0.001)
        assert len(r.starts()) == retry  # not yet
        r.advance(0.001)
        assert len(r.starts()) == retry + 1
    assert r.sessions.retries == list(range(13))


def test_retry_table_minimum_waits(rig: Rig) -> None:
    """With the rng at 0, m=5, k=2, attempts start at 0, 5, 15, 35, 75 s (waits 5, 10, 20, 40)."""
    rig.sched.request("1 BOOT")
    rig.advance(0)
    for _ in range(4):
        rig.sessions.end(False)
        due = rig.sched.next_session_at
        assert due is not None
        rig.advance(due - rig.clock.seconds())
    assert rig.starts() == [0, 5, 15, 35, 75]
    assert rig.sessions.retries == [0, 1, 2, 3, 4]


def test_success_resets_retry_count(rig: Rig) -> None:
    """R-4: after a success the next session has RetryCount 0 and a failure waits retry #1."""
    rig.sched.request("1 BOOT")
    rig.advance(0)
    rig.sessions.end(False)
    rig.advance(5)
    rig.sessions.end(False)
    rig.advance(10)
    rig.sessions.end(True)
    assert rig.sched.retry_count == 0
    assert rig.sched.last_success == rig.clock.seconds()
    rig.sched.request("6 CONNECTION REQUEST")
    rig.advance(0)
    rig.sessions.end(False)
    assert rig.sched.next_session_at == rig.clock.seconds() + 5
    assert rig.sessions.retries == [0, 1, 2, 0]


def test_new_event_cuts_backoff_short(rig: Rig) -> None:
    """R-1: a new event during back-off starts the retry at once; the count keeps growing."""
    rig.sched.request("1 BOOT")
    rig.advance(0)
    rig.sessions.end(False)
    rig.advance(5)
    rig.sessions.end(False)  # retry #2 would wait 10 s
    rig.advance(3)
    rig.sched.request("6 CONNECTION REQUEST")
    rig.advance(0)
    assert rig.starts() == [0, 5, 8]
    assert rig.sessions.retries == [0, 1, 2]
    assert [e.code for e in rig.sessions.seen[2]] == ["1 BOOT", "6 CONNECTION REQUEST"]
    rig.sessions.end(True)
    rig.advance(100)
    assert rig.starts() == [0, 5, 8]  # the cancelled back-off timer does not fire


def test_request_during_failed_session_retries_immediately(rig: Rig) -> None:
    """R-1: an event that arrived during a failed session makes the retry start right away."""
    rig.sched.request("1 BOOT")
    rig.advance(0)
    rig.advance(2)
    rig.sched.request("4 VALUE CHANGE")
    rig.sessions.end(False)
    rig.advance(0)
    assert rig.starts() == [0, 2]
    assert rig.sessions.retries == [0, 1]


def test_crashing_session_counts_as_failure(tmp_path: Path) -> None:
    """A run_session that errbacks or raises is a failed session, retried with back-off."""
    r = Rig(tmp_path)
    calls: list[int] = []

    def broken(retry: int) -> Deferred[bool]:
        calls.append(retry)
        if retry == 0:
            return fail(RuntimeError("boom"))
        raise RuntimeError("sync boom")

    r.sched = SessionScheduler(r.clock, FixedRandom(0.0), broken, r.events)
    r.sched.start()
    r.sched.request("1 BOOT")
    r.advance(0)
    r.advance(5)
    r.advance(10)
    assert calls == [0, 1, 2]
    assert r.sched.retry_count == 3
    r.sched.stop()


def periodic_rig(tmp_path: Path, when: datetime | None, interval: int = 300) -> Rig:
    """A rig with periodic informs configured at T0."""
    r = Rig(tmp_path)
    r.sched.configure(True, interval, when, 5, 2000, 0)
    r.sched.start()
    return r


@pytest.mark.parametrize(
    ("offset", "first"),
    [(-1000, 200), (1000, 100), (0, 300), (-300 * 10_000 - 7, 293), (12, 12)],
)
def test_periodic_phase_from_periodic_time(tmp_path: Path, offset: int, first: float) -> None:
    """E-13: informs at PeriodicInformTime + N·Interval, for a time in the past or future."""
    when = datetime.fromtimestamp(T0 + offset, tz=UTC)
    r = periodic_rig(tmp_path, when)
    assert r.sched.next_session_at == T0 + first
    r.advance(first - 0.5)
    assert r.starts() == []
    r.advance(0.5)
    assert r.starts() == [first]
    assert r.sessions.seen[0] == [E("2 PERIODIC")]
    r.sessions.end(True)
    r.advance(300)
    assert r.starts() == [first, first + 300]


@pytest.mark.parametrize("when", [None, UNKNOWN_TIME, datetime(1, 1, 3, 4, tzinfo=UTC)])
def test_periodic_unknown_time_phase_from_now(tmp_path: Path, when: datetime | None) -> None:
    """E-13: no time, Unknown Time or a relative time: the phase is picked from now."""
    r = periodic_rig(tmp_path, when, interval=60)
    for _ in range(3):
        r.advance(60)
        r.sessions.end(True)
    assert r.starts() == [60, 120, 180]


def test_periodic_phase_kept_when_other_parameters_change(tmp_path: Path) -> None:
    """Reconfiguring only retry/throttle values does not move the chosen periodic phase."""
    r = periodic_rig(tmp_path, None, interval=100)
    r.advance(40)
    r.sched.configure(True, 100, None, 10, 3000, 30)
    assert r.sched.next_session_at == T0 + 100
    r.sched.configure(True, 50, None, 10, 3000, 30)  # a new interval: a new phase from now
    assert r.sched.next_session_at == T0 + 90


def test_periodic_disable_cancels_timer(tmp_path: Path) -> None:
    """PeriodicInformEnable=false leaves no periodic timer behind."""
    r = periodic_rig(tmp_path, None)
    r.sched.configure(False, 300, None)
    assert r.clock.getDelayedCalls() == []
    r.advance(10_000)
    assert r.starts() == []


def test_periodic_during_session_goes_to_next_session(tmp_path: Path) -> None:
    """A 2 PERIODIC due while a session runs is queued and delivered in the next one."""
    r = periodic_rig(tmp_path, None, interval=100)
    r.advance(90)
    r.sched.request("6 CONNECTION REQUEST")
    r.advance(0)
    r.advance(20)  # periodic time passes during the session
    assert r.events.pending() == [E("2 PERIODIC"), E("6 CONNECTION REQUEST")]
    r.sessions.end(True)
    r.advance(0)
    assert r.starts() == [90, 110]
    assert r.sessions.seen[1] == [E("2 PERIODIC")]


def test_schedule_inform(rig: Rig) -> None:
    """E-16: each ScheduleInform gives 3 SCHEDULED plus its own M ScheduleInform after delay."""
    rig.sched.schedule_inform(30, "a")
    rig.sched.schedule_inform(30, "b")
    rig.sched.schedule_inform(100, "c")
    assert rig.sched.next_session_at == T0 + 30
    rig.advance(29)
    assert rig.starts() == []
    rig.advance(1)
    assert rig.starts() == [30]
    assert rig.sessions.seen[0] == [
        E("3 SCHEDULED"),
        E("M ScheduleInform", "a"),
        E("M ScheduleInform", "b"),
    ]
    rig.sessions.end(True)
    rig.advance(70)
    assert rig.sessions.seen[1] == [E("3 SCHEDULED"), E("M ScheduleInform", "c")]
    rig.sessions.end(True)
    assert rig.clock.getDelayedCalls() == []


def test_schedule_inform_rejects_bad_arguments(rig: Rig) -> None:
    """A negative delay or an over-long CommandKey is a ValueError and schedules nothing."""
    with pytest.raises(ValueError):
        rig.sched.schedule_inform(-1, "a")
    with pytest.raises(ValueError):
        rig.sched.schedule_inform(1, "k" * 33)
    assert rig.clock.getDelayedCalls() == []


def test_notification_session_throttled(tmp_path: Path) -> None:
    """E-15: an active-notification-only session waits throttle s after the last success."""
    r = Rig(tmp_path)
    r.sched.configure(False, 0, None, 5, 2000, 60)
    r.sched.start()
    r.sched.request("6 CONNECTION REQUEST")
    r.advance(0)
    r.advance(10)
    r.sessions.end(True)  # last success ends at 10
    r.advance(5)
    r.sched.request("4 VALUE CHANGE", active_notification=True)
    assert r.sched.next_session_at == T0 + 70
    r.advance(54)
    assert r.starts() == [0]
    r.advance(1)
    assert r.starts() == [0, 70]


def test_other_request_overrides_throttle(tmp_path: Path) -> None:
    """E-15: a session for another reason is not delayed and carries the notification."""
    r = Rig(tmp_path)
    r.sched.configure(False, 0, None, 5, 2000, 60)
    r.sched.start()
    r.sched.request("1 BOOT")
    r.advance(0)
    r.sessions.end(True)
    r.sched.request("4 VALUE CHANGE", active_notification=True)
    r.advance(20)
    r.sched.request("6 CONNECTION REQUEST")
    r.advance(0)
    assert r.starts() == [0, 20]
    assert [e.code for e in r.sessions.seen[1]] == ["4 VALUE CHANGE", "6 CONNECTION REQUEST"]


def test_notification_first_session_not_throttled(tmp_path: Path) -> None:
    """With no successful session yet there is nothing to throttle against."""
    r = Rig(tmp_path)
    r.sched.configure(False, 0, None, 5, 2000, 60)
    r.sched.start()
    r.sched.request("4 VALUE CHANGE", active_notification=True)
    r.advance(0)
    assert r.starts() == [0]


def test_notification_during_session_waits_throttle(tmp_path: Path) -> None:
    """A notification raised during a successful session gets its session throttle s later."""
    r = Rig(tmp_path)
    r.sched.configure(False, 0, None, 5, 2000, 60)
    r.sched.start()
    r.sched.request("1 BOOT")
    r.advance(0)
    r.sched.request("4 VALUE CHANGE", active_notification=True)
    r.advance(4)
    r.sessions.end(True)
    r.advance(59)
    assert r.starts() == [0]
    r.advance(1)
    assert r.starts() == [0, 64]


def test_retries_not_throttled(tmp_path: Path) -> None:
    """R-7: a failed notification session is retried on back-off, not on the throttle."""
    r = Rig(tmp_path)
    r.sched.configure(False, 0, None, 5, 2000, 600)
    r.sched.start()
    r.sched.request("1 BOOT")
    r.advance(0)
    r.sessions.end(True)
    r.sched.request("4 VALUE CHANGE", active_notification=True)
    r.advance(600)
    r.sessions.end(False)
    r.advance(5)
    assert r.starts() == [0, 600, 605]
    assert r.sessions.retries == [0, 0, 1]


def test_stop_leaves_no_delayed_calls(tmp_path: Path) -> None:
    """stop() cancels periodic, scheduled, start and retry timers; a late end schedules nothing."""
    r = periodic_rig(tmp_path, None)
    r.sched.schedule_inform(50, "x")
    r.sched.request("1 BOOT")
    r.advance(0)
    r.sessions.end(False)  # a retry timer is armed
    assert len(r.clock.getDelayedCalls()) == 3
    r.sched.stop()
    assert r.clock.getDelayedCalls() == []
    r.sched.request("6 CONNECTION REQUEST")  # queued, no session while stopped
    assert r.clock.getDelayedCalls() == []
    assert r.sched.next_session_at is None


def test_stop_during_session(tmp_path: Path) -> None:
    """A session that ends after stop() leaves no timer behind, even when it failed."""
    r = periodic_rig(tmp_path, None)
    r.sched.request("1 BOOT")
    r.advance(0)
    r.sched.request("4 VALUE CHANGE")
    r.sched.stop()
    r.sessions.end(False)
    assert r.clock.getDelayedCalls() == []
    assert r.sched.last_session == r.clock.seconds()


def test_configure_rejects_out_of_range(rig: Rig) -> None:
    """Bad retry parameters, interval or throttle raise ValueError."""
    with pytest.raises(ValueError):
        rig.sched.configure(True, 0, None)
    with pytest.raises(ValueError):
        rig.sched.configure(False, 0, None, 0, 2000, 0)
    with pytest.raises(ValueError):
        rig.sched.configure(False, 0, None, 5, 999, 0)
    with pytest.raises(ValueError):
        rig.sched.configure(False, 0, None, 5, 2000, -1)


def test_a_bookkeeping_error_after_a_session_still_leads_to_a_retry() -> None:
    """If recording a session's end raises, the scheduler logs it and tries again later."""
    from twisted.internet.defer import succeed

    clock = Clock()
    runs: list[int] = []

    def run(retry: int) -> Deferred[bool]:
        runs.append(retry)
        return succeed(True)

    events = EventQueue(Path(tempfile.mkdtemp()) / "events.json")
    events.add("1 BOOT")
    scheduler = SessionScheduler(clock, random.Random(1), run, events)
    broken = [True]
    original = scheduler._finished

    def finished(ok: bool) -> None:
        if broken:
            broken.clear()
            raise RuntimeError("boom")
        original(ok)

    scheduler._finished = finished  # type: ignore[method-assign]
    scheduler.start()
    clock.advance(0)
    assert runs == [0] and not scheduler.running
    clock.advance(5)
    assert runs == [0, 0]
    scheduler.stop()


def test_schedule_inform_survives_a_restart() -> None:
    """An accepted ScheduleInform is persisted: a new scheduler on the same queue fires it
    at the original time (E-16, E-17), and only once."""
    path = Path(tempfile.mkdtemp()) / "events.json"
    clock = Clock()
    runs: list[list[str]] = []

    def run_on(queue: EventQueue) -> Callable[[int], Deferred[bool]]:
        def run(retry: int) -> Deferred[bool]:
            runs.append([e.code for e in queue.pending()])
            queue.inform_delivered(queue.pending())
            return succeed(True)

        return run

    first_queue = EventQueue(path)
    first = SessionScheduler(clock, random.Random(1), run_on(first_queue), first_queue)
    first.start()
    first.schedule_inform(100, "si-1")
    clock.advance(40)
    first.stop()  # the daemon dies 40 s in
    assert runs == []

    queue = EventQueue(path)
    assert queue.scheduled() == [(100.0, "si-1")]
    second = SessionScheduler(clock, random.Random(1), run_on(queue), queue)
    second.start()
    clock.advance(59)
    assert runs == []
    clock.advance(1)
    assert runs == [["3 SCHEDULED", "M ScheduleInform"]]
    assert EventQueue(path).scheduled() == []
    clock.advance(1000)
    assert len(runs) == 1
    second.stop()
