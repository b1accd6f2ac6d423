"""The ChangeDUState engine: persists each ChangeDUState, runs its operations after the
session (one job at a time), and owns its DUStateChangeComplete until the ACS acknowledges it.

Exactly once across crashes and reboots, as for TransferComplete: every step is persisted
before it is acted upon (cwmpd.transfers.du.operations), "M ChangeDUState" and "11 DU STATE
CHANGE COMPLETE" are queued idempotently once a job is complete, the job is forgotten only
once DUStateChangeCompleteResponse arrived (then its events), and ``start()`` resumes what
a crash cut. With no job left, the execution environments are listed; what changed without
a ChangeDUState goes out as AutonomousDUStateChangeComplete (cwmpd.transfers.du.autonomous).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import CancelledError, Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.cwmp import messages
from cwmpd.cwmp.eventcodes import DU_STATE_CHANGE_COMPLETE, M_CHANGE_DU_STATE
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import EventStruct
from cwmpd.transfers import validate
from cwmpd.transfers.du.autonomous import AutonomousDUChanges
from cwmpd.transfers.du.faults import DUError
from cwmpd.transfers.du.inventory import Change
from cwmpd.transfers.du.operations import OperationRunner
from cwmpd.transfers.du.record import DONE, Job, Operation, Result, iso
from cwmpd.transfers.du.settings import DUSettings
from cwmpd.transfers.du.store import JobsFull, JobStore

_log = Logger(namespace="cwmpd.transfers.du")
MAX_URL = 1024
RETRY_AFTER = 30.0  # seconds before a job whose run failed internally is tried again


def _op_result(r: Result, operation: str | None = None) -> messages.OpResult:
    return messages.OpResult(
        r.uuid, r.du_ref, r.version, r.state, r.resolved, r.eu_refs,
        r.start_time, r.complete_time, r.fault_code, r.fault_string, operation,
    )  # fmt: skip


class DUManager:
    """ChangeDUState jobs; a CpeRequestSource (DUStateChangeComplete) for the engine."""

    def __init__(self, settings: DUSettings) -> None:
        self.settings = settings
        self.inventory = settings.inventory
        self.store = JobStore(settings.jobs_path, settings.capacity)
        self.events = settings.events
        self.runner = OperationRunner(settings)
        self.autonomous = AutonomousDUChanges(
            settings.autonomous_path, settings.events, settings.request_session, settings.policy
        )
        self._in_session = False
        self._stopped = True
        self._running: Deferred[None] | None = None
        self._refresh_due = True
        self._sent: dict[int, tuple[int, messages.Message]] = {}
        self._sendable: set[int] | None = None

    def register(self, dispatcher: Any) -> None:
        """Answer ChangeDUState (GetRPCMethods then lists it)."""
        dispatcher.register("ChangeDUState", self.change_du_state)

    # -- the RPC -----------------------------------------------------------------------

    async def change_du_state(self, req: messages.ChangeDUState) -> messages.Message:
        """Persist the operations (9004 when the queue is full); they run after the session.
        A bad operation (unknown UUID, environment ...) fails alone, in its result."""
        ops = []
        for op in req.operations:
            validate.check_text(op.username or "", "Username")
            validate.check_text(op.password or "", "Password")
            if len(op.url or "") > MAX_URL:
                raise CwmpFault(9003, f"URL longer than {MAX_URL} characters")
            ops.append(
                Operation(
                    op.kind,
                    url=op.url or "",
                    uuid=op.uuid or "",
                    username=op.username or "",
                    password=op.password or "",
                    ee_ref=op.execution_env_ref or "",
                    version=op.version or "",
                )
            )
        try:
            self.store.add(Job(self.store.new_id(), req.command_key, tuple(ops)))
        except JobsFull as exc:
            raise CwmpFault(9004, str(exc)) from exc
        return messages.ChangeDUStateResponse()

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Resume after a start-up: queue what complete jobs owe, drop acknowledged events."""
        self._stopped = False
        self._refresh_due = True
        keys = set()
        for job in self.store:
            if job.complete:
                keys.add(job.command_key)
                if not job.events_queued:
                    self._queue_events(job)
        for event in self.events.queued():
            if event.code == M_CHANGE_DU_STATE and event.command_key not in keys:
                _log.info("dropping M ChangeDUState {key!r}: acknowledged", key=event.command_key)
                self.events.response_delivered("DUStateChangeComplete", event.command_key)
        self.kick()

    def stop(self) -> None:
        """Stop running (the job in progress resumes at the next start)."""
        self._stopped = True
        if self._running is not None:
            self._running.cancel()

    def session_started(self) -> None:
        """A session is open: nothing runs until after_session()."""
        self._in_session = True

    def before_session(self) -> None:
        """The session's Inform carries the events of the jobs complete now: only their
        DUStateChangeCompletes go out in it."""
        self._in_session = True
        self._sendable = {j.id for j in self.store if j.complete and j.events_queued}

    def after_session(self) -> None:
        """The session ended: run what is due."""
        self._in_session = False
        self._sendable = None
        self.kick()

    # -- the run loop ------------------------------------------------------------------

    def kick(self) -> None:
        """Run the next incomplete job, else list the environments once if due."""
        if self._stopped or self._in_session or self._running is not None:
            return
        job = next((j for j in self.store if not j.complete), None)
        if job is not None:
            work = self._run_job(job.id)
        elif self._refresh_due:
            self._refresh_due = False
            work = self._refresh()
        else:
            return
        d = Deferred.fromCoroutine(work)

        def done(result: object) -> None:
            self._running = None
            if isinstance(result, Failure) and not result.check(CancelledError):  # type: ignore[no-untyped-call]
                # (a state write that failed: a full disk). Not again at once: in a while.
                _log.failure("ChangeDUState engine failed; retrying in 30 s", result)
                self.settings.reactor.callLater(RETRY_AFTER, self.kick)
                return
            self.kick()

        d.addBoth(done)
        if not d.called:
            self._running = d

    async def _run_job(self, job_id: int) -> None:
        job = self.store.get(job_id)
        assert job is not None
        for index in range(len(job.operations)):
            op = self._job(job_id).operations[index]
            if op.phase == DONE:
                continue

            def put(new: Operation, index: int = index) -> Operation:
                self.store.put(self._job(job_id).with_operation(index, new))
                return new

            spool = self.settings.spool / f"du-{job_id}-{index}"
            try:
                result = await self.runner.run(op, spool, put)
            except Exception as exc:
                if self._stopped or isinstance(exc, CancelledError):
                    raise CancelledError() from exc  # a shutdown's cut is no outcome
                result = self._failed_op(job_id, index, exc)
            current = self._job(job_id).operations[index]
            put(current.with_changes(phase=DONE, result=result, password=""))
        self._refresh_due = True
        self._queue_events(self._job(job_id))
        self.settings.request_session()

    def _failed_op(self, job_id: int, index: int, exc: Exception) -> Result:
        """The result of an operation that raised ``exc``."""
        op = self._job(job_id).operations[index]
        if isinstance(exc, DUError):
            _log.warn("ChangeDUState {kind} failed: {code} {reason}", kind=op.kind,
                      code=exc.code, reason=exc.reason)  # fmt: skip
            return self.runner.failure(op, exc.code, exc.reason)
        _log.failure("ChangeDUState {kind} failed internally", Failure(exc), kind=op.kind)  # type: ignore[no-untyped-call]
        return self.runner.failure(op, 9001, "internal error")

    def _job(self, job_id: int) -> Job:
        job = self.store.get(job_id)
        if job is None:
            raise CancelledError()
        return job

    def _queue_events(self, job: Job) -> None:
        """Idempotently queue "M ChangeDUState" and 11 for ``job``, then persist that."""
        queued = self.events.queued()
        if EventStruct(M_CHANGE_DU_STATE, job.command_key) not in queued:
            self.events.add(M_CHANGE_DU_STATE, job.command_key)
            self.events.add(DU_STATE_CHANGE_COMPLETE)
        elif all(e.code != DU_STATE_CHANGE_COMPLETE for e in queued):
            self.events.add(DU_STATE_CHANGE_COMPLETE)
        self.store.put(job.with_changes(events_queued=True))

    async def _refresh(self) -> None:
        changes = await self.inventory.refresh()
        if changes:
            now = iso(float(self.settings.reactor.seconds()))
            self.autonomous.report([self._autonomous_result(c, now) for c in changes])

    def _autonomous_result(self, change: Change, now: str) -> messages.OpResult:
        inv, unit = self.inventory, change.unit
        state = "Uninstalled" if change.operation == "Uninstall" else "Installed"
        result = Result(unit.uuid, inv.du_ref(unit), unit.version[:32], state, True,
                        inv.eu_refs(unit), now, now)  # fmt: skip
        return _op_result(result, change.operation)

    # -- CpeRequestSource ----------------------------------------------------------------

    def pending_requests(self) -> list[messages.Message]:
        """One DUStateChangeComplete per complete job not yet acknowledged."""
        self._sent.clear()
        out: list[messages.Message] = []
        for job in self.store:
            if not job.complete or (self._sendable is not None and job.id not in self._sendable):
                continue
            results = tuple(_op_result(op.result) for op in job.operations if op.result)
            msg = messages.DUStateChangeComplete(results, job.command_key)
            self._sent[id(msg)] = (job.id, msg)
            out.append(msg)
        return out

    def delivered(self, request: messages.Message, response: messages.Message) -> None:
        """DUStateChangeCompleteResponse: forget the job first, then its events."""
        entry = self._sent.pop(id(request), None)
        if entry is None or response.name != "DUStateChangeCompleteResponse":
            return
        job = self.store.get(entry[0])
        if job is not None:
            self.store.remove(job.id)
            self.events.response_delivered("DUStateChangeComplete", job.command_key)
