"""The transfer queue's engine: runs transfers after sessions, one at a time, and owns their
TransferComplete until the ACS acknowledges it (P-24..P-34, E-17).

Crash safety: each state change is persisted (TransferQueue.advance) before it is acted
upon, the completion events are queued idempotently, and ``start()`` resumes or judges
whatever a crash or a reboot interrupted (cwmpd.transfers.recovery), so one
TransferComplete is sent per transfer until its response arrives, and never again after it.

The run loop's gate is three flags: stopped, in a session (from ``session_started()`` /
``before_session()`` to ``after_session()``, P-28) and running (one transfer at a time).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.cwmp import messages
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.transfers.lifecycle import Completed, window_step
from cwmpd.transfers.queue import TransferQueue
from cwmpd.transfers.record import State, Transfer
from cwmpd.transfers.recovery import recover
from cwmpd.transfers.rpc import TransferRpcs
from cwmpd.transfers.settings import TransferSettings

_log = Logger(namespace="cwmpd.transfers")


class TransferManager:
    """Download/Upload/ScheduleDownload queue; also a CpeRequestSource for the engine."""

    def __init__(self, settings: TransferSettings) -> None:
        self.queue = TransferQueue(settings)
        self.store = self.queue.store
        self.rpcs = TransferRpcs(self.queue, self.cancel)
        self._in_session = False
        self._stopped = True
        self._running: Deferred[None] | None = None
        self._running_id: int | None = None
        self._interrupted: int | None = None  # the run stop()/cancel asked to end
        self._cancelled: frozenset[int] = frozenset()  # rarely any
        self._timer: IDelayedCall | None = None
        self._sent: dict[int, tuple[int, messages.Message]] = {}
        self._sendable: set[int] | None = None  # see before_session()

    def register(self, dispatcher: Any) -> None:
        """Register Download, ScheduleDownload, (Upload,) the queue RPCs and CancelTransfer."""
        self.rpcs.register(dispatcher)

    @property
    def request_source(self) -> TransferManager:
        """The CpeRequestSource for SessionEngine.add_request_source (this object)."""
        return self

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Resume after a start-up: call before the first session (queues pending events)."""
        self._stopped = False
        recover(self.queue)
        self.kick()

    def stop(self) -> None:
        """Stop running (a running transfer is left to be resumed at the next start)."""
        self._stopped = True
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._interrupt()

    def session_started(self) -> None:
        """A session is open (the engine says so): no transfer starts until after_session()."""
        self._in_session = True

    def before_session(self) -> None:
        """A session is about to build its Inform. It may carry the TransferCompletes of the
        transfers complete now (their events are in that Inform); one completing later (an
        asynchronous judgement after a boot) waits for the next session."""
        self._in_session = True
        self._sendable = {t.id for t in self.store if t.state == State.COMPLETE}

    def after_session(self) -> None:
        """The session ended: start what is due (P-28: never within the session)."""
        self._in_session = False
        self._sendable = None
        self.kick()

    # -- the run loop ------------------------------------------------------------------

    def kick(self) -> None:
        """Start the next due transfer, or arm a timer for the earliest one."""
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        if self._stopped or self._in_session or self._running is not None:
            return
        if self.queue.awaiting_boot():
            return  # the rest of the queue runs after the reboot (or the apply timeout)
        now = self.queue.now()
        waiting: list[Transfer] = []
        for t in self.store:
            if t.state == State.QUEUED and t.windows:
                step = window_step(t, now)
                if step is not None:
                    t = self.queue.advance(t, step)
                if isinstance(step, Completed):
                    continue
            if t.state == State.FETCHED or (t.state == State.QUEUED and t.not_before <= now):
                self._launch(t)
                return
            if t.state == State.QUEUED:
                waiting.append(t)
        if waiting:
            when = min(t.not_before for t in waiting)
            self._timer = self.queue.reactor.callLater(max(when - now, 0), self.kick)

    def _launch(self, t: Transfer) -> None:
        # lazy: the runner and its progress log load with the first transfer, not at start-up
        from cwmpd.transfers.runner import run_transfer

        self._running_id = t.id
        run = run_transfer(
            self.queue, t, cancel=self.cancel_running, interrupted=lambda: self.interrupted(t.id)
        )
        d = Deferred.fromCoroutine(run)

        def done(result: object) -> None:
            self._running = None
            self._running_id = None
            self._interrupted = None
            self.kick()

        d.addErrback(self._failed_run, t.id)
        d.addBoth(done)
        if self._running_id == t.id and not d.called:
            self._running = d

    def _failed_run(self, failure: Failure, transfer_id: int) -> None:
        if isinstance(failure.value, CancelledError):
            if transfer_id in self._cancelled:
                self._cancelled = self._cancelled - {transfer_id}
                self.store.remove(transfer_id)
            elif self._stopped:
                _log.info(
                    "transfer {id} interrupted by the shutdown: resumed at the next start",
                    id=transfer_id,
                )
            return
        _log.failure("transfer {id} failed internally", failure, id=transfer_id)
        t = self.store.get(transfer_id)
        if t is not None and t.state not in (State.COMPLETE, State.AWAITING_BOOT):
            self.queue.complete(t, 9002, "internal error")

    def cancel_running(self) -> None:
        """Cancel the running transfer (its record stays unless CancelTransfer asked)."""
        self._interrupt()

    def _interrupt(self) -> None:
        if self._running is not None:
            self._interrupted = self._running_id
            self._running.cancel()

    def interrupted(self, transfer_id: int) -> bool:
        """True once stop() or a cancel asked the run of ``transfer_id`` to end: whatever
        error the cut then causes (a refused connect, a lost body) is that cancellation."""
        return self._interrupted == transfer_id

    # -- CpeRequestSource ----------------------------------------------------------------

    def pending_requests(self) -> list[messages.Message]:
        """One TransferComplete per completed transfer not yet acknowledged (P-26)."""
        self._sent.clear()
        out: list[messages.Message] = []
        for t in self.store:
            if t.state != State.COMPLETE:
                continue
            if self._sendable is not None and t.id not in self._sendable:
                continue  # its events missed this session's Inform
            tc = messages.TransferComplete(
                command_key=t.command_key,
                fault_code=t.fault_code,
                fault_string=t.fault_string,
                start_time=t.start_time,
                complete_time=t.complete_time,
            )
            self._sent[id(tc)] = (t.id, tc)
            out.append(tc)
        return out

    def delivered(self, request: messages.Message, response: messages.Message) -> None:
        """TransferCompleteResponse: forget the transfer first, then its events."""
        entry = self._sent.pop(id(request), None)
        if entry is None or not isinstance(response, messages.TransferCompleteResponse):
            return
        t = self.store.get(entry[0])
        if t is None:
            return
        self.store.remove(t.id)
        self.queue.events.response_delivered("TransferComplete", t.command_key)

    # -- CancelTransfer support ----------------------------------------------------------

    def cancel(self, command_key: str) -> None:
        """Cancel every not-yet-applied transfer with this key; 9021 if none can be."""
        victims = [t for t in self.store if t.command_key == command_key]
        cancellable = (State.QUEUED, State.FETCHING, State.UPLOADING)
        if not victims or any(t.state not in cancellable for t in victims):
            raise CwmpFault(9021)
        for t in victims:
            if t.id == self._running_id and self._running is not None:
                self._cancelled = self._cancelled | {t.id}
                self._interrupt()
            else:
                self.store.remove(t.id)
            self.queue.spool_path(t).unlink(missing_ok=True)
        self.kick()
