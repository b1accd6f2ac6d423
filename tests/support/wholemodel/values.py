"""Valid values for every parameter of a data model, from its metadata alone (test support).

For each parameter two values are made: ``initial`` (what the whole-model device starts
with) and ``other`` (what the ACS sets it to), both valid for the parameter's type and facets
and, where the facets allow, different. They sit at the edges: integers at the ends of their
ranges (or of the type), strings at their minimum and maximum sizes (capped at 4096, so
a 64 KiB string does not swell every GPV; 256 when unbounded), binary values at their
size limits, lists with their minimum and a few items, nested lists bracketed. Patterns
are honoured by building a matching string from the pattern itself (Python's own regex
parser walks the pattern; the XSD patterns the data models use are in the common subset).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from cwmpd.cwmp.types import INT_RANGES
from cwmpd.datamodel.schema import ParamMeta

#: Longest string made for a parameter without a maxLength, and with one.
STRING_CAP = 256
SIZED_CAP = 4096
#: Characters XML must escape, and one outside ASCII: every "other" string carries them.
TRICKY = "<&>'\"é"


@dataclass(frozen=True)
class Values:
    """The two values of one parameter."""

    initial: str
    other: str


def values_for(meta: ParamMeta) -> Values:
    """Two valid values for ``meta`` (see the module docstring)."""
    if meta.is_list:
        return Values(_list(meta, small=True), _list(meta, small=False))
    return Values(_scalar(meta, 0), _scalar(meta, 1))


def _scalar(meta: ParamMeta, which: int, *, lo_len: Any = None, hi_len: Any = None) -> str:
    """Value ``which`` (0 or 1) of a scalar or list item, within the given size limits."""
    lo_len = meta.min_length if lo_len is None and not meta.is_list else lo_len
    hi_len = meta.max_length if hi_len is None and not meta.is_list else hi_len
    if meta.enums:
        settable = [e for e in meta.enums if e not in meta.readonly_enums] or list(meta.enums)
        first = settable[0] if meta.is_list else meta.enums[0]
        return first if which == 0 else settable[-1]
    t = meta.type
    if t in INT_RANGES:
        tlo, thi = INT_RANGES[t]
        if meta.ranges:
            lo = meta.ranges[0][0]
            hi = meta.ranges[-1][1]
            lo = tlo if lo is None else max(lo, tlo)
            hi = thi if hi is None else min(hi, thi)
        else:
            lo, hi = tlo, thi
        return str(lo if which == 0 else hi)
    if t == "boolean":
        return "true" if which else "false"
    if t == "decimal":
        if meta.ranges:
            lo, hi = meta.ranges[0][0], meta.ranges[-1][1]
            return str(lo if which == 0 and lo is not None else hi if hi is not None else 0)
        return "-12.5" if which else "0"
    if t == "dateTime":
        return "2026-12-01T11:38:05.25+01:00" if which else "0001-01-01T00:00:00Z"
    if t in ("hexBinary", "base64"):
        size = _binary_size(lo_len, hi_len, which)
        data = bytes((i * 37 + 11 + 100 * which) % 256 for i in range(size))
        return data.hex().upper() if t == "hexBinary" else base64.b64encode(data).decode()
    return _string(meta, which, lo_len, hi_len)


def _binary_size(lo: int | None, hi: int | None, which: int) -> int:
    if which == 0:
        return lo if lo else min(2, hi if hi is not None else 2)
    return hi if hi is not None and hi <= STRING_CAP else max(lo or 0, 32)


def _string(meta: ParamMeta, which: int, lo: int | None, hi: int | None) -> str:
    patterns = [p for p in meta.patterns if p]
    if patterns:
        for pattern in patterns[::-1] if which else patterns:
            for extra in (0, 1, 2, 4, 8, 16, 32):
                text = from_pattern(pattern, extra, high=bool(which))
                clean = not meta.is_list or text == text.strip()  # items are stripped
                if clean and _fits(text, lo, hi) and re.fullmatch(pattern, text):
                    return text
        raise ValueError(f"{meta.name}: no value of {meta.patterns} fits {lo}..{hi}")
    address = _address(meta, which, hi)
    if address:
        return address
    if which == 0:
        size, base = max(lo or 0, min(8, hi if hi is not None else 8)), "initial-"
    else:
        size = max(lo or 0, STRING_CAP if hi is None else min(hi, SIZED_CAP))
        base = "set-" + TRICKY
    return (base + "x" * size)[:size]


def _address(meta: ParamMeta, which: int, hi: int | None) -> str:
    """A real IP address or prefix for the TR-181 IPAddress/IPPrefix types (no pattern)."""
    name = meta.name.rpartition(".")[2]
    if hi == 45 and name.endswith("Address"):
        return "2001:db8::1" if which else "192.0.2.1"
    if hi == 49 and name.endswith("Prefix"):
        return "2001:db8::/32" if which else "192.0.2.0/24"
    return ""


def _fits(text: str, lo: int | None, hi: int | None) -> bool:
    return (lo is None or len(text) >= lo) and (hi is None or len(text) <= hi)


def _list(meta: ParamMeta, *, small: bool) -> str:
    """A list value: minItems (at least 1) items, or up to 3, within the list's size."""
    lo_items = meta.min_items or 1
    hi_items = meta.max_items if meta.max_items is not None else 3
    counts = [lo_items] if small else [min(max(lo_items, 3), hi_items), lo_items]
    for count in counts:
        items = [_item(meta, i if not small else 0, small) for i in range(count)]
        text = ",".join(items)
        if _fits(text, meta.min_length, meta.max_length):
            return text
    raise ValueError(f"{meta.name}: no list fits its size {meta.min_length}..{meta.max_length}")


