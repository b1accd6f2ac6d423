"""How big one RPC response may grow: a count of values and of (estimated) bytes.

A GetParameterValues naming ``Device.`` ten thousand times asks for the whole tree ten
thousand times; building that first and measuring afterwards is what exhausts a router's
memory. The read paths charge every struct to a ``ResponseBudget`` as they go and stop
with fault 9004 the moment it is spent, so memory stays bounded by the budget.

Byte sizes are upper estimates of the struct's XML (escapes and UTF-8 counted), plus a
fixed allowance for the envelope; they are not measured on the serialized message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.attributes import names_of
from cwmpd.datamodel.tree import Index

#: The envelope, header and response element around the structs.
ENVELOPE_ALLOWANCE = 1024
# Struct markup without the texts (as cwmpd.cwmp writes them, plus a margin).
_PVS = len('<ParameterValueStruct><Name></Name><Value xsi:type="xsd:"></Value>') + 32
_PIS = len("<ParameterInfoStruct><Name></Name><Writable>0</Writable>") + 32
_PAS = (
    len("<ParameterAttributeStruct><Name></Name><Notification>0</Notification>")
    + len('<AccessList soap-enc:arrayType="xsd:string[1]"><string></string></AccessList>')
    + 32
)
#: The markup of each kind of struct, by ``take_name``'s kind.
_MARKUP = {"value": _PVS, "info": _PIS, "attribute": _PAS}


def text_size(text: str) -> int:
    """Upper estimate of ``text``'s bytes in XML: UTF-8, escapes, U+FFFD for controls."""
    size = len(text) if text.isascii() else len(text.encode("utf-8", "replace"))
    size += 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))
    if not text.isprintable():
        size += 4 * sum(1 for c in text if c < " ")
    return size


@dataclass(frozen=True)
class ResponseLimits:
    """``max_bytes``: largest response (estimated bytes); ``max_values``: most structs
    in one response, and most names in one request."""

    max_bytes: int = 4 * 1024 * 1024
    max_values: int = 16384


class ResponseBudget:
    """What is left of the limits while one response is being built."""

    def __init__(self, limits: ResponseLimits) -> None:
        self.limits = limits
        self.values = 0
        self.bytes = ENVELOPE_ALLOWANCE

    def check_names(self, count: int) -> None:
        """A request naming more than ``max_values`` names is refused outright."""
        if count > self.limits.max_values:
            raise CwmpFault(
                9004,
                f"Resources exceeded: {count} names in one request "
                f"(at most {self.limits.max_values})",
            )

    def take(self, size: int, count: int = 1) -> None:
        """Charge ``count`` structs of ``size`` bytes in all; 9004 once over a limit."""
        self.values += count
        self.bytes += size
        if self.values > self.limits.max_values:
            raise CwmpFault(
                9004,
                f"Resources exceeded: the response would hold more than "
                f"{self.limits.max_values} values",
            )
        if self.bytes > self.limits.max_bytes:
            raise CwmpFault(
                9004,
                f"Resources exceeded: the response would be larger than "
                f"{self.limits.max_bytes} bytes",
            )

    def take_name(self, name: str, kind: str) -> None:
        """Charge one struct for ``name`` before its value is known: "value", "info"
        or "attribute" (the markup of ParameterValue/Info/AttributeStruct)."""
        self.take(_MARKUP[kind] + text_size(name))

    def take_value(self, value: str, type_name: str) -> None:
        """Add the bytes of a value (its struct was charged by ``take_name``)."""
        self.take(text_size(value) + len(type_name), count=0)


def unlimited() -> ResponseBudget:
    """A budget nothing exceeds in practice (internal reads: Inform, DeviceId)."""
    return ResponseBudget(ResponseLimits(max_bytes=2**62, max_values=2**62))


def expand(names: Sequence[str], index: Index, budget: ResponseBudget, kind: str) -> list[str]:
    """The concrete parameters ``names`` stand for (full names, partial paths, "" for
    everything; 9005 for an unknown one), each charged to ``budget`` as it is added."""
    budget.check_names(len(names))
    out: list[str] = []
    for name in names:
        for concrete in names_of(name, index):
            budget.take_name(concrete, kind)
            out.append(concrete)
    return out
