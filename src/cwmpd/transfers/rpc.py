"""The ACS-facing transfer RPCs: Download, Upload, ScheduleDownload, GetQueuedTransfers,
GetAllQueuedTransfers and CancelTransfer (P-24..P-34), registered on the Dispatcher.

ChangeDUState is cwmpd.transfers.du's, registered only on a device with an execution
environment (elsewhere it answers 9000 and GetRPCMethods does not list it, P-1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cwmpd.cwmp import messages
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.transfers import validate
from cwmpd.transfers.queue import TransferQueue
from cwmpd.transfers.record import Kind, Transfer, Window
from cwmpd.transfers.store import QueueFull


class TransferRpcs:
    """Answers the transfer RPCs for one TransferQueue; ``cancel(command_key)`` is
    TransferManager.cancel (it may have to stop the running transfer)."""

    def __init__(self, queue: TransferQueue, cancel: Callable[[str], None]) -> None:
        self._transfers = queue
        self._cancel = cancel

    def register(self, dispatcher: Any) -> None:
        """Add the handlers to a cwmpd.session.dispatch.Dispatcher."""
        dispatcher.register("Download", self.download)
        dispatcher.register("ScheduleDownload", self.schedule_download)
        dispatcher.register("GetQueuedTransfers", self.get_queued)
        dispatcher.register("GetAllQueuedTransfers", self.get_all_queued)
        dispatcher.register("CancelTransfer", self.cancel)
        if self._transfers.uploads:
            dispatcher.register("Upload", self.upload)

    def _queue(self, transfer: Transfer) -> None:
        try:
            self._transfers.store.add(transfer)
        except QueueFull as exc:
            raise CwmpFault(9004, "transfer queue full") from exc

    def _check_space(self, file_size: int) -> None:
        try:
            free = self._transfers.free_space()
        except OSError as exc:
            raise CwmpFault(9002, f"spool folder unusable: {exc.strerror}") from exc
        if file_size and file_size > free:
            raise CwmpFault(9004, f"not enough space for {file_size} bytes")

    async def download(self, req: messages.Download) -> messages.Message:
        """Validate, persist, answer Status 1 with Unknown Times (P-25); runs after the session."""
        validate.check_common(
            req.command_key, req.file_type, req.url, req.username, req.password, req.file_size
        )
        validate.check_download_type(req.file_type, tuple(self._transfers.handlers))
        validate.check_text(req.target_file_name, "TargetFileName")
        for name, url in (("SuccessURL", req.success_url), ("FailureURL", req.failure_url)):
            validate.check_text(url, name)
        if not 0 <= req.delay_seconds <= validate.MAX_UNSIGNED:
            raise CwmpFault(9003, "DelaySeconds out of range")
        self._check_space(req.file_size)
        self._queue(
            Transfer(
                id=self._transfers.store.new_id(),
                kind=Kind.DOWNLOAD,
                command_key=req.command_key,
                file_type=req.file_type,
                url=req.url,
                username=req.username,
                password=req.password,
                file_size=req.file_size,
                target_file_name=req.target_file_name,
                not_before=self._transfers.now() + req.delay_seconds,
            )
        )
        return messages.DownloadResponse(status=1)

    async def upload(self, req: messages.Upload) -> messages.Message:
        """Validate and persist an Upload; Status 1, TransferComplete follows (P-30)."""
        validate.check_common(
            req.command_key, req.file_type, req.url, req.username, req.password, 0
        )
        validate.check_upload_type(req.file_type, tuple(self._transfers.uploads))
        if not 0 <= req.delay_seconds <= validate.MAX_UNSIGNED:
            raise CwmpFault(9003, "DelaySeconds out of range")
        self._queue(
            Transfer(
                id=self._transfers.store.new_id(),
                kind=Kind.UPLOAD,
                command_key=req.command_key,
                file_type=req.file_type,
                url=req.url,
                username=req.username,
                password=req.password,
                not_before=self._transfers.now() + req.delay_seconds,
            )
        )
        return messages.UploadResponse(status=1)

    async def schedule_download(self, req: messages.ScheduleDownload) -> messages.Message:
        """Validate the windows (9003) and queue for the first one (P-32)."""
        validate.check_common(
            req.command_key, req.file_type, req.url, req.username, req.password, req.file_size
        )
        validate.check_download_type(req.file_type, tuple(self._transfers.handlers))
        validate.check_text(req.target_file_name, "TargetFileName")
        validate.check_windows(req.time_windows)
        self._check_space(req.file_size)
        now = self._transfers.now()
        windows = tuple(
            Window(now + w.window_start, now + w.window_end, w.window_mode, w.max_retries)
            for w in sorted(req.time_windows, key=lambda w: w.window_start)
        )
        self._queue(
            Transfer(
                id=self._transfers.store.new_id(),
                kind=Kind.SCHEDULE_DOWNLOAD,
                command_key=req.command_key,
                file_type=req.file_type,
                url=req.url,
                username=req.username,
                password=req.password,
                file_size=req.file_size,
                target_file_name=req.target_file_name,
                not_before=windows[0].start,
                windows=windows,
            )
        )
        return messages.ScheduleDownloadResponse()

    async def get_queued(self, req: messages.GetQueuedTransfers) -> messages.Message:
        """CommandKey and State of the first 16 transfers (P-33, deprecated form)."""
        items = list(self._transfers.store)[:16]
        return messages.GetQueuedTransfersResponse(
            transfers=tuple(messages.QueuedTransfer(t.command_key, t.queue_state) for t in items)
        )

    async def get_all_queued(self, req: messages.GetAllQueuedTransfers) -> messages.Message:
        """Every field of the first 16 transfers (P-33)."""
        items = list(self._transfers.store)[:16]
        return messages.GetAllQueuedTransfersResponse(
            transfers=tuple(
                messages.AllQueuedTransfer(
                    command_key=t.command_key,
                    state=t.queue_state,
                    is_download=t.is_download,
                    file_type=t.file_type,
                    file_size=t.file_size,
                    target_file_name=t.target_file_name,
                )
                for t in items
            )
        )

    async def cancel(self, req: messages.CancelTransfer) -> messages.Message:
        """Cancel a transfer not yet applied; 9021 otherwise (P-34)."""
        self._cancel(req.command_key)
        return messages.CancelTransferResponse()
