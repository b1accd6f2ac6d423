"""The persistent Inform event queue: single/multiple, 64 cap, delivery, BOOTSTRAP, reboot."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cwmpd.cwmp.structs import EventStruct as E
from cwmpd.session.events import MAX_EVENTS, EventQueue


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Where the queue lives."""
    return tmp_path / "state" / "events.json"


def codes(q: EventQueue) -> list[str]:
    """The pending event codes in Inform order."""
    return [e.code for e in q.pending()]


def test_fresh_queue_is_empty_and_writes_nothing(path: Path) -> None:
    """A missing file is an empty queue, and reading it does not create the file."""
    q = EventQueue(path)
    assert not q.has_pending
    assert q.pending() == []
    assert not path.exists()


def test_single_events_at_most_once_multiple_once_per_call(path: Path) -> None:
    """E-3: "4 VALUE CHANGE" twice is one event; "M Reboot" twice is two, each with its key."""
    q = EventQueue(path)
    q.add("4 VALUE CHANGE")
    q.add("4 VALUE CHANGE")
    q.add("M Reboot", "k1")
    q.add("M Reboot", "k2")
    assert q.pending() == [E("4 VALUE CHANGE"), E("M Reboot", "k1"), E("M Reboot", "k2")]


def test_order_bootstrap_first_then_by_number_then_m(path: Path) -> None:
    """pending() is stable: BOOTSTRAP first, singles by number, M and vendor events by arrival."""
    q = EventQueue(path)
    q.add("0 BOOTSTRAP")  # first: a new BOOTSTRAP would discard 6 and M Reboot
    for code in ["M Reboot", "6 CONNECTION REQUEST", "X 00D09E ALARM", "1 BOOT"]:
        q.add(code)
    q.add("M X_ACME_Thing", "v")
    assert codes(q) == [
        "0 BOOTSTRAP",
        "1 BOOT",
        "6 CONNECTION REQUEST",
        "M Reboot",
        "X 00D09E ALARM",
        "M X_ACME_Thing",
    ]
    assert codes(q) == codes(q)


@pytest.mark.parametrize(
    ("code", "key"),
    [("99 NONSENSE", ""), ("M Frobnicate", ""), ("1 BOOT", "key"), ("M Reboot", "k" * 33)],
)
def test_bad_codes_and_keys_rejected(path: Path, code: str, key: str) -> None:
    """Unknown codes, a CommandKey on a non-M event (E-2) or over 32 chars raise ValueError."""
    q = EventQueue(path)
    with pytest.raises(ValueError):
        q.add(code, key)
    assert not q.has_pending


def test_events_survive_recreation(path: Path) -> None:
    """E-17: a new EventQueue on the same path sees every event and key (kill -9 safe)."""
    q = EventQueue(path)
    q.add("0 BOOTSTRAP")
    q.add("M Reboot", "rk")
    q.add("7 TRANSFER COMPLETE")
    q.add("M Download", "dk")
    again = EventQueue(path)
    assert again.pending() == q.pending()
    again.response_delivered("TransferComplete", "dk")
    assert codes(EventQueue(path)) == ["0 BOOTSTRAP", "M Reboot"]


def test_writes_only_on_change(path: Path) -> None:
    """Re-adding a pending single event does not rewrite the file (few flash writes)."""
    q = EventQueue(path)
    assert q.add("2 PERIODIC")
    stamp = path.stat().st_mtime_ns
    os.utime(path, ns=(0, 0))
    assert not q.add("2 PERIODIC")
    assert path.stat().st_mtime_ns == 0
    assert stamp != 0


def test_cap_discards_oldest_m_events(path: Path) -> None:
    """E-1: at most 64 pending; the oldest "M ..." events go first, singles are kept."""
    q = EventQueue(path)
    q.add("0 BOOTSTRAP")
    q.add("1 BOOT")
    for i in range(70):
        q.add("M ScheduleInform", f"k{i}")
    pending = q.pending()
    assert len(pending) == MAX_EVENTS
    assert pending[:2] == [E("0 BOOTSTRAP"), E("1 BOOT")]
    keys = [e.command_key for e in pending[2:]]
    assert keys == [f"k{i}" for i in range(8, 70)]
    assert len(EventQueue(path).pending()) == MAX_EVENTS


