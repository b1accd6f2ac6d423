"""Frozen descriptions of mapped parameters, sources and tables, and argv placeholder rules.

Placeholders are whole argv elements only ("{value}", "{i}", "{key}", "{i1}", "{key2}"...):
an element is replaced entirely or not at all, so ACS text can never be spliced into a
larger string and re-split. ``{i}``/``{key}`` are the innermost instance; ``{iN}``/``{keyN}``
count instances from the outermost (1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cwmpd.backends.extract import Extract

_PLACEHOLDER = re.compile(r"^\{(value|i[0-9]*|key[0-9]*)\}$")
_ANY_BRACE = re.compile(r"\{[^}]*\}")
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_.:@+-]+$")

Chain = Sequence[tuple[int, str]]


@dataclass(frozen=True)
class Read:
    """Where a value comes from: the instance row, a named source, a command or a file."""

    extract: Extract = field(default_factory=Extract)
    row: bool = False
    source: str | None = None
    command: tuple[str, ...] | None = None
    file: str | None = None
    timeout: float | None = None
    optional: bool = False
    constant: str | None = None


@dataclass(frozen=True)
class Write:
    """How a value is set: a command (value as argv element, stdin or env) or a file."""

    command: tuple[str, ...] | None = None
    stdin: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    file: str | None = None
    apply: tuple[tuple[str, ...], ...] = ()
    map: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None


@dataclass(frozen=True)
class ParamSpec:
    """One generic parameter's mapping."""

    name: str
    read: Read | None
    write: Write | None


@dataclass(frozen=True)
class SourceSpec:
    """A named document several parameters and tables read: one process, many values.

    ``format``: "text", "json", or "lines" (each line matching ``line_regex`` becomes a
    row: {"line": whole line, "1": group 1, ..., named groups by name}).
    """

    name: str
    command: tuple[str, ...] | None = None
    file: str | None = None
    format: str = "text"
    line_regex: str | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class TableSpec:
    """A table whose instances are the rows of a source (or of the parent instance's row)."""

    path: str
    source: str | None = None
    rows: str = ""
    key: str = ""
    filter: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    add: tuple[str, ...] | None = None
    delete: tuple[str, ...] | None = None
    timeout: float | None = None


def check_argv(argv: Sequence[str], what: str) -> tuple[str, ...]:
    """``argv`` as a tuple; ValueError when a placeholder is not a whole element."""
    out = tuple(argv)
    if not out or not all(isinstance(a, str) for a in out):
        raise ValueError(f"{what}: a command is a non-empty list of strings")
    for arg in out:
        if _ANY_BRACE.search(arg) and not _PLACEHOLDER.match(arg):
            raise ValueError(
                f"{what}: placeholder inside {arg!r}; placeholders must be whole argv elements"
            )
    return out


def substitute(argv: Sequence[str], chain: Chain, value: str | None = None) -> list[str]:
    """Replace whole-element placeholders by instance numbers, keys and ``value``."""
    out: list[str] = []
    for arg in argv:
        m = _PLACEHOLDER.match(arg)
        out.append(arg if m is None else placeholder(m.group(1), chain, value))
    return out


def placeholder(name: str, chain: Chain, value: str | None) -> str:
    """The text of placeholder ``name`` ("value", "i", "key2") in ``chain``."""
    if name == "value":
        if value is None:
            raise ValueError("{value} used where no value is being set")
        return value
    kind = "i" if name.startswith("i") else "key"
    digits = name[len(kind) :]
    if not chain:
        raise ValueError(f"{{{name}}} used outside a table")
    if digits:
        pos = int(digits) - 1
        if not 0 <= pos < len(chain):
            raise ValueError(f"{{{name}}}: no such instance level")
        number, key = chain[pos]
    else:
        number, key = chain[-1]
    return str(number) if kind == "i" else key


def file_path(template: str, chain: Chain) -> str:
    """A file path with ``{key}``/``{i}`` filled from device-given keys (checked safe)."""

    def fill(m: re.Match[str]) -> str:
        name = m.group(0)[1:-1]
        text = placeholder(name, chain, None)
        if not _SAFE_KEY.match(text) or text in (".", ".."):
            raise ValueError(f"unsafe instance key {text!r} in a file path")
        return text

    return _ANY_BRACE.sub(fill, template)
