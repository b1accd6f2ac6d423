"""What each CWMP namespace can carry, so that every emitted message validates (TR-069 A.6).

cwmp-1-0 knows fault codes 9000-9013, TransferComplete codes 0/9001/9002/9010-9012 and the
events 0..9 with M Reboot/ScheduleInform/Download/Upload; cwmp-1-1 adds 9014-9019 and
"10 AUTONOMOUS TRANSFER COMPLETE"; cwmp-1-2 (CWMP 1.2-1.4) knows everything. A newer code is
narrowed to the nearest older one that says the same thing less precisely. Notification
attributes 3..6 (lightweight, cwmp-1-4) are in cwmp-1-2's schema only (cwmp-1-0 and cwmp-1-1
enumerate 0..2): asked for there they are invalid (9003), reported there as their Inform part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from cwmpd.cwmp import eventcodes as ec
from cwmpd.cwmp import messages
from cwmpd.cwmp.structs import EventStruct
from cwmpd.cwmp.xmlns import NS_CWMP_10, NS_CWMP_11, NS_CWMP_12

_ORDER = (NS_CWMP_10, NS_CWMP_11, NS_CWMP_12)
_LAST_FAULT = {NS_CWMP_10: 9013, NS_CWMP_11: 9019}
_EVENTS_10 = frozenset(
    {
        ec.BOOTSTRAP, ec.BOOT, ec.PERIODIC, ec.SCHEDULED, ec.VALUE_CHANGE, ec.KICKED,
        ec.CONNECTION_REQUEST, ec.TRANSFER_COMPLETE, ec.DIAGNOSTICS_COMPLETE,
        ec.REQUEST_DOWNLOAD, ec.M_REBOOT, ec.M_SCHEDULE_INFORM, ec.M_DOWNLOAD, ec.M_UPLOAD,
    }
)  # fmt: skip
_EVENTS_11 = _EVENTS_10 | {ec.AUTONOMOUS_TRANSFER_COMPLETE}
_TRANSFER_10 = frozenset({0, 9001, 9002, 9010, 9011, 9012})
#: Lightweight Notification values -> their Inform part, for namespaces without 3..6.
_NOTIFICATION_NARROWED = {3: 0, 4: 1, 5: 0, 6: 1}
_ONLY_0_TO_2 = frozenset({NS_CWMP_10, NS_CWMP_11})
#: RPCs a namespace does not define: name -> the first namespace that has it.
ONLY_FROM = {
    "GetAllQueuedTransfers": NS_CWMP_11,
    "GetAllQueuedTransfersResponse": NS_CWMP_11,
    "AutonomousTransferComplete": NS_CWMP_11,
    "AutonomousTransferCompleteResponse": NS_CWMP_11,
    "ScheduleDownload": NS_CWMP_12,
    "ScheduleDownloadResponse": NS_CWMP_12,
    "CancelTransfer": NS_CWMP_12,
    "CancelTransferResponse": NS_CWMP_12,
    "ChangeDUState": NS_CWMP_12,
    "ChangeDUStateResponse": NS_CWMP_12,
    "DUStateChangeComplete": NS_CWMP_12,
    "DUStateChangeCompleteResponse": NS_CWMP_12,
    "AutonomousDUStateChangeComplete": NS_CWMP_12,
    "AutonomousDUStateChangeCompleteResponse": NS_CWMP_12,
}


def defined(name: str, ns: str) -> bool:
    """Whether namespace ``ns`` declares the RPC ``name``."""
    first = ONLY_FROM.get(name)
    return first is None or _ORDER.index(ns) >= _ORDER.index(first)


def _event_ns(code: str) -> str:
    if code in _EVENTS_10 or code.startswith(("M X_", "X ")):
        return NS_CWMP_10
    return NS_CWMP_11 if code in _EVENTS_11 else NS_CWMP_12


def inform_namespace(events: Sequence[EventStruct], preferred: str) -> str:
    """``preferred``, or a newer namespace when an event only exists there."""
    needed = max((_ORDER.index(_event_ns(e.code)) for e in events), default=0)
    return _ORDER[max(needed, _ORDER.index(preferred) if preferred in _ORDER else 0)]


def invalid_arguments(message: messages.Message, ns: str) -> str:
    """Why ``message`` (an ACS request in ``ns``) does not validate there, "" when it does:
    a SetParameterAttributes asking for Notification 3..6 in cwmp-1-0 or cwmp-1-1."""
    if ns not in _ONLY_0_TO_2 or message.name != "SetParameterAttributes":
        return ""
    if not isinstance(message, messages.SetParameterAttributes):
        return ""
    for req in message.parameters:
        if req.notification_change and req.notification in _NOTIFICATION_NARROWED:
            return f"Notification {req.notification} is not defined in {ns}"
    return ""


def fault_code(code: int, ns: str) -> int:
    """A fault code ``ns`` defines: newer transfer codes become 9010, others 9002."""
    last = _LAST_FAULT.get(ns)
    if last is None or code <= last or 9800 <= code <= 9899 or code < 9000:
        return code
    return 9010 if 9014 <= code <= 9020 else 9002


def transfer_fault_code(code: int, ns: str) -> int:
    """A TransferComplete FaultCode ``ns`` defines (cwmp-1-0 has six, no vendor range)."""
    code = fault_code(code, ns)
    if ns == NS_CWMP_10 and code not in _TRANSFER_10:
        return 9010
    return code


_COMPLETES = ("TransferComplete", "AutonomousTransferComplete")


def adapt(message: messages.Message, ns: str) -> messages.Message:
    """``message`` with any fault code narrowed to what ``ns`` defines."""
    if isinstance(message, messages.Fault):
        set_faults = tuple(
            dataclasses.replace(f, code=fault_code(f.code, ns)) for f in message.set_faults
        )
        return dataclasses.replace(
            message, code=fault_code(message.code, ns), set_faults=set_faults
        )
    if (
        ns in _ONLY_0_TO_2
        and message.name == "GetParameterAttributesResponse"
        and isinstance(message, messages.GetParameterAttributesResponse)
    ):
        narrowed = tuple(
            dataclasses.replace(p, notification=_NOTIFICATION_NARROWED.get(p.notification, 0))
            if p.notification in _NOTIFICATION_NARROWED
            else p
            for p in message.parameters
        )
        return dataclasses.replace(message, parameters=narrowed)
    if message.name in _COMPLETES and isinstance(  # by name first: no load of the classes
        message, messages.TransferComplete | messages.AutonomousTransferComplete
    ):
        return dataclasses.replace(message, fault_code=transfer_fault_code(message.fault_code, ns))
    return message
