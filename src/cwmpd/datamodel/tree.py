"""The tree of names: generic definitions joined with live instances, indexed for prefix queries.

Everything a request needs per parameter (type, access, null value, default, backend) is
computed once per generic name, and the concrete names are kept in a sorted list so a
partial path is one ``bisect`` away from its parameters (no per-call tree walking).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from sys import intern
from weakref import WeakValueDictionary

from cwmpd.backends.base import Backend
from cwmpd.cwmp import paths
from cwmpd.cwmp.types import null_value
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.schema import ParamMeta, Schema


class DefinitionError(ValueError):
    """A plugin declared something the schema does not define."""


@dataclass(frozen=True, slots=True)
class ParamInfo:
    """Everything about one generic parameter that requests need."""

    generic: str
    type: str
    writable: bool
    hidden: bool
    forced_inform: bool
    active_notify: str
    default: str
    backend: Backend
    meta: ParamMeta


@dataclass(frozen=True, slots=True)
class TableInfo:
    """One generic table ("X.{i}."): who lists its instances, may the ACS add and delete."""

    generic: str
    writable: bool
    max_entries: int | None
    backend: Backend


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """A concrete object: a plain object, a table ("X.") or an instance ("X.3.")."""

    table: TableInfo | None
    is_instance: bool

    @property
    def writable(self) -> bool:
        """GPN Writable: AddObject allowed (table) or DeleteObject allowed (instance)."""
        return self.table is not None and self.table.writable


@dataclass(frozen=True, slots=True)
class _Child:
    """One child of a generic object: a parameter (``param``), a table's instances
    (``table`` and no ``segment``) or a plain object (``segment`` ends with a dot; ``table``
    is the table it holds, if it is a table's "X." object)."""

    generic: str
    segment: str
    param: ParamInfo | None
    table: TableInfo | None


@dataclass
class GenericTree:
    """The generic shape of the model: objects, their children, parameter metadata."""

    root: str
    params: dict[str, ParamInfo] = field(default_factory=dict)
    tables: dict[str, TableInfo] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    counters: dict[str, str] = field(default_factory=dict)
    """Generic counter parameter -> the generic table it counts (from the schema)."""
    share_indexes: bool = False
    """Devices sharing this tree (``cwmpd fleet``) share equal indexes too (read-only)."""
    _layouts: dict[str, list[_Child]] = field(default_factory=dict, repr=False)
    _holds_tables: dict[str, bool] = field(default_factory=dict, repr=False)
    _indexes: WeakValueDictionary[tuple[str, ...], Index] = field(
        default_factory=WeakValueDictionary, repr=False
    )

    @classmethod
    def build(
        cls,
        decl: Declarations,
        schema: Schema,
        store: Backend,
        functions: Backend,
        counter: Backend,
    ) -> GenericTree:
        """Join a plugin's declarations with the schema; unknown names are an error.

        Every table's counter parameter (the data model's ``numEntriesParameter``: mostly
        ``XNumberOfEntries``, but e.g. TR-098's ``WANConnectionNumberOfEntries`` counts
        ``WANConnectionDevice.{i}.``) is added, served by ``counter``, so plugins never have
        to keep those counts themselves; a plugin that stores one in the agent's store gets
        the live count instead (a stored count goes stale at the first AddObject).

        Per TR-106 a counter belongs to its table's parent object, so every object of the
        tree also gets the counters of the child tables the plugin does not declare: they
        read 0 (the tables themselves are not listed).
        """
        tree = cls(decl.root)
        routes: dict[str, Backend] = dict.fromkeys(decl.store_params, store)
        routes.update(dict.fromkeys(decl.getters, functions))
        routes.update(decl.bound)
        for name in sorted(routes):
            tree._add(name, routes[name], decl, schema, store)
        counted: dict[str, str] = {}
        for table in tree.tables:
            ometa = schema.object(table)
            count = None if ometa is None else ometa.num_entries
            if count is None:  # vendor tables have no numEntriesParameter: TR-106's usual name
                count = table[: -len(paths.INSTANCE) - 2] + "NumberOfEntries"
            counted[count] = table
        for count, table in sorted(schema.counters().items()):
            if paths.parent(count) in tree.children:  # undeclared table of an existing object
                counted.setdefault(count, table)
        for count, table in counted.items():
            if schema.param(count) is None:
                continue
            tree.counters[count] = table
            known = tree.params.get(count)
            if known is None or known.backend is store:
                tree.params.pop(count, None)
                tree._add(count, counter, decl, schema, store)
        return tree

    def layout(self, obj: str) -> list[_Child]:
        """The children of generic ``obj`` in order, with what expanding them needs (cached:
        the index is rebuilt after every AddObject/DeleteObject, so this is the hot path)."""
        out = self._layouts.get(obj)
        if out is None:
            out = []
            for child in self.children.get(obj, ()):
                if not paths.is_partial(child):
                    out.append(_Child(child, paths.last_segment(child), self.params[child], None))
                elif child in self.tables:
                    out.append(_Child(child, "", None, self.tables[child]))
                else:
                    segment = paths.last_segment(child) + "."
                    out.append(
                        _Child(child, segment, None, self.tables.get(child + paths.INSTANCE + "."))
                    )
            self._layouts[obj] = out
        return out

    def holds_tables(self, obj: str) -> bool:
        """Whether generic ``obj`` has a table at or below it (cached)."""
        known = self._holds_tables.get(obj)
        if known is None:
            known = any(
                c.table is not None or (c.param is None and self.holds_tables(c.generic))
                for c in self.layout(obj)
            )
            self._holds_tables[obj] = known
        return known

    def instance_defaults(self, table: str) -> dict[str, str]:
        """Initial values of a new instance of generic ``table``, by relative name."""
        table_info = self.tables[table]
        out: dict[str, str] = {}
        for name, info in self.params.items():
            rest = name[len(table) :]
            fits = name.startswith(table) and paths.INSTANCE not in rest
            if fits and info.backend is table_info.backend:
                out[rest] = info.default
        return out

    def _add(
        self, name: str, backend: Backend, decl: Declarations, schema: Schema, store: Backend
    ) -> None:
        meta = schema.param(name)
        if meta is None:
            raise DefinitionError(f"{name} is not defined by the schema")
        default = decl.store_params.get(name)
        if default is None:
            default = meta.default if meta.default is not None else null_value(meta.wire_type)
        self.params[name] = ParamInfo(
            generic=name,
            type=meta.wire_type,
            writable=meta.writable
            and (name in decl.store_params or name in decl.bound)
            and name not in decl.read_only,
            hidden=meta.hidden,
            forced_inform=meta.forced_inform,
            active_notify=meta.active_notify,
            default="" if default == "[]" else default,
            backend=backend,
            meta=meta,
        )
        self._link(name, backend, decl, schema, store)

    def _link(
        self, name: str, backend: Backend, decl: Declarations, schema: Schema, store: Backend
    ) -> None:
        child = name
        for obj in reversed(paths.ancestors(name)):
            kids = self.children.setdefault(obj, [])
            if child not in kids:
                kids.append(child)
            if obj.endswith(f".{paths.INSTANCE}.") and obj not in self.tables:
                ometa = schema.object(obj)
                if ometa is None:
                    raise DefinitionError(f"{obj} is not defined by the schema")
                owner = decl.tables.get(obj) or (store if backend is store else backend)
                self.tables[obj] = TableInfo(obj, ometa.writable, ometa.max_entries, owner)
            child = obj
        if child != self.root:
            raise DefinitionError(f"{name} is not below the root {self.root}")


@dataclass
class Index:
    """The concrete names of the live model, sorted for prefix queries."""

    params: dict[str, ParamInfo] = field(default_factory=dict)
    objects: dict[str, ObjectInfo] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    param_names: list[str] = field(default_factory=list)
    all_names: list[str] = field(default_factory=list)
    forced: list[str] = field(default_factory=list)
    instances: Instances = field(default_factory=dict)
    """What the tables listed when it was built (``list_instances``)."""

    @classmethod
    async def build(
        cls,
        tree: GenericTree,
        route: Callable[[Backend], Backend] | None = None,
        instances: Instances | None = None,
    ) -> Index:
        """Expand ``tree`` with the instances its backends report (or ``instances``, as
        ``list_instances`` gave them); ``route`` gives the device's backend for one the
        tree names, when the tree is shared by devices."""
        if instances is None:
            instances = await list_instances(tree, route)
        index = cls(instances=instances)
        index._expand(tree, tree.root, tree.root, None, False, instances)
        index.param_names = sorted(index.params)
        index.all_names = sorted([*index.params, *index.objects])
        index.forced = [n for n in index.param_names if index.params[n].forced_inform]
        if tree.share_indexes:  # an Index is never changed once built: equal ones are one
            key = tuple(index.all_names)
            known = tree._indexes.get(key)
            if known is not None:
                return known
            tree._indexes[key] = index
        return index

    def _expand(
        self,
        tree: GenericTree,
        gobj: str,
        cobj: str,
        table: TableInfo | None,
        inst: bool,
        instances: Instances,
    ) -> None:
        self.objects[cobj] = ObjectInfo(table, inst)
        kids = self.children.setdefault(cobj, [])
        params = self.params
        for child in tree.layout(gobj):
            if child.param is not None:
                name = intern(cobj + child.segment)  # one copy for every device of a fleet
                params[name] = child.param
                kids.append(name)
            elif not child.segment and child.table is not None:
                info = child.table
                for number in instances[cobj]:
                    name = intern(f"{cobj}{number}.")
                    kids.append(name)
                    self._expand(tree, child.generic, name, info, True, instances)
            else:
                name = intern(cobj + child.segment)
                kids.append(name)
                self._expand(tree, child.generic, name, child.table, False, instances)

    def params_under(self, prefix: str) -> list[str]:
        """Concrete parameter names below ``prefix`` ("" means everything)."""
        return _prefixed(self.param_names, prefix)

    def names_under(self, prefix: str) -> list[str]:
        """Concrete object and parameter names at or below ``prefix``."""
        return _prefixed(self.all_names, prefix)


#: Each concrete table object ("X.", "X.2.Y.") -> its instance numbers, sorted, in the
#: order a depth-first walk meets them: what decides an Index besides the generic tree.
Instances = dict[str, tuple[int, ...]]


async def list_instances(
    tree: GenericTree, route: Callable[[Backend], Backend] | None = None
) -> Instances:
    """Ask each table's backend for its instances (only the objects that hold tables are
    walked): equal results give equal indexes, so a model rebuilds only when they differ."""
    out: Instances = {}
    await _list_under(tree, tree.root, tree.root, route, out)
    return out


async def _list_under(
    tree: GenericTree,
    gobj: str,
    cobj: str,
    route: Callable[[Backend], Backend] | None,
    out: Instances,
) -> None:
    for child in tree.layout(gobj):
        if child.param is not None:
            continue
        if not child.segment and child.table is not None:
            backend = child.table.backend if route is None else route(child.table.backend)
            numbers = out[cobj] = tuple(sorted(await backend.list_instances(cobj)))
            for number in numbers:
                await _list_under(tree, child.generic, f"{cobj}{number}.", route, out)
        elif tree.holds_tables(child.generic):
            await _list_under(tree, child.generic, cobj + child.segment, route, out)


def _prefixed(names: list[str], prefix: str) -> list[str]:
    """The slice of sorted ``names`` that start with ``prefix`` (two bisections)."""
    return names[bisect_left(names, prefix) : bisect_left(names, prefix + _AFTER_ALL)]


_AFTER_ALL = "\U0010ffff"
