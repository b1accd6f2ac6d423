"""Generate ``data/<Root>.tsv.gz`` from the Broadband Forum "-full" data-model XML files.

Usage: ``python -m cwmpd.datamodel.generate SPEC_DIR [--out DIR]``.

Hand-written because BBF's own tool (bbfreport) is a large dependency aimed at reports, and
we need only a few attributes of each parameter; lxml does the XML parsing. The format of
the output is described in ``schema.py``. Output is deterministic (document order, fixed
gzip header), so regenerating from the same spec gives byte-identical files.
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree

from cwmpd.cwmp.types import TYPES, canonical
from cwmpd.datamodel.schema import FORMAT_VERSION, US, data_file, parent_of

SOURCES = ("tr-181-2-19-1-cwmp-full.xml", "tr-098-1-8-0-full.xml")
_FACETS = frozenset({"size", "range", "enumeration", "pattern"})
_FORBIDDEN = ("\t", "\n", "\r", US)


class SpecError(Exception):
    """The XML does not have the shape this generator understands."""


@dataclass(frozen=True)
class TypeInfo:
    """A resolved syntax: base type, list-ness and facets (sizes as (min, max))."""

    type: str = ""
    is_list: bool = False
    max_items: int | None = None
    min_items: int | None = None
    list_size: tuple[int | None, int | None] = (None, None)
    item_size: tuple[int | None, int | None] = (None, None)
    ranges: tuple[tuple[int | None, int | None], ...] = ()
    enums: tuple[str, ...] = ()
    readonly_enums: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    nested: bool = False
    inner_items: tuple[int | None, int | None] | None = None

    def record(self) -> tuple[str, ...]:
        """The fields of this syntax's ``T`` line (after the "T")."""
        size = self.list_size if self.is_list else self.item_size
        lst = ""
        if self.is_list:
            lst = "L" + ("" if self.max_items is None else str(self.max_items))
        return (
            self.type,
            lst,
            _opt(size[0]),
            _opt(size[1]),
            US.join(f"{_opt(lo)}:{_opt(hi)}" for lo, hi in self.ranges),
            _join(self.enums),
            _join(self.readonly_enums),
            _join(self.patterns),
            _opt(self.item_size[1]) if self.is_list else "",
            _opt(self.min_items) if self.is_list else "",
            _opt(self.item_size[0]) if self.is_list else "",
            self._nesting(),
        )

    def _nesting(self) -> str:
        """ "" (flat), "B" (bracketed items) or "B<min>:<max>" (bracketed lists of items)."""
        if not self.nested:
            return ""
        if self.inner_items is None:
            return "B"
        return f"B{_opt(self.inner_items[0])}:{_opt(self.inner_items[1])}"


def _opt(value: int | None) -> str:
    return "" if value is None else str(value)


def _join(values: Iterable[str]) -> str:
    return US.join(_clean(v) for v in values)


def _clean(text: str) -> str:
    if any(c in text for c in _FORBIDDEN):
        raise SpecError(f"value with a tab, newline or US cannot be stored: {text!r}")
    return text


def _local(elem: etree._Element) -> str:
    return etree.QName(elem).localname


def _int(value: str | None) -> int | None:
    return None if value is None or value == "unbounded" else int(value)


def _min_items(value: str | None) -> int | None:
    """minItems, with the XSD default 0 stored as "no minimum"."""
    number = _int(value)
    return number or None


def _live(elems: Iterable[etree._Element]) -> Iterator[etree._Element]:
    """Child elements that are not comments and not status="deleted"."""
    for e in elems:
        if isinstance(e.tag, str) and e.get("status") != "deleted":
            yield e


def _apply_facets(info: TypeInfo, facets: list[etree._Element], *, in_list: bool) -> TypeInfo:
    """Apply one derivation level's facets: each kind given here replaces the inherited one."""
    by_kind: dict[str, list[etree._Element]] = {}
    for f in facets:
        by_kind.setdefault(_local(f), []).append(f)
    changes: dict[str, object] = {}
    if "size" in by_kind:
        mins = [_int(f.get("minLength")) for f in by_kind["size"]]
        maxs = [_int(f.get("maxLength")) for f in by_kind["size"]]
        lo = None if None in mins else min(m for m in mins if m is not None)
        hi = None if None in maxs else max(m for m in maxs if m is not None)
        changes["list_size" if in_list else "item_size"] = (lo, hi)
    if "range" in by_kind:
        changes["ranges"] = tuple(
            (_int(f.get("minInclusive")), _int(f.get("maxInclusive"))) for f in by_kind["range"]
        )
    if "enumeration" in by_kind:
        enums = by_kind["enumeration"]
        changes["enums"] = tuple(f.get("value", "") for f in enums)
        changes["readonly_enums"] = tuple(
            f.get("value", "") for f in enums if f.get("access") == "readOnly"
        )
    if "pattern" in by_kind:
        changes["patterns"] = tuple(f.get("value", "") for f in by_kind["pattern"])
    return replace(info, **changes) if changes else info  # type: ignore[arg-type]


