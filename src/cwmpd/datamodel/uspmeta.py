"""USP-only metadata (commands, events, unique keys, Device.LocalAgent.), from the data file.

``data/Device.usp.tsv.gz`` is written by ``generate_usp.py`` (its docstring has the line
kinds). It is read only when USP is enabled, so a CWMP-only agent never holds it in memory.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from cwmpd.datamodel.schema import US, Schema, read_schema

DATA_FILE = "Device.usp.tsv.gz"


@dataclass(frozen=True, slots=True)
class CommandMeta:
    """A command of the model: generic path ("Device.Reboot()"), whether it is asynchronous,
    its input and output argument names."""

    name: str
    is_async: bool
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventMeta:
    """An event of the model: generic path ("Device.Boot!") and its argument names."""

    name: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class UspMeta:
    """What the USP model adds to the CWMP one."""

    schema: Schema
    """The objects and parameters only USP has (``Device.LocalAgent.``)."""
    unique_keys: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    """Generic table ("X.{i}.") -> its unique keys, each a tuple of parameter names."""
    commands: dict[str, CommandMeta] = field(default_factory=dict)
    events: dict[str, EventMeta] = field(default_factory=dict)
    spec: str = ""
    """The spec URN of the source ("urn:broadband-forum-org:tr-181-2-19-1-usp")."""


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split(US)) if text else ()


def read_usp_meta(text: str) -> UspMeta:
    """Parse the text of a USP metadata file."""
    schema = read_schema(io.StringIO(text))
    keys: dict[str, list[tuple[str, ...]]] = {}
    header = text.split("\n", 1)[0].split("\t")
    meta = UspMeta(schema, spec=header[4] if len(header) > 4 else "")
    for line in text.splitlines():
        kind = line[:1]
        if kind not in ("K", "C", "E"):
            continue
        f = line.split("\t")
        if kind == "K":
            keys.setdefault(f[1], []).append(_names(f[2]))
        elif kind == "C":
            meta.commands[f[1]] = CommandMeta(f[1], "a" in f[2], _names(f[3]), _names(f[4]))
        else:
            meta.events[f[1]] = EventMeta(f[1], _names(f[2]))
    meta.unique_keys.update((table, tuple(k)) for table, k in keys.items())
    return meta


@cache
def load_usp_meta() -> UspMeta:
    """The shipped USP metadata (read once per process, on first use)."""
    ref = resources.files("cwmpd.datamodel").joinpath("data", DATA_FILE)
    with ref.open("rb") as raw:
        return read_usp_meta(gzip.decompress(raw.read()).decode("utf-8"))


def with_usp(schema: Schema, meta: UspMeta | None = None) -> Schema:
    """``schema`` (a ``Device.`` one) with the USP-only objects and parameters added."""
    extra = (meta or load_usp_meta()).schema
    params = {p.name: p for p in schema.params()}
    objects = {o.name: o for o in schema.objects()}
    params.update((p.name, p) for p in extra.params() if p.name not in params)
    objects.update((o.name, o) for o in extra.objects() if o.name not in objects)
    return Schema(schema.root, schema.model, params, objects, schema.counters())
