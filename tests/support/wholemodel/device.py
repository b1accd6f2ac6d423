"""The whole data model as a device: every parameter of a root, with valid values (test support).

``plan(root, copies)`` lays out the concrete model: every table gets one instance, or two
(numbers 1 and 3, so a counter that counts instances and one that reports the highest number
differ) where ``copies`` says so; every parameter gets the two values of
:mod:`support.wholemodel.values`. ``WholeModelDevice`` is the device plugin that declares
it all as agent-stored parameters, so the real agent serves the whole model; the plugin
folders ``tr181/`` and ``tr098/`` next to this file are what the agent loads.

Not declared: the tables' counter parameters (the agent computes them) — which is what
lets the tests see whether the agent names and counts them as the data model says. Which
parameters are counters is read from the BBF XML itself (``numEntriesParameter``), not
from cwmpd's generated data, so a counter the generator loses shows up as a missing name.

Objects with no parameter at or below them (``Services.``, ``ExecutionUnit.{i}.Extensions.``)
are left out: a device plugin declares parameters, so the agent has no way to serve them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.schema import ObjectMeta, ParamMeta, Schema, load_schema
from cwmpd.plugin.api import DeviceHooks
from support.wholemodel.values import Values, values_for

#: Instance numbers of a table with two instances (not 1, 2: see the module docstring).
TWO = (1, 3)
SOURCES = {
    "Device.": "tr-181-2-19-1-cwmp-full.xml",
    "InternetGatewayDevice.": "tr-098-1-8-0-full.xml",
}
REPO = Path(__file__).resolve().parents[3]


def xml_counters(root: str) -> dict[str, str]:
    """Generic counter parameter -> generic table, from the BBF XML (``numEntriesParameter``)."""
    spec = Path(os.environ.get("CWMPD_SPEC_DIR", REPO.parent / "shared" / "spec"))
    model = etree.parse(str(spec / "datamodel" / SOURCES[root])).getroot().find("model")
    if model is None:
        raise ValueError(f"no model in {SOURCES[root]}")
    out = {}
    for obj in model.iterfind("object"):
        name, count = obj.get("name", ""), obj.get("numEntriesParameter")
        if count and obj.get("status") != "deleted":
            parent = name[: name[: -len(".{i}.")].rindex(".") + 1]
            out[parent + count] = name
    return out


@dataclass
class Plan:
    """The concrete whole model of one root."""

    root: str
    schema: Schema
    params: dict[str, ParamMeta] = field(default_factory=dict)
    values: dict[str, Values] = field(default_factory=dict)
    objects: dict[str, ObjectMeta | None] = field(default_factory=dict)
    counters: dict[str, str] = field(default_factory=dict)  # concrete counter -> table "X."
    instances: dict[str, tuple[int, ...]] = field(default_factory=dict)  # table "X." -> numbers
    no_value: dict[str, str] = field(default_factory=dict)  # generic name -> why

    @property
    def agent_kept(self) -> str:
        """The ManagementServer object: the agent acts on its values, so no SPV there."""
        return self.root + "ManagementServer."


def _copies(copies: str, table: str) -> tuple[int, ...]:
    if copies == "all" or (copies == "top" and table.count("{i}") == 1):
        return TWO
    return (1,)


def _expand(generic: str, copies: str) -> Iterator[str]:
    """Every concrete name of ``generic`` under the instance plan."""
    parts = generic.split(".{i}.")
    if len(parts) == 1:
        yield generic
        return
    choices = []
    prefix = ""
    for part in parts[:-1]:
        prefix += part + ".{i}."
        choices.append(_copies(copies, prefix))
    for numbers in itertools.product(*choices):
        out = parts[0]
        for number, part in zip(numbers, parts[1:], strict=True):
            out += f".{number}.{part}"
        yield out


@lru_cache(maxsize=4)
def plan(root: str, copies: str = "one") -> Plan:
    """The whole model of ``root`` with ``copies`` of each table ("one", "top", "all")."""
    schema = load_schema(root)
    out = Plan(root, schema)
    counted = xml_counters(root)
    served = {name[: i + 1] for name in (m.name for m in schema.params()) for i in _dots(name)}
    for obj in schema.objects():
        if obj.name not in served:
            continue
        for name in _expand(obj.name, copies):
            if obj.is_table:
                table = name[: name.rstrip(".").rindex(".") + 1]
                out.objects[table] = obj
                out.instances[table] = _copies(copies, obj.name)
            out.objects[name] = obj
    for meta in schema.params():
        try:
            values = values_for(meta)
        except ValueError as e:
            out.no_value[meta.name] = str(e)
            values = Values("", "")
        for name in _expand(meta.name, copies):
            if meta.name in counted:
                table = counted[meta.name]
                out.counters[name] = name[: name.rindex(".") + 1] + table.split(".")[-3] + "."
            out.params[name] = meta
            out.values[name] = values
    return out


def _dots(name: str) -> Iterator[int]:
    return (i for i, c in enumerate(name) if c == ".")


class WholeModelDevice:
    """A device plugin serving ``plan(root, copies)`` from the agent's store."""

    def __init__(self, root: str, copies: str) -> None:
        self.root = root
        self.plan = plan(root, copies)
        self.hooks = DeviceHooks(
            boot_id=self.boot_id, reboot=self.reboot, factory_reset=self.factory_reset
        )

    def boot_id(self) -> str:
        """One boot for the life of the test."""
        return "wholemodel-boot"

    def reboot(self) -> bool:
        """Nothing reboots."""
        return False

    def factory_reset(self) -> None:
        """The model resets the stored values itself."""

    def declare(self, decl: Declarations) -> None:
        """Every parameter but the counters, stored; ManagementServer as the agent keeps it
        (the agent declared it already, see cwmpd.plugin.load).

        Non-table ManagementServer parameters keep the agent's defaults and the config's
        values; every other concrete parameter starts with its planned initial value.
        """
        p = self.plan
        factory: dict[str, str] = {}
        for name, meta in p.params.items():
            if name in p.counters:
                continue
            if meta.name not in decl.store_params:
                decl.store(meta.name)  # new instances: the data model's default or null
            if not name.startswith(p.agent_kept) or "{i}" in meta.name:
                factory[name] = p.values[name].initial
        decl.factory(factory)
