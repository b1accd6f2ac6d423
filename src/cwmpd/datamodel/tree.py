"""The tree of names: generic definitions joined with live instances, indexed for prefix queries.

Everything a request needs per parameter (type, access, null value, default, backend) is
computed once per generic name, and the concrete names are kept in a sorted list so a
partial path is one ``bisect`` away from its parameters (no per-call tree walking).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
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
    made: ObjectInfo
    """The ObjectInfo of each concrete object it makes (all alike: one for all)."""


@dataclass(frozen=True, slots=True)
class _Params:
    """A run of consecutive parameter children of a generic object, expanded in one go."""

    segments: tuple[str, ...]
    infos: tuple[ParamInfo, ...]
    forced: tuple[int, ...]
    """Positions (in ``segments``) of the forced-inform parameters."""


@dataclass(frozen=True, slots=True)
class Own:
    """What reading the own parameters of an object of one generic object needs, each
    tuple in the sorted order of the names (``Index.own``)."""

    segments: tuple[str, ...]
    """Their names relative to the object."""
    infos: tuple[ParamInfo, ...]
    fallbacks: tuple[str, ...]
    """The value of each when its backend holds none: its default (null when hidden)."""
    reads: tuple[tuple[Backend, Callable[[Sequence[str]], Sequence[str]]], ...]
    """Per backend (as the tree names it), the names to ask it for (hidden ones never)."""
    counters: tuple[tuple[int, str], ...]
    """Positions of the table counters, with the "X." child object each counts."""
    counted: Callable[[Sequence[str]], Sequence[str]]
    """Picks the table counters out of the names."""


@dataclass(frozen=True, slots=True)
class _Layout:
    """The children of one generic object in order (parameters in runs), with what
    expanding them needs; ``static`` when no table is at or below it (no backend to ask)."""

    parts: tuple[_Params | _Child, ...]
    own: Own
    order: Callable[[list[str]], tuple[str, ...]]
    """The object's own concrete parameter names (in layout order) -> sorted."""
    static: bool
    leaf: _Params | None
    """Its one part when that is all parameters."""


#: One step of listing instances: (generic child, its segment, the table's backend or None).
_Listed = tuple[str, str, Backend | None]


def _picker(positions: Sequence[int], size: int) -> Callable[[Sequence[str]], Sequence[str]]:
    """A function picking the items at ``positions`` out of a sequence of ``size``."""
    if list(positions) == list(range(size)):
        return tuple
    if not positions:
        return lambda names: ()
    if len(positions) == 1:
        (i,) = positions
        return lambda names: (names[i],)
    pick: Callable[[Sequence[str]], Sequence[str]] = itemgetter(*positions)
    return pick


def _own(tree: GenericTree, infos: Sequence[ParamInfo]) -> Own:
    """The Own of parameters ``infos`` (sorted by name)."""
    segments = tuple(paths.last_segment(i.generic) for i in infos)
    by_backend: dict[Backend, list[int]] = {}
    for n, info in enumerate(infos):
        if not info.hidden:
            by_backend.setdefault(info.backend, []).append(n)
    counters = []
    for n, info in enumerate(infos):
        table = tree.counters.get(info.generic)
        if table is not None:
            counters.append((n, paths.last_segment(table[: -len(paths.INSTANCE) - 2]) + "."))
    return Own(
        segments,
        tuple(infos),
        tuple(null_value(i.type) if i.hidden else i.default for i in infos),
        tuple((b, _picker(ns, len(infos))) for b, ns in by_backend.items()),
        tuple(counters),
        _picker([n for n, _ in counters], len(infos)),
    )


