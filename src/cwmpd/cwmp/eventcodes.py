"""The Inform event code policy table (E-1..E-17, §3.7.1.5): TR-069 data, not found in any library.

The "survives reboot" and "discarded on new BOOTSTRAP" columns are best evidence
(icwmp, modus, catawampus, [M]); see the event code table of the requirements digest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: delivered_by value for events that InformResponse delivers.
INFORM = "Inform"

BOOTSTRAP = "0 BOOTSTRAP"
BOOT = "1 BOOT"
PERIODIC = "2 PERIODIC"
SCHEDULED = "3 SCHEDULED"
VALUE_CHANGE = "4 VALUE CHANGE"
KICKED = "5 KICKED"
CONNECTION_REQUEST = "6 CONNECTION REQUEST"
TRANSFER_COMPLETE = "7 TRANSFER COMPLETE"
DIAGNOSTICS_COMPLETE = "8 DIAGNOSTICS COMPLETE"
REQUEST_DOWNLOAD = "9 REQUEST DOWNLOAD"
AUTONOMOUS_TRANSFER_COMPLETE = "10 AUTONOMOUS TRANSFER COMPLETE"
DU_STATE_CHANGE_COMPLETE = "11 DU STATE CHANGE COMPLETE"
AUTONOMOUS_DU_STATE_CHANGE_COMPLETE = "12 AUTONOMOUS DU STATE CHANGE COMPLETE"
WAKEUP = "13 WAKEUP"
HEARTBEAT = "14 HEARTBEAT"
M_REBOOT = "M Reboot"
M_SCHEDULE_INFORM = "M ScheduleInform"
M_DOWNLOAD = "M Download"
M_SCHEDULE_DOWNLOAD = "M ScheduleDownload"
M_UPLOAD = "M Upload"
M_CHANGE_DU_STATE = "M ChangeDUState"

#: EventCode is string(64), CommandKey string(32) (E-1, E-2).
MAX_CODE_LEN = 64
MAX_COMMAND_KEY_LEN = 32

_VENDOR_METHOD = re.compile(r"M X_[0-9A-Za-z_-]+")
_VENDOR_EVENT = re.compile(r"X [0-9A-F]{6} \S.*")


@dataclass(frozen=True, slots=True)
class EventPolicy:
    """How one event code behaves in the queue."""

    multiple: bool  # E-3: "M ..." events are queued once per call, singles at most once
    delivered_by: str  # INFORM or the CPE RPC whose response delivers it (E-17)
    survives_reboot: bool  # kept by EventQueue.on_boot (E-17)
    discard_on_bootstrap: bool  # dropped when a new 0 BOOTSTRAP is queued


def _single(by: str = INFORM, *, reboot: bool, bootstrap: bool) -> EventPolicy:
    return EventPolicy(False, by, reboot, bootstrap)


def _multi(by: str = INFORM, *, bootstrap: bool) -> EventPolicy:
    return EventPolicy(True, by, True, bootstrap)


POLICIES: dict[str, EventPolicy] = {
    # E-4: never discarded while undelivered, survives reboot.
    BOOTSTRAP: _single(reboot=True, bootstrap=False),
    # E-5: "retry until reboot": the new boot queues its own 1 BOOT.
    BOOT: _single(reboot=False, bootstrap=False),
    PERIODIC: _single(reboot=True, bootstrap=True),
    SCHEDULED: _single(reboot=True, bootstrap=True),
    # E-7: value changes do not outlive the boot that saw them.
    VALUE_CHANGE: _single(reboot=False, bootstrap=True),
    KICKED: _single("Kicked", reboot=True, bootstrap=True),
    CONNECTION_REQUEST: _single(reboot=False, bootstrap=True),
    # E-17: a pending TransferComplete is never lost.
    TRANSFER_COMPLETE: _single("TransferComplete", reboot=True, bootstrap=False),
    DIAGNOSTICS_COMPLETE: _single(reboot=False, bootstrap=True),
    REQUEST_DOWNLOAD: _single("RequestDownload", reboot=True, bootstrap=True),
    AUTONOMOUS_TRANSFER_COMPLETE: _single(
        "AutonomousTransferComplete", reboot=True, bootstrap=False
    ),
    DU_STATE_CHANGE_COMPLETE: _single("DUStateChangeComplete", reboot=True, bootstrap=False),
    AUTONOMOUS_DU_STATE_CHANGE_COMPLETE: _single(
        "AutonomousDUStateChangeComplete", reboot=True, bootstrap=False
    ),
    WAKEUP: _single(reboot=False, bootstrap=False),
    # E-14: a heartbeat is not retried across reboots.
    HEARTBEAT: _single(reboot=False, bootstrap=True),
    # E-6: the Reboot CommandKey must survive the reboot.
    M_REBOOT: _multi(bootstrap=True),
    M_SCHEDULE_INFORM: _multi(bootstrap=True),
    M_DOWNLOAD: _multi("TransferComplete", bootstrap=False),
    M_SCHEDULE_DOWNLOAD: _multi("TransferComplete", bootstrap=False),
    M_UPLOAD: _multi("TransferComplete", bootstrap=False),
    M_CHANGE_DU_STATE: _multi("DUStateChangeComplete", bootstrap=False),
}

#: Vendor "M X_<VENDOR>_<Method>": queued per call, delivered by InformResponse, kept.
VENDOR_METHOD_POLICY = _multi(bootstrap=False)
#: Vendor "X <OUI> <event>": treated as a single event delivered by InformResponse, kept.
VENDOR_EVENT_POLICY = _single(reboot=True, bootstrap=False)


def policy(code: str) -> EventPolicy:
    """The policy of ``code``; ValueError for a code that is neither standard nor vendor."""
    found = POLICIES.get(code)
    if found is not None:
        return found
    if len(code) <= MAX_CODE_LEN:
        if _VENDOR_METHOD.fullmatch(code):
            return VENDOR_METHOD_POLICY
        if _VENDOR_EVENT.fullmatch(code):
            return VENDOR_EVENT_POLICY
    raise ValueError(f"unknown event code {code!r}")


def sort_rank(code: str) -> int:
    """Standard single events first, by number (BOOTSTRAP first), then M and vendor events."""
    head = code.split(" ", 1)[0]
    return int(head) if head.isdigit() else 100
