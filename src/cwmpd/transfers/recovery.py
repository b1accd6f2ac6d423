"""What start-up does with transfers a crash or a reboot interrupted (exactly-once rules).

queued: runs as usual. fetching/uploading: the partial file is dropped and the transfer
restarted, up to ``max_attempts`` starts (then 9010/9011). fetched: applied from the
spool. applying/awaiting-boot: after a new boot the outcome is judged by the version
now running (or by the handler's ``outcome(image)`` when its applier reports one); on
the same boot an agent-driven reboot is asked for again, and a self-rebooting apply gets
its timeout. complete: its events are queued again if a crash
came between persisting the outcome and queueing them. "M Download/Upload/
ScheduleDownload" events without a transfer (a crash right after TransferCompleteResponse)
are acknowledged so they do not linger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from cwmpd.plugin.api import ReportingFileHandler
from cwmpd.transfers import record as r
from cwmpd.transfers.record import Transfer

if TYPE_CHECKING:
    from cwmpd.transfers.manager import TransferManager

_log = Logger(namespace="cwmpd.transfers")
_M_EVENTS = {f"M {kind}" for kind in r.KINDS}


def recover(mgr: TransferManager) -> None:
    """Bring every persisted transfer to a consistent state; queue pending events."""
    known = {t.id for t in mgr.store}
    if mgr.spool_dir.is_dir():
        for leftover in mgr.spool_dir.glob("transfer-*"):
            suffix = leftover.name.removeprefix("transfer-")
            if not suffix.isdigit() or int(suffix) not in known:
                leftover.unlink(missing_ok=True)
    for t in mgr.store:
        _recover_one(mgr, t)
    complete = {(t.event_code, t.command_key) for t in mgr.store if t.state == r.COMPLETE}
    for event in mgr.events.queued():
        if event.code in _M_EVENTS and (event.code, event.command_key) not in complete:
            _log.info(
                "dropping {code} {key!r}: already acknowledged",
                code=event.code,
                key=event.command_key,
            )
            mgr.events.response_delivered("TransferComplete", event.command_key)


def _recover_one(mgr: TransferManager, t: Transfer) -> None:
    if t.state in (r.FETCHING, r.UPLOADING):
        mgr.spool_path(t).unlink(missing_ok=True)
        if t.attempts >= mgr.max_attempts:
            code = 9011 if t.kind == r.UPLOAD else 9010
            mgr.complete(t, code, f"interrupted {t.attempts} times")
        else:
            _log.info("restarting interrupted transfer {key!r}", key=t.command_key)
            mgr.store.put(t.but(state=r.QUEUED, not_before=0.0))
    elif t.state == r.FETCHED and not mgr.spool_path(t).exists():
        mgr.complete(t, 9010, "the downloaded file was lost")
    elif t.state in (r.APPLYING, r.AWAITING_BOOT):
        if mgr.boot_id() != t.boot_id:
            _judge_after_boot(mgr, t)
        elif t.state == r.AWAITING_BOOT and not t.self_reboot:
            mgr.reboot()
        elif t.state == r.AWAITING_BOOT:
            mgr.arm_apply_timeout(t.id)
        elif mgr.spool_path(t).exists():
            mgr.store.put(t.but(state=r.FETCHED))  # apply again from the spool
        else:
            mgr.complete(t, 9010, "interrupted while applying")
    elif t.state == r.COMPLETE and not t.events_queued:
        mgr.queue_events(t)


def _judge_after_boot(mgr: TransferManager, t: Transfer) -> None:
    """The device booted since the apply: success iff the expected version runs now."""
    handler = mgr.handlers.get(t.file_type)
    outcome = handler.outcome if isinstance(handler, ReportingFileHandler) else None

    async def judge() -> None:
        if outcome is not None:
            code, reason = await outcome(mgr.spool_path(t))
            if code:
                _log.warn("firmware apply failed: {code} {reason}", code=code, reason=reason)
            mgr.complete(t, code, reason)
            return
        version = await handler.version() if handler is not None else ""
        if t.expected_version:
            ok = version == t.expected_version
        else:
            ok = bool(version) and version != t.prior_version
        if ok:
            _log.info("firmware {version} is running", version=version)
            mgr.complete(t)
        else:
            mgr.complete(t, 9010, f"the device still runs {version or 'an unknown version'}")

    def failed(failure: Any) -> None:
        reason = f"cannot judge the firmware after the boot: {failure.getErrorMessage()}"
        _log.warn("transfer {key!r}: {reason}", key=t.command_key, reason=reason)
        mgr.complete(t, 9002, reason)

    Deferred.fromCoroutine(judge()).addErrback(failed)
