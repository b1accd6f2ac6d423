"""What every USP message handler works on: the DataModel, the USP metadata, what is supported."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.uspmeta import UspMeta
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.uspagent.snapshot import Snapshot, take_snapshot

#: CWMP fault code (TR-069 A.5.1) -> the USP error of the same failure (TR-369 7.8).
_FROM_CWMP = {
    9001: ErrorCode.REQUEST_DENIED,
    9002: ErrorCode.INTERNAL_ERROR,
    9003: ErrorCode.INVALID_ARGUMENTS,
    9004: ErrorCode.RESOURCES_EXCEEDED,
    9005: ErrorCode.UNSUPPORTED_PARAMETER,
    9006: ErrorCode.INVALID_TYPE,
    9007: ErrorCode.INVALID_VALUE,
    9008: ErrorCode.NOT_WRITABLE,
}


def usp_code(fault: CwmpFault | int) -> ErrorCode:
    """The USP error code for a CWMP fault (7003 for one without a USP equivalent)."""
    code = fault if isinstance(fault, int) else fault.code
    return _FROM_CWMP.get(code, ErrorCode.INTERNAL_ERROR)


@dataclass(frozen=True)
class Context:
    """The model, its USP metadata, and the commands and events this agent supports
    (generic paths: "Device.Reboot()", "Device.Boot!")."""

    model: DataModel
    meta: UspMeta
    commands: Collection[str]
    events: Collection[str]

    async def snapshot(self) -> Snapshot:
        """A Snapshot of the live model for resolving paths."""
        return await take_snapshot(self.model, self.meta.unique_keys, self.commands, self.events)


class MessageError(UspError):
    """The whole message fails: an Error Msg with ``param_errs`` (path, code, message)."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        param_errs: Sequence[tuple[str, ErrorCode | int, str]] = (),
    ) -> None:
        super().__init__(code, message)
        self.param_errs = list(param_errs)
