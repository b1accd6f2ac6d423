"""When to open a CWMP session (S-2, S-5, R-1..R-4, E-13, E-15, E-16, Annex O heartbeats).

Built on the injected clock's callLater; TR-069's coalescing, back-off and throttle
rules are not something Twisted (task.LoopingCall, backoff policies) expresses.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import datetime

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.cwmp import eventcodes as ec
from cwmpd.session.backoff import retry_delay, retry_window
from cwmpd.session.events import EventQueue
from cwmpd.session.heartbeat import HeartbeatPolicy, HeartbeatTimer
from cwmpd.session.periodic import PeriodicConfig, anchor_seconds, next_periodic
from cwmpd.state import WriteRetry

_log = Logger(namespace="cwmpd.session")  # at module level: a class attribute renames it

#: No event codes (one empty set for every scheduler: a fleet holds thousands).
_NO_CODES: frozenset[str] = frozenset()


class SessionScheduler:
    """Decides when the next session starts; ``run_session(retry_count)`` runs one.

    ``run_session`` fires True when the session succeeded and False (or fails) when
    it did not (S-27); the engine takes its events from ``events`` itself.
    ``run_heartbeat`` runs a session whose Inform carries "14 HEARTBEAT" alone (Annex O):
    it never shares a session with queued events, waits for a running session to end,
    and is not retried (the next one comes on the HeartbeatPolicy grid).
    """

    def __init__(
        self,
        clock: IReactorTime,
        rng: random.Random,
        run_session: Callable[[int], Deferred[bool]],
        events: EventQueue,
        *,
        run_heartbeat: Callable[[], Deferred[bool]] | None = None,
    ) -> None:
        """Idle until start(); defaults: no periodic inform, m=5, multiplier 2000, throttle 0,
        no heartbeat."""
        self._clock = clock
        self._rng = rng
        self._run_session = run_session
        self._run_heartbeat = run_heartbeat
        self._heartbeats = HeartbeatTimer(clock, rng, self.heartbeat)
        self._heartbeat_waiting = False  # due while a session ran: goes right after it
        self._heartbeat_call: IDelayedCall | None = None
        self._events = events
        self._active = False
        self._running = False
        self._retry_count = 0
        self._again_urgent = False  # asked for during the running session
        self._again_notify = False
        self._in_inform: frozenset[str] = _NO_CODES  # the running session's, until it is sent
        self._last_session: float | None = None
        self._last_success: float | None = None
        self._start_call: IDelayedCall | None = None
        self._periodic_call: IDelayedCall | None = None
        self._scheduled: dict[IDelayedCall, tuple[float, str]] = {}  # armed ScheduleInforms
        self._write_retries: list[WriteRetry] = []  # events whose state write failed
        self._periodic = PeriodicConfig(False, 0, None)
        self._anchor = 0.0
        self._min_wait = 5
        self._multiplier = 2000
        self._throttle = 0

    # -- status ----------------------------------------------------------------

    @property
    def retry_count(self) -> int:
        """The Inform RetryCount of the next session: failed attempts since the last success."""
        return self._retry_count

    @property
    def running(self) -> bool:
        """True while a session is in progress."""
        return self._running

    @property
    def last_session(self) -> float | None:
        """Clock time the last session ended (either way), None before the first."""
        return self._last_session

    @property
    def last_success(self) -> float | None:
        """Clock time the last successful session ended, None before the first."""
        return self._last_success

    @property
    def next_session_at(self) -> float | None:
        """Clock time of the earliest planned session (start, retry, periodic, scheduled)."""
        calls = [self._start_call, self._periodic_call, self._heartbeat_call, *self._scheduled]
        times = [c.getTime() for c in calls if c is not None and c.active()]
        beat = self._heartbeats.next_at
        return min([*times, *([beat] if beat is not None else [])], default=None)

    @property
    def next_heartbeat_at(self) -> float | None:
        """Clock time the next "14 HEARTBEAT" is due, None when heartbeats are off."""
        return self._heartbeats.next_at

    # -- control ---------------------------------------------------------------

    def start(self) -> None:
        """Arm periodic informs and start a session at once if events are queued (S-2)."""
        self._active = True
        self._arm_periodic()
        self._heartbeats.start()
        for due, command_key in self._events.scheduled():  # accepted before a restart
            self._arm_scheduled(due, command_key)
        if self._events.has_pending:
            self._want(self._clock.seconds())

    def stop(self) -> None:
        """Cancel every delayed call; a running session ends without scheduling anything."""
        self._active = False
        self._heartbeats.stop()
        self._heartbeat_waiting = False
        for call in [self._start_call, self._periodic_call, self._heartbeat_call, *self._scheduled]:
            if call is not None and call.active():
                call.cancel()
        self._start_call = self._periodic_call = self._heartbeat_call = None
        self._scheduled = {}
        for retry in self._write_retries:
            retry.cancel()
        self._write_retries = []

    def configure(
        self,
        periodic_enable: bool,
        interval: int,
        periodic_time: datetime | None,
        retry_min_wait: int = 5,
        retry_multiplier: int = 2000,
        throttle: int = 0,
    ) -> None:
        """Apply ManagementServer values; call again whenever one changes.

        PeriodicInform{Enable,Interval,Time} (E-13) re-arm "2 PERIODIC" only when they
        change, so the phase chosen for an Unknown Time is kept across other changes.
        CWMPRetry{MinimumWaitInterval,IntervalMultiplier} (R-2) apply to the next retry;
        DefaultActiveNotificationThrottle (E-15) to the next notification session.
        ValueError on out-of-range values.
        """
        retry_window(1, retry_min_wait, retry_multiplier)  # validates both
        if periodic_enable and interval < 1:
            raise ValueError(f"PeriodicInformInterval must be >= 1, got {interval}")
        if throttle < 0:
            raise ValueError(f"DefaultActiveNotificationThrottle must be >= 0, got {throttle}")
        self._min_wait, self._multiplier, self._throttle = (
            retry_min_wait,
            retry_multiplier,
            throttle,
        )
        periodic = PeriodicConfig(periodic_enable, interval, periodic_time)
        if periodic != self._periodic:
            self._periodic = periodic
            self._anchor = anchor_seconds(periodic_time, self._clock.seconds())
            self._arm_periodic()

    def configure_heartbeat(self, policy: HeartbeatPolicy) -> None:
        """Apply ManagementServer.HeartbeatPolicy (Annex O); ValueError on a too short
        ReportingInterval. Without ``run_heartbeat`` heartbeats stay off."""
        if self._run_heartbeat is None:
            policy = HeartbeatPolicy(False, policy.interval, policy.initiation_time)
        self._heartbeats.configure(policy)

    def heartbeat(self) -> None:
        """A heartbeat is due: its own session now, or right after the running one."""
        if not self._active or self._run_heartbeat is None:
            return
        if self._running:
            self._heartbeat_waiting = True  # one heartbeat owed, however many fell due
            return
        if self._heartbeat_call is None or not self._heartbeat_call.active():
            self._heartbeat_call = self._clock.callLater(0, self._begin_heartbeat)

    def request(
        self, code: str | None = None, command_key: str = "", *, active_notification: bool = False
    ) -> None:
        """Queue ``code`` (if any) and have a session start promptly (S-2).

        Requests before the session starts share it, and so does a request for an event the
        running session's Inform carries while that Inform is not yet sent (C-8); other
        requests during a session yield exactly one more session after it (S-5). A new
        event cuts a retry back-off short (R-1) without resetting the count. With
        ``active_notification`` the session waits until DefaultActiveNotificationThrottle
        seconds after the last successful session, unless something else wants one sooner
        (E-15).
        """
        if self._running and code in self._in_inform and not ec.policy(code).multiple:
            _log.debug("{code} joins the session whose Inform carries it", code=code)
            return  # C-8, S-5: the Inform not yet sent already reports it
        if code is not None:
            try:
                self._events.add(code, command_key)
            except OSError:  # not queued: queue it once the state can be written (logged)
                self._persist(
                    lambda: self._events.add(code, command_key),
                    lambda: self.request(active_notification=active_notification),
                    f"event {code}",
                )
                return
        if not self._active:
            return
        if self._running:
            if active_notification:
                self._again_notify = True
            else:
                self._again_urgent = True
            return
        self._want(self._due(active_notification))

    def inform_pending(self, codes: Iterable[str]) -> None:
        """The running session builds its Inform with ``codes``: until ``inform_sent()``,
        a request for one of them joins that session instead of asking for another."""
        if self._running:
            self._in_inform = frozenset(codes)

    def inform_sent(self) -> None:
        """The running session's Inform is on its way: later requests need another session."""
        self._in_inform = _NO_CODES

    def schedule_inform(self, delay: float, command_key: str = "") -> None:
        """ScheduleInform (E-16): after ``delay`` s, "3 SCHEDULED" + "M ScheduleInform" key."""
        if delay < 0:
            raise ValueError(f"DelaySeconds must be >= 0, got {delay}")
        if len(command_key) > ec.MAX_COMMAND_KEY_LEN:
            raise ValueError(f"CommandKey longer than {ec.MAX_COMMAND_KEY_LEN}")
        if not self._active:
            _log.warn("scheduler stopped: ScheduleInform {key!r} dropped", key=command_key)
            return
        due = self._clock.seconds() + delay
        self._events.schedule(due, command_key)
        self._arm_scheduled(due, command_key)

    # -- internals -------------------------------------------------------------

    def _arm_scheduled(self, due: float, command_key: str) -> None:
        """Fire a persisted ScheduleInform at clock time ``due`` (at once if already past)."""

        def fire() -> None:
            # Calls falling due within the same second share the Inform (DelaySeconds are
            # whole seconds): one write, one session, whatever the write's timing.
            batch = {c: dk for c, dk in self._scheduled.items() if dk[0] <= due + 1.0}
            for call in batch:
                del self._scheduled[call]
                if call.active():
                    call.cancel()
            self._persist(
                lambda: self._events.fire_scheduled(list(batch.values())),
                self.request,
                f"ScheduleInform {command_key!r}",
            )

        delay = max(0.0, due - self._clock.seconds())
        self._scheduled[self._clock.callLater(delay, fire)] = (due, command_key)

    def _persist(self, attempt: Callable[[], object], then: Callable[[], None], what: str) -> None:
        """Run the queue change ``attempt``, then ``then``; retried on the clock while the
        state write fails (the queue is unchanged until it succeeds: nothing is lost)."""
        holder: list[WriteRetry] = []

        def done() -> None:
            if holder[0] in self._write_retries:
                self._write_retries.remove(holder[0])
            then()

        holder.append(WriteRetry(self._clock, attempt, done, what=what))
        self._write_retries.append(holder[0])
        holder[0].start()

    def _due(self, notification_only: bool) -> float:
        now = self._clock.seconds()
        if notification_only and self._last_success is not None:
            return max(now, self._last_success + self._throttle)
        return now

    def _want(self, at: float) -> None:
        """Make the next session start no later than ``at``."""
        if self._start_call is not None and self._start_call.active():
            if self._start_call.getTime() <= at:
                return
            self._start_call.cancel()
        delay = max(0.0, at - self._clock.seconds())
        self._start_call = self._clock.callLater(delay, self._begin)

    def _begin(self) -> None:
        self._start_call = None
        if not self._active:
            return
        if self._running:  # a heartbeat session took the slot: this one goes right after
            self._again_urgent = True
            return
        self._running = True
        d: Deferred[bool] = maybeDeferred(self._run_session, self._retry_count)
        d.addCallbacks(self._finished, self._crashed)
        d.addErrback(self._bug)

    def _begin_heartbeat(self) -> None:
        self._heartbeat_call = None
        if not self._active or self._run_heartbeat is None:
            return
        if self._running:
            self._heartbeat_waiting = True
            return
        self._heartbeat_waiting = False
        self._running = True
        d: Deferred[bool] = maybeDeferred(self._run_heartbeat)
        d.addCallbacks(self._heartbeat_finished, self._heartbeat_crashed)
        d.addErrback(self._bug)

    def _heartbeat_crashed(self, failure: Failure) -> None:
        _log.failure("heartbeat session crashed", failure)
        self._heartbeat_finished(False)

    def _heartbeat_finished(self, ok: bool) -> None:
        """Annex O: no retry, no RetryCount change; what waited for it starts now."""
        now = self._clock.seconds()
        self._running = self._heartbeat_waiting = False  # one due meanwhile: this one was it
        self._in_inform = _NO_CODES
        self._last_session = now
        if not ok:
            _log.info("heartbeat session failed: not retried, the next one is on its schedule")
        urgent, notify = self._again_urgent, self._again_notify
        self._again_urgent = self._again_notify = False
        if not self._active:
            return
        if urgent:
            self._want(now)
        if notify:
            self._want(self._due(True))

    def _bug(self, failure: Failure) -> None:
        """A bug in the bookkeeping itself must not leave the agent silent: retry later."""
        _log.failure("scheduler error after a session; retrying in a while", failure)
        self._running = False
        if self._active:
            self._want(self._clock.seconds() + self._min_wait)

    def _crashed(self, failure: Failure) -> None:
        _log.failure("session crashed; counting it as failed", failure)
        self._finished(False)

    def _finished(self, ok: bool) -> None:
        now = self._clock.seconds()
        self._running = False
        self._in_inform = _NO_CODES
        self._last_session = now
        urgent, notify = self._again_urgent, self._again_notify
        self._again_urgent = self._again_notify = False
        if ok:
            self._retry_count = 0
            self._last_success = now
        else:
            self._retry_count += 1  # no give-up
        if not self._active:
            return
        if self._heartbeat_waiting:  # Annex O: a heartbeat due during the session goes first
            self._heartbeat_waiting = False
            self.heartbeat()
        if not ok:
            delay = retry_delay(self._retry_count, self._min_wait, self._multiplier, self._rng)
            self._want(now + delay)
            _log.info(
                "retry {count} in {delay:.0f} s at {when}",
                count=self._retry_count,
                delay=delay,
                when=datetime.fromtimestamp(now + delay).astimezone().isoformat("T", "seconds"),
            )
        if urgent:
            self._want(now)
        if notify:
            self._want(self._due(True))

    def _arm_periodic(self) -> None:
        if self._periodic_call is not None and self._periodic_call.active():
            self._periodic_call.cancel()
        self._periodic_call = None
        if not (self._active and self._periodic.enable):
            return
        now = self._clock.seconds()
        due = next_periodic(now, self._periodic.interval, self._anchor)
        self._periodic_call = self._clock.callLater(due - now, self._periodic_due)

    def _periodic_due(self) -> None:
        self._periodic_call = None
        self.request(ec.PERIODIC)  # queued, and delivered next session if one is running
        self._arm_periodic()
