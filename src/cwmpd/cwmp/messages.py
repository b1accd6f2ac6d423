"""Every CWMP RPC as a frozen dataclass with encode()/decode(), and the name registry.

The classes live in small modules by topic and are re-exported here, so callers use
``from cwmpd.cwmp import messages`` and ``messages.Inform``, ``messages.Fault`` ... The session RPCs
are imported at once; the parameter, transfer and software-module ones when first used
(``m.Download``, ``RPC_TYPES["Download"]``), so that a start-up does not create their classes.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

from cwmpd.cwmp.fault_message import FAULT_STRING, Fault
from cwmpd.cwmp.rpc import Message
from cwmpd.cwmp.session_messages import (
    FactoryReset,
    FactoryResetResponse,
    GetRPCMethods,
    GetRPCMethodsResponse,
    Inform,
    InformResponse,
    Reboot,
    RebootResponse,
    ScheduleInform,
    ScheduleInformResponse,
)

if TYPE_CHECKING:
    from cwmpd.cwmp.du_messages import (
        AutonomousDUStateChangeComplete,
        AutonomousDUStateChangeCompleteResponse,
        ChangeDUState,
        ChangeDUStateResponse,
        DUOperation,
        DUStateChangeComplete,
        DUStateChangeCompleteResponse,
        OpResult,
    )
    from cwmpd.cwmp.param_messages import (
        AddObject,
        AddObjectResponse,
        DeleteObject,
        DeleteObjectResponse,
        GetParameterAttributes,
        GetParameterAttributesResponse,
        GetParameterNames,
        GetParameterNamesResponse,
        GetParameterValues,
        GetParameterValuesResponse,
        SetParameterAttributes,
        SetParameterAttributesResponse,
        SetParameterValues,
        SetParameterValuesResponse,
    )
    from cwmpd.cwmp.transfer_messages import (
        UNKNOWN_TIME,
        AllQueuedTransfer,
        AutonomousTransferComplete,
        AutonomousTransferCompleteResponse,
        CancelTransfer,
        CancelTransferResponse,
        Download,
        DownloadResponse,
        GetAllQueuedTransfers,
        GetAllQueuedTransfersResponse,
        GetQueuedTransfers,
        GetQueuedTransfersResponse,
        QueuedTransfer,
        RequestDownload,
        RequestDownloadResponse,
        ScheduleDownload,
        ScheduleDownloadResponse,
        TimeWindow,
        TransferComplete,
        TransferCompleteResponse,
        Upload,
        UploadResponse,
    )

_SESSION = (
    Inform,
    InformResponse,
    GetRPCMethods,
    GetRPCMethodsResponse,
    Reboot,
    RebootResponse,
    FactoryReset,
    FactoryResetResponse,
    ScheduleInform,
    ScheduleInformResponse,
)
_PARAM = (
    "GetParameterValues GetParameterValuesResponse SetParameterValues SetParameterValuesResponse "
    "GetParameterNames GetParameterNamesResponse GetParameterAttributes "
    "GetParameterAttributesResponse SetParameterAttributes SetParameterAttributesResponse "
    "AddObject AddObjectResponse DeleteObject DeleteObjectResponse"
)
_TRANSFER = (
    "Download DownloadResponse Upload UploadResponse ScheduleDownload ScheduleDownloadResponse "
    "GetQueuedTransfers GetQueuedTransfersResponse GetAllQueuedTransfers "
    "GetAllQueuedTransfersResponse CancelTransfer CancelTransferResponse TransferComplete "
    "TransferCompleteResponse AutonomousTransferComplete AutonomousTransferCompleteResponse "
    "RequestDownload RequestDownloadResponse"
)
_DU = (
    "ChangeDUState ChangeDUStateResponse DUStateChangeComplete DUStateChangeCompleteResponse "
    "AutonomousDUStateChangeComplete AutonomousDUStateChangeCompleteResponse"
)

#: Where the classes not imported above live: ~40 frozen dataclasses a start-up does not need
#: before its first Inform (their creation was a fifth of it), loaded on first use.
_LAZY: Final[dict[str, str]] = {
    **dict.fromkeys(_PARAM.split(), "cwmpd.cwmp.param_messages"),
    **dict.fromkeys(
        [*_TRANSFER.split(), "UNKNOWN_TIME", "AllQueuedTransfer", "QueuedTransfer", "TimeWindow"],
        "cwmpd.cwmp.transfer_messages",
    ),
    **dict.fromkeys([*_DU.split(), "DUOperation", "OpResult"], "cwmpd.cwmp.du_messages"),
}
_RPC_NAMES: Final = (
    *(cls.name for cls in _SESSION),
    *_PARAM.split(),
    *_TRANSFER.split(),
    *_DU.split(),
)

_RPC_NAME_SET: Final = frozenset(_RPC_NAMES)


def __getattr__(name: str) -> Any:
    """``m.Download`` and the other lazily loaded names (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Lazy: the module of an RPC the first Inform does not need is loaded on first use.
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


class _RpcTypes(Mapping[str, type[Message]]):
    """The registry, loading an RPC's module when its class is first looked up."""

    def __getitem__(self, name: str) -> type[Message]:
        if name not in _RPC_NAME_SET:
            raise KeyError(name)
        cls: type[Message] = globals()[name] if name in globals() else __getattr__(name)
        return cls

    def __contains__(self, name: object) -> bool:
        return name in _RPC_NAME_SET

    def __iter__(self) -> Iterator[str]:
        return iter(_RPC_NAMES)

    def __len__(self) -> int:
        return len(_RPC_NAMES)


#: Every RPC the codec knows, by body element local name (the SOAP Fault is not here).
RPC_TYPES: Final[Mapping[str, type[Message]]] = _RpcTypes()

__all__ = [
    "FAULT_STRING",
    "RPC_TYPES",
    "UNKNOWN_TIME",
    "AddObject",
    "AddObjectResponse",
    "AllQueuedTransfer",
    "AutonomousDUStateChangeComplete",
    "AutonomousDUStateChangeCompleteResponse",
    "AutonomousTransferComplete",
    "AutonomousTransferCompleteResponse",
    "CancelTransfer",
    "CancelTransferResponse",
    "ChangeDUState",
    "ChangeDUStateResponse",
    "DUOperation",
    "DUStateChangeComplete",
    "DUStateChangeCompleteResponse",
    "DeleteObject",
    "DeleteObjectResponse",
    "Download",
    "DownloadResponse",
    "FactoryReset",
    "FactoryResetResponse",
    "Fault",
    "GetAllQueuedTransfers",
    "GetAllQueuedTransfersResponse",
    "GetParameterAttributes",
    "GetParameterAttributesResponse",
    "GetParameterNames",
    "GetParameterNamesResponse",
    "GetParameterValues",
    "GetParameterValuesResponse",
    "GetQueuedTransfers",
    "GetQueuedTransfersResponse",
    "GetRPCMethods",
    "GetRPCMethodsResponse",
    "Inform",
    "InformResponse",
    "Message",
    "OpResult",
    "QueuedTransfer",
    "Reboot",
    "RebootResponse",
    "RequestDownload",
    "RequestDownloadResponse",
    "ScheduleDownload",
    "ScheduleDownloadResponse",
    "ScheduleInform",
    "ScheduleInformResponse",
    "SetParameterAttributes",
    "SetParameterAttributesResponse",
    "SetParameterValues",
    "SetParameterValuesResponse",
    "TimeWindow",
    "TransferComplete",
    "TransferCompleteResponse",
    "Upload",
    "UploadResponse",
]
