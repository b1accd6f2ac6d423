"""CWMP fault codes (TR-069 A.5.1) and the exception that carries one."""

from __future__ import annotations

from dataclasses import dataclass

FAULT_STRINGS: dict[int, str] = {
    9000: "Method not supported",
    9001: "Request denied (no reason specified)",
    9002: "Internal error",
    9003: "Invalid arguments",
    9004: "Resources exceeded",
    9005: "Invalid parameter name",
    9006: "Invalid parameter type",
    9007: "Invalid parameter value",
    9008: "Attempt to set a non-writable parameter",
    9009: "Notification request rejected",
    9010: "File transfer failure",
    9011: "Upload failure",
    9012: "File transfer server authentication failure",
    9013: "Unsupported protocol for file transfer",
    9014: "File transfer failure: unable to join multicast group",
    9015: "File transfer failure: unable to contact file server",
    9016: "File transfer failure: unable to access file",
    9017: "File transfer failure: unable to complete download",
    9018: "File transfer failure: file corrupted",
    9019: "File transfer failure: file authentication failure",
    9020: "File transfer failure: unable to complete download within specified time windows",
    9021: "Cancelation of file transfer not permitted in current transfer state",
    9022: "Invalid UUID format",
    9023: "Unknown Execution Environment",
    9024: "Disabled Execution Environment",
    9025: "Deployment Unit to Execution Environment mismatch",
    9026: "Duplicate Deployment Unit",
    9027: "System resources exceeded",
    9028: "Unknown Deployment Unit",
    9029: "Invalid Deployment Unit state",
    9030: "Invalid DU update - downgrade not permitted",
    9031: "Invalid DU update - version not specified",
    9032: "Invalid DU update - version already exists",
    8000: "Method not supported",
    8001: "Request denied",
    8002: "Internal error",
    8003: "Invalid arguments",
    8004: "Resources exceeded",
    8005: "Retry request",
    8006: "ACS version incompatible with CPE",
}

_CLIENT_CODES = frozenset({9003, 9005, 9006, 9007, 9008, *range(9021, 9033), 8003})


def fault_type(code: int) -> str:
    """SOAP faultcode for a CWMP fault code: "Client" or "Server"."""
    return "Client" if code in _CLIENT_CODES else "Server"


def fault_string(code: int) -> str:
    """The standard FaultString for a code ("Vendor fault" past the table)."""
    return FAULT_STRINGS.get(code, "Vendor fault" if 9800 <= code <= 9899 else "Fault")


@dataclass(frozen=True, slots=True)
class SetParameterValuesFault:
    """One per-parameter entry of a SetParameterValues fault."""

    name: str
    code: int
    string: str = ""

    def __post_init__(self) -> None:
        if not self.string:
            object.__setattr__(self, "string", fault_string(self.code))


class CwmpFault(Exception):
    """A CWMP fault to answer a request with (or received from the ACS)."""

    def __init__(
        self,
        code: int,
        string: str = "",
        set_faults: tuple[SetParameterValuesFault, ...] = (),
    ) -> None:
        self.code = code
        self.string = string or fault_string(code)
        self.set_faults = tuple(set_faults)
        super().__init__(f"{code} {self.string}")
