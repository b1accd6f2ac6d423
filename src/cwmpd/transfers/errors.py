"""The one exception of the transfer code: a failure carrying its TransferComplete FaultCode."""

from __future__ import annotations

from cwmpd.cwmp.faults import fault_string

#: P-27: FaultCodes TransferComplete may carry besides the extension/vendor ranges.
TRANSFER_COMPLETE_CODES = frozenset({9001, 9002, 9010, 9011, *range(9012, 9021)})


class TransferError(Exception):
    """A transfer failed with a CWMP fault code (9010, 9012, 9015 ...) and a reason."""

    def __init__(self, code: int, reason: str = "") -> None:
        self.code = code if code in TRANSFER_COMPLETE_CODES or 9033 <= code <= 9899 else 9010
        self.reason = (reason or fault_string(self.code))[:256]
        super().__init__(f"{self.code} {self.reason}")
