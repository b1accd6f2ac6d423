"""The transfer queue's engine: runs transfers after sessions, one at a time, and owns their
TransferComplete until the ACS acknowledges it (P-24..P-34, E-17).

Crash safety: each state change is persisted (TransferStore) before it is acted upon, the
completion events are queued idempotently, and ``start()`` resumes or judges whatever a
crash or a reboot interrupted, so one TransferComplete is sent per transfer until its
response arrives, and never again after it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import EventStruct
from cwmpd.http.tls import TlsPolicy
from cwmpd.transfers import record as r
from cwmpd.transfers.handlers import FileHandler, UploadSource
from cwmpd.transfers.limits import HttpLimits
from cwmpd.transfers.record import Transfer
from cwmpd.transfers.store import TransferStore

if TYPE_CHECKING:
    from cwmpd.transfers.http import FileServerClient

_log = Logger(namespace="cwmpd.transfers")
TRANSFER_COMPLETE = "7 TRANSFER COMPLETE"
_M_EVENTS = ("M Download", "M Upload", "M ScheduleDownload")


class Events(Protocol):
    """What the manager needs of cwmpd.session.events.EventQueue."""

    def add(self, code: str, command_key: str = "") -> bool:
        """Queue event ``code`` for the next Inform."""

    def response_delivered(self, method: str, command_key: str = "") -> bool:
        """The ACS acknowledged ``method``: drop the events it delivers."""

    def queued(self) -> list[EventStruct]:
        """The events waiting for delivery."""


def iso(seconds: float) -> str:
    """dateTime in UTC, as TransferComplete carries it."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TransferManager:
    """Download/Upload/ScheduleDownload queue; also a CpeRequestSource for the engine."""

    def __init__(
        self,
        reactor: Any,
        state_dir: Path,
        events: Events,
        *,
        request_session: Callable[[], None],
        reboot: Callable[[], None],
        boot_id: Callable[[], str],
        handlers: Mapping[str, FileHandler],
        uploads: Mapping[str, UploadSource] | None = None,
        tls: TlsPolicy = TlsPolicy(),  # noqa: B008
        spool_dir: Path | None = None,
        spool_quota: int | None = None,
        capacity: int = 16,
        limits: HttpLimits = HttpLimits(),  # noqa: B008
        allow_basic_over_http: bool = False,
        max_attempts: int = 3,
        apply_timeout: float = 900.0,
    ) -> None:
        self.reactor = reactor
        self.store = TransferStore(Path(state_dir) / "transfers.json", capacity)
        self.events = events
        self.handlers = dict(handlers)
        self.uploads = dict(uploads or {})
        self.spool_dir = Path(spool_dir or Path(state_dir) / "spool")
        self.spool_quota = spool_quota
        self._request_session = request_session
        self._reboot = reboot
        self._boot_id = boot_id
        self._tls = tls
        self._limits = limits
        self._basic_over_http = allow_basic_over_http
        self._max_attempts = max_attempts
        self._apply_timeout = apply_timeout
        self._in_session = False
        self._stopped = True
        self._running: Deferred[None] | None = None
        self._running_id: int | None = None
        self._interrupted: int | None = None  # the run stop()/cancel asked to end
        self._cancelled: set[int] = set()
        self._timer: IDelayedCall | None = None
        self._sent: dict[int, tuple[int, m.Message]] = {}
        self._sendable: set[int] | None = None  # see before_session()

    def register(self, dispatcher: Any) -> None:
        """Register Download, ScheduleDownload, (Upload,) the queue RPCs and CancelTransfer."""
        from cwmpd.transfers.rpc import TransferRpcs

        TransferRpcs(self).register(dispatcher)

    @property
    def request_source(self) -> TransferManager:
        """The CpeRequestSource for SessionEngine.add_request_source (this object)."""
        return self

    # -- time and space ----------------------------------------------------------------

    def now(self) -> float:
        """Clock seconds."""
        return float(self.reactor.seconds())

    def spool_path(self, transfer: Transfer) -> Path:
        """Where the file of ``transfer`` is spooled."""
        return self.spool_dir / f"transfer-{transfer.id}"

    def free_space(self) -> int:
        """Bytes the spool may still take: free space, capped by the quota if configured."""
        self.spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = os.statvfs(self.spool_dir)
        free = st.f_bavail * st.f_frsize
        if self.spool_quota is not None:
            used = sum(p.stat().st_size for p in self.spool_dir.iterdir() if p.is_file())
            free = min(free, max(self.spool_quota - used, 0))
        return free

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Resume after a start-up: call before the first session (queues pending events)."""
        from cwmpd.transfers.recovery import recover

        self._stopped = False
        recover(self)
        self.kick()

    def stop(self) -> None:
        """Stop running (a running transfer is left to be resumed at the next start)."""
        self._stopped = True
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._interrupt()

    def session_started(self) -> None:
        """A session is open: no transfer starts until after_session()."""
        self._in_session = True

    def before_session(self) -> None:
        """A session is about to build its Inform. It may carry the TransferCompletes of the
        transfers complete now (their events are in that Inform); one completing later (an
        asynchronous judgement after a boot) waits for the next session."""
        self._in_session = True
        self._sendable = {t.id for t in self.store if t.state == r.COMPLETE}

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
        if self.awaiting_boot():
            return  # the rest of the queue runs after the reboot (or the apply timeout)
        now = self.now()
        waiting: list[Transfer] = []
        for t in self.store:
            if t.state == r.QUEUED and t.windows:
                t = self._next_window(t, now)
                if t.state == r.COMPLETE:
                    continue
            if t.state == r.FETCHED or (t.state == r.QUEUED and t.not_before <= now):
                self._launch(t)
                return
            if t.state == r.QUEUED:
                waiting.append(t)
        if waiting:
            when = min(t.not_before for t in waiting)
            self._timer = self.reactor.callLater(max(when - now, 0), self.kick)

    def _next_window(self, t: Transfer, now: float) -> Transfer:
        """A ScheduleDownload waits for its next usable window; 9020 once none is left."""
        usable = [w for w in t.windows if w.end > now and w.mode != "4 Confirmation Needed"]
        if not usable:
            return self.complete(t, 9020, "no time window left to download in")
        start = max(usable[0].start, t.not_before)
        return t if start == t.not_before else self.store.put(t.but(not_before=start))

    def _launch(self, t: Transfer) -> None:
        from cwmpd.transfers.runner import run_transfer

        self._running_id = t.id
        d = Deferred.fromCoroutine(run_transfer(self, t))

        def done(result: object) -> None:
            self._running = None
            self._running_id = None
            self._interrupted = None
            self.kick()

        d.addErrback(self._failed_run, t.id)
        d.addBoth(done)
        if self._running_id == t.id and not d.called:
            self._running = d

    def _failed_run(self, failure: Any, transfer_id: int) -> None:
        if failure.check(CancelledError):
            if transfer_id in self._cancelled:
                self._cancelled.discard(transfer_id)
                self.store.remove(transfer_id)
            elif self._stopped:
                _log.info(
                    "transfer {id} interrupted by the shutdown: resumed at the next start",
                    id=transfer_id,
                )
            return
        _log.failure("transfer {id} failed internally", failure, id=transfer_id)
        t = self.store.get(transfer_id)
        if t is not None and t.state not in (r.COMPLETE, r.AWAITING_BOOT):
            self.complete(t, 9002, "internal error")

    def client(self, t: Transfer) -> FileServerClient:
        """An HTTP client for the file server of ``t``."""
        # Lazy: the HTTP client is loaded by the first transfer, not by every start-up.
        from cwmpd.transfers.http import FileServerClient

        return FileServerClient(
            self.reactor,
            self._tls,
            t.username,
            t.password,
            limits=self._limits,
            allow_basic_over_http=self._basic_over_http,
        )

    @property
    def max_attempts(self) -> int:
        """How often an interrupted fetch is restarted before it fails."""
        return self._max_attempts

    @property
    def apply_timeout(self) -> float:
        """How long a self-rebooting apply may take before it is judged failed."""
        return self._apply_timeout

    def boot_id(self) -> str:
        """The device's current boot id."""
        return self._boot_id()

    def arm_apply_timeout(self, transfer_id: int) -> None:
        """Fail a self-rebooting apply that has not rebooted the device in time (9010)."""

        def expire() -> None:
            t = self.store.get(transfer_id)
            if t is not None and t.state == r.AWAITING_BOOT:
                self.complete(t, 9010, "the device did not reboot into the new image")

        self.reactor.callLater(self._apply_timeout, expire)

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

    def awaiting_boot(self) -> bool:
        """A firmware apply waits for the device to reboot on this boot: nothing else starts."""
        boot = self.boot_id()
        return any(t.state == r.AWAITING_BOOT and t.boot_id == boot for t in self.store)

    def reboot(self) -> None:
        """Ask the agent to reboot the device (soon, outside the caller's stack)."""
        self.reactor.callLater(0, self._reboot)

    # -- completion --------------------------------------------------------------------

    def complete(self, t: Transfer, code: int = 0, reason: str = "") -> Transfer:
        """Persist the outcome, queue "7 TRANSFER COMPLETE" + "M <kind>", ask for a session."""
        done = t.but(
            state=r.COMPLETE,
            password="",  # not kept on disk once it is no longer needed
            fault_code=code,
            fault_string=reason if code else "",
            complete_time=(
                t.complete_time if t.complete_time != r.UNKNOWN_TIME else iso(self.now())
            ),
            events_queued=False,
        )
        if done.start_time == r.UNKNOWN_TIME and code:
            done = done.but(start_time=done.complete_time)
        done = self.store.put(done)
        _unlink(self.spool_path(done))
        done = self.queue_events(done)
        self._request_session()
        return done

    def queue_events(self, t: Transfer) -> Transfer:
        """Idempotently queue the completion events of ``t`` (safe to repeat after a crash)."""
        queued = self.events.queued()
        if EventStruct(t.event_code, t.command_key) not in queued:
            self.events.add(t.event_code, t.command_key)
            self.events.add(TRANSFER_COMPLETE)
        elif all(e.code != TRANSFER_COMPLETE for e in queued):
            self.events.add(TRANSFER_COMPLETE)
        return self.store.put(t.but(events_queued=True))

    # -- CpeRequestSource ----------------------------------------------------------------

    def pending_requests(self) -> list[m.Message]:
        """One TransferComplete per completed transfer not yet acknowledged (P-26)."""
        self.session_started()
        self._sent.clear()
        out: list[m.Message] = []
        for t in self.store:
            if t.state != r.COMPLETE:
                continue
            if self._sendable is not None and t.id not in self._sendable:
                continue  # its events missed this session's Inform
            tc = m.TransferComplete(
                command_key=t.command_key,
                fault_code=t.fault_code,
                fault_string=t.fault_string,
                start_time=t.start_time,
                complete_time=t.complete_time,
            )
            self._sent[id(tc)] = (t.id, tc)
            out.append(tc)
        return out

    def delivered(self, request: m.Message, response: m.Message) -> None:
        """TransferCompleteResponse: forget the transfer first, then its events."""
        entry = self._sent.pop(id(request), None)
        if entry is None or not isinstance(response, m.TransferCompleteResponse):
            return
        t = self.store.get(entry[0])
        if t is None:
            return
        self.store.remove(t.id)
        self.events.response_delivered("TransferComplete", t.command_key)

    # -- CancelTransfer support ----------------------------------------------------------

    def cancel(self, command_key: str) -> None:
        """Cancel every not-yet-applied transfer with this key; 9021 if none can be."""
        victims = [t for t in self.store if t.command_key == command_key]
        if not victims or any(t.state not in (r.QUEUED, r.FETCHING, r.UPLOADING) for t in victims):
            raise CwmpFault(9021)
        for t in victims:
            if t.id == self._running_id and self._running is not None:
                self._cancelled.add(t.id)
                self._interrupt()
            else:
                self.store.remove(t.id)
            _unlink(self.spool_path(t))
        self.kick()


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)
