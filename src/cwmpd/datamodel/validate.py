"""Check a SetParameterValues value against its parameter's metadata (P-11, P-12, T-3..T-9).

Hand-written because the facets come from our generated metadata, not from an XSD that lxml
could apply; the lexical parsing itself is :mod:`cwmpd.cwmp.types`.

xsi:type policy (9006). Real ACSes are sloppy about xsi:type, so the check is liberal where
the value can still be read unambiguously, and strict where it cannot:

* no xsi:type, or one that is not a CWMP type name (e.g. "xsd:anySimpleType") -> no type check;
* xsd:string is accepted for every parameter type (several ACSes send it for everything); the
  text must still be a valid lexical form of the parameter's type, else 9007;
* any integer type (int, unsignedInt, long, unsignedLong) is accepted for any other integer
  type or for decimal; the range check then decides (9007);
* every other mismatch (boolean for an unsignedInt, int for a string, ...) is 9006.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cwmpd.cwmp import types
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.schema import ParamMeta

_INTEGERS = frozenset(types.INT_RANGES)
_BINARY = frozenset({"base64", "hexBinary"})


def wire_type_ok(param_type: str, wire_type: str | None) -> bool:
    """True if an SPV value sent with xsi:type ``wire_type`` may set a ``param_type`` parameter."""
    if not wire_type:
        return True
    wire = wire_type.rpartition(":")[2]
    if wire not in types.TYPES or wire in (param_type, "string"):
        return True
    return wire in _INTEGERS and (param_type in _INTEGERS or param_type == "decimal")


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # an XSD construct Python's re lacks: do not enforce that pattern
        return None


def _bad(reason: str) -> CwmpFault:
    return CwmpFault(9007, f"Invalid parameter value: {reason}")


def _length(type_name: str, text: str) -> int:
    """Length as the size facet counts it: characters, or octets for binary types."""
    if type_name == "base64":
        return len(types.parse_base64(text))
    if type_name == "hexBinary":
        return len(text) // 2
    return len(text)


def _check_size(value: int, lo: int | None, hi: int | None, what: str) -> None:
    if lo is not None and value < lo:
        raise _bad(f"{what} {value} is below the minimum {lo}")
    if hi is not None and value > hi:
        raise _bad(f"{what} {value} is above the maximum {hi}")


def _check_item(meta: ParamMeta, text: str, *, allow_readonly_enums: bool) -> str:
    """Canonical form of one (item) value, checked against ranges, enums and patterns."""
    try:
        value = types.canonical(meta.type, text)
    except ValueError as e:
        raise _bad(str(e)) from None
    if meta.ranges and meta.type in _INTEGERS:
        number = int(value)
        if not any(
            (lo is None or number >= lo) and (hi is None or number <= hi) for lo, hi in meta.ranges
        ):
            raise _bad(f"{number} is outside the allowed range")
    if meta.enums:
        if value not in meta.enums:
            raise _bad(f"{value!r} is not one of the allowed values")
        if not allow_readonly_enums and value in meta.readonly_enums:
            raise _bad(f"{value!r} cannot be set")
    if meta.patterns:
        compiled = [p for p in map(_compiled, meta.patterns) if p is not None]
        if compiled and not any(p.fullmatch(value) for p in compiled):
            raise _bad(f"{value!r} does not match the required pattern")
    return value


def check_value(
    meta: ParamMeta,
    value: str,
    wire_type: str | None,
    *,
    allow_readonly_enums: bool = False,
) -> str:
    """The canonical form of ``value`` for ``meta``, or CwmpFault 9006 (type) / 9007 (value).

    ``wire_type`` is the xsi:type of the SPV value ("xsd:unsignedInt", "unsignedInt" or None).
    Lists (TR-106 §3.2.3) are split on commas (blanks around items dropped) and rejoined
    with ","; each item is checked against the item type and its facets, the item count
    against minItems/maxItems and the whole string against the list's size. A list whose
    items are bracketed (``nestedBrackets="required"``) reads "[a,b],[c,d]". Enumeration
    values the data model marks read-only (e.g. DiagnosticsState "Complete") are refused
    unless ``allow_readonly_enums``.
    """
    if not wire_type_ok(meta.type, wire_type):
        raise CwmpFault(9006, f"Invalid parameter type: {wire_type} for a {meta.type} parameter")
    if not meta.is_list:
        out = _check_item(meta, value, allow_readonly_enums=allow_readonly_enums)
        if meta.min_length is not None or meta.max_length is not None:
            _check_size(_length(meta.type, out), meta.min_length, meta.max_length, "length")
        return out
    items = _bracketed(value) if meta.nested else _split(value)
    _check_size(len(items), meta.min_items, meta.max_items, "item count")
    canon = []
    for item in items:
        if meta.inner_items is not None:
            inner = _split(item)
            _check_size(len(inner), *meta.inner_items, "inner item count")
            parts = [_list_item(meta, i, allow_readonly_enums) for i in inner]
            canon.append("[" + ",".join(parts) + "]")
        elif meta.nested:
            canon.append("[" + _list_item(meta, item, allow_readonly_enums) + "]")
        else:
            canon.append(_list_item(meta, item, allow_readonly_enums))
    out = ",".join(canon)
    _check_size(len(out), meta.min_length, meta.max_length, "length")
    return out


_BRACKETED = re.compile(r"\s*\[([^\[\]]*)\]\s*(?:,|$)")


def _split(value: str) -> list[str]:
    """The items of a flat list; "" is the empty list."""
    return [item.strip() for item in value.split(",")] if value.strip() else []


def _bracketed(value: str) -> list[str]:
    """The items of a nested list ("[a,b],[c]" -> ["a,b", "c"]); "" is the empty list."""
    if not value.strip():
        return []
    items, pos = [], 0
    while pos < len(value):
        m = _BRACKETED.match(value, pos)
        if m is None or m.end() == pos:
            raise _bad("a nested list is written [item],[item],...")
        items.append(m[1])
        pos = m.end()
    if value.rstrip().endswith(","):
        raise _bad("a nested list is written [item],[item],...")
    return items


def _list_item(meta: ParamMeta, text: str, allow_readonly_enums: bool) -> str:
    """One list item checked against the item type, facets and item size."""
    value = _check_item(meta, text, allow_readonly_enums=allow_readonly_enums)
    if meta.item_min_length is not None or meta.item_max_length is not None:
        size = _length(meta.type, value)
        _check_size(size, meta.item_min_length, meta.item_max_length, "item length")
    return value
