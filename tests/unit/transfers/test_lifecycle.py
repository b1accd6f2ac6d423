"""cwmpd.transfers.lifecycle: the next record of each outcome, the states it is refused in,
and what a start-up makes of each persisted state."""

from __future__ import annotations

import pytest

from cwmpd.transfers.lifecycle import (
    Applied,
    Completed,
    EventsQueued,
    Fetched,
    InvalidTransition,
    Reapply,
    Rescheduled,
    Restarted,
    Started,
    Verified,
    Wait,
    after_restart,
    next_transfer,
    window_step,
)
from cwmpd.transfers.record import UNKNOWN_TIME, Kind, State, Transfer, Window

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
B1 = "b1"
CUT, CUT_APPLY = "interrupted 3 times", "interrupted while applying"


def transfer(state: State = State.QUEUED, kind: Kind = Kind.DOWNLOAD, **kw: object) -> Transfer:
    return Transfer(1, kind, "k", "1 Firmware Upgrade Image", "http://f/x", state=state, **kw)  # type: ignore[arg-type]


def test_a_firmware_download_walks_every_state_to_complete() -> None:
    """queued -> fetching -> fetched -> applying -> awaiting-boot -> complete, with the times
    and versions each step records."""
    t = next_transfer(transfer(password="pw"), Started(T0))
    assert (t.state, t.attempts, t.start_time) == (State.FETCHING, 1, "2023-11-14T22:13:20Z")
    t = next_transfer(t, Fetched())
    assert t.state == State.FETCHED
    t = next_transfer(t, Verified(T0 + 60, "1.0", "2.0", "boot-1"))
    assert (t.state, t.complete_time, t.prior_version, t.expected_version, t.boot_id) == (
        State.APPLYING,
        "2023-11-14T22:14:20Z",
        "1.0",
        "2.0",
        "boot-1",
    )
    t = next_transfer(t, Applied(self_reboot=False))
    assert (t.state, t.self_reboot) == (State.AWAITING_BOOT, False)
    done = next_transfer(t, Completed(T0 + 600))
    assert (done.state, done.fault_code, done.password) == (State.COMPLETE, 0, "")
    assert done.complete_time == "2023-11-14T22:14:20Z"  # the apply's time is kept
    assert next_transfer(done, EventsQueued()).events_queued


def test_an_upload_starts_uploading() -> None:
    """An Upload's Started leads to uploading, not fetching."""
    assert next_transfer(transfer(kind=Kind.UPLOAD), Started(T0)).state == State.UPLOADING


def test_a_failure_before_the_start_gets_its_times_and_a_fault() -> None:
    """A transfer failing before it started: StartTime = CompleteTime = now, the reason kept."""
    done = next_transfer(transfer(), Completed(T0, 9020, "no window"))
    assert (done.start_time, done.complete_time) == ("2023-11-14T22:13:20Z",) * 2
    assert (done.fault_code, done.fault_string) == (9020, "no window")
    assert next_transfer(transfer(), Completed(T0)).start_time == UNKNOWN_TIME


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        (State.QUEUED, Fetched()),
        (State.FETCHING, Verified(T0, "", "", "b")),
        (State.FETCHED, Applied(False)),
        (State.COMPLETE, Completed(T0)),
        (State.QUEUED, EventsQueued()),
        (State.AWAITING_BOOT, Restarted()),
        (State.FETCHED, Reapply()),
        (State.FETCHING, Rescheduled(T0)),
        (State.APPLYING, Started(T0)),
    ],
)
def test_an_outcome_its_state_does_not_allow_is_refused(state: State, outcome: object) -> None:
    """The table refuses a step out of order (a bug, never silently persisted)."""
    with pytest.raises(InvalidTransition):
        next_transfer(transfer(state), outcome)  # type: ignore[arg-type]


SELF_REBOOTING = transfer(State.AWAITING_BOOT, boot_id=B1, self_reboot=True)


@pytest.mark.parametrize(
    ("t", "boot", "spooled", "expected"),
    [
        (transfer(State.QUEUED), "b1", False, Wait.NOTHING),
        (transfer(State.FETCHING, attempts=1), "b1", False, Restarted()),
        (transfer(State.FETCHING, attempts=3), "b1", False, Completed(T0, 9010, CUT)),
        (transfer(State.UPLOADING, Kind.UPLOAD, attempts=3), "b1", False, Completed(T0, 9011, CUT)),
        (transfer(State.FETCHED), "b1", True, Wait.NOTHING),
        (transfer(State.FETCHED), "b1", False, Completed(T0, 9010, "the downloaded file was lost")),
        (transfer(State.APPLYING, boot_id="b0"), "b1", True, Wait.JUDGE),
        (transfer(State.AWAITING_BOOT, boot_id="b0"), "b1", False, Wait.JUDGE),
        (transfer(State.AWAITING_BOOT, boot_id="b1"), "b1", False, Wait.REBOOT),
        (SELF_REBOOTING, B1, False, Wait.APPLY_TIMEOUT),
        (transfer(State.APPLYING, boot_id="b1"), "b1", True, Reapply()),
        (transfer(State.APPLYING, boot_id="b1"), "b1", False, Completed(T0, 9010, CUT_APPLY)),
        (transfer(State.COMPLETE), "b1", False, EventsQueued()),
        (transfer(State.COMPLETE, events_queued=True), "b1", False, Wait.NOTHING),
    ],
)  # fmt: skip
def test_what_a_start_up_makes_of_each_state(
    t: Transfer, boot: str, spooled: bool, expected: object
) -> None:
    """The exactly-once rules of cwmpd.transfers.recovery, as decisions."""
    assert after_restart(t, boot_id=boot, spooled=spooled, max_attempts=3, now=T0) == expected


def test_a_schedule_download_waits_for_its_window_then_runs_out_of_them() -> None:
    """Before the window: wait for its start; inside it: no change; past the last: 9020."""
    t = transfer(windows=(Window(T0 + 10, T0 + 20, "1 At Any Time"),), kind=Kind.SCHEDULE_DOWNLOAD)
    assert window_step(t, T0) == Rescheduled(T0 + 10)
    assert window_step(t.with_changes(not_before=T0 + 10), T0 + 15) is None
    assert window_step(t, T0 + 20) == Completed(T0 + 20, 9020, "no time window left to download in")
    confirm = t.with_changes(windows=(Window(T0 + 10, T0 + 20, "4 Confirmation Needed"),))
    assert isinstance(window_step(confirm, T0), Completed)
