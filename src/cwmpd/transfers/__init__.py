"""File transfers: Download, Upload, ScheduleDownload, their persisted queue, firmware apply
handlers and an exactly-once TransferComplete.

Wiring (service.py, through setup.start_transfers): ``TransferManager(TransferSettings(...))``,
``register(dispatcher)``, ``engine.add_request_source(manager.request_source)`` (the engine
calls its ``session_started()`` as each session begins), ``start()`` before the scheduler
starts, ``before_session()`` before each session's Inform, ``after_session()`` once it has
ended, ``stop()`` on shutdown. A transfer's states are ``State``; what leads from one to the
next is cwmpd.transfers.lifecycle.
"""

from typing import TYPE_CHECKING, Any

from cwmpd.transfers.errors import TransferError
from cwmpd.transfers.handlers import (
    DONE,
    REBOOT,
    SELF_REBOOT,
    DeviceFirmware,
    FileHandler,
    FileUpload,
    ModelSnapshot,
    StoreFile,
    UploadSource,
    device_firmware,
)
from cwmpd.transfers.limits import HttpLimits
from cwmpd.transfers.manager import TransferManager
from cwmpd.transfers.record import Kind, State
from cwmpd.transfers.settings import TransferSettings

if TYPE_CHECKING:
    from cwmpd.transfers.http import FileServerClient

__all__ = [
    "DONE",
    "REBOOT",
    "SELF_REBOOT",
    "DeviceFirmware",
    "FileHandler",
    "FileServerClient",
    "FileUpload",
    "HttpLimits",
    "Kind",
    "ModelSnapshot",
    "State",
    "StoreFile",
    "TransferError",
    "TransferManager",
    "TransferSettings",
    "UploadSource",
    "device_firmware",
]


def __getattr__(name: str) -> Any:
    """``FileServerClient``, loaded on first use (PEP 562)."""
    if name != "FileServerClient":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # lazy: the HTTP client is loaded by the first transfer, not by every start-up.
    from cwmpd.transfers.http import FileServerClient

    return FileServerClient