def _sorting(segments: Sequence[str]) -> Callable[[list[str]], tuple[str, ...]]:
    """A function that puts names in the order of ``segments`` sorted (same prefix each)."""
    order = sorted(range(len(segments)), key=segments.__getitem__)
    if len(order) < 2 or order == list(range(len(order))):
        return tuple
    pick: Callable[[list[str]], tuple[str, ...]] = itemgetter(*order)  # >= 2 items: a tuple
    return pick


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
    _layouts: dict[str, _Layout] = field(default_factory=dict, repr=False)
    _listings: dict[str, tuple[_Listed, ...]] = field(default_factory=dict, repr=False)
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
        for obj in tree.children:  # laid out once, before the first Index is built
            tree.layout(obj)
        return tree

    def layout(self, obj: str) -> _Layout:
        """The children of generic ``obj`` in order, with what expanding them needs (cached:
        the index is rebuilt after every AddObject/DeleteObject, so this is the hot path)."""
        out = self._layouts.get(obj)
        if out is None:
            parts: list[_Params | _Child] = []
            run: list[ParamInfo] = []
            own: list[str] = []
            static = True

            def close() -> None:
                if run:
                    segs = tuple(paths.last_segment(p.generic) for p in run)
                    forced = tuple(i for i, p in enumerate(run) if p.forced_inform)
                    parts.append(_Params(segs, tuple(run), forced))
                    own.extend(segs)
                    run.clear()

            for child in self.children.get(obj, ()):
                if not paths.is_partial(child):
                    run.append(self.params[child])
                    continue
                close()
                if child in self.tables:
                    info = self.tables[child]
                    parts.append(_Child(child, "", None, info, ObjectInfo(info, True)))
                    static = False
                else:
                    segment = paths.last_segment(child) + "."
                    table = self.tables.get(child + paths.INSTANCE + ".")
                    parts.append(_Child(child, segment, None, table, ObjectInfo(table, False)))
                    static = static and self.layout(child).static
            close()
            infos = sorted(
                (i for p in parts if isinstance(p, _Params) for i in p.infos),
                key=lambda i: i.generic,
            )
            leaf = parts[0] if len(parts) == 1 and isinstance(parts[0], _Params) else None
            out = _Layout(tuple(parts), _own(self, infos), _sorting(own), static, leaf)
            self._layouts[obj] = out
        return out

    def listing(self, obj: str) -> tuple[_Listed, ...]:
        """What listing the instances below generic ``obj`` visits, in layout order (cached:
        every session lists them): a table's instances ("X.{i}.", no segment, its backend)
        and the plain objects holding tables (their segment, no backend)."""
        out = self._listings.get(obj)
        if out is None:
            steps: list[_Listed] = []
            for child in self.layout(obj).parts:
                if isinstance(child, _Params):
                    continue
                if not child.segment and child.table is not None:
                    steps.append((child.generic, "", child.table.backend))
                elif self.holds_tables(child.generic):
                    steps.append((child.generic, child.segment, None))
            out = self._listings[obj] = tuple(steps)
        return out

    def holds_tables(self, obj: str) -> bool:
        """Whether generic ``obj`` has a table at or below it (its layout is not static)."""
        return not self.layout(obj).static

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

    objects: dict[str, ObjectInfo] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    forced: list[str] = field(default_factory=list)
    instances: Instances = field(default_factory=dict)
    """What the tables listed when it was built (``list_instances``)."""
    object_names: list[str] = field(default_factory=list)
    """The objects, sorted."""
    own: dict[str, tuple[tuple[str, ...], Own]] = field(default_factory=dict)
    """Object -> its own parameters (not those of objects below), sorted, and how to
    read them."""
    counts: dict[str, str] = field(default_factory=dict)
    """Table counter parameter -> its value (the instances of the table it counts)."""
    _share: bool = field(default=False, repr=False, compare=False)

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
        index._share = tree.share_indexes
        forced: list[str] = []
        index._expand(tree, tree.root, tree.root, _ROOT, instances, forced)
        index.object_names = sorted(index.objects)
        index.forced = sorted(forced)
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
        made: ObjectInfo,
        instances: Instances,
        forced: list[str],
    ) -> None:
        layout = tree.layout(gobj)
        if layout.static:  # no table at or below: filled directly
            self._fill(layout, tree, cobj, made, forced)
            return
        kids: list[str] = []
        self.objects[cobj] = made
        self.children[cobj] = kids
        own: list[str] = []
        for part in layout.parts:
            if isinstance(part, _Params):
                self._add_params(part, cobj, kids, own, forced)
            elif part.segment:
                name = self._name(cobj + part.segment)
                kids.append(name)
                self._expand(tree, part.generic, name, part.made, instances, forced)
            else:
                info = part.table
                assert info is not None
                child = tree.layout(part.generic)
                for number in instances[cobj]:
                    name = self._name(f"{cobj}{number}.")
                    kids.append(name)
                    if child.static:  # nothing below to look up: filled directly
                        self._fill(child, tree, name, part.made, forced)
                    else:
                        self._expand(tree, part.generic, name, part.made, instances, forced)
        self._own(cobj, layout, own)

    def _name(self, name: str) -> str:
        return intern(name) if self._share else name

    def _fill(
        self,
        layout: _Layout,
        tree: GenericTree,
        cobj: str,
        made: ObjectInfo,
        forced: list[str],
    ) -> None:
        """Add object ``cobj`` of a static ``layout`` and everything below it."""
        self.objects[cobj] = made
        leaf = layout.leaf
        if leaf is not None:  # parameters alone: the common row, inline
            names = [cobj + s for s in leaf.segments]
            if self._share:
                names = list(map(intern, names))
            if leaf.forced:
                forced.extend(names[i] for i in leaf.forced)
            self.children[cobj] = names
            ordered = layout.order(names)
            own = layout.own
            self.own[cobj] = (ordered, own)
            if own.counters:  # no table below: each counts an undeclared table, 0
                self.counts.update(dict.fromkeys(own.counted(ordered), "0"))
            return
        kids: list[str] = []
        self.children[cobj] = kids
        own_names: list[str] = []
        for part in layout.parts:
            if isinstance(part, _Params):
                self._add_params(part, cobj, kids, own_names, forced)
            else:  # a plain object (a static layout has no table)
                name = self._name(cobj + part.segment)
                kids.append(name)
                child = tree.layout(part.generic)
                self._fill(child, tree, name, part.made, forced)
        self._own(cobj, layout, own_names)

    def _own(self, cobj: str, layout: _Layout, own: list[str]) -> None:
        names = layout.order(own)
        info = layout.own
        self.own[cobj] = (names, info)
        if not info.counters:
            return
        if layout.static:  # no table below: each counts an undeclared table, 0
            self.counts.update(dict.fromkeys(info.counted(names), "0"))
        else:
            children, counts = self.children, self.counts
            for n, table in info.counters:
                counts[names[n]] = str(len(children.get(cobj + table, ())))

    def _add_params(
        self, part: _Params, cobj: str, kids: list[str], own: list[str], forced: list[str]
    ) -> None:
        names = self._params(part, cobj, forced)
        kids.extend(names)
        own.extend(names)

    def _params(self, part: _Params, cobj: str, forced: list[str]) -> list[str]:
        names = [cobj + s for s in part.segments]
        if self._share:  # one copy for every device of a fleet (a lone agent: no churn)
            names = list(map(intern, names))
        if part.forced:
            forced.extend(names[i] for i in part.forced)
        return names

    @cached_property
    def params(self) -> dict[str, ParamInfo]:
        """The parameters (computed on first use from ``own``: a USP Get needs none)."""
        out: dict[str, ParamInfo] = {}
        for names, own in self.own.values():
            out.update(zip(names, own.infos, strict=True))
        return out

    @cached_property
    def param_names(self) -> list[str]:
        """The parameters, sorted (computed on first use: a USP Get needs none of these)."""
        return sorted(self.params)

    @cached_property
    def all_names(self) -> list[str]:
        """The objects and parameters, sorted."""
        objects = self.object_names or sorted(self.objects)
        return sorted(self.param_names + objects)  # two sorted runs: one merge

    def params_under(self, prefix: str) -> list[str]:
        """Concrete parameter names below ``prefix`` ("" means everything)."""
        return prefixed(self.param_names, prefix)

    def names_under(self, prefix: str) -> list[str]:
        """Concrete object and parameter names at or below ``prefix``."""
        return prefixed(self.all_names, prefix)


_ROOT = ObjectInfo(None, False)


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
    for generic, segment, backend in tree.listing(gobj):
        if backend is None:  # a plain object with tables below
            await _list_under(tree, generic, cobj + segment, route, out)
            continue
        if route is not None:
            backend = route(backend)
        numbers = out[cobj] = tuple(sorted(await backend.list_instances(cobj)))
        if tree.listing(generic):  # tables in each instance too
            for number in numbers:
                await _list_under(tree, generic, f"{cobj}{number}.", route, out)


def prefixed(names: list[str], prefix: str) -> list[str]:
    """The slice of sorted ``names`` that start with ``prefix`` (two bisections)."""
    return names[bisect_left(names, prefix) : bisect_left(names, prefix + _AFTER_ALL)]


_AFTER_ALL = "\U0010ffff"
