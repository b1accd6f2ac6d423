"""Turn command or file output into one parameter value: strip, regex, JSON path, line, field.

Hand-written: a dotted JSON path with list indices is a few lines, and the mapping format
needs exactly these steps in this order (select, then cut, then map), nothing more.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cwmpd.backends.base import BackendError

_MISSING = object()


class ExtractError(BackendError):
    """Output did not have the shape the mapping expects (garbage output)."""


@dataclass(frozen=True)
class Extract:
    """How to get one value out of a text or JSON document.

    ``json``: dotted path ("stats64.rx.bytes", "addr_info.0.local") into parsed JSON;
    ``line``: 0-based line number; ``field``: 0-based whitespace (or ``sep``) field;
    ``regex``: first match, group ``group``; ``convert``: a named conversion (see
    ``CONVERSIONS``, e.g. "netmask": prefix length 24 -> 255.255.255.0); ``map``:
    translate the result ({"1": "true"}); ``default``: value when the path/line/match is
    absent (None: absence is an error).
    """

    json: str | None = None
    line: int | None = None
    field: int | None = None
    sep: str | None = None
    regex: str | None = None
    group: int = 1
    strip: bool = True
    map: Mapping[str, str] = dataclasses.field(default_factory=dict)
    default: str | None = None
    convert: str | None = None

    def __post_init__(self) -> None:
        if self.convert is not None and self.convert not in CONVERSIONS:
            known = ", ".join(sorted(CONVERSIONS))
            raise ValueError(f"unknown convert {self.convert!r} (known: {known})")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"bad regex {self.regex!r}: {exc}") from None

    def apply(self, doc: Any) -> str:
        """The value in ``doc`` (str text, or already-parsed JSON)."""
        value = self._select(doc)
        if value is _MISSING:
            if self.default is None:
                raise ExtractError("value not found in output")
            return self.default
        text = text_of(value)
        if self.strip:
            text = text.strip()
        if self.convert is not None:
            text = CONVERSIONS[self.convert](text)
        return self.map.get(text, text)

    def _select(self, doc: Any) -> Any:
        if self.json is not None:
            if isinstance(doc, str):
                doc = parse_json(doc)
            doc = json_path(doc, self.json)
            if doc is _MISSING:
                return _MISSING
        if self.line is not None:
            lines = text_of(doc).splitlines()
            if not -len(lines) <= self.line < len(lines):
                return _MISSING
            doc = lines[self.line]
        if self.field is not None:
            fields = text_of(doc).split(self.sep)
            if not -len(fields) <= self.field < len(fields):
                return _MISSING
            doc = fields[self.field]
        if self.regex is not None:
            match = re.search(self.regex, text_of(doc), re.MULTILINE)
            if match is None:
                return _MISSING
            try:
                doc = match.group(self.group)
            except IndexError:
                raise ExtractError(f"regex has no group {self.group}") from None
            if doc is None:
                return _MISSING
        return doc


def prefix_to_netmask(text: str) -> str:
    """An IPv4 prefix length ("24") as a dotted netmask ("255.255.255.0")."""
    if not (text.isascii() and text.isdigit()) or int(text) > 32:
        raise ExtractError(f"not an IPv4 prefix length: {text!r}")
    return str(ipaddress.IPv4Network(f"0.0.0.0/{int(text)}").netmask)


def netmask_to_prefix(text: str) -> str:
    """A dotted IPv4 netmask ("255.255.255.0") as a prefix length ("24")."""
    try:
        net = ipaddress.IPv4Network(f"0.0.0.0/{text}")
    except ValueError:
        net = None
    if net is None or str(net.netmask) != text:  # ipaddress also takes host masks
        raise ExtractError(f"not an IPv4 netmask: {text!r}")
    return str(net.prefixlen)


#: Named conversions a mapping may apply to an extracted value (``convert = "netmask"``).
CONVERSIONS: dict[str, Callable[[str], str]] = {
    "netmask": prefix_to_netmask,
    "prefixlen": netmask_to_prefix,
}


def parse_json(text: str) -> Any:
    """Parsed JSON, or ExtractError for garbage."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ExtractError(f"output is not JSON: {exc}") from None


def json_path(doc: Any, path: str) -> Any:
    """Follow dotted ``path`` ("" is the document itself); a missing step gives _MISSING."""
    if path == "":
        return doc
    for step in path.split("."):
        if isinstance(doc, dict):
            if step not in doc:
                return _MISSING
            doc = doc[step]
        elif isinstance(doc, list) and step.lstrip("-").isdigit():
            index = int(step)
            if not -len(doc) <= index < len(doc):
                return _MISSING
            doc = doc[index]
        else:
            return _MISSING
    return doc


def is_missing(value: Any) -> bool:
    """True for the marker ``json_path`` returns when a step is absent."""
    return value is _MISSING


def text_of(value: Any) -> str:
    """A JSON value as parameter text (booleans as true/false, objects as JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"))
