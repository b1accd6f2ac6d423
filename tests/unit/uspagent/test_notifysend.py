"""Notify delivery: send once, or retry per R-NOT.1 until a valid NotifyResp or expiry,
across a kill and restart of the agent."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from twisted.internet.task import Clock

from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.notifyqueue import NotifyQueue
from cwmpd.uspagent.notifysend import NotifyDelivery, retry_window
from support.usp_notify import FakeSender


class MaxRng(random.Random):
    """Always the top of the window (so a test knows the exact wait)."""

    def random(self) -> float:
        return 1.0


def value_change(sub_id: str = "s1") -> pb.Notify:
    """A ValueChange Notify for subscription ``sub_id``."""
    change = pb.Notify.ValueChange(param_path="Device.X", param_value="1")
    return pb.Notify(subscription_id=sub_id, value_change=change)


def delivery(tmp_path: Path, sender: FakeSender, clock: Clock) -> NotifyDelivery:
    """A delivery over the queue file in ``tmp_path``."""
    return NotifyDelivery(sender, NotifyQueue(tmp_path / "q.json"), clock, MaxRng())


def test_retry_window_is_the_spec_table() -> None:
    """Defaults give 5-10, 10-20 ... and from #10 on 2560-5120 for ever (R-NOT.1, R-NOT.2)."""
    assert retry_window(1) == (5, 10)
    assert retry_window(2) == (10, 20)
    assert retry_window(9) == (1280, 2560)
    assert retry_window(10) == retry_window(25) == (2560, 5120)
    assert retry_window(2, 3, 1500) == (4.5, 6.75)
    with pytest.raises(ValueError):
        retry_window(0)


def test_without_retry_sent_once_without_send_resp(tmp_path: Path) -> None:
    """NotifRetry false: send_resp false, one send, nothing queued, no retry ever."""
    sender, clock = FakeSender("fail"), Clock()
    d = delivery(tmp_path, sender, clock)
    d.notify("proto::c", value_change(), retry=False)
    clock.advance(100000)
    assert len(sender.sent) == 1 and not sender.notifies[0].send_resp
    assert d.pending == 0


def test_unanswered_retried_with_back_off_until_answered(tmp_path: Path) -> None:
    """A silent Controller gets the Notify again after 10, 20, 40 s; the answer ends it."""
    sender, clock = FakeSender("silent"), Clock()
    d = delivery(tmp_path, sender, clock)
    msg_id = d.notify("proto::c", value_change(), retry=True)
    times = []
    for _ in range(3):
        before = len(sender.sent)
        while len(sender.sent) == before:
            clock.advance(1)
        times.append(clock.seconds())
    assert times == [10, 30, 70]
    assert {m.header.msg_id for _, m in sender.sent} == {msg_id}
    assert all(n.send_resp for n in sender.notifies)
    sender.mode = "answer"
    clock.advance(80)
    assert len(sender.sent) == 5 and d.pending == 0 and d.delivered == 1
    clock.advance(100000)
    assert len(sender.sent) == 5


def test_a_failed_send_is_retried_too(tmp_path: Path) -> None:
    """An MTP failure counts as undelivered: the retry comes after the first wait."""
    sender, clock = FakeSender("fail"), Clock()
    d = delivery(tmp_path, sender, clock)
    d.notify("proto::c", value_change(), retry=True)
    clock.advance(9.9)
    assert len(sender.sent) == 1
    sender.mode = "answer"
    clock.advance(0.1)
    assert len(sender.sent) == 2 and d.pending == 0


def test_notify_resp_for_another_subscription_is_no_delivery(tmp_path: Path) -> None:
    """R-NOT.16: a NotifyResp with the wrong subscription_id is ignored."""
    sender, clock = FakeSender("wrong-id"), Clock()
    d = delivery(tmp_path, sender, clock)
    d.notify("proto::c", value_change(), retry=True)
    assert d.pending == 1
    clock.advance(10)
    assert len(sender.sent) == 2 and d.pending == 1 and d.delivered == 0


def test_expiration_ends_the_retries(tmp_path: Path) -> None:
    """NotifExpiration 25: sent at 0 and 10; at 25 it is dropped unsent, never sent again."""
    sender, clock = FakeSender("silent"), Clock()
    d = delivery(tmp_path, sender, clock)
    d.notify("proto::c", value_change(), retry=True, expiration=25)
    clock.advance(10)
    assert len(sender.sent) == 2
    clock.advance(15)
    assert len(sender.sent) == 2 and d.pending == 0 and d.expired == 1
    clock.advance(100000)
    assert len(sender.sent) == 2


def test_kill_and_restart_resends_once_and_is_answered_once(tmp_path: Path) -> None:
    """An unanswered Notify survives the agent (new objects over the same state file): the
    restarted agent sends it again at start, the answer removes it, and it never comes back."""
    first_sender, clock = FakeSender("silent"), Clock()
    first = delivery(tmp_path, first_sender, clock)
    msg_id = first.notify("proto::c", value_change("s9"), retry=True, expiration=3600)
    assert len(first_sender.sent) == 1
    # kill -9: nothing of the first agent runs again; its timers die with it
    sender = FakeSender("answer")
    restarted = delivery(tmp_path, sender, clock)
    assert restarted.pending == 1
    restarted.start()
    assert [m.header.msg_id for _, m in sender.sent] == [msg_id]
    assert sender.notifies[0].subscription_id == "s9" and sender.notifies[0].send_resp
    assert sender.answered == [msg_id] and restarted.pending == 0
    clock.advance(100000)
    assert len(sender.sent) == 1
    third = delivery(tmp_path, FakeSender(), clock)
    assert third.pending == 0


def test_queue_full_drops_oldest_and_stops_its_retries(tmp_path: Path) -> None:
    """With room for one, a second Notify pushes the first out: only the second is retried."""
    sender, clock = FakeSender("silent"), Clock()
    d = NotifyDelivery(sender, NotifyQueue(tmp_path / "q.json", limit=1), clock, MaxRng())
    d.notify("proto::c", value_change("a"), retry=True)
    d.notify("proto::c", value_change("b"), retry=True)
    clock.advance(10)
    assert [n.subscription_id for n in sender.notifies] == ["a", "b", "b"]
