"""SOAP-encoding codecs for CWMP arguments: scalars, structs and arrays.

Hand-written because lxml has no SOAP 1.1 encoding (soap-enc:arrayType) support and
stdlib/Twisted have no SOAP at all. Encoding writes lxml elements with SubElement
directly; decoding is liberal (any prefixes, whitespace, zero-padded counts) but strict
about missing, duplicated or unexpected arguments, which raise CwmpFault 9003.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from lxml import etree

from cwmpd.cwmp import types
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.xmlns import ARRAY_TYPE, CWMP_PREFIX, local_name

#: Largest array accepted on input (declared soap-enc:arrayType count or actual items).
#: Big enough for a GetParameterValues of 10,000 names or a whole-tree GPN response of a
#: large device; a 4 MiB body cannot hold many more anyway.
MAX_ARRAY_ITEMS: Final = 100_000

_SubElement = etree.SubElement
_INT = re.compile(r"[+-]?[0-9]{1,20}")
_ARRAY_SIZE = re.compile(r"\[\s*([0-9]*)\s*\]\s*\Z")
INT32: Final = (-(2**31), 2**31 - 1)
UINT32: Final = (0, 2**32 - 1)


def invalid(detail: str) -> CwmpFault:
    """The fault for a missing, extra or malformed argument: 9003 Invalid arguments."""
    return CwmpFault(9003, f"Invalid arguments: {detail}")


def elements(parent: etree._Element) -> list[etree._Element]:
    """The element children of ``parent`` (comments, PIs and entities skipped)."""
    return [c for c in parent if isinstance(c.tag, str)]


def scalar_text(elem: etree._Element, what: str) -> str:
    """The text of a simple-typed element; element content is an error."""
    if len(elem):
        raise invalid(f"{what} must not contain elements")
    return elem.text or ""


def parse_int(text: str, what: str, bounds: tuple[int, int] = INT32) -> int:
    """An xsd integer (leading zeros and blanks allowed) within ``bounds``."""
    text = text.strip()
    if _INT.fullmatch(text) is None:
        raise invalid(f"{what} is not an integer: {text[:40]!r}")
    value = int(text)
    if not bounds[0] <= value <= bounds[1]:
        raise invalid(f"{what} out of range: {value}")
    return value


def parse_bool(text: str, what: str) -> bool:
    """An xsd boolean: "1"/"0"/"true"/"false", any case, blanks allowed."""
    try:
        return types.parse_boolean(text.lower())  # an ACS may write "True": liberal here
    except ValueError:
        raise invalid(f"{what} is not a boolean: {text[:40]!r}") from None


class Codec(Protocol):
    """Writes one value as a child element and reads it back."""

    def put(self, parent: etree._Element, tag: str, value: Any) -> None:
        """Append ``value`` to ``parent`` as element ``tag``."""

    def get(self, elem: etree._Element, what: str) -> Any:
        """Read the value held by ``elem`` (raise CwmpFault 9003 when malformed)."""


@dataclass(frozen=True, slots=True)
class Text:
    """A string argument; ``strip`` trims blanks on input (names, times, keys).

    ``max_length`` is the XSD maxLength in characters (string(32) keys); longer input is 9003.
    """

    strip: bool = False
    max_length: int | None = None

    def put(self, parent: etree._Element, tag: str, value: Any) -> None:
        """Append ``value`` as element text."""
        _SubElement(parent, tag).text = value

    def get(self, elem: etree._Element, what: str) -> str:
        """Read the text, trimmed when ``strip``."""
        text = scalar_text(elem, what)
        text = text.strip() if self.strip else text
        if self.max_length is not None and len(text) > self.max_length:
            raise invalid(f"{what} longer than {self.max_length} characters")
        return text


@dataclass(frozen=True, slots=True)
class Int:
    """An integer argument within ``bounds`` (int or unsignedInt)."""

    bounds: tuple[int, int] = INT32

    def put(self, parent: etree._Element, tag: str, value: Any) -> None:
        """Append ``value`` in decimal."""
        _SubElement(parent, tag).text = str(int(value))

    def get(self, elem: etree._Element, what: str) -> int:
        """Read an integer, 9003 when out of ``bounds``."""
        return parse_int(scalar_text(elem, what), what, self.bounds)


@dataclass(frozen=True, slots=True)
class Bool:
    """A boolean argument, written as "1"/"0"."""

    def put(self, parent: etree._Element, tag: str, value: Any) -> None:
        """Append ``value`` as "1" or "0"."""
        _SubElement(parent, tag).text = "1" if value else "0"

    def get(self, elem: etree._Element, what: str) -> bool:
        """Read a boolean in any xsd lexical form."""
        return parse_bool(scalar_text(elem, what), what)


STRING: Final = Text()
TOKEN: Final = Text(strip=True)
#: CommandKey and ParameterKey: string(32) in every cwmp XSD.
KEY: Final = Text(max_length=32)
INT: Final = Int(INT32)
UINT: Final = Int(UINT32)
BOOL: Final = Bool()


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument: element name, dataclass attribute, codec; optional ones may be absent."""

    xml: str
    attr: str
    codec: Codec
    optional: bool = False