def _item(meta: ParamMeta, index: int, small: bool) -> str:
    which = 0 if small else (index + 1) % 2
    lo, hi = meta.item_min_length, meta.item_max_length
    if meta.inner_items is not None:
        count = meta.inner_items[0] or meta.inner_items[1] or 2
        inner = [_scalar(meta, (which + i) % 2, lo_len=lo, hi_len=hi) for i in range(count)]
        return "[" + ",".join(inner) + "]"
    if meta.type == "string" and not meta.enums and not meta.patterns:
        size = lo if lo else min(hi if hi is not None else 6, 6)
        text = (f"item{index}{int(small)}" + "y" * size)[:size] if size else ""
        return "[" + text + "]" if meta.nested else text
    value = _scalar(meta, which, lo_len=lo, hi_len=hi)
    return "[" + value + "]" if meta.nested else value


def from_pattern(pattern: str, extra: int = 0, *, high: bool = False) -> str:
    """A string matching ``pattern``; every open repeat runs ``extra`` more times than its min.

    Character classes give their first character, or their last with ``high``.
    """
    return _gen(sre_parse.parse(pattern), extra, high)


def _gen(items: Any, extra: int, high: bool) -> str:
    out = []
    for op, av in items:
        if op is sre.LITERAL:
            out.append(chr(av))
        elif op is sre.NOT_LITERAL:
            out.append("a" if chr(av) != "a" else "b")
        elif op is sre.ANY:
            out.append("a")
        elif op is sre.IN:
            out.append(_char_in(av, high))
        elif op is sre.BRANCH:
            out.append(_gen(av[1][0], extra, high))
        elif op is sre.SUBPATTERN:
            out.append(_gen(av[3], extra, high))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            lo, hi, body = av
            count = lo + extra if hi is sre.MAXREPEAT else min(hi, lo + extra)
            out.append("".join(_gen(body, extra, high) for _ in range(count)))
        elif op is sre.AT:
            continue
        else:
            raise ValueError(f"pattern construct {op} not supported")
    return "".join(out)


def _char_in(av: Any, high: bool) -> str:
    if av and av[0][0] is sre.NEGATE:
        excluded = {chr(a) for op, a in av[1:] if op is sre.LITERAL}
        return next(c for c in "azAZ09" if c not in excluded)
    op, arg = av[-1] if high else av[0]
    if op is sre.LITERAL:
        return chr(arg)
    if op is sre.RANGE:
        return chr(arg[1] if high else arg[0])
    if op is sre.CATEGORY:
        return {sre.CATEGORY_DIGIT: "9" if high else "0", sre.CATEGORY_SPACE: " "}.get(arg, "a")
    raise ValueError(f"character class {op} not supported")
