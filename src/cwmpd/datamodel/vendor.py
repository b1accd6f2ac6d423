"""Vendor extensions (TR-106 section 3.3): ``X_<VENDOR>_`` parameters and objects of a plugin.

A plugin declares the metadata the BBF schema cannot have (type, access, notification,
forced inform; tables and whether the ACS may add to them) in ``Declarations.vendor``;
``with_vendor`` returns the schema with those entries added, so a vendor name then goes
through every RPC exactly like a standard one (GPN, GPV's xsi:type, SPV validation,
attributes, AddObject, the table's ``NumberOfEntries``, Inform).

Naming (TR-106): the first name segment that the standard model does not define must be
``X_<VENDOR>_Name``, where VENDOR is an OUI (six upper-case hex digits) or a domain name in
upper case with '-' for each '.' (``X_EXAMPLE-COM_Fan``); what follows it is free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cwmpd.cwmp import paths
from cwmpd.cwmp import types as cwmp_types
from cwmpd.datamodel.schema import ObjectMeta, ParamMeta, Schema, generic_path

#: TR-106 base types a vendor parameter may have: those cwmpd's codec knows.
TYPES = cwmp_types.TYPES
#: TR-106 activeNotify: may the ACS turn active notification on, is it on by default?
ACTIVE_NOTIFY = frozenset({"normal", "canDeny", "forceDefaultEnabled", "forceEnabled"})
_VENDOR_SEGMENT = re.compile(r"X_([^_]*)_(.*)\Z", re.DOTALL)
_OUI = re.compile(r"[0-9A-F]{6}\Z")
_DOMAIN = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)+\Z")
_REST = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


@dataclass(frozen=True, slots=True)
class VendorParam:
    """What the plugin says about one vendor parameter (generic name)."""

    name: str
    type: str = "string"
    writable: bool = False
    active_notify: str = "normal"
    forced_inform: bool = False
    hidden: bool = False
    max_length: int | None = None
    enums: tuple[str, ...] = ()
    ranges: tuple[tuple[int | None, int | None], ...] = ()

    def meta(self) -> ParamMeta:
        """The schema entry of this parameter."""
        return ParamMeta(
            name=self.name,
            type=self.type,
            writable=self.writable,
            min_length=None,
            max_length=self.max_length,
            ranges=self.ranges,
            enums=self.enums,
            patterns=(),
            is_list=False,
            forced_inform=self.forced_inform,
            active_notify=self.active_notify,
            hidden=self.hidden,
            default=None,
        )


@dataclass
class VendorDefs:
    """The vendor parameters and objects a plugin declares (``decl.vendor``)."""

    params: dict[str, VendorParam] = field(default_factory=dict)
    objects: dict[str, ObjectMeta] = field(default_factory=dict)

    def param(
        self,
        name: str,
        type: str = "string",
        *,
        writable: bool = False,
        active_notify: str = "normal",
        forced_inform: bool = False,
        hidden: bool = False,
        max_length: int | None = None,
        enums: tuple[str, ...] = (),
        ranges: tuple[tuple[int | None, int | None], ...] = (),
    ) -> None:
        """Define generic vendor parameter ``name`` (its value still needs store/bind/getter)."""
        if type not in TYPES:
            raise ValueError(f"{name}: type must be one of {', '.join(sorted(TYPES))}")
        if active_notify not in ACTIVE_NOTIFY:
            raise ValueError(f"{name}: active_notify must be one of {sorted(ACTIVE_NOTIFY)}")
        if name.endswith(".") or name in self.params:
            raise ValueError(f"bad or repeated vendor parameter name {name!r}")
        self.params[name] = VendorParam(
            name, type, writable, active_notify, forced_inform, hidden, max_length, enums, ranges
        )

    def object(self, name: str, *, writable: bool = False, max_entries: int | None = None) -> None:
        """Define vendor object ``name`` ("X." or table "X.{i}."; ``writable``: Add/Delete)."""
        if not name.endswith(".") or name in self.objects:
            raise ValueError(f"bad or repeated vendor object name {name!r}")
        table = name.endswith(f".{paths.INSTANCE}.")
        self.objects[name] = ObjectMeta(name, writable and table, table, 0, max_entries)


def naming_problem(name: str, standard: Schema) -> str:
    """Why generic ``name`` is not an acceptable vendor name next to ``standard`` ("" if it is)."""
    if standard.param(name) is not None or standard.object(name) is not None:
        return "defined by the standard data model: it cannot be redefined as a vendor name"
    parts = name.rstrip(".").split(".")
    for i, seg in enumerate(parts[1:], start=1):
        if seg == paths.INSTANCE:
            continue
        parent = ".".join(parts[:i]) + "."
        here = ".".join(parts[: i + 1])
        if standard.object(here + ".") or standard.object(here + f".{paths.INSTANCE}."):
            continue
        match = _VENDOR_SEGMENT.match(seg)
        if match is None:
            return f"{seg!r} is not in the standard model and has no X_<OUI or domain>_ prefix"
        vendor, rest = match.groups()
        if not (_OUI.match(vendor) or _DOMAIN.match(vendor)):
            return (
                f"malformed vendor prefix X_{vendor}_: TR-106 wants an OUI (6 upper-case hex "
                "digits) or a domain name in upper case with '-' for '.' (X_EXAMPLE-COM_)"
            )
        if not _REST.match(rest):
            return f"{seg!r}: the name after X_{vendor}_ must start with a letter"
        if standard.object(parent) is None and parent != standard.root:
            return f"{parent} is not an object of the standard model"
        return ""
    return "not in the standard model and has no X_<OUI or domain>_ segment"


def with_vendor(schema: Schema, defs: VendorDefs) -> Schema:
    """``schema`` plus the vendor entries, their implicit objects and tables' counters.

    ValueError (one line) for a name that breaks the TR-106 naming rules.
    """
    if not defs.params and not defs.objects:
        return schema
    params = {m.name: m for m in schema.params()}
    objects = {o.name: o for o in schema.objects()}
    for name in [*defs.objects, *defs.params]:
        problem = naming_problem(generic_path(name), schema)
        if problem:
            raise ValueError(f"{name}: {problem}")
    declared = dict(defs.objects)
    for name in [*defs.params, *defs.objects]:
        chain = [*paths.ancestors(name), *([name] if name.endswith(".") else [])]
        for obj in chain[1:]:
            if obj in objects or obj in declared or f"{obj}{paths.INSTANCE}." in chain:
                continue  # known, or the "X." form of table "X.{i}." (not an entry)
            table = obj.endswith(f".{paths.INSTANCE}.")
            declared[obj] = ObjectMeta(obj, False, table, 0, None)
    for obj in sorted(declared, key=len):
        objects[obj] = declared[obj]
        if declared[obj].is_table:
            count = obj[: -len(paths.INSTANCE) - 2] + "NumberOfEntries"
            params.setdefault(count, VendorParam(count, "unsignedInt").meta())
    params.update({n: p.meta() for n, p in defs.params.items()})
    return Schema(schema.root, schema.model, params, objects, schema.counters())
