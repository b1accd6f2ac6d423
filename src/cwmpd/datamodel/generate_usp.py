"""Generate ``data/Device.usp.tsv.gz``, the USP-only metadata, from the USP flavour of TR-181.

Usage: ``python -m cwmpd.datamodel.generate_usp SPEC_DIR [--out DIR]``.

The CWMP metadata (``generate.py``) has no commands, events or ``Device.LocalAgent.``: those
exist only in ``tr-181-2-19-1-usp-full.xml``. This writes them in the format ``schema.py``
describes (so the LocalAgent objects load with ``read_schema``) plus three line kinds of its
own, read by ``uspmeta.py``:

* ``K`` a unique key of a table: generic table name, key parameter names (US-joined);
  one line per key, in the XML's order, for every table of the USP model.
* ``C`` a command: generic path ("Device.Reboot()"), flags ("a" asynchronous), input
  argument names, output argument names (US-joined; arguments in argument objects are
  "Obj.{i}.Name").
* ``E`` an event: generic path ("Device.Boot!"), argument names (US-joined).

Deterministic like ``generate.py`` (document order, fixed gzip header).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from cwmpd.datamodel.generate import (
    Resolver,
    SpecError,
    Writer,
    _clean,
    _counters,
    _join,
    _live,
    _local,
    _param_line,
    compress,
    read_model,
)
from cwmpd.datamodel.schema import FORMAT_VERSION

SOURCE = "tr-181-2-19-1-usp-full.xml"
#: Objects whose parameters only the USP model has, kept as O/P lines.
USP_OBJECTS = ("Device.LocalAgent.",)
DATA_FILE = "Device.usp.tsv.gz"


def _arguments(elem: etree._Element | None, prefix: str = "") -> Iterator[str]:
    """The argument names of a command's input/output or of an event, in document order."""
    if elem is None:
        return
    for child in _live(elem):
        kind = _local(child)
        name = child.get("name", "").strip()
        if kind == "parameter":
            yield prefix + name
        elif kind == "object":
            yield from _arguments(child, prefix + name)


def convert(xml_path: Path) -> str:
    """Read the USP -full data-model file; return the data file text."""
    model, named, spec = read_model(xml_path)
    resolver, writer = Resolver(named), Writer()
    counters = _counters(model)
    keys: list[str] = []
    commands: list[str] = []
    events: list[str] = []
    for obj in _live(model):
        if _local(obj) != "object":
            continue
        name = obj.get("name", "").strip()
        if name.startswith(USP_OBJECTS):
            maxe = obj.get("maxEntries", "1")
            table = name.endswith(".{i}.")
            flags = ("w" if obj.get("access", "readOnly") != "readOnly" else "") + (
                "t" if table else ""
            )
            fields = (
                name,
                flags,
                obj.get("minEntries", "1"),
                "" if maxe == "unbounded" else maxe,
                obj.get("numEntriesParameter", "") if table else "",
            )
            writer.body.append("\t".join(("O", *map(_clean, fields))))
        for child in _live(obj):
            kind = _local(child)
            if kind == "parameter" and name.startswith(USP_OBJECTS):
                writer.body.append(_param_line(writer, resolver, name, child, counters))
            elif kind == "uniqueKey" and name.endswith(".{i}."):
                refs = [p.get("ref", "") for p in _live(child) if _local(p) == "parameter"]
                keys.append("\t".join(("K", _clean(name), _join(refs))))
            elif kind == "command":
                flags = "a" if child.get("async") == "true" else ""
                ins = _join(_arguments(child.find("input")))
                outs = _join(_arguments(child.find("output")))
                path = _clean(name + child.get("name", "").strip())
                commands.append("\t".join(("C", path, flags, ins, outs)))
            elif kind == "event":
                args = _join(_arguments(child))
                events.append("\t".join(("E", _clean(name + child.get("name", "").strip()), args)))
    header = (
        "#cwmpd-schema",
        FORMAT_VERSION,
        "Device.",
        model.get("name", ""),
        spec,
    )
    return writer.text(header) + "".join(line + "\n" for line in (*keys, *commands, *events))


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("spec_dir", type=Path, help=f"folder holding datamodel/{SOURCE}")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        text = convert(args.spec_dir / "datamodel" / SOURCE)
    except (OSError, etree.XMLSyntaxError, SpecError, ValueError) as e:
        print(f"error: {SOURCE}: {e}", file=sys.stderr)
        return 1
    target = args.out / DATA_FILE
    target.write_bytes(compress(text))
    print(f"{target}: {text.count(chr(10))} lines, {target.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
