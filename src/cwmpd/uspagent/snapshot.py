"""USP path resolution over the live DataModel: a synchronous ModelReader over its index.

``cwmpd.usp.resolve`` reads a model synchronously; the DataModel is asynchronous. A
:class:`Snapshot` answers from the model's index (names, types, tables, instances) and
from the values fetched so far, noting each value it lacked; ``resolve_paths`` resolves,
fetches what was lacking and resolves again until nothing is (search expressions and
reference following read values, plain paths none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.tree import Index
from cwmpd.usp.errors import UspError
from cwmpd.usp.resolve import Node, NodeKind, Resolved, resolve

#: Unique keys of tables (generic instance path -> key sets) the metadata does not carry.
UniqueKeys = Mapping[str, tuple[tuple[str, ...], ...]]
_ROUNDS = 4


class Snapshot:
    """A :class:`cwmpd.usp.resolve.ModelReader` over an Index and known values."""

    def __init__(
        self, index: Index, values: Mapping[str, str], unique_keys: UniqueKeys | None = None
    ) -> None:
        self.index = index
        self.missing: set[str] = set()
        self._values = values
        keys = unique_keys or {}
        self._nodes: dict[str, Node] = {}
        self._instances: dict[str, list[int]] = {}
        for name, info in index.params.items():
            self._nodes.setdefault(
                paths.generic(name), Node(NodeKind.PARAMETER, info.meta.type, info.meta.is_list)
            )
        for name, obj in index.objects.items():
            if obj.table is not None:
                table = obj.table.generic
                self._nodes.setdefault(table, Node(NodeKind.TABLE, unique_keys=keys.get(table, ())))
                if obj.is_instance:
                    parent = paths.parent(name)
                    self._instances.setdefault(parent, []).append(int(paths.last_segment(name)))
                else:
                    self._instances.setdefault(name, [])
            else:
                self._nodes.setdefault(paths.generic(name), Node(NodeKind.OBJECT))

    def node(self, path: str) -> Node | None:
        """The supported-model node at generic ``path``."""
        return self._nodes.get(path)

    def instances(self, table: str) -> Sequence[int]:
        """The instance numbers of ``table`` now."""
        return self._instances.get(table, ())

    def value(self, parameter: str) -> str | None:
        """The value if fetched; else None, noted in ``missing`` when the model has it."""
        value = self._values.get(parameter)
        if value is None and parameter in self.index.params:
            self.missing.add(parameter)
        return value


async def resolve_paths(
    model: DataModel, texts: Sequence[str], unique_keys: UniqueKeys | None = None
) -> tuple[Snapshot, list[Resolved | None]]:
    """Resolve each path of ``texts`` over the live model (None for one that is invalid or
    not in the model: a subscription's reference that leads nowhere matches nothing)."""
    index = await model.live_index()
    values: dict[str, str] = {}
    for _ in range(_ROUNDS):
        snap = Snapshot(index, values, unique_keys)
        out: list[Resolved | None] = []
        for text in texts:
            try:
                out.append(resolve(text, snap))
            except UspError:
                out.append(None)
        wanted = snap.missing - values.keys()
        if not wanted:
            break
        try:
            found = await model.get_parameter_values(sorted(wanted))
        except CwmpFault:
            break
        values.update({v.name: v.value for v in found})
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
