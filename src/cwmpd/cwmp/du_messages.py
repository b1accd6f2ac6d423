"""ChangeDUState (A.4.1.10, CWMP 1.2): Operations typed by xsi:type, one dataclass for all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final, Self

from lxml import etree

from cwmpd.cwmp.rpc import Message
from cwmpd.cwmp.soapenc import KEY, STRING, TOKEN, Arg, invalid, put_args, read_args
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
