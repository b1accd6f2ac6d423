"""USP Path Names parsed (TR-369 2.5-2.7): object, parameter, command and event paths with
instance numbers, ``*``, search expressions ``[...]``, unique-key addresses and reference
following (``Param+``, ``Param#n+``, ``Param#*+``).

The grammar is the spec's (2.7), with what its examples need beyond the BNF: unquoted
constants such as ``2021-06-06T08:00:00Z`` or ``08`` (types decide, at resolution), an
instance path without its final dot (``Device.IP.Interface.3``, as 2.5.2 writes it), blanks
around an operator (R-ARC.9a), ``%22``/``%25`` in quoted strings, and ``-`` inside names for
vendor extensions (``X_ACME-COM_Thing``, as TR-106 allows). What is not valid raises
:class:`PathSyntaxError` (7008): an empty ``[]``, a ``*`` or instance inside an expression
(it would descend into a child table), curly-bracket expressions (USP 1.0 syntax), ``{i}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import unquote

from cwmpd.usp.errors import ErrorCode, UspError

OPERATORS = ("==", "!=", "~=", "<=", ">=", "<", ">")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_POSNUM = re.compile(r"[1-9][0-9]*")
_REF = re.compile(r"#(\*|[1-9][0-9]*)\+|\+")
_UNQUOTED = re.compile(r"[^\]&\s\"]+")
_SUPPORTED = re.compile(
    r"[A-Za-z_][A-Za-z0-9_-]*\.(?:[A-Za-z_][A-Za-z0-9_-]*\.(?:(?:[1-9][0-9]*|\{i\})\.)?)*"
    r"(?:[A-Za-z_][A-Za-z0-9_-]*(?:\(\)|!)?)?"
)


class PathSyntaxError(UspError):
    """A Path Name that is not one (USP error 7008)."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(ErrorCode.INVALID_PATH_SYNTAX, f"invalid path {path!r}: {why}")
        self.path = path


class Kind(Enum):
    """What a Path Name addresses."""

    OBJECT = "object"
    PARAMETER = "parameter"
    COMMAND = "command"
    EVENT = "event"


@dataclass(frozen=True)
class Name:
    """An object (or table) name step: ``IP`` in ``Device.IP.``."""

    name: str


@dataclass(frozen=True)
class Instance:
    """An instance number after a table name."""

    number: int


@dataclass(frozen=True)
class Wildcard:
    """``*``: every instance of the table."""


@dataclass(frozen=True)
class Follow:
    """Reference following through parameter ``name``: item ``index`` (1-based) of its
    comma-separated list of references, or every item when ``index`` is None (``#*+``)."""

    name: str
    index: int | None = 1


@dataclass(frozen=True)
class Component:
    """One ``relpath oper value`` of an expression; ``relpath`` holds names and Follows."""

    relpath: tuple[Name | Follow, ...]
    op: str
    value: str
    quoted: bool

    def text(self) -> str:
        """The relative path as written ("Stats.ErrorsSent", "SSIDReference+.SSID")."""
        parts = []
        for step in self.relpath:
            if isinstance(step, Follow):
                parts.append(step.name + ("+" if step.index == 1 else f"#{step.index or '*'}+"))
            else:
                parts.append(step.name)
        return ".".join(parts)


@dataclass(frozen=True)
class Expression:
    """``[c1&&c2...]`` after a table name: a search, or a unique-key address."""

    components: tuple[Component, ...]


Selector = Instance | Wildcard | Expression
Step = Name | Selector | Follow


@dataclass(frozen=True)
class Path:
    """A parsed Path Name: ``steps`` up to the last dot, then ``leaf`` (the parameter,
    command or event name; empty for an object path)."""

    text: str
    steps: tuple[Step, ...]
    leaf: str
    kind: Kind

    @property
    def is_search(self) -> bool:
        """True when the path may match many: a ``*``, an expression, or ``#*+``."""
        for step in self.steps:
            if isinstance(step, Wildcard | Expression):
                return True
            if isinstance(step, Follow) and step.index is None:
                return True
        return False


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, why: str) -> PathSyntaxError:
        return PathSyntaxError(self.text, f"{why} at character {self.pos + 1}")

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def match(self, pattern: re.Pattern[str]) -> str | None:
        m = pattern.match(self.text, self.pos)
        if m is None:
            return None
        self.pos = m.end()
        return m.group(0)

    def expect(self, literal: str, why: str) -> None:
        if not self.text.startswith(literal, self.pos):
            raise self.fail(why)
        self.pos += len(literal)

    def blanks(self) -> None:
        while self.peek() in (" ", "\t"):
            self.pos += 1


