"""USP Path Names resolved against a data model (TR-369 2.5-2.6): instance numbers, ``*``,
search expressions with every operator, unique-key addressing and reference following, to
the concrete, instance-number paths a message then works on (R-MSG.3).

It reads the model through :class:`ModelReader`, three synchronous calls a snapshot of any
model can answer: the supported-model :class:`Node` at a generic path, the instance numbers
of a table, and a parameter's value. Errors are :class:`~cwmpd.usp.errors.UspError`: 7008
for bad syntax or an expression the types reject (``[Enable=="true"]``, ``<`` on a string),
7026 for a path outside the supported model. An addressed instance that does not exist is
no error here: the result is empty and the message decides (7016, or success for a search).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Protocol

from cwmpd.cwmp.types import (
    UNKNOWN_TIME,
    parse_boolean,
    parse_datetime,
    parse_decimal,
    parse_hex,
    parse_int,
)
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.usp.pathsyntax import (
    Component,
    Expression,
    Follow,
    Instance,
    Kind,
    Name,
    Path,
    Step,
    Wildcard,
    generic,
    parse,
)

_INTEGERS = frozenset({"int", "unsignedInt", "long", "unsignedLong"})
_ORDERED = _INTEGERS | {"decimal", "dateTime"}
_QUOTABLE = frozenset({"string", "base64", "hexBinary"})


class NodeKind(Enum):
    """What a supported-model path names."""

    OBJECT = "object"
    TABLE = "table"
    PARAMETER = "parameter"
    COMMAND = "command"
    EVENT = "event"


@dataclass(frozen=True)
class Node:
    """A supported-model node. Generic paths: objects ``Device.IP.``, tables by their
    instance object ``Device.IP.Interface.{i}.``, parameters ``Device.IP.Interface.{i}.Name``,
    commands ``Device.Reboot()``, events ``Device.Boot!``. ``type`` is the TR-106 base type."""

    kind: NodeKind
    type: str = "string"
    is_list: bool = False
    unique_keys: tuple[tuple[str, ...], ...] = ()


class ModelReader(Protocol):
    """What the resolver reads."""

    def node(self, path: str) -> Node | None:
        """The supported-model node at generic ``path``, or None."""

    def instances(self, table: str) -> Sequence[int]:
        """The instance numbers of the table ``table`` ("Device.IP.Interface.")."""

    def value(self, parameter: str) -> str | None:
        """The value of concrete ``parameter``, or None when it is not there."""


@dataclass(frozen=True)
class Resolved:
    """What a Path Name resolved to: the concrete ``paths`` (objects end with ".", commands
    with "()", events with "!"), whether it was a ``search``, and for an object path whether
    it names a ``table`` itself ("Device.IP.Interface.")."""

    path: Path
    paths: tuple[str, ...]
    search: bool
    table: bool = False

    @property
    def kind(self) -> Kind:
        """Object, parameter, command or event."""
        return self.path.kind


def _invalid(path: str, why: str) -> UspError:
    return UspError(ErrorCode.INVALID_PATH, f"invalid path {path!r}: {why}")


def _bad_expression(path: str, why: str) -> UspError:
    return UspError(ErrorCode.INVALID_PATH_SYNTAX, f"invalid search in {path!r}: {why}")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _typed(type_name: str, text: str) -> object:
    """``text`` as a comparable value of ``type_name``; raises ValueError."""
    if type_name in _INTEGERS:
        return parse_int(type_name, text)
    if type_name == "decimal":
        return parse_decimal(text)
    if type_name == "boolean":
        return parse_boolean(text)
    if type_name == "dateTime":
        return _aware(parse_datetime(text))
    if type_name == "hexBinary":
        return parse_hex(text)
    return text


def _compare(op: str, left: object, right: object) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    assert isinstance(left, int | Decimal | datetime) and isinstance(right, type(left))
    if op == "<":
        return left < right  # type: ignore[operator]
    if op == ">":
        return left > right  # type: ignore[operator]
    if op == "<=":
        return left <= right  # type: ignore[operator]
    return left >= right  # type: ignore[operator]


@dataclass(frozen=True)
class _Check:
    """A component checked against its parameter's type: the constant, parsed."""

    component: Component
    node: Node
    constant: object


