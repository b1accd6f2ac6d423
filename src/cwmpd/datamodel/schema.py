"""Parameter and object metadata of the BBF data models, loaded from the generated data files.

Hand-written because nothing in the stdlib or lxml reads our compact generated format, and the
runtime must not parse the multi-megabyte BBF XML (see ``generate.py``, which writes the data).

Data file ``data/<Root>.tsv.gz``: gzip'd UTF-8 lines of tab-separated fields, three kinds.

* ``#cwmpd-schema`` header: format version, root ("Device."), model name, spec URN.
* ``T`` syntax records, numbered from 0 in file order and all before the first object:
  type, list ("" = not a list, "L" = list, "L<n>" = list of at most n items),
  min length, max length (for lists: the size of the whole string), ranges ("lo:hi" joined
  by US = "\\x1f", either side empty when open), enumeration values (US-joined),
  the enumeration values that are read-only (US-joined), patterns (US-joined), item max length,
  then for lists only (optional at line end): minItems ("" = none), item min length, and the
  nesting ("" flat, "B" items in brackets, "B<min>:<max>" bracketed lists of that many items).
* ``O`` objects, parents before children: generic name, flags ("w" Add/Delete allowed,
  "t" table), minEntries, maxEntries ("" = unbounded), and for a table the name of its
  counter parameter in the parent object (the XML's ``numEntriesParameter``; optional).
* ``P`` parameters of the preceding object: leaf name, syntax number, flags ("w" writable,
  "f" forcedInform, "h" reads back as null: hidden/secured/command, "c" command, "n" the
  counter of a table),
  activeNotify ("" = normal), default kind ("" = none, "factory", "object"), default value.
"""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import IO

FORMAT_VERSION = "1"
US = "\x1f"
_INSTANCE = "{i}"


@dataclass(frozen=True, slots=True)
class ParamMeta:
    """What the data model says about one parameter (values keyed by the generic path).

    For a list (``is_list``), ``min_length``/``max_length`` bound the whole comma-separated
    string while ``ranges``, ``enums``, ``patterns`` and ``item_max_length`` apply to each item.
    ``hidden`` is true for every parameter that must read back as the null value (TR-106
    hidden, secured and command parameters); ``command`` marks the last kind alone.
    ``readonly_enums`` are enumeration values the device reports but the ACS may not set.
    """

    name: str
    type: str
    writable: bool
    min_length: int | None
    max_length: int | None
    ranges: tuple[tuple[int | None, int | None], ...]
    enums: tuple[str, ...]
    patterns: tuple[str, ...]
    is_list: bool
    forced_inform: bool
    active_notify: str
    hidden: bool
    default: str | None
    default_type: str | None = None
    readonly_enums: tuple[str, ...] = ()
    max_items: int | None = None
    item_max_length: int | None = None
    command: bool = False
    min_items: int | None = None
    item_min_length: int | None = None
    nested: bool = False
    inner_items: tuple[int | None, int | None] | None = None

    @property
    def wire_type(self) -> str:
        """The xsi:type on the wire: a TR-106 list is an xsd:string whatever its items are."""
        return "string" if self.is_list else self.type


@dataclass(frozen=True, slots=True)
class ObjectMeta:
    """What the data model says about one object; tables end with ``{i}.``."""

    name: str
    writable: bool
    is_table: bool
    min_entries: int
    max_entries: int | None
    num_entries: str | None = None
    """A table's counter parameter (generic name, e.g. ``...WANConnectionNumberOfEntries``)."""


@dataclass(frozen=True, slots=True)
class _Syntax:
    type: str
    is_list: bool
    max_items: int | None
    min_length: int | None
    max_length: int | None
    ranges: tuple[tuple[int | None, int | None], ...]
    enums: tuple[str, ...]
    readonly_enums: tuple[str, ...]
    patterns: tuple[str, ...]
    item_max_length: int | None
    min_items: int | None
    item_min_length: int | None
    nested: bool
    inner_items: tuple[int | None, int | None] | None


def generic_path(path: str) -> str:
    """Replace instance segments (numbers, or ``[alias]``) of a path with ``{i}``."""
    if not any(c.isdigit() or c == "[" for c in path):
        return path
    parts = path.split(".")
    for i, seg in enumerate(parts):
        if seg.isdigit() or (seg.startswith("[") and seg.endswith("]")):
            parts[i] = _INSTANCE
    return ".".join(parts)


def parent_of(generic: str) -> str:
    """The generic object holding a parameter or object (a table's parent skips ``{i}.``)."""
    name = generic[:-1] if generic.endswith(".") else generic
    if name.endswith("." + _INSTANCE):
        name = name[: -len(_INSTANCE) - 1]
    return name[: name.rindex(".") + 1] if "." in name else ""


