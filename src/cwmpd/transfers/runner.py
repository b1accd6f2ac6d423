"""One transfer from start to TransferComplete: fetch, verify, persist, apply (or PUT).

The order of the firmware steps is the point: the record (StartTime, CompleteTime, the
prior SoftwareVersion, the boot id) is persisted *before* the image is applied, so that
whatever happens next (reboot, crash) the agent can judge the outcome afterwards. Each
step is one outcome of cwmpd.transfers.lifecycle, persisted through the TransferQueue.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from twisted.internet.defer import CancelledError
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger

from cwmpd.backends.base import BackendError
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.transfers.errors import TransferError
from cwmpd.transfers.handlers import DONE, REBOOT, SELF_REBOOT
from cwmpd.transfers.lifecycle import Applied, Fetched, Started, Verified
from cwmpd.transfers.progress import TransferLog
from cwmpd.transfers.queue import TransferQueue
from cwmpd.transfers.record import Kind, State, Transfer

_log = Logger(namespace="cwmpd.transfers")
_RESULTS = {
    DONE: "complete",
    REBOOT: "applied, rebooting",
    SELF_REBOOT: "applied, the device reboots by itself",
}


async def run_transfer(
    queue: TransferQueue,
    t: Transfer,
    *,
    cancel: Callable[[], None],
    interrupted: Callable[[], bool],
) -> None:
    """Run ``t`` to completion (or to the reboot that completes it).

    ``cancel()`` ends the run (called when a ScheduleDownload's window closes);
    ``interrupted()`` is true once a stop or a cancel asked it to end, so that the error
    the cut then causes (a refused connect, a lost body) is taken for that cancellation.
    """
    deadline = _window_deadline(queue, t, cancel)
    log = TransferLog(queue.reactor, t.kind, t.command_key, t.url)
    try:
        if t.kind == Kind.UPLOAD:
            await _upload(queue, t, log)
            log.ended("complete")
        elif t.state == State.FETCHED and queue.spool_path(t).exists():
            log.bytes = queue.spool_path(t).stat().st_size  # fetched by an earlier run
            log.ended(_RESULTS[await apply(queue, t)])
        else:
            t = queue.advance(t, Started(queue.now()))
            log.started(t.file_size)
            log.bytes = await _fetch(queue, t, log)
            t = queue.advance(t, Fetched())
            log.ended(_RESULTS[await apply(queue, t)])
    except Exception as exc:
        if not isinstance(exc, CancelledError) and not interrupted():
            if not isinstance(exc, TransferError):
                raise
            current = queue.store.get(t.id) or t
            log.ended("", exc.code, exc.reason)
            queue.complete(current, exc.code, exc.reason)
            return
        # Cancelled (stop, CancelTransfer, a window's end): the cut's own error is no outcome.
        if deadline is not None and not deadline.active() and t.kind == Kind.SCHEDULE_DOWNLOAD:
            current = queue.store.get(t.id) or t
            log.ended("", 9020, "not completed within the time windows")
            queue.complete(current, 9020, "not completed within the time windows")
            return
        if isinstance(exc, CancelledError):
            raise
        raise CancelledError() from exc
    finally:
        if deadline is not None and deadline.active():
            deadline.cancel()


def _window_deadline(
    queue: TransferQueue, t: Transfer, cancel: Callable[[], None]
) -> IDelayedCall | None:
    """For a ScheduleDownload: cancel the transfer when its current window closes."""
    now = queue.now()
    open_windows = [w for w in t.windows if w.start <= now < w.end]
    if not open_windows:
        return None
    return queue.reactor.callLater(open_windows[0].end - now, cancel)


async def _fetch(queue: TransferQueue, t: Transfer, log: TransferLog) -> int:
    space = queue.free_space()
    if t.file_size and t.file_size > space:
        raise TransferError(9010, f"not enough space for {t.file_size} bytes")
    client = queue.client(t)
    try:
        return await client.get(
            t.url, queue.spool_path(t), expected=t.file_size, space=space, progress=log.progress
        )
    finally:
        await client.close()


async def apply(queue: TransferQueue, t: Transfer) -> str:
    """Verify, persist the record, then apply; complete now or after the reboot.

    The handler's outcome (DONE, REBOOT, SELF_REBOOT). A device refusing the file, by a
    fault, a backend error or a failed write, is a TransferError: one warning, no traceback.
    """
    handler = queue.handlers.get(t.file_type)
    if handler is None:
        raise TransferError(9010, f"no handler for {t.file_type!r}")
    path = queue.spool_path(t)
    try:
        verdict = handler.verify(path)
        expected = str(await verdict if inspect.isawaitable(verdict) else verdict)
        prior = await handler.version()
    except CwmpFault as fault:
        raise TransferError(fault.code if fault.code != 9003 else 9018, fault.string) from fault
    except (BackendError, OSError) as exc:
        raise _refused(exc) from exc
    t = queue.advance(t, Verified(queue.now(), prior, expected, queue.boot_id()))
    try:
        outcome = await handler.apply(path, t.target_file_name)
    except CwmpFault as fault:
        raise TransferError(fault.code, fault.string) from fault
    except (BackendError, OSError) as exc:
        raise _refused(exc) from exc
    if outcome == DONE:
        queue.complete(t)
        return outcome
    queue.advance(t, Applied(self_reboot=outcome != REBOOT))
    if outcome == REBOOT:
        _log.info("firmware {version} staged; rebooting", version=expected or "?")
        queue.reboot()
    else:
        queue.arm_apply_timeout(t.id)
    return outcome


def _refused(exc: BaseException) -> TransferError:
    """9002 for a device (backend) refusing, 9010 for a file that cannot be written."""
    if isinstance(exc, OSError):
        return TransferError(9010, f"cannot apply the file: {exc.strerror or exc}")
    return TransferError(9002, f"the device refused the file: {exc}")


async def _upload(queue: TransferQueue, t: Transfer, log: TransferLog) -> None:
    source = queue.uploads.get(t.file_type)
    if source is None:
        raise TransferError(9011, f"nothing to upload for {t.file_type!r}")
    t = queue.advance(t, Started(queue.now()))
    log.started()
    path = queue.spool_path(t)
    queue.spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        try:
            content_type = await source.produce(t.file_type, path)
        except CwmpFault as fault:
            raise TransferError(9011, fault.string) from fault
        log.bytes = path.stat().st_size
        client = queue.client(t)
        try:
            await client.put(t.url, path, content_type)
        finally:
            await client.close()
    except TransferError as exc:
        code = 9011 if exc.code in (9010, 9016, 9017) else exc.code
        raise TransferError(code, exc.reason) from exc
    finally:
        path.unlink(missing_ok=True)
    queue.complete(t)
