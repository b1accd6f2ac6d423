"""One transfer from start to TransferComplete: fetch, verify, persist, apply (or PUT).

The order of the firmware steps is the point: the record (StartTime, CompleteTime, the
prior SoftwareVersion, the boot id) is persisted *before* the image is applied, so that
whatever happens next (reboot, crash) the agent can judge the outcome afterwards.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

from twisted.internet.defer import CancelledError
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger

from cwmpd.backends.base import BackendError
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.transfers import record as r
from cwmpd.transfers.errors import TransferError
from cwmpd.transfers.handlers import DONE, REBOOT, SELF_REBOOT
from cwmpd.transfers.progress import TransferLog
from cwmpd.transfers.record import Transfer

if TYPE_CHECKING:
    from cwmpd.transfers.manager import TransferManager

_log = Logger(namespace="cwmpd.transfers")
_RESULTS = {
    DONE: "complete",
    REBOOT: "applied, rebooting",
    SELF_REBOOT: "applied, the device reboots by itself",
}


async def run_transfer(mgr: TransferManager, t: Transfer) -> None:
    """Run ``t`` to completion (or to the reboot that completes it)."""
    from cwmpd.transfers.manager import iso

    deadline = _window_deadline(mgr, t)
    log = TransferLog(mgr.reactor, t.kind, t.command_key, t.url)
    try:
        if t.kind == r.UPLOAD:
            await _upload(mgr, t, log)
            log.ended("complete")
        elif t.state == r.FETCHED and mgr.spool_path(t).exists():
            log.bytes = mgr.spool_path(t).stat().st_size  # fetched by an earlier run
            log.ended(_RESULTS[await apply(mgr, t)])
        else:
            t = mgr.store.put(
                t.but(state=r.FETCHING, attempts=t.attempts + 1, start_time=iso(mgr.now()))
            )
            log.started(t.file_size)
            log.bytes = await _fetch(mgr, t, log)
            t = mgr.store.put(t.but(state=r.FETCHED))
            log.ended(_RESULTS[await apply(mgr, t)])
    except Exception as exc:
        if not isinstance(exc, CancelledError) and not mgr.interrupted(t.id):
            if not isinstance(exc, TransferError):
                raise
            current = mgr.store.get(t.id) or t
            log.ended("", exc.code, exc.reason)
            mgr.complete(current, exc.code, exc.reason)
            return
        # Cancelled (stop, CancelTransfer, a window's end): the cut's own error is no outcome.
        if deadline is not None and not deadline.active() and t.kind == r.SCHEDULE_DOWNLOAD:
            current = mgr.store.get(t.id) or t
            log.ended("", 9020, "not completed within the time windows")
            mgr.complete(current, 9020, "not completed within the time windows")
            return
        if isinstance(exc, CancelledError):
            raise
        raise CancelledError() from exc
    finally:
        if deadline is not None and deadline.active():
            deadline.cancel()


def _window_deadline(mgr: TransferManager, t: Transfer) -> IDelayedCall | None:
    """For a ScheduleDownload: cancel the transfer when its current window closes."""
    now = mgr.now()
    open_windows = [w for w in t.windows if w.start <= now < w.end]
    if not open_windows:
        return None
    call: IDelayedCall = mgr.reactor.callLater(open_windows[0].end - now, mgr.cancel_running)
    return call


async def _fetch(mgr: TransferManager, t: Transfer, log: TransferLog) -> int:
    space = mgr.free_space()
    if t.file_size and t.file_size > space:
        raise TransferError(9010, f"not enough space for {t.file_size} bytes")
    client = mgr.client(t)
    try:
        return await client.get(
            t.url, mgr.spool_path(t), expected=t.file_size, space=space, progress=log.progress
        )
    finally:
        await client.close()


async def apply(mgr: TransferManager, t: Transfer) -> str:
    """Verify, persist the record, then apply; complete now or after the reboot.

    The handler's outcome (DONE, REBOOT, SELF_REBOOT). A device refusing the file, by a
    fault, a backend error or a failed write, is a TransferError: one warning, no traceback.
    """
    from cwmpd.transfers.manager import iso

    handler = mgr.handlers.get(t.file_type)
    if handler is None:
        raise TransferError(9010, f"no handler for {t.file_type!r}")
    path = mgr.spool_path(t)
    try:
        verdict = handler.verify(path)
        expected = str(await verdict if inspect.isawaitable(verdict) else verdict)
        prior = await handler.version()
    except CwmpFault as fault:
        raise TransferError(fault.code if fault.code != 9003 else 9018, fault.string) from fault
    except (BackendError, OSError) as exc:
        raise _refused(exc) from exc
    t = mgr.store.put(
        t.but(
            state=r.APPLYING,
            complete_time=iso(mgr.now()),
            prior_version=prior,
            expected_version=expected,
            boot_id=mgr.boot_id(),
        )
    )
    try:
        outcome = await handler.apply(path, t.target_file_name)
    except CwmpFault as fault:
        raise TransferError(fault.code, fault.string) from fault
    except (BackendError, OSError) as exc:
        raise _refused(exc) from exc
    if outcome == DONE:
        mgr.complete(t)
        return outcome
    mgr.store.put(t.but(state=r.AWAITING_BOOT, self_reboot=outcome != REBOOT))
    if outcome == REBOOT:
        _log.info("firmware {version} staged; rebooting", version=expected or "?")
        mgr.reboot()
    else:
        mgr.arm_apply_timeout(t.id)
    return outcome


def _refused(exc: BaseException) -> TransferError:
    """9002 for a device (backend) refusing, 9010 for a file that cannot be written."""
    if isinstance(exc, OSError):
        return TransferError(9010, f"cannot apply the file: {exc.strerror or exc}")
    return TransferError(9002, f"the device refused the file: {exc}")


async def _upload(mgr: TransferManager, t: Transfer, log: TransferLog) -> None:
    from cwmpd.transfers.manager import iso

    source = mgr.uploads.get(t.file_type)
    if source is None:
        raise TransferError(9011, f"nothing to upload for {t.file_type!r}")
    t = mgr.store.put(t.but(state=r.UPLOADING, attempts=t.attempts + 1, start_time=iso(mgr.now())))
    log.started()
    path = mgr.spool_path(t)
    mgr.spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        try:
            content_type = await source.produce(t.file_type, path)
        except CwmpFault as fault:
            raise TransferError(9011, fault.string) from fault
        log.bytes = path.stat().st_size
        client = mgr.client(t)
        try:
            await client.put(t.url, path, content_type)
        finally:
            await client.close()
    except TransferError as exc:
        code = 9011 if exc.code in (9010, 9016, 9017) else exc.code
        raise TransferError(code, exc.reason) from exc
    finally:
        path.unlink(missing_ok=True)
    mgr.complete(t)
