"""File-transfer RPCs: Download, Upload, ScheduleDownload, queues, CancelTransfer,
TransferComplete, AutonomousTransferComplete and RequestDownload (A.3.2.8, A.4.1, A.3.3.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final, Self

from lxml import etree

from cwmpd.cwmp.rpc import Message
from cwmpd.cwmp.soapenc import (
    BOOL,
    INT,
    KEY,
    STRING,
    TOKEN,
    UINT,
    Arg,
    Struct,
    cwmp_array,
    put_args,
    read_args,
)
from cwmpd.cwmp.struct_codecs import FILE_TYPE_ARGS

UNKNOWN_TIME: Final = "0001-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """One ScheduleDownload TimeWindowStruct (seconds from receipt of the RPC)."""

    window_start: int
    window_end: int
    window_mode: str
    user_message: str = ""
    max_retries: int = -1


@dataclass(frozen=True, slots=True)
class QueuedTransfer:
    """GetQueuedTransfersResponse entry; State 1 not started, 2 in progress, 3 completed."""

    command_key: str
    state: int


@dataclass(frozen=True, slots=True)
class AllQueuedTransfer:
    """GetAllQueuedTransfersResponse entry."""

    command_key: str
    state: int
    is_download: bool
    file_type: str
    file_size: int = 0
    target_file_name: str = ""


_TIME_WINDOWS: Final = cwmp_array(
    "TimeWindowStruct",
    Struct(
        (
            Arg("WindowStart", "window_start", UINT),
            Arg("WindowEnd", "window_end", UINT),
            Arg("WindowMode", "window_mode", TOKEN),
            Arg("UserMessage", "user_message", STRING),
            Arg("MaxRetries", "max_retries", INT),
        ),
        TimeWindow,
    ),
    cap=2,
)
_QUEUED: Final = cwmp_array(
    "QueuedTransferStruct",
    Struct((Arg("CommandKey", "command_key", KEY), Arg("State", "state", INT)), QueuedTransfer),
    cap=16,
)
_ALL_QUEUED: Final = cwmp_array(
    "AllQueuedTransferStruct",
    Struct(
        (
            Arg("CommandKey", "command_key", KEY),
            Arg("State", "state", INT),
            Arg("IsDownload", "is_download", BOOL),
            Arg("FileType", "file_type", TOKEN),
            Arg("FileSize", "file_size", UINT),
            Arg("TargetFileName", "target_file_name", STRING),
        ),
        AllQueuedTransfer,
    ),
    cap=16,
)
_KEY: Final = Arg("CommandKey", "command_key", KEY)
_FILE_TYPE: Final = Arg("FileType", "file_type", TOKEN)
_URL: Final = Arg("URL", "url", TOKEN)
_USER: Final = Arg("Username", "username", STRING)
_PASSWORD: Final = Arg("Password", "password", STRING)
_SIZE: Final = Arg("FileSize", "file_size", UINT)
_TARGET: Final = Arg("TargetFileName", "target_file_name", STRING)
_DELAY: Final = Arg("DelaySeconds", "delay_seconds", UINT)
_TIMES: Final = (
    Arg("Status", "status", INT),
    Arg("StartTime", "start_time", TOKEN),
    Arg("CompleteTime", "complete_time", TOKEN),
)


@dataclass(frozen=True, slots=True)
class Download(Message):
    """ACS -> CPE: fetch and apply a file (A.3.2.8)."""

    name: ClassVar[str] = "Download"
    ARGS: ClassVar[tuple[Arg, ...]] = (
        *(_KEY, _FILE_TYPE, _URL, _USER, _PASSWORD, _SIZE, _TARGET, _DELAY),
        Arg("SuccessURL", "success_url", TOKEN),
        Arg("FailureURL", "failure_url", TOKEN),
    )
    command_key: str
    file_type: str
    url: str
    username: str = ""
    password: str = ""
    file_size: int = 0
    target_file_name: str = ""
    delay_seconds: int = 0
    success_url: str = ""
    failure_url: str = ""


@dataclass(frozen=True, slots=True)
class DownloadResponse(Message):
    """CPE -> ACS: Status 0 (done) or 1 (TransferComplete follows; times are Unknown)."""

    name: ClassVar[str] = "DownloadResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = _TIMES
    status: int = 1
    start_time: str = UNKNOWN_TIME
    complete_time: str = UNKNOWN_TIME


@dataclass(frozen=True, slots=True)
class Upload(Message):
    """ACS -> CPE: send a file to URL (A.4.1.5)."""

    name: ClassVar[str] = "Upload"
    ARGS: ClassVar[tuple[Arg, ...]] = (_KEY, _FILE_TYPE, _URL, _USER, _PASSWORD, _DELAY)
    command_key: str
    file_type: str
    url: str
    username: str = ""
    password: str = ""
    delay_seconds: int = 0


@dataclass(frozen=True, slots=True)
class UploadResponse(Message):
    """CPE -> ACS: same shape as DownloadResponse."""

    name: ClassVar[str] = "UploadResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = _TIMES
    status: int = 1
    start_time: str = UNKNOWN_TIME
    complete_time: str = UNKNOWN_TIME


@dataclass(frozen=True, slots=True)
class ScheduleDownload(Message):
    """ACS -> CPE: download within one or two time windows (A.4.1.8, CWMP 1.2+)."""

    name: ClassVar[str] = "ScheduleDownload"
    ARGS: ClassVar[tuple[Arg, ...]] = (
        *(_KEY, _FILE_TYPE, _URL, _USER, _PASSWORD, _SIZE, _TARGET),
        Arg("TimeWindowList", "time_windows", _TIME_WINDOWS),
    )
    command_key: str
    file_type: str
    url: str
    username: str
    password: str
    file_size: int
    target_file_name: str
    time_windows: tuple[TimeWindow, ...]


@dataclass(frozen=True, slots=True)
class ScheduleDownloadResponse(Message):
    """CPE -> ACS: empty answer to ScheduleDownload."""

    name: ClassVar[str] = "ScheduleDownloadResponse"


@dataclass(frozen=True, slots=True)
class GetQueuedTransfers(Message):
    """ACS -> CPE: list queued transfers (deprecated form)."""

    name: ClassVar[str] = "GetQueuedTransfers"


@dataclass(frozen=True, slots=True)
class GetQueuedTransfersResponse(Message):
    """CPE -> ACS: at most 16 QueuedTransferStruct entries."""

    name: ClassVar[str] = "GetQueuedTransfersResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("TransferList", "transfers", _QUEUED),)
    transfers: tuple[QueuedTransfer, ...] = ()


@dataclass(frozen=True, slots=True)
class GetAllQueuedTransfers(Message):
    """ACS -> CPE: list every queued transfer (CWMP 1.1+)."""

    name: ClassVar[str] = "GetAllQueuedTransfers"


@dataclass(frozen=True, slots=True)
class GetAllQueuedTransfersResponse(Message):
    """CPE -> ACS: at most 16 AllQueuedTransferStruct entries."""

    name: ClassVar[str] = "GetAllQueuedTransfersResponse"
    ARGS: ClassVar[tuple[Arg, ...]] = (Arg("TransferList", "transfers", _ALL_QUEUED),)
    transfers: tuple[AllQueuedTransfer, ...] = ()


@dataclass(frozen=True, slots=True)
class CancelTransfer(Message):
    """ACS -> CPE: cancel the transfer with CommandKey (CWMP 1.2+)."""

    name: ClassVar[str] = "CancelTransfer"
    ARGS: ClassVar[tuple[Arg, ...]] = (_KEY,)
    command_key: str


@dataclass(frozen=True, slots=True)
class CancelTransferResponse(Message):
    """CPE -> ACS: empty answer to CancelTransfer."""

    name: ClassVar[str] = "CancelTransferResponse"


_FAULT_STRUCT: Final = Struct(
    (Arg("FaultCode", "fault_code", UINT), Arg("FaultString", "fault_string", STRING, True)),
    dict,
)


class _WithFaultStruct(Message):
    """Flattens the nested FaultStruct {FaultCode, FaultString} into two fields.

    A missing FaultStruct reads as success (0, "") — genieacs-sim omits it.
    """

    __slots__ = ()
    fault_code: int
    fault_string: str
    BEFORE: ClassVar[tuple[Arg, ...]] = ()
    AFTER: ClassVar[tuple[Arg, ...]] = (
        Arg("StartTime", "start_time", TOKEN),
        Arg("CompleteTime", "complete_time", TOKEN),
    )

    def fill(self, elem: etree._Element, ns: str) -> None:
        """Write BEFORE, the FaultStruct, then AFTER."""
        put_args(elem, self, self.BEFORE)
        struct = etree.SubElement(elem, "FaultStruct")
        etree.SubElement(struct, "FaultCode").text = str(self.fault_code)
        etree.SubElement(struct, "FaultString").text = self.fault_string
        put_args(elem, self, self.AFTER)

    @classmethod
    def decode(cls, elem: etree._Element) -> Self:
        """Read the arguments, flattening FaultStruct."""
        args = (*cls.BEFORE, Arg("FaultStruct", "fault", _FAULT_STRUCT, True), *cls.AFTER)
        found: dict[str, Any] = read_args(elem, args, cls.name)
        fault = found.pop("fault", {})
        found["fault_code"] = fault.get("fault_code", 0)
        found["fault_string"] = fault.get("fault_string", "")
        return cls(**found)


@dataclass(frozen=True, slots=True)
class TransferComplete(_WithFaultStruct):
    """CPE -> ACS: a Download/Upload/ScheduleDownload finished (FaultCode 0 = success)."""

    name: ClassVar[str] = "TransferComplete"
    BEFORE: ClassVar[tuple[Arg, ...]] = (_KEY,)
    command_key: str
    fault_code: int
    fault_string: str
    start_time: str
    complete_time: str


@dataclass(frozen=True, slots=True)
class TransferCompleteResponse(Message):
    """ACS -> CPE: empty answer to TransferComplete."""

    name: ClassVar[str] = "TransferCompleteResponse"


@dataclass(frozen=True, slots=True)
class AutonomousTransferComplete(_WithFaultStruct):
    """CPE -> ACS: a transfer the ACS did not ask for finished (CWMP 1.1+)."""

    name: ClassVar[str] = "AutonomousTransferComplete"
    BEFORE: ClassVar[tuple[Arg, ...]] = (
        Arg("AnnounceURL", "announce_url", TOKEN),
        Arg("TransferURL", "transfer_url", TOKEN),
        Arg("IsDownload", "is_download", BOOL),
        _FILE_TYPE,
        _SIZE,
        _TARGET,
    )
    announce_url: str
    transfer_url: str
    is_download: bool
    file_type: str
    file_size: int
    target_file_name: str
    fault_code: int
    fault_string: str
    start_time: str
    complete_time: str


@dataclass(frozen=True, slots=True)
class AutonomousTransferCompleteResponse(Message):
    """ACS -> CPE: empty answer to AutonomousTransferComplete."""

    name: ClassVar[str] = "AutonomousTransferCompleteResponse"


@dataclass(frozen=True, slots=True)
class RequestDownload(Message):
    """CPE -> ACS: ask the ACS to start a Download of FileType (A.4.2.2)."""

    name: ClassVar[str] = "RequestDownload"
    ARGS: ClassVar[tuple[Arg, ...]] = (_FILE_TYPE, Arg("FileTypeArg", "args", FILE_TYPE_ARGS))
    file_type: str
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RequestDownloadResponse(Message):
    """ACS -> CPE: empty answer to RequestDownload."""

    name: ClassVar[str] = "RequestDownloadResponse"
