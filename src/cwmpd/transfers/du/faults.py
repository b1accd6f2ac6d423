"""The FaultCodes a DUStateChangeComplete result may carry (cwmp-1-2 DeploymentUnitFaultStruct)."""

from __future__ import annotations

from typing import Final

#: DeploymentUnitCPEFaultCodeType, plus the vendor range.
DU_CODES: Final = frozenset({9001, 9003, 9012, 9013, *range(9015, 9019), *range(9022, 9033)})


class DUError(Exception):
    """One operation failed with ``code`` (narrowed to a DU fault code) and ``reason``."""

    def __init__(self, code: int, reason: str, *, fetching: bool = False) -> None:
        self.code = narrow(code, fetching=fetching)
        self.reason = reason[:256]
        super().__init__(f"{self.code} {self.reason}")


def narrow(code: int, *, fetching: bool = False) -> int:
    """``code`` when a result may carry it; else 9017 (a fetch failed) or 9001 (refused)."""
    if code in DU_CODES or 9800 <= code <= 9899:
        return code
    return 9017 if fetching else 9001