def _check(path: str, component: Component, node: Node) -> _Check:
    """Type-check ``component`` against ``node`` (7008 when the spec calls it invalid)."""
    op, kind = component.op, node.type
    where = f"{component.text()}{op}{component.value}"
    if op == "~=" and not node.is_list:
        raise _bad_expression(path, f"{where}: ~= is for list-valued parameters")
    if op in ("<", ">", "<=", ">=") and (kind not in _ORDERED or node.is_list):
        raise _bad_expression(path, f"{where}: {kind} values take only == and !=")
    if component.quoted and kind not in _QUOTABLE:
        raise _bad_expression(path, f"{where}: a {kind} constant is not a quoted string")
    if kind == "dateTime" and op not in ("==", "!=") and component.value == UNKNOWN_TIME:
        raise _bad_expression(path, f"{where}: the Unknown Time takes only == and !=")
    try:
        constant = _typed(kind, component.value)
    except ValueError as e:
        raise _bad_expression(path, f"{where}: {e}") from None
    return _Check(component, node, constant)


def _matches(check: _Check, actual: str) -> bool:
    """Whether the instance's value ``actual`` satisfies the checked component."""
    node, op = check.node, check.component.op
    try:
        if node.is_list:
            if op != "~=":
                return _compare(op, actual, check.component.value)
            items = [item.strip() for item in actual.split(",") if item.strip()]
            return any(_typed(node.type, item) == check.constant for item in items)
        return _compare(op, _typed(node.type, actual), check.constant)
    except ValueError:
        return False  # a value the type cannot read matches nothing