class Schema:
    """The loaded metadata of one root data model (possibly only under some prefixes)."""

    def __init__(
        self,
        root: str,
        model: str,
        params: dict[str, ParamMeta],
        objects: dict[str, ObjectMeta],
        counters: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.model = model
        self._params = params
        self._objects = objects
        self._counters = {o.num_entries: o.name for o in objects.values() if o.num_entries}
        self._counters.update(counters or {})
        self._index: dict[str, tuple[list[ObjectMeta], list[ParamMeta]]] | None = None

    def __len__(self) -> int:
        return len(self._params) + len(self._objects)

    def param(self, generic: str) -> ParamMeta | None:
        """The parameter with this generic name, e.g. ``Device.IP.Interface.{i}.Enable``."""
        return self._params.get(generic)

    def object(self, generic: str) -> ObjectMeta | None:
        """The object with this generic name (trailing dot), e.g. ``Device.IP.Interface.{i}.``."""
        return self._objects.get(generic)

    def params(self) -> Iterator[ParamMeta]:
        """Every loaded parameter, in data-model order."""
        return iter(self._params.values())

    def objects(self) -> Iterator[ObjectMeta]:
        """Every loaded object, parents before children."""
        return iter(self._objects.values())

    def _children_index(self) -> dict[str, tuple[list[ObjectMeta], list[ParamMeta]]]:
        if self._index is None:
            index: dict[str, tuple[list[ObjectMeta], list[ParamMeta]]] = {}
            for obj in self._objects.values():
                index.setdefault(parent_of(obj.name), ([], []))[0].append(obj)
            for meta in self._params.values():
                index.setdefault(parent_of(meta.name), ([], []))[1].append(meta)
            self._index = index
        return self._index

    def params_under(self, generic_object: str) -> list[ParamMeta]:
        """The parameters directly in an object (not in its sub-objects)."""
        entry = self._children_index().get(generic_object)
        return list(entry[1]) if entry else []

    def children(self, generic_object: str) -> list[ObjectMeta]:
        """The objects directly below an object; a child table appears as ``X.{i}.``."""
        entry = self._children_index().get(generic_object)
        return list(entry[0]) if entry else []

    def counters(self) -> dict[str, str]:
        """Each loaded counter parameter -> the generic table ("X.{i}.") it counts, whether
        that table is loaded or not (a prefix-filtered load keeps every counter of the
        objects it loads: TR-106 puts a counter in its table's parent object)."""
        return dict(self._counters)

    def forced_inform(self) -> list[ParamMeta]:
        """The loaded parameters with forcedInform="true", in data-model order."""
        return [m for m in self._params.values() if m.forced_inform]


def data_file(root: str) -> str:
    """The data file name for a root object name ("Device." -> "Device.tsv.gz")."""
    return root.rstrip(".") + ".tsv.gz"


def _ints(text: str) -> int | None:
    return int(text) if text else None


def _split(text: str) -> tuple[str, ...]:
    return tuple(sys.intern(v) for v in text.split(US)) if text else ()


def _ranges(text: str) -> tuple[tuple[int | None, int | None], ...]:
    out = []
    for item in _split(text):
        lo, _, hi = item.partition(":")
        out.append((_ints(lo), _ints(hi)))
    return tuple(out)


def _syntax(line: str) -> _Syntax:
    f = line.rstrip("\n").split("\t")
    nesting = f[12] if len(f) > 12 else ""
    lo, sep, hi = nesting[1:].partition(":")
    return _Syntax(
        type=sys.intern(f[1]),
        is_list=f[2].startswith("L"),
        max_items=_ints(f[2][1:]),
        min_length=_ints(f[3]),
        max_length=_ints(f[4]),
        ranges=_ranges(f[5]),
        enums=_split(f[6]),
        readonly_enums=_split(f[7]),
        patterns=_split(f[8]),
        item_max_length=_ints(f[9]),
        min_items=_ints(f[10]) if len(f) > 10 else None,
        item_min_length=_ints(f[11]) if len(f) > 11 else None,
        nested=nesting.startswith("B"),
        inner_items=(_ints(lo), _ints(hi)) if sep else None,
    )


class _Filter:
    """Which objects and parameters a prefix list selects (all when the list is None)."""

    def __init__(self, prefixes: Iterable[str] | None) -> None:
        self.prefixes = None if prefixes is None else tuple({generic_path(p) for p in prefixes})
        # Every object path above a prefix, so object_mode is a set lookup, not a scan of
        # all prefixes per object (that scan was a visible part of start-up).
        self._ancestors = {
            p[: i + 1] for p in self.prefixes or () for i, c in enumerate(p) if c == "."
        }

    def object_mode(self, name: str) -> int:
        """2: the object and all its parameters, 1: ancestor (check each), 0: skip."""
        if self.prefixes is None or name.startswith(self.prefixes):
            return 2
        if name.endswith("."):
            return 1 if name in self._ancestors else 0
        return 1 if any(p.startswith(name) for p in self.prefixes) else 0

    def param(self, name: str) -> bool:
        """True if a parameter below an ancestor object is selected."""
        return self.prefixes is None or name.startswith(self.prefixes)


def read_schema(stream: IO[str], *, prefixes: Iterable[str] | None = None) -> Schema:
    """Build a Schema from an open data file (text), keeping only entries under ``prefixes``."""
    header = stream.readline().rstrip("\n").split("\t")
    if header[0] != "#cwmpd-schema" or header[1] != FORMAT_VERSION:
        raise ValueError("not a cwmpd schema file of format " + FORMAT_VERSION)
    root, model = header[2], header[3]
    flt = _Filter(prefixes)
    raw_syntax: list[str] = []
    syntax: dict[int, _Syntax] = {}
    notify: dict[str, str] = {"": "normal"}
    params: dict[str, ParamMeta] = {}
    objects: dict[str, ObjectMeta] = {}
    obj_name, mode = "", 0
    maybe_counters: set[str] = set()
    counters: dict[str, str] = {}
    for line in stream:
        kind = line[0]
        if kind == "P":
            if not mode:
                continue
            f = line.rstrip("\n").split("\t")
            name = obj_name + f[1]
            if mode == 1 and not flt.param(name):
                if "n" in f[3]:
                    maybe_counters.add(name)  # kept below if some table counts with it
                else:
                    continue
            num = int(f[2])
            syn = syntax.get(num)
            if syn is None:
                syn = syntax[num] = _syntax(raw_syntax[num])
            flags = f[3]
            an = notify.get(f[4])
            if an is None:
                an = notify[f[4]] = sys.intern(f[4])
            params[name] = ParamMeta(
                name=name,
                type=syn.type,
                writable="w" in flags,
                min_length=syn.min_length,
                max_length=syn.max_length,
                ranges=syn.ranges,
                enums=syn.enums,
                patterns=syn.patterns,
                is_list=syn.is_list,
                forced_inform="f" in flags,
                active_notify=an,
                hidden="h" in flags,
                default=f[6] if f[5] else None,
                default_type=sys.intern(f[5]) if f[5] else None,
                readonly_enums=syn.readonly_enums,
                max_items=syn.max_items,
                item_max_length=syn.item_max_length,
                command="c" in flags,
                min_items=syn.min_items,
                item_min_length=syn.item_min_length,
                nested=syn.nested,
                inner_items=syn.inner_items,
            )
        elif kind == "O":
            f = line.rstrip("\n").split("\t")
            obj_name = sys.intern(f[1])
            mode = flt.object_mode(obj_name)
            count = f[5] if len(f) > 5 and f[5] else None
            if count is not None and parent_of(obj_name) + count in params:
                counters[parent_of(obj_name) + count] = obj_name  # the table may be skipped
            if mode:
                objects[obj_name] = ObjectMeta(
                    name=obj_name,
                    writable="w" in f[2],
                    is_table="t" in f[2],
                    min_entries=int(f[3]),
                    max_entries=_ints(f[4]),
                    num_entries=None if count is None else parent_of(obj_name) + count,
                )
        elif kind == "T":
            raw_syntax.append(line)
    for name in maybe_counters - counters.keys():
        del params[name]
    return Schema(root, model, params, objects, counters)


def load_schema(root: str, *, prefixes: Iterable[str] | None = None) -> Schema:
    """Load the shipped metadata of ``root`` ("Device." or "InternetGatewayDevice.").

    With ``prefixes`` (generic or instance paths, objects ending with a dot or single
    parameters), only those entries, the objects above them and those objects' table
    counters (flag "n", see ``Schema.counters``) are kept in memory.
    Raises ValueError for an unknown root.
    """
    ref = resources.files("cwmpd.datamodel").joinpath("data", data_file(root))
    if not ref.is_file():
        raise ValueError(f"no data model metadata for root {root!r}")
    with (
        ref.open("rb") as raw,
        gzip.GzipFile(fileobj=raw, mode="rb") as gz,
        io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as text,
    ):
        return read_schema(text, prefixes=prefixes)
