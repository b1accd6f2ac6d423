"""A transfer's life as data: (transfer, outcome) -> the next transfer to persist.

Every step of a transfer is one Outcome; ``next_transfer`` gives the record that step
leads to, and refuses (InvalidTransition) a step its state does not allow. The table
``_FROM`` is the state machine; ``after_restart`` and ``window_step`` say which outcome
a start-up and a ScheduleDownload window lead to. Nothing here acts: persisting the
record, then acting on it (unlinking, queueing events, rebooting), is cwmpd.transfers.queue.

Why not Automat (Twisted's state-machine library)? Its machines hold their state in
memory, while here the state of record is the persisted one, reloaded from disk at any
step after a crash; and most steps are decided by data (the handler's outcome, the boot
id, the attempts made, whether the spooled file survived), which an Automat machine of
Debian 12's 22.10 (MethodicalMachine) cannot branch on: each branch would be one more
input chosen by code outside the machine, so the table would no longer say it all. Its
typed builder (TypeMachineBuilder, with data per state) needs Automat 24.8. The run loop's
gate (stopped, in a session, running) is three flags in TransferManager: a machine of five
states and six inputs would say no more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Final

from cwmpd.transfers.record import UNKNOWN_TIME, Kind, State, Transfer


def iso(seconds: float) -> str:
    """dateTime in UTC, as TransferComplete carries it."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Started:
    """A fetch (or an Upload's production and PUT) begins at clock ``now``."""

    now: float


@dataclass(frozen=True)
class Fetched:
    """The whole file is in the spool."""


@dataclass(frozen=True)
class Verified:
    """The handler accepted the file; persisted before it is applied (judged after a boot)."""

    now: float
    prior_version: str
    expected_version: str
    boot_id: str


@dataclass(frozen=True)
class Applied:
    """The handler applied the file and the device reboots (itself when ``self_reboot``)."""

    self_reboot: bool


@dataclass(frozen=True)
class Completed:
    """The outcome: ``code`` 0 for success, else the TransferComplete FaultCode."""

    now: float
    code: int = 0
    reason: str = ""


@dataclass(frozen=True)
class EventsQueued:
    """The "7 TRANSFER COMPLETE" and "M <kind>" events are in the event queue."""


@dataclass(frozen=True)
class Restarted:
    """A crash cut a fetch or an upload: it runs again from the start."""


@dataclass(frozen=True)
class Reapply:
    """A crash cut an apply on the same boot: applied again from the spooled file."""


@dataclass(frozen=True)
class Rescheduled:
    """A ScheduleDownload waits for its next usable window, opening at ``not_before``."""

    not_before: float


Outcome = (
    Started | Fetched | Verified | Applied | Completed | EventsQueued | Restarted | Reapply
) | Rescheduled

_NOT_COMPLETE: Final = frozenset(State) - {State.COMPLETE}

#: The states each outcome may follow.
_FROM: Final[dict[type[Outcome], frozenset[State]]] = {
    Started: frozenset({State.QUEUED, State.FETCHED}),  # fetched, but the spool file is gone
    Fetched: frozenset({State.FETCHING}),
    Verified: frozenset({State.FETCHED}),
    Applied: frozenset({State.APPLYING}),
    Completed: _NOT_COMPLETE,
    EventsQueued: frozenset({State.COMPLETE}),
    Restarted: frozenset({State.FETCHING, State.UPLOADING}),
    Reapply: frozenset({State.APPLYING}),
    Rescheduled: frozenset({State.QUEUED}),
}


class InvalidTransition(Exception):
    """An outcome its transfer's state does not allow (a bug, never the ACS's doing)."""


def next_transfer(t: Transfer, outcome: Outcome) -> Transfer:
    """The record ``outcome`` turns ``t`` into (to be persisted before it is acted upon)."""
    if t.state not in _FROM[type(outcome)]:
        raise InvalidTransition(f"{type(outcome).__name__} after {t.state} (transfer {t.id})")
    match outcome:
        case Started(now):
            state = State.UPLOADING if t.kind == Kind.UPLOAD else State.FETCHING
            return t.with_changes(state=state, attempts=t.attempts + 1, start_time=iso(now))
        case Fetched():
            return t.with_changes(state=State.FETCHED)
        case Verified(now, prior, expected, boot_id):
            return t.with_changes(
                state=State.APPLYING,
                complete_time=iso(now),
                prior_version=prior,
                expected_version=expected,
                boot_id=boot_id,
            )
        case Applied(self_reboot):
            return t.with_changes(state=State.AWAITING_BOOT, self_reboot=self_reboot)
        case Completed(now, code, reason):
            done = t.with_changes(
                state=State.COMPLETE,
                password="",  # not kept on disk once it is no longer needed
                fault_code=code,
                fault_string=reason if code else "",
                complete_time=t.complete_time if t.complete_time != UNKNOWN_TIME else iso(now),
                events_queued=False,
            )
            if done.start_time == UNKNOWN_TIME and code:
                done = done.with_changes(start_time=done.complete_time)
            return done
        case EventsQueued():
            return t.with_changes(events_queued=True)
        case Restarted():
            return t.with_changes(state=State.QUEUED, not_before=0.0)
        case Reapply():
            return t.with_changes(state=State.FETCHED)
        case Rescheduled(not_before):
            return t.with_changes(not_before=not_before)
    raise AssertionError(f"unknown outcome {outcome!r}")


class Wait(Enum):
    """What start-up does for a transfer that needs no new record (yet)."""

    NOTHING = "nothing"  # runs (or waits for its TransferCompleteResponse) as usual
    REBOOT = "reboot"  # the agent's reboot after an apply did not happen: ask again
    APPLY_TIMEOUT = "apply timeout"  # a self-rebooting apply: wait for it, within its timeout
    JUDGE = "judge"  # booted since the apply: judge the outcome (asynchronously)


def after_restart(
    t: Transfer, *, boot_id: str, spooled: bool, max_attempts: int, now: float
) -> Outcome | Wait:
    """What a start-up finds for ``t``: the outcome to persist, or what to wait for.

    ``spooled``: the transfer's file is in the spool; ``boot_id``: the current boot's.
    """
    if t.state in (State.FETCHING, State.UPLOADING):
        if t.attempts >= max_attempts:
            code = 9011 if t.kind == Kind.UPLOAD else 9010
            return Completed(now, code, f"interrupted {t.attempts} times")
        return Restarted()
    if t.state == State.FETCHED and not spooled:
        return Completed(now, 9010, "the downloaded file was lost")
    if t.state in (State.APPLYING, State.AWAITING_BOOT):
        if boot_id != t.boot_id:
            return Wait.JUDGE
        if t.state == State.AWAITING_BOOT:
            return Wait.APPLY_TIMEOUT if t.self_reboot else Wait.REBOOT
        if spooled:
            return Reapply()
        return Completed(now, 9010, "interrupted while applying")
    if t.state == State.COMPLETE and not t.events_queued:
        return EventsQueued()
    return Wait.NOTHING


def window_step(t: Transfer, now: float) -> Outcome | None:
    """A queued ScheduleDownload at clock ``now``: 9020 once no usable window is left, the
    start of the next usable one if later than planned, else None (no change)."""
    usable = [w for w in t.windows if w.end > now and w.mode != "4 Confirmation Needed"]
    if not usable:
        return Completed(now, 9020, "no time window left to download in")
    start = max(usable[0].start, t.not_before)
    return None if start == t.not_before else Rescheduled(start)
