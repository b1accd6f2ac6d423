"""A failed state write (EMFILE, ENOSPC) never loses an event: memory changes only once the
write succeeded, and the scheduler retries on its clock until it does (issue 11 item 4)."""

from __future__ import annotations

import errno
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from cwmpd.cwmp.structs import EventStruct as E
from cwmpd.session.events import EventQueue
from cwmpd.session.scheduler import SessionScheduler
from cwmpd.state import write_json


class FailingDisk:
    """A state writer that fails while ``failing`` (like a full disk or no free fd)."""

    def __init__(self, code: int = errno.EMFILE) -> None:
        self.failing = False
        self.code = code
        self.failures = 0
        self.writes = 0

    def __call__(self, path: Path, value: Any) -> None:
        """Write through cwmpd.state, or fail like the OS does."""
        if self.failing:
            self.failures += 1
            raise OSError(self.code, "injected")
        self.writes += 1
        write_json(path, value)


class Rig:
    """A scheduler on a Clock whose sessions deliver every event at once."""

    def __init__(self, tmp_path: Path, code: int = errno.EMFILE) -> None:
        self.path = tmp_path / "events.json"
        self.disk = FailingDisk(code)
        self.clock = Clock()
        self.events = EventQueue(self.path, writer=self.disk)
        self.informs: list[list[E]] = []
        self.sched = SessionScheduler(self.clock, random.Random(1), self.session, self.events)
        self.sched.start()

    def session(self, retry_count: int) -> Deferred[bool]:
        """One session: the ACS receives the pending events, and they are delivered."""
        sent = self.events.pending()
        self.informs.append(sent)
        self.events.inform_delivered(sent)
        return succeed(True)

    def on_disk(self) -> Any:
        """The persisted queue."""
        return json.loads(self.path.read_text())

    def delivered(self, event: E) -> int:
        """How many Informs carried ``event``."""
        return sum(inform.count(event) for inform in self.informs)


@pytest.mark.parametrize("code", [errno.EMFILE, errno.ENOSPC])
def test_due_schedule_inform_survives_failed_writes(tmp_path: Path, code: int) -> None:
    """A ScheduleInform falling due while writes fail stays pending (memory and disk), is
    retried with back-off on the clock, and reaches the ACS once writes work again."""
    rig = Rig(tmp_path, code)
    rig.sched.schedule_inform(30, "k")
    rig.disk.failing = True
    rig.clock.advance(30)  # falls due: the write fails
    assert rig.events.scheduled() == [(30.0, "k")]
    assert rig.on_disk()["scheduled"] == [[30.0, "k"]]
    for _ in range(5):
        rig.clock.advance(rig.clock.getDelayedCalls()[0].getTime() - rig.clock.seconds())
    assert rig.disk.failures == 6
    gaps = sorted(c.getTime() for c in rig.clock.getDelayedCalls())
    assert gaps == [30 + 1 + 2 + 4 + 8 + 16 + 32]  # back-off 1, 2, 4 ... s
    rig.disk.failing = False
    rig.clock.advance(32)
    assert rig.delivered(E("M ScheduleInform", "k")) == 1
    assert rig.delivered(E("3 SCHEDULED")) == 1
    assert rig.events.scheduled() == [] and rig.on_disk()["events"] == []
    rig.clock.advance(3600)
    assert rig.delivered(E("M ScheduleInform", "k")) == 1
    assert rig.clock.getDelayedCalls() == []


def test_later_write_does_not_persist_the_loss(tmp_path: Path) -> None:
    """The reported incident: the timer's write fails, the next event is written fine;
    that write must still carry the due ScheduleInform (then it is delivered once)."""
    rig = Rig(tmp_path)
    rig.sched.schedule_inform(30, "k")
    rig.disk.failing = True
    rig.clock.advance(30)
    rig.disk.failing = False
    rig.sched.request("6 CONNECTION REQUEST")  # a successful write before the retry
    assert rig.on_disk()["scheduled"] == [[30.0, "k"]]
    rig.clock.advance(1)
    assert rig.delivered(E("M ScheduleInform", "k")) == 1
    assert rig.delivered(E("6 CONNECTION REQUEST")) == 1


def test_event_raised_while_writes_fail_is_queued_later(tmp_path: Path) -> None:
    """A request("6 CONNECTION REQUEST") whose write fails is retried, then delivered once."""
    rig = Rig(tmp_path)
    rig.disk.failing = True
    rig.sched.request("6 CONNECTION REQUEST")
    rig.clock.advance(0)
    assert rig.informs == [] and not rig.events.has_pending
    rig.disk.failing = False
    rig.clock.advance(1)
    assert rig.informs == [[E("6 CONNECTION REQUEST")]]


def test_failed_write_leaves_the_queue_as_it_was(tmp_path: Path) -> None:
    """Each change is all or nothing: OSError, and memory equals what is on disk."""
    disk = FailingDisk()
    q = EventQueue(tmp_path / "events.json", writer=disk)
    q.add("1 BOOT")
    q.schedule(10.0, "a")
    q.add("M Download", "dl")
    before = (q.queued(), q.scheduled())
    disk.failing = True
    changes: list[Callable[[], object]] = [
        lambda: q.add("0 BOOTSTRAP"),
        lambda: q.fire_scheduled([(10.0, "a")]),
        lambda: q.unschedule(10.0, "a"),
        lambda: q.inform_delivered(q.pending()),
        lambda: q.response_delivered("TransferComplete", "dl"),
        lambda: q.on_boot(),
        lambda: q.clear(),
    ]
    for change in changes:
        with pytest.raises(OSError):
            change()
        assert (q.queued(), q.scheduled()) == before
    disk.failing = False
    assert EventQueue(tmp_path / "events.json").queued() == before[0]
    assert q.fire_scheduled([(10.0, "a")])
    assert [e.code for e in q.queued()] == [
        "1 BOOT",
        "3 SCHEDULED",
        "M Download",
        "M ScheduleInform",
    ]