@dataclass
class Resolver:
    """Resolves named data types (with their base chains) and parameter syntaxes."""

    named: dict[str, etree._Element]
    cache: dict[str, TypeInfo] = field(default_factory=dict)
    resolving: set[str] = field(default_factory=set)

    def named_type(self, name: str) -> TypeInfo:
        """The resolved named data type ``name``."""
        if name in self.cache:
            return self.cache[name]
        elem = self.named.get(name)
        if elem is None:
            raise SpecError(f"dataType {name!r} is referenced but not defined")
        if name in self.resolving:
            raise SpecError(f"dataType {name!r} derives from itself")
        self.resolving.add(name)
        base = elem.get("base")
        info = self.named_type(base) if base else TypeInfo()
        info = self.apply(info, list(_live(elem)))
        self.resolving.discard(name)
        self.cache[name] = info
        return info

    def apply(self, info: TypeInfo, children: list[etree._Element]) -> TypeInfo:
        """Apply a syntax or dataType body (type elements, list, dataType ref, facets)."""
        for child in children:
            if _local(child) == "dataType":
                ref = child.get("ref") or child.get("base")
                if not ref:
                    raise SpecError("anonymous dataType without ref or base")
                info = self.merge(info, self.named_type(ref))
                info = _apply_facets(info, list(_facets(child)), in_list=False)
        for child in children:
            kind = _local(child)
            if kind == "list":
                if info.is_list:  # a list of a named list type: the items are bracketed lists
                    info = replace(info, nested=True, inner_items=(info.min_items, info.max_items))
                elif child.get("nestedBrackets") == "required":
                    info = replace(info, nested=True)
                info = replace(
                    info,
                    is_list=True,
                    max_items=_int(child.get("maxItems")),
                    min_items=_min_items(child.get("minItems")),
                )
                info = _apply_facets(info, list(_facets(child)), in_list=True)
            elif kind in TYPES:
                info = replace(info, type=kind)
                info = _apply_facets(info, list(_facets(child)), in_list=False)
        direct = [c for c in children if _local(c) in _FACETS]
        return _apply_facets(info, direct, in_list=False) if direct else info

    @staticmethod
    def merge(info: TypeInfo, named: TypeInfo) -> TypeInfo:
        """A named type under an outer syntax that may already say it is a list."""
        if info.is_list and not named.is_list:
            return replace(
                named,
                is_list=True,
                max_items=info.max_items,
                min_items=info.min_items,
                list_size=info.list_size,
            )
        return named


def _facets(elem: etree._Element) -> Iterator[etree._Element]:
    return (c for c in _live(elem) if _local(c) in _FACETS)


@dataclass
class Writer:
    """Accumulates the lines of one data file, numbering syntax records on first use."""

    syntax_ids: dict[tuple[str, ...], int] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)

    def syntax(self, info: TypeInfo) -> int:
        """The number of ``info``'s T record, adding it if new."""
        rec = info.record()
        return self.syntax_ids.setdefault(rec, len(self.syntax_ids))

    def text(self, header: tuple[str, ...]) -> str:
        """The whole file as text."""
        lines = ["\t".join(header)]
        lines += ["\t".join(("T", *rec)) for rec in self.syntax_ids]
        lines += self.body
        return "\n".join(lines) + "\n"


def _param_line(
    writer: Writer, resolver: Resolver, obj: str, param: etree._Element, counters: set[str]
) -> str:
    name = param.get("name", "").strip()
    syntax = param.find("syntax")
    if syntax is None or not name:
        raise SpecError(f"parameter {obj}{name} has no syntax")
    info = resolver.apply(TypeInfo(), list(_live(syntax)))
    if info.type not in TYPES:
        raise SpecError(f"parameter {obj}{name} has no base type")
    flags = ""
    if param.get("access", "readOnly") != "readOnly":
        flags += "w"
    if param.get("forcedInform") == "true":
        flags += "f"
    if any(syntax.get(a) == "true" for a in ("hidden", "secured", "command")):
        flags += "h"
    if syntax.get("command") == "true":
        flags += "c"
    if obj + name in counters:
        flags += "n"
    notify = param.get("activeNotify", "normal")
    default_type = default = ""
    for d in _live(syntax):
        if _local(d) == "default" and d.get("type") in ("factory", "object"):
            value = _default(info, d.get("value", ""))
            if value is not None:
                default_type, default = d.get("type", ""), value
            break
    fields = (name, str(writer.syntax(info)), flags, "" if notify == "normal" else notify)
    return "\t".join(("P", *map(_clean, fields), default_type, _clean(default)))


