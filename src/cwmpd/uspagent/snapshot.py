"""A synchronous view of the async DataModel for the USP path resolver, and the resolving.

``cwmpd.usp.resolve`` reads the model through three synchronous calls; the DataModel reads
values asynchronously. :class:`Snapshot` answers the supported model and the instances from
the live ``Index`` at once, and values from what was fetched: a value not fetched yet
raises :class:`NeedValue`, :func:`resolve_path` then fetches that parameter of every
instance (one backend read per distinct generic parameter a search needs) and resolves
again. Paths without search expressions or references never read a value.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.tree import GenericTree, Index
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.usp.resolve import Node, NodeKind, Resolved, resolve

#: How many distinct generic parameters one path's search may read.
_MAX_FETCHES = 32


class NeedValue(Exception):
    """The resolver asked for a value that was not fetched yet."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Snapshot:
    """A ModelReader over ``index`` (as it was when taken) and the fetched ``values``."""

    def __init__(
        self,
        tree: GenericTree,
        index: Index,
        unique_keys: Mapping[str, tuple[tuple[str, ...], ...]],
        commands: Collection[str],
        events: Collection[str],
    ) -> None:
        self.tree = tree
        self.index = index
        self.unique_keys = unique_keys
        self.commands = commands
        self.events = events
        self.values: dict[str, str] = {}

    def node(self, path: str) -> Node | None:
        """The supported-model node at generic ``path``."""
        tree = self.tree
        if path.endswith("()"):
            return Node(NodeKind.COMMAND) if path in self.commands else None
        if path.endswith("!"):
            return Node(NodeKind.EVENT) if path in self.events else None
        if path.endswith("."):
            if path in tree.tables:
                return Node(NodeKind.TABLE, unique_keys=self.unique_keys.get(path, ()))
            if path in tree.children and path + paths.INSTANCE + "." not in tree.tables:
                return Node(NodeKind.OBJECT)
            return None
        info = tree.params.get(path)
        if info is None:
            return None
        return Node(NodeKind.PARAMETER, info.meta.type, info.meta.is_list)

    def instances(self, table: str) -> Sequence[int]:
        """The instance numbers of concrete table ``table`` ("Device.IP.Interface.")."""
        return [int(paths.last_segment(c)) for c in self.index.children.get(table, ())]

    def value(self, parameter: str) -> str | None:
        """The fetched value of ``parameter``; NeedValue when it is there but not fetched."""
        value = self.values.get(parameter)
        if value is None and parameter in self.index.params:
            raise NeedValue(parameter)
        return value


async def take_snapshot(
    model: DataModel,
    unique_keys: Mapping[str, tuple[tuple[str, ...], ...]],
    commands: Collection[str],
    events: Collection[str],
) -> Snapshot:
    """A Snapshot of ``model`` now."""
    index = await model.live_index()
    return Snapshot(model.tree, index, unique_keys, commands, events)


async def fetch(model: DataModel, snapshot: Snapshot, names: Iterable[str]) -> None:
    """Read ``names`` (concrete parameters) into ``snapshot``."""
    values = snapshot.values
    wanted = [n for n in names if n not in values] if values else list(names)
    if wanted:
        try:
            values.update(await model.read_values(wanted))
        except CwmpFault as fault:
            raise UspError(ErrorCode.INTERNAL_ERROR, f"reading values failed: {fault}") from None


async def resolve_path(model: DataModel, snapshot: Snapshot, text: str) -> Resolved:
    """Resolve ``text`` over ``snapshot``, fetching the values its searches need."""
    for _ in range(_MAX_FETCHES):
        try:
            return resolve(text, snapshot)
        except NeedValue as need:
            generic = paths.generic(need.name)
            same = [
                n
                for n in snapshot.index.params
                if n.endswith(paths.last_segment(generic)) and paths.generic(n) == generic
            ]
            await fetch(model, snapshot, same)
    raise UspError(ErrorCode.RESOURCES_EXCEEDED, f"{text}: the search reads too many parameters")


#: Unique keys by generic table ("X.{i}.") -> key sets (cwmpd.datamodel.uspmeta's).
UniqueKeys = Mapping[str, tuple[tuple[str, ...], ...]]


async def resolve_paths(
    model: DataModel,
    texts: Sequence[str],
    unique_keys: UniqueKeys,
    commands: Collection[str] = (),
    events: Collection[str] = (),
) -> tuple[Snapshot, list[Resolved | None]]:
    """Resolve each path of ``texts`` over one Snapshot of the live model (None for one that
    is invalid or not in the model: a subscription's reference that leads nowhere matches
    nothing)."""
    snap = await take_snapshot(model, unique_keys, commands, events)
    out: list[Resolved | None] = []
    for text in texts:
        try:
            out.append(await resolve_path(model, snap, text))
        except UspError:
            out.append(None)
    return snap, out


def instances_of(snap: Snapshot, found: Resolved) -> list[str]:
    """The object instances a resolved object path names (a table path: all its rows)."""
    if found.table:
        return [f"{t}{n}." for t in found.paths for n in snap.instances(t)]
    return [p for p in found.paths if paths.is_instance(p)]


def parameters_of(snap: Snapshot, found: Resolved) -> list[str]:
    """The parameters a resolved path covers: itself, or every one below an object path."""
    if found.paths and not found.paths[0].endswith("."):
        return [p for p in found.paths if p in snap.index.params]
    out: list[str] = []
    for prefix in found.paths:
        out.extend(snap.index.params_under(prefix))
    return out