def test_cap_never_discards_bootstrap_when_only_vendor_singles(path: Path) -> None:
    """Past 64 with no "M ..." event left, vendor events go, never BOOTSTRAP."""
    q = EventQueue(path)
    q.add("0 BOOTSTRAP")
    for i in range(70):
        q.add(f"X 00D09E EV{i}")
    pending = q.pending()
    assert len(pending) == MAX_EVENTS
    assert pending[0] == E("0 BOOTSTRAP")
    assert pending[-1] == E("X 00D09E EV69")


def test_new_bootstrap_discards_marked_events(path: Path) -> None:
    """A new 0 BOOTSTRAP drops 2, 3, 4, 6, 8, M Reboot, M ScheduleInform; keeps 1, 7, transfers."""
    q = EventQueue(path)
    for code in ["1 BOOT", "2 PERIODIC", "3 SCHEDULED", "4 VALUE CHANGE", "6 CONNECTION REQUEST"]:
        q.add(code)
    for code in ["7 TRANSFER COMPLETE", "8 DIAGNOSTICS COMPLETE", "9 REQUEST DOWNLOAD"]:
        q.add(code)
    q.add("M Reboot", "r")
    q.add("M ScheduleInform", "s")
    q.add("M Download", "d")
    q.add("M Upload", "u")
    q.add("M ScheduleDownload", "sd")
    q.add("0 BOOTSTRAP")
    assert q.pending() == [
        E("0 BOOTSTRAP"),
        E("1 BOOT"),
        E("7 TRANSFER COMPLETE"),
        E("M Download", "d"),
        E("M Upload", "u"),
        E("M ScheduleDownload", "sd"),
    ]


def test_inform_delivered_drops_inform_delivered_events_only(path: Path) -> None:
    """InformResponse delivers 0,1,2,4,6, M Reboot; 7, M Download, 9, 10, 11 wait for their RPC."""
    q = EventQueue(path)
    for code in ["0 BOOTSTRAP", "1 BOOT", "2 PERIODIC", "4 VALUE CHANGE", "6 CONNECTION REQUEST"]:
        q.add(code)
    for code in ["7 TRANSFER COMPLETE", "9 REQUEST DOWNLOAD", "10 AUTONOMOUS TRANSFER COMPLETE"]:
        q.add(code)
    q.add("11 DU STATE CHANGE COMPLETE")
    q.add("M Reboot", "r")
    q.add("M Download", "d")
    q.add("M ChangeDUState", "c")
    q.inform_delivered(q.pending())
    assert codes(q) == [
        "7 TRANSFER COMPLETE",
        "9 REQUEST DOWNLOAD",
        "10 AUTONOMOUS TRANSFER COMPLETE",
        "11 DU STATE CHANGE COMPLETE",
        "M Download",
        "M ChangeDUState",
    ]
    assert codes(EventQueue(path)) == codes(q)


def test_events_added_during_session_survive_inform_response(path: Path) -> None:
    """R-6/S-5: an event queued after the Inform was built is not dropped by its InformResponse."""
    q = EventQueue(path)
    q.add("4 VALUE CHANGE")
    q.add("M ScheduleInform", "a")
    sent = q.pending()
    q.add("4 VALUE CHANGE")  # the same single raised again mid-session
    q.add("6 CONNECTION REQUEST")
    q.add("M ScheduleInform", "a")  # same key, a second call
    q.inform_delivered(sent)
    assert q.pending() == [
        E("4 VALUE CHANGE"),
        E("6 CONNECTION REQUEST"),
        E("M ScheduleInform", "a"),
    ]


def test_failed_session_keeps_everything(path: Path) -> None:
    """R-6: without an InformResponse nothing is dropped, the retry lists the same events."""
    q = EventQueue(path)
    q.add("1 BOOT")
    q.add("M Reboot", "r")
    first = q.pending()
    q.add("2 PERIODIC")
    assert q.pending() == [E("1 BOOT"), E("2 PERIODIC"), E("M Reboot", "r")]
    assert first == [E("1 BOOT"), E("M Reboot", "r")]


def test_transfer_complete_counts_transfers(path: Path) -> None:
    """7 TRANSFER COMPLETE stays until the last pending transfer's TransferCompleteResponse."""
    q = EventQueue(path)
    q.add("7 TRANSFER COMPLETE")
    q.add("M Download", "a")
    q.add("7 TRANSFER COMPLETE")
    q.add("M Upload", "b")
    q.inform_delivered(q.pending())
    q.response_delivered("TransferComplete", "b")
    assert q.pending() == [E("7 TRANSFER COMPLETE"), E("M Download", "a")]
    q = EventQueue(path)  # the count is persisted too
    q.response_delivered("TransferComplete", "a")
    assert not q.has_pending