def _default(info: TypeInfo, text: str) -> str | None:
    """The default as a value on the wire, or None when the XML's is not one of its type.

    The XML writes list defaults in TR-106 bracket notation ("[0,1,2]", "[]"); the wire
    value of a flat list has no brackets. A few defaults do not parse as their type (TR-098
    gives dateTime parameters the default ""): those are dropped, so the parameter reads
    as its type's null value rather than as something an XSD validator rejects.
    """
    if info.is_list:
        if text.startswith("[") and text.endswith("]") and (text == "[]" or not info.nested):
            text = text[1:-1]
        items = [i.strip() for i in text.split(",")] if text.strip() and not info.nested else []
    else:
        items = [text]
    try:
        for item in items:
            canonical(info.type, item)
    except ValueError:
        return None
    return text


def _counters(model: etree._Element) -> set[str]:
    """Full generic names of the tables' counter parameters (``numEntriesParameter``)."""
    out = set()
    for obj in _live(model):
        name, count = obj.get("name", ""), obj.get("numEntriesParameter")
        if _local(obj) == "object" and count and name.endswith(".{i}."):
            out.add(parent_of(name) + count)
    return out


def read_model(xml_path: Path) -> tuple[etree._Element, dict[str, etree._Element], str]:
    """The one ``<model>`` of a -full data-model file, its named dataTypes and the file's
    ``spec`` (hardened parse: no network, internal entities only, comments dropped)."""
    parser = etree.XMLParser(
        no_network=True,
        resolve_entities="internal",  # type: ignore[arg-type]  # lxml-stubs predate "internal"
        remove_comments=True,
        huge_tree=True,
    )
    doc = etree.parse(str(xml_path), parser).getroot()
    named = {
        e.get("name", ""): e for e in doc if isinstance(e.tag, str) and _local(e) == "dataType"
    }
    models = [e for e in doc if isinstance(e.tag, str) and _local(e) == "model"]
    if len(models) != 1:
        raise SpecError(f"{xml_path.name}: expected one model, found {len(models)}")
    return models[0], named, doc.get("spec", "")


def convert(xml_path: Path) -> tuple[str, str]:
    """Read one -full data-model file; return (root object name, data file text)."""
    model, named, spec = read_model(xml_path)
    resolver, writer = Resolver(named), Writer()
    counters = _counters(model)
    seen: set[str] = set()
    root = ""
    for obj in _live(model):
        if _local(obj) != "object":
            continue
        name = obj.get("name", "").strip()
        if not name.endswith(".") or name in seen:
            raise SpecError(f"{xml_path.name}: bad or duplicate object name {name!r}")
        seen.add(name)
        root = root or name
        maxe = obj.get("maxEntries", "1")
        flags = ("w" if obj.get("access", "readOnly") != "readOnly" else "") + (
            "t" if name.endswith(".{i}.") else ""
        )
        count = obj.get("numEntriesParameter", "") if flags.endswith("t") else ""
        fields = (
            name,
            flags,
            obj.get("minEntries", "1"),
            "" if maxe == "unbounded" else maxe,
            count,
        )
        writer.body.append("\t".join(("O", *map(_clean, fields))))
        for param in _live(obj):
            if _local(param) == "parameter":
                writer.body.append(_param_line(writer, resolver, name, param, counters))
    header = ("#cwmpd-schema", FORMAT_VERSION, root, model.get("name", ""), spec)
    return root, writer.text(header)


def compress(text: str) -> bytes:
    """Gzip with a fixed header (no name, mtime 0) so the bytes are reproducible."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("spec_dir", type=Path, help="folder holding datamodel/<file>-full.xml")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        try:
            root, text = convert(args.spec_dir / "datamodel" / source)
        except (OSError, etree.XMLSyntaxError, SpecError, ValueError) as e:
            print(f"error: {source}: {e}", file=sys.stderr)
            return 1
        target = args.out / data_file(root)
        target.write_bytes(compress(text))
        print(f"{target}: {text.count(chr(10))} lines, {target.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
