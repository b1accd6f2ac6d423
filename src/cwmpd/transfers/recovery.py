"""What start-up does with transfers a crash or a reboot interrupted (exactly-once rules).

queued: runs as usual. fetching/uploading: the partial file is dropped and the transfer
restarted, up to ``max_attempts`` starts (then 9010/9011). fetched: applied from the
spool. applying/awaiting-boot: after a new boot the outcome is judged by the version
now running (or by the handler's ``outcome(image)`` when its applier reports one); on
the same boot an agent-driven reboot is asked for again, and a self-rebooting apply gets
its timeout. complete: its events are queued again if a crash came between persisting
the outcome and queueing them. "M Download/Upload/ScheduleDownload" events without a
transfer (a crash right after TransferCompleteResponse) are acknowledged so they do not
linger. The decisions are cwmpd.transfers.lifecycle.after_restart; this acts on them.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.plugin.api import ReportingFileHandler
from cwmpd.transfers.lifecycle import EventsQueued, Restarted, Wait, after_restart
from cwmpd.transfers.queue import TransferQueue
from cwmpd.transfers.record import M_EVENTS, State, Transfer

_log = Logger(namespace="cwmpd.transfers")
_M_EVENTS = frozenset(M_EVENTS.values())


def recover(queue: TransferQueue) -> None:
    """Bring every persisted transfer to a consistent state; queue pending events."""
    known = {t.id for t in queue.store}
    if queue.spool_dir.is_dir():
        for leftover in queue.spool_dir.glob("transfer-*"):
            suffix = leftover.name.removeprefix("transfer-")
            if not suffix.isdigit() or int(suffix) not in known:
                leftover.unlink(missing_ok=True)
    for t in queue.store:
        _recover_one(queue, t)
    complete = {(t.event_code, t.command_key) for t in queue.store if t.state == State.COMPLETE}
    for event in queue.events.queued():
        if event.code in _M_EVENTS and (event.code, event.command_key) not in complete:
            _log.info(
                "dropping {code} {key!r}: already acknowledged",
                code=event.code,
                key=event.command_key,
            )
            queue.events.response_delivered("TransferComplete", event.command_key)


def _recover_one(queue: TransferQueue, t: Transfer) -> None:
    if t.state in (State.FETCHING, State.UPLOADING):
        queue.spool_path(t).unlink(missing_ok=True)
    step = after_restart(
        t,
        boot_id=queue.boot_id(),
        spooled=queue.spool_path(t).exists(),
        max_attempts=queue.settings.max_attempts,
        now=queue.now(),
    )
    if step is Wait.NOTHING:
        return
    if step is Wait.JUDGE:
        _judge_after_boot(queue, t)
    elif step is Wait.REBOOT:
        queue.reboot()
    elif step is Wait.APPLY_TIMEOUT:
        queue.arm_apply_timeout(t.id)
    elif isinstance(step, EventsQueued):
        queue.queue_events(t)  # queues them, then persists that it did
    else:
        if isinstance(step, Restarted):
            _log.info("restarting interrupted transfer {key!r}", key=t.command_key)
        queue.advance(t, step)


def _judge_after_boot(queue: TransferQueue, t: Transfer) -> None:
    """The device booted since the apply: success iff the expected version runs now."""
    handler = queue.handlers.get(t.file_type)
    outcome = handler.outcome if isinstance(handler, ReportingFileHandler) else None

    async def judge() -> None:
        if outcome is not None:
            code, reason = await outcome(queue.spool_path(t))
            if code:
                _log.warn("firmware apply failed: {code} {reason}", code=code, reason=reason)
            queue.complete(t, code, reason)
            return
        version = await handler.version() if handler is not None else ""
        if t.expected_version:
            ok = version == t.expected_version
        else:
            ok = bool(version) and version != t.prior_version
        if ok:
            _log.info("firmware {version} is running", version=version)
            queue.complete(t)
        else:
            queue.complete(t, 9010, f"the device still runs {version or 'an unknown version'}")

    def failed(failure: Failure) -> None:
        reason = f"cannot judge the firmware after the boot: {failure.getErrorMessage()}"
        _log.warn("transfer {key!r}: {reason}", key=t.command_key, reason=reason)
        queue.complete(t, 9002, reason)

    Deferred.fromCoroutine(judge()).addErrback(failed)