def test_transfer_complete_kept_while_m_event_left(path: Path) -> None:
    """Even with its count spent, 7 stays while an M Download awaits its TransferComplete."""
    q = EventQueue(path)
    q.add("7 TRANSFER COMPLETE")
    q.add("M Download", "a")
    q.add("M Download", "b")
    q.response_delivered("TransferComplete", "a")
    assert q.pending() == [E("7 TRANSFER COMPLETE"), E("M Download", "b")]
    q.response_delivered("TransferComplete", "b")
    assert not q.has_pending


def test_response_for_other_method_or_key_changes_nothing(path: Path) -> None:
    """A response that delivers none of the queued events leaves the queue and file alone."""
    q = EventQueue(path)
    q.add("M Download", "a")
    q.add("7 TRANSFER COMPLETE")
    q.add("7 TRANSFER COMPLETE")
    before = q.pending()
    assert not q.response_delivered("GetRPCMethods")
    q.response_delivered("TransferComplete", "zzz")
    assert q.pending() == before


def test_other_response_delivered_events(path: Path) -> None:
    """9, 10, 11+M ChangeDUState, 12 and 5 are each dropped by their own response."""
    q = EventQueue(path)
    for code in ["5 KICKED", "9 REQUEST DOWNLOAD", "10 AUTONOMOUS TRANSFER COMPLETE"]:
        q.add(code)
    q.add("11 DU STATE CHANGE COMPLETE")
    q.add("12 AUTONOMOUS DU STATE CHANGE COMPLETE")
    q.add("M ChangeDUState", "c")
    q.response_delivered("RequestDownload")
    q.response_delivered("Kicked")
    q.response_delivered("AutonomousTransferComplete")
    q.response_delivered("AutonomousDUStateChangeComplete")
    assert codes(q) == ["11 DU STATE CHANGE COMPLETE", "M ChangeDUState"]
    q.response_delivered("DUStateChangeComplete", "c")
    assert not q.has_pending


def test_on_boot_drops_what_does_not_survive_reboot(path: Path) -> None:
    """E-17: a reboot drops 1 BOOT, 4, 6, 8, 14 and keeps BOOTSTRAP, 2, 3, 7, M Reboot, M SI."""
    q = EventQueue(path)
    for code in ["0 BOOTSTRAP", "1 BOOT", "2 PERIODIC", "3 SCHEDULED", "4 VALUE CHANGE"]:
        q.add(code)
    for code in ["6 CONNECTION REQUEST", "7 TRANSFER COMPLETE", "8 DIAGNOSTICS COMPLETE"]:
        q.add(code)
    q.add("14 HEARTBEAT")
    q.add("M Reboot", "r")
    q.add("M ScheduleInform", "s")
    q.add("M Download", "d")
    q = EventQueue(path)
    q.on_boot()
    assert q.pending() == [
        E("0 BOOTSTRAP"),
        E("2 PERIODIC"),
        E("3 SCHEDULED"),
        E("7 TRANSFER COMPLETE"),
        E("M Reboot", "r"),
        E("M ScheduleInform", "s"),
        E("M Download", "d"),
    ]
    assert EventQueue(path).pending() == q.pending()


def test_corrupt_file_starts_empty(path: Path) -> None:
    """A corrupt state file is logged and replaced on the next change, never a crash."""
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    q = EventQueue(path)
    assert not q.has_pending
    q.add("1 BOOT")
    assert json.loads(path.read_text())["events"] == [["1 BOOT", ""]]


def test_bad_entries_in_file_are_skipped(path: Path) -> None:
    """Unknown codes or malformed entries in the file are skipped; the good ones load."""
    path.parent.mkdir(parents=True)
    bad = {"version": 1, "events": [["1 BOOT", ""], ["NOPE", ""], "x", ["M Reboot", "k"]]}
    path.write_text(json.dumps(bad))
    assert EventQueue(path).pending() == [E("1 BOOT"), E("M Reboot", "k")]


def test_clear_forgets_everything(path: Path) -> None:
    """Factory reset: clear() empties the queue and the transfer counts, on disk too."""
    q = EventQueue(path)
    q.add("7 TRANSFER COMPLETE")
    q.add("M Download", "d")
    q.add("0 BOOTSTRAP")
    assert q.clear()
    assert not EventQueue(path).has_pending
    q.add("7 TRANSFER COMPLETE")
    q.response_delivered("TransferComplete")  # the old count is gone: one response suffices
    assert not q.has_pending