def put_args(elem: etree._Element, value: object, args: tuple[Arg, ...]) -> None:
    """Append every argument of ``value`` (skipping optional ones that are None)."""
    for arg in args:
        item = getattr(value, arg.attr)
        if item is None and arg.optional:
            continue
        arg.codec.put(elem, arg.xml, item)


def read_args(elem: etree._Element, args: tuple[Arg, ...], what: str) -> dict[str, Any]:
    """Read the children of ``elem`` into {attr: value}; 9003 on extra/duplicate/missing."""
    by_name = {arg.xml: arg for arg in args}
    found: dict[str, Any] = {}
    for child in elem:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        name = local_name(tag)
        arg = by_name.get(name)
        if arg is None:
            raise invalid(f"unexpected {name} in {what}")
        if arg.attr in found:
            raise invalid(f"duplicate {name} in {what}")
        found[arg.attr] = arg.codec.get(child, name)
    for arg in args:
        if not arg.optional and arg.attr not in found:
            raise invalid(f"missing {arg.xml} in {what}")
    return found


@dataclass(frozen=True, slots=True)
class Struct:
    """A struct argument mapped onto a dataclass built by ``make`` from the read args."""

    args: tuple[Arg, ...]
    make: Callable[..., Any]

    def put(self, parent: etree._Element, tag: str, value: Any) -> None:
        """Append ``value`` as a struct element."""
        put_args(_SubElement(parent, tag), value, self.args)

    def get(self, elem: etree._Element, what: str) -> Any:
        """Read the struct's members into a dataclass."""
        return self.make(**read_args(elem, self.args, what))


def array_items(
    elem: etree._Element, what: str, cap: int = MAX_ARRAY_ITEMS
) -> list[etree._Element]:
    """The items of a SOAP array, after checking the declared and actual sizes against ``cap``.

    A missing arrayType or a count that disagrees with the items is tolerated; a malformed
    arrayType or any count above ``cap`` is 9003 (never allocated from the declared count).
    """
    declared = elem.get(ARRAY_TYPE)
    if declared is not None:
        match = _ARRAY_SIZE.search(declared)
        if match is None:
            raise invalid(f"malformed arrayType on {what}: {declared[:60]!r}")
        digits = match.group(1).lstrip("0")
        if len(digits) > 9 or (digits and int(digits) > cap):
            raise invalid(f"{what} declares {declared[:60]!r}, more than {cap} items")
    count = len(elem)  # counted in C: no Python object per item before the cap is checked
    if count > cap:  # children are elements only: the parser drops comments and PIs
        raise invalid(f"{what} has {count} items, more than {cap}")
    return elements(elem)


@dataclass(frozen=True, slots=True)
class Array:
    """A SOAP array of ``item_tag`` elements typed ``item_type`` ("cwmp:X" or "xsd:string")."""

    item_type: str
    item_tag: str
    item: Codec
    cap: int = MAX_ARRAY_ITEMS

    def put(self, parent: etree._Element, tag: str, value: Any) -> None:
        """Append the array with its soap-enc:arrayType "type[count]"."""
        values = tuple(value)
        arr = _SubElement(parent, tag, {ARRAY_TYPE: f"{self.item_type}[{len(values)}]"})
        put, item_tag = self.item.put, self.item_tag
        for v in values:
            put(arr, item_tag, v)

    def get(self, elem: etree._Element, what: str) -> tuple[Any, ...]:
        """Read every item (any item element name is accepted)."""
        get = self.item.get
        return tuple(get(child, what) for child in array_items(elem, what, self.cap))


def cwmp_array(item_tag: str, item: Codec, cap: int = MAX_ARRAY_ITEMS) -> Array:
    """An array of CWMP structs, typed "cwmp:<item_tag>[n]"."""
    return Array(f"{CWMP_PREFIX}:{item_tag}", item_tag, item, cap)


def string_array(cap: int = MAX_ARRAY_ITEMS) -> Array:
    """An array of strings ("xsd:string[n]", items named "string"), trimmed on input."""
    return Array("xsd:string", "string", TOKEN, cap)