class _Resolver:
    def __init__(self, model: ModelReader, text: str, depth: int) -> None:
        self.model = model
        self.text = text
        self.depth = depth

    def node(self, path: str, *kinds: NodeKind) -> Node | None:
        found = self.model.node(path)
        return found if found is not None and found.kind in kinds else None

    def follow(self, concrete: str, step: Follow) -> list[str]:
        """The object paths the reference parameter ``concrete`` points to (item ``index``)."""
        if self.depth > 8:
            raise _invalid(self.text, "references nest too deep")
        items = [item.strip() for item in (self.model.value(concrete) or "").split(",")]
        items = [item for item in items if item]
        if step.index is not None:
            items = items[step.index - 1 : step.index]
        out: list[str] = []
        for item in items:
            target = item if item.endswith(".") else item + "."
            try:
                found = _Resolver(self.model, target, self.depth + 1).run(parse(target))
            except UspError:
                continue  # a stale or odd reference value leads nowhere
            if found.path.kind == Kind.OBJECT and not found.table:
                out.extend(found.paths)
        return out

    def component_check(self, table_g: str, component: Component) -> _Check | None:
        """Check a component statically; None when it crosses a reference (checked later)."""
        base = table_g
        for step in component.relpath[:-1]:
            if isinstance(step, Follow):
                return None
            if self.node(f"{base}{step.name}.", NodeKind.OBJECT) is None:
                if self.node(f"{base}{step.name}.{{i}}.", NodeKind.TABLE):
                    raise _bad_expression(self.text, f"{step.name} is a child table")
                raise _invalid(self.text, f"{base}{step.name}. is not in the data model")
            base = f"{base}{step.name}."
        last = component.relpath[-1]
        node = self.node(base + last.name, NodeKind.PARAMETER)
        if node is None:
            raise _invalid(self.text, f"{base}{last.name} is not a parameter of the model")
        return _check(self.text, component, node)

    def holds(self, instance: str, component: Component, check: _Check | None) -> bool:
        """Whether the instance object ``instance`` satisfies ``component``."""
        bases = [instance]
        for step in component.relpath[:-1]:
            nxt: list[str] = []
            for base in bases:
                if isinstance(step, Follow):
                    nxt.extend(self.follow(base + step.name, step))
                else:
                    nxt.append(f"{base}{step.name}.")
            bases = nxt
        leaf = component.relpath[-1].name
        for base in bases:
            actual = self.model.value(base + leaf)
            if actual is None:
                continue
            known = check
            if known is None:
                node = self.node(generic(base) + leaf, NodeKind.PARAMETER)
                if node is None:
                    continue
                try:
                    known = _check(self.text, component, node)
                except UspError:
                    continue
            if _matches(known, actual):
                return True
        return False

    def is_address(self, table: Node, expression: Expression) -> bool:
        """True when ``expression`` gives a whole unique key with == (an address)."""
        names = set()
        for component in expression.components:
            if component.op != "==" or len(component.relpath) != 1:
                return False
            if isinstance(component.relpath[0], Follow):
                return False
            names.add(component.relpath[0].name)
        return len(names) == len(expression.components) and any(
            set(key) == names for key in table.unique_keys
        )

    def run(self, path: Path) -> Resolved:
        states: list[tuple[str, str]] = [("", "")]
        shadow: str | None = ""  # the generic prefix while no reference was followed
        search = False
        steps: Sequence[Step] = path.steps
        index = 0
        while index < len(steps):
            step = steps[index]
            last = index == len(steps) - 1
            selector = steps[index + 1] if not last else None
            generics = {g for _, g in states} | ({shadow} if shadow is not None else set())
            if isinstance(step, Follow):
                for g in generics:
                    if self.node(g + step.name, NodeKind.PARAMETER) is None:
                        raise _invalid(self.text, f"{g}{step.name} is not a parameter")
                if step.index is None:
                    search = True
                states = [
                    (c, generic(c)) for c0, _ in states for c in self.follow(c0 + step.name, step)
                ]
                shadow = None
                index += 1
                continue
            assert isinstance(step, Name)
            if isinstance(selector, Instance | Wildcard | Expression):
                tables = {}
                for g in generics:
                    table = self.node(f"{g}{step.name}.{{i}}.", NodeKind.TABLE)
                    if table is None:
                        raise _invalid(self.text, f"{g}{step.name}. is not a table")
                    tables[g] = table
                checks: dict[str, list[_Check | None]] = {}
                if isinstance(selector, Expression):
                    for g in generics:
                        checks[g] = [
                            self.component_check(f"{g}{step.name}.{{i}}.", c)
                            for c in selector.components
                        ]
                    if not all(self.is_address(t, selector) for t in tables.values()):
                        search = True
                elif isinstance(selector, Wildcard):
                    search = True
                nxt: list[tuple[str, str]] = []
                for c, g in states:
                    numbers = list(self.model.instances(f"{c}{step.name}."))
                    if isinstance(selector, Instance):
                        numbers = [n for n in numbers if n == selector.number]
                    for number in numbers:
                        instance = f"{c}{step.name}.{number}."
                        if isinstance(selector, Expression) and not all(
                            self.holds(instance, comp, check)
                            for comp, check in zip(selector.components, checks[g], strict=True)
                        ):
                            continue
                        nxt.append((instance, f"{g}{step.name}.{{i}}."))
                states = nxt
                if shadow is not None:
                    shadow = f"{shadow}{step.name}.{{i}}."
                index += 2
                continue
            is_table_path = last and not path.leaf
            for g in generics:
                if self.node(f"{g}{step.name}.", NodeKind.OBJECT) is None:
                    if is_table_path and self.node(f"{g}{step.name}.{{i}}.", NodeKind.TABLE):
                        continue
                    raise _invalid(self.text, f"{g}{step.name}. is not an object of the model")
            names_table = is_table_path and any(
                self.node(f"{g}{step.name}.{{i}}.", NodeKind.TABLE) for g in generics
            )
            if names_table:
                paths = tuple(f"{c}{step.name}." for c, _ in states)
                return Resolved(path, paths, search, table=True)
            states = [(f"{c}{step.name}.", f"{g}{step.name}.") for c, g in states]
            if shadow is not None:
                shadow = f"{shadow}{step.name}."
            index += 1
        return Resolved(path, self.leaf(path, states, shadow), search)

    def leaf(
        self, path: Path, states: list[tuple[str, str]], shadow: str | None
    ) -> tuple[str, ...]:
        if path.kind == Kind.OBJECT:
            return tuple(c for c, _ in states)
        suffix, kind = {
            Kind.PARAMETER: ("", NodeKind.PARAMETER),
            Kind.COMMAND: ("()", NodeKind.COMMAND),
            Kind.EVENT: ("!", NodeKind.EVENT),
        }[path.kind]
        generics = {g for _, g in states} | ({shadow} if shadow is not None else set())
        for g in generics:
            if self.node(g + path.leaf + suffix, kind) is None:
                raise _invalid(self.text, f"{g}{path.leaf}{suffix} is not a {kind.value}")
        return tuple(c + path.leaf + suffix for c, _ in states)


def resolve(path: str | Path, model: ModelReader) -> Resolved:
    """Resolve ``path`` over ``model``; raises UspError (7008 syntax, 7026 not in the model)."""
    parsed = parse(path) if isinstance(path, str) else path
    return _Resolver(model, parsed.text, 0).run(parsed)