def _follow(name: str, ref: str) -> Follow:
    if ref == "+":
        return Follow(name, 1)
    index = ref[1:-1]
    return Follow(name, None if index == "*" else int(index))


def _component(r: _Reader) -> Component:
    relpath: list[Name | Follow] = []
    r.blanks()
    while True:
        name = r.match(_NAME)
        if name is None:
            if r.peek() == "*" or r.peek().isdigit():
                raise r.fail("an expression may not descend into a child table")
            raise r.fail("expected a parameter name in the expression")
        ref = r.match(_REF)
        relpath.append(_follow(name, ref) if ref else Name(name))
        if r.peek() != ".":
            break
        r.pos += 1
    if isinstance(relpath[-1], Follow):
        raise r.fail("an expression compares a parameter, not a followed reference")
    r.blanks()
    op = next((o for o in OPERATORS if r.text.startswith(o, r.pos)), None)
    if op is None:
        raise r.fail(f"expected one of {' '.join(OPERATORS)}")
    r.pos += len(op)
    r.blanks()
    if r.peek() == '"':
        end = r.text.find('"', r.pos + 1)
        if end < 0:
            raise r.fail("unterminated string")
        value, quoted = unquote(r.text[r.pos + 1 : end], errors="strict"), True
        r.pos = end + 1
    else:
        raw = r.match(_UNQUOTED)
        if raw is None:
            raise r.fail("expected a value")
        value, quoted = raw, False
    r.blanks()
    return Component(tuple(relpath), op, value, quoted)


def _expression(r: _Reader) -> Expression:
    r.expect("[", "expected [")
    if r.peek() == "]":
        raise r.fail("empty search expression")
    components = [_component(r)]
    while r.peek(2) == "&&":
        r.pos += 2
        r.blanks()
        components.append(_component(r))
    if r.peek() != "]":
        if r.peek(2) == "||":
            raise r.fail("the OR operator is not supported")
        raise r.fail("expected && or ]")
    r.pos += 1
    return Expression(tuple(components))


def parse(text: str) -> Path:
    """Parse an instantiated-data-model Path Name; raises PathSyntaxError (7008)."""
    r = _Reader(text)
    steps: list[Step] = []
    root = r.match(_NAME)
    if root is None:
        raise r.fail("a path starts with a name")
    r.expect(".", "expected '.' after the root object")
    steps.append(Name(root))
    while not r.at_end():
        char = r.peek()
        previous = steps[-1]
        if char in "*[" or char.isdigit():
            if not isinstance(previous, Name):
                raise r.fail("an instance needs a table name before it")
            if char == "*":
                r.pos += 1
                steps.append(Wildcard())
            elif char == "[":
                steps.append(_expression(r))
            else:
                number = r.match(_POSNUM)
                if number is None:
                    raise r.fail("an instance number is a positive integer")
                steps.append(Instance(int(number)))
            if r.at_end():  # "Device.IP.Interface.3", as the spec and reference values write it
                return Path(text, tuple(steps), "", Kind.OBJECT)
            r.expect(".", "expected '.' after the instance")
            continue
        if char == "{":
            raise r.fail("curly brackets are not USP search syntax (use [...])")
        name = r.match(_NAME)
        if name is None:
            raise r.fail("expected a name")
        if r.at_end():
            return Path(text, tuple(steps), name, Kind.PARAMETER)
        if r.peek(2) == "()" and r.pos + 2 == len(text):
            return Path(text, tuple(steps), name, Kind.COMMAND)
        if r.peek() == "!" and r.pos + 1 == len(text):
            return Path(text, tuple(steps), name, Kind.EVENT)
        ref = r.match(_REF)
        steps.append(_follow(name, ref) if ref else Name(name))
        r.expect(".", "expected '.'")
    return Path(text, tuple(steps), "", Kind.OBJECT)


def is_supported_path(text: str) -> bool:
    """True for a Supported Data Model path (2.7: instance numbers or ``{i}``)."""
    return bool(_SUPPORTED.fullmatch(text))


def generic(text: str) -> str:
    """A concrete path with every instance number replaced by ``{i}``."""
    return re.sub(r"(?<=\.)[1-9][0-9]*(?=\.)", "{i}", text)
