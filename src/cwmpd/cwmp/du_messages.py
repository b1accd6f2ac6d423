"""ChangeDUState (A.4.1.10, CWMP 1.2): Operations typed by xsi:type, one dataclass for all;
DUStateChangeComplete and AutonomousDUStateChangeComplete (A.4.2.x): one OpResult per operation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final, Self

from lxml import etree

from cwmpd.cwmp.rpc import Message
from cwmpd.cwmp.soapenc import (
    BOOL,
    KEY,
    STRING,
    TOKEN,
    UINT,
    Arg,
    Struct,
    invalid,
    put_args,
    read_args,
)
from cwmpd.cwmp.xmlns import CWMP_PREFIX, XSI_TYPE, local_name

#: Upper bound on Operations in one ChangeDUState.
MAX_OPERATIONS: Final = 1024


@dataclass(frozen=True, slots=True)
class DUOperation:
    """One Install, Update or Uninstall operation; None marks an absent optional member."""

    kind: str
    url: str | None = None
    uuid: str | None = None
    username: str | None = None
    password: str | None = None
    execution_env_ref: str | None = None
    version: str | None = None


def _opt(xml: str, attr: str, codec: Any = TOKEN) -> Arg:
    return Arg(xml, attr, codec, optional=True)


#: Members of each operation kind in schema order; Install needs URL, Uninstall needs UUID.
_KINDS: Final[dict[str, tuple[Arg, ...]]] = {
    "Install": (
        Arg("URL", "url", TOKEN),
        _opt("UUID", "uuid"),
        _opt("Username", "username", STRING),
        _opt("Password", "password", STRING),
        _opt("ExecutionEnvRef", "execution_env_ref"),
    ),
    "Update": (
        _opt("UUID", "uuid"),
        _opt("Version", "version"),
        _opt("URL", "url"),
        _opt("Username", "username", STRING),
        _opt("Password", "password", STRING),
    ),
    "Uninstall": (
        Arg("UUID", "uuid", TOKEN),
        _opt("Version", "version"),
        _opt("ExecutionEnvRef", "execution_env_ref"),
    ),
}


@dataclass(frozen=True, slots=True)
class ChangeDUState(Message):
    """ACS -> CPE: install, update or uninstall deployment units."""

    name: ClassVar[str] = "ChangeDUState"
    operations: tuple[DUOperation, ...]
    command_key: str = ""

    def fill(self, elem: etree._Element, ns: str) -> None:
        """Write each Operations element with xsi:type="cwmp:<Kind>OpStruct", then CommandKey."""
        for op in self.operations:
            args = _KINDS.get(op.kind)
            if args is None:
                raise ValueError(f"unknown ChangeDUState operation {op.kind!r}")
            child = etree.SubElement(
                elem, "Operations", {XSI_TYPE: f"{CWMP_PREFIX}:{op.kind}OpStruct"}
            )
            put_args(child, op, tuple(a for a in args if getattr(op, a.attr) is not None))
        etree.SubElement(elem, "CommandKey").text = self.command_key

    @classmethod
    def decode(cls, elem: etree._Element) -> Self:
        """Read Operations (kind from xsi:type) and the optional CommandKey."""
        ops: list[DUOperation] = []
        key: str | None = None
        for child in elem:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            tag = local_name(tag)
            if tag == "CommandKey" and key is None:
                key = KEY.get(child, tag)
            elif tag == "Operations" and key is None and len(ops) < MAX_OPERATIONS:
                kind = (child.get(XSI_TYPE) or "").rpartition(":")[2].strip()
                args = _KINDS.get(kind.removesuffix("OpStruct"))
                if args is None:
                    raise invalid(f"unknown operation type {kind[:40]!r}")
                ops.append(
                    DUOperation(kind.removesuffix("OpStruct"), **read_args(child, args, kind))
                )
            else:
                raise invalid(f"unexpected {tag} in ChangeDUState")
        if not ops:
            raise invalid("ChangeDUState needs at least one operation")
        return cls(tuple(ops), key or "")


@dataclass(frozen=True, slots=True)
class ChangeDUStateResponse(Message):
    """CPE -> ACS: empty answer to ChangeDUState."""

    name: ClassVar[str] = "ChangeDUStateResponse"


@dataclass(frozen=True, slots=True)
class OpResult:
    """One OpResultStruct (AutonOpResultStruct when ``operation`` is set): the outcome of one
    operation on one deployment unit; ``fault_code`` 0 for success."""

    uuid: str
    deployment_unit_ref: str
    version: str
    current_state: str
    resolved: bool
    execution_unit_refs: str
    start_time: str
    complete_time: str
    fault_code: int = 0
    fault_string: str = ""
    operation: str | None = None


_DU_FAULT: Final = Struct(
    (Arg("FaultCode", "fault_code", UINT), Arg("FaultString", "fault_string", STRING, True)),
    dict,
)
_RESULT_ARGS: Final = (
    Arg("UUID", "uuid", TOKEN),
    Arg("DeploymentUnitRef", "deployment_unit_ref", STRING),
    Arg("Version", "version", STRING),
    Arg("CurrentState", "current_state", TOKEN),
    Arg("Resolved", "resolved", BOOL),
    Arg("ExecutionUnitRefList", "execution_unit_refs", STRING),
    Arg("StartTime", "start_time", TOKEN),
    Arg("CompleteTime", "complete_time", TOKEN),
)
_FAULT_ARG: Final = Arg("Fault", "fault", _DU_FAULT)
_OPERATION: Final = Arg("OperationPerformed", "operation", TOKEN)


def _put_result(parent: etree._Element, result: OpResult, autonomous: bool) -> None:
    elem = etree.SubElement(parent, "Results")
    put_args(elem, result, _RESULT_ARGS)
    fault = etree.SubElement(elem, "Fault")
    etree.SubElement(fault, "FaultCode").text = str(result.fault_code)
    etree.SubElement(fault, "FaultString").text = result.fault_string
    if autonomous:
        etree.SubElement(elem, "OperationPerformed").text = result.operation or ""


def _read_result(elem: etree._Element, autonomous: bool) -> OpResult:
    args = (*_RESULT_ARGS, _FAULT_ARG, *((_OPERATION,) if autonomous else ()))
    found: dict[str, Any] = read_args(elem, args, "Results")
    fault = found.pop("fault")
    return OpResult(
        **found, fault_code=fault["fault_code"], fault_string=fault.get("fault_string", "")
    )


def _read_results(
    elem: etree._Element, what: str, autonomous: bool
) -> tuple[list[OpResult], str | None]:
    results: list[OpResult] = []
    key: str | None = None
    for child in elem:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        tag = local_name(tag)
        if tag == "Results" and key is None and len(results) < MAX_OPERATIONS:
            results.append(_read_result(child, autonomous))
        elif tag == "CommandKey" and key is None and not autonomous:
            key = KEY.get(child, tag)
        else:
            raise invalid(f"unexpected {tag} in {what}")
    if not results:
        raise invalid(f"{what} needs at least one result")
    return results, key


@dataclass(frozen=True, slots=True)
class DUStateChangeComplete(Message):
    """CPE -> ACS: the operations of one ChangeDUState are done, one result each, in order."""

    name: ClassVar[str] = "DUStateChangeComplete"
    results: tuple[OpResult, ...]
    command_key: str = ""

    def fill(self, elem: etree._Element, ns: str) -> None:
        """Each Results element, then CommandKey."""
        for result in self.results:
            _put_result(elem, result, autonomous=False)
        etree.SubElement(elem, "CommandKey").text = self.command_key

    @classmethod
    def decode(cls, elem: etree._Element) -> Self:
        """Read the Results (at least one) and the optional CommandKey."""
        results, key = _read_results(elem, cls.name, autonomous=False)
        return cls(tuple(results), key or "")


@dataclass(frozen=True, slots=True)
class DUStateChangeCompleteResponse(Message):
    """ACS -> CPE: empty answer to DUStateChangeComplete."""

    name: ClassVar[str] = "DUStateChangeCompleteResponse"


@dataclass(frozen=True, slots=True)
class AutonomousDUStateChangeComplete(Message):
    """CPE -> ACS: deployment units changed without the ACS asking (OperationPerformed set)."""

    name: ClassVar[str] = "AutonomousDUStateChangeComplete"
    results: tuple[OpResult, ...]

    def fill(self, elem: etree._Element, ns: str) -> None:
        """Each Results element with its OperationPerformed."""
        for result in self.results:
            _put_result(elem, result, autonomous=True)

    @classmethod
    def decode(cls, elem: etree._Element) -> Self:
        """Read the Results (at least one)."""
        return cls(tuple(_read_results(elem, cls.name, autonomous=True)[0]))


@dataclass(frozen=True, slots=True)
class AutonomousDUStateChangeCompleteResponse(Message):
    """ACS -> CPE: empty answer to AutonomousDUStateChangeComplete."""

    name: ClassVar[str] = "AutonomousDUStateChangeCompleteResponse"
