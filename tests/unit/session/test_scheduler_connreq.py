"""C-8 at the scheduler: a Connection Request that arrives after its session started but before
that session's Inform is sent joins it; one after the Inform brings exactly one more."""

from __future__ import annotations

import random
from pathlib import Path

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from cwmpd.cwmp.structs import EventStruct
from cwmpd.session.events import EventQueue
from cwmpd.session.scheduler import SessionScheduler

CR = "6 CONNECTION REQUEST"


class Sessions:
    """run_session: records the events each Inform would carry; the test ends each one."""

    def __init__(self, events: EventQueue) -> None:
        self.events = events
        self.sched: SessionScheduler
        self.informs: list[list[str]] = []
        self.sent: list[list[EventStruct]] = []
        self.open: list[Deferred[bool]] = []

    def __call__(self, retry_count: int) -> Deferred[bool]:
        sent = self.events.pending()
        self.sched.inform_pending(e.code for e in sent)  # what CwmpAgent._session does
        self.sent.append(sent)
        self.informs.append([e.code for e in sent])
        d: Deferred[bool] = Deferred()
        self.open.append(d)
        return d

    def end(self) -> None:
        self.events.inform_delivered(self.sent[-1])
        self.open.pop().callback(True)


def rig(tmp_path: Path) -> tuple[Clock, EventQueue, Sessions, SessionScheduler]:
    clock = Clock()
    clock.advance(1_800_000_000)
    events = EventQueue(tmp_path / "events.json")
    sessions = Sessions(events)
    sched = sessions.sched = SessionScheduler(clock, random.Random(0), sessions, events)
    sched.start()
    return clock, events, sessions, sched


def test_request_before_the_inform_is_sent_joins(tmp_path: Path) -> None:
    clock, events, sessions, sched = rig(tmp_path)
    sched.request(CR)
    clock.advance(0)
    assert sessions.informs == [[CR]]
    sched.request(CR)  # TCP/TLS set-up to the ACS still going on
    sched.inform_sent()
    sessions.end()
    clock.advance(10)
    assert sessions.informs == [[CR]]
    assert not events.has_pending  # and no stale 6 left for a later session


def test_request_after_the_inform_is_sent_brings_one_more(tmp_path: Path) -> None:
    clock, _events, sessions, sched = rig(tmp_path)
    sched.request(CR)
    clock.advance(0)
    sched.inform_sent()
    sched.request(CR)
    sched.request(CR)
    sessions.end()
    clock.advance(0)
    assert sessions.informs == [[CR], [CR]]


def test_other_events_during_set_up_still_get_their_session(tmp_path: Path) -> None:
    """Only events the Inform carries join: a new one is delivered in a session after."""
    clock, _events, sessions, sched = rig(tmp_path)
    sched.request(CR)
    clock.advance(0)
    sched.request("8 DIAGNOSTICS COMPLETE")
    sched.inform_sent()
    sessions.end()
    clock.advance(0)
    assert sessions.informs == [[CR], ["8 DIAGNOSTICS COMPLETE"]]


def test_a_failed_session_keeps_the_joined_request_for_the_retry(tmp_path: Path) -> None:
    clock, _events, sessions, sched = rig(tmp_path)
    sched.request(CR)
    clock.advance(0)
    sched.request(CR)  # joins
    sessions.open.pop().callback(False)  # the Inform never got through
    clock.advance(3600)
    assert sessions.informs == [[CR], [CR]]
