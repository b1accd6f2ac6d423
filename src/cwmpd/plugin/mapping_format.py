"""Parse a plugin's declarative ``mapping.toml`` into backend specs (tomllib reads; we check).

Every bad key or value is a ``MappingError`` naming the table and key, so an integrator
gets one clear line instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cwmpd.backends.extract import Extract
from cwmpd.backends.specs import ParamSpec, Read, SourceSpec, TableSpec, Write, check_argv
from cwmpd.datamodel.vendor import VendorDefs

READ_KEYS = {
    "row",
    "source",
    "command",
    "file",
    "json",
    "regex",
    "group",
    "line",
    "field",
    "sep",
    "strip",
    "map",
    "default",
    "optional",
    "timeout",
    "value",
    "convert",
}
WRITE_KEYS = {"set", "set_stdin", "set_env", "set_file", "set_map", "apply", "set_timeout"}
UCI_KEYS = {"uci", "list", "map", "default", "apply"}


class MappingError(ValueError):
    """A mapping file says something that cannot be served."""


def _argv(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise MappingError(f"{what}: a command is a list of strings")
    try:
        return check_argv(value, what)
    except ValueError as exc:
        raise MappingError(str(exc)) from None


def argv_list(value: Any, what: str) -> tuple[tuple[str, ...], ...]:
    """One argv or a list of argvs."""
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return tuple(_argv(v, what) for v in value)
    return (_argv(value, what),)


def _str_map(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise MappingError(f"{what}: expected a table of strings")
    return {str(k): v for k, v in value.items()}


def _check_keys(entry: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = set(entry) - allowed
    if unknown:
        raise MappingError(f"{what}: unknown key(s) {', '.join(sorted(unknown))}")


def param_spec(name: str, entry: Mapping[str, Any]) -> ParamSpec:
    """A command/file/source/row parameter mapping."""
    what = f"params.{name!r}"
    _check_keys(entry, READ_KEYS | WRITE_KEYS, what)
    try:
        extract = Extract(
            json=entry["row"] if isinstance(entry.get("row"), str) else entry.get("json"),
            line=entry.get("line"),
            field=entry.get("field"),
            sep=entry.get("sep"),
            regex=entry.get("regex"),
            group=int(entry.get("group", 1)),
            strip=bool(entry.get("strip", True)),
            map=_str_map(entry.get("map", {}), what + ".map"),
            default=entry.get("default"),
            convert=entry.get("convert"),
        )
    except (TypeError, ValueError) as exc:
        raise MappingError(f"{what}: {exc}") from None
    kinds = [k for k in ("row", "source", "command", "file", "value") if k in entry]
    if len(kinds) > 1:
        raise MappingError(f"{what}: give one of row, source, command, file (not {kinds})")
    read = None
    if kinds:
        read = Read(
            extract=extract,
            row="row" in entry,
            source=entry.get("source"),
            command=_argv(entry["command"], what + ".command") if "command" in entry else None,
            file=entry.get("file"),
            timeout=entry.get("timeout"),
            optional=bool(entry.get("optional", False)),
            constant=str(entry["value"]) if "value" in entry else None,
        )
    write = None
    if "set" in entry or "set_file" in entry:
        if "set" in entry and "set_file" in entry:
            raise MappingError(f"{what}: give set or set_file, not both")
        write = Write(
            command=_argv(entry["set"], what + ".set") if "set" in entry else None,
            stdin=bool(entry.get("set_stdin", False)),
            env=_str_map(entry.get("set_env", {}), what + ".set_env"),
            file=entry.get("set_file"),
            apply=argv_list(entry["apply"], what + ".apply") if "apply" in entry else (),
            map=_str_map(entry.get("set_map", {}), what + ".set_map"),
            timeout=entry.get("set_timeout"),
        )
        for env_value in write.env.values():
            _argv([env_value], what + ".set_env")
    elif "apply" in entry:
        raise MappingError(f"{what}: apply without set")
    if read is None and write is None:
        raise MappingError(f"{what}: says neither how to read nor how to set")
    return ParamSpec(name, read, write)


def source_spec(name: str, entry: Mapping[str, Any]) -> SourceSpec:
    """A named source."""
    what = f"sources.{name}"
    _check_keys(entry, {"command", "file", "format", "line_regex", "timeout"}, what)
    if ("command" in entry) == ("file" in entry):
        raise MappingError(f"{what}: give exactly one of command, file")
    fmt = entry.get("format", "text")
    if fmt not in ("text", "json", "lines"):
        raise MappingError(f"{what}: format must be text, json or lines")
    return SourceSpec(
        name,
        command=_argv(entry["command"], what) if "command" in entry else None,
        file=entry.get("file"),
        format=fmt,
        line_regex=entry.get("line_regex"),
        timeout=entry.get("timeout"),
    )


def table_spec(path: str, entry: Mapping[str, Any]) -> TableSpec:
    """A command/file-listed table."""
    what = f"tables.{path!r}"
    _check_keys(entry, {"source", "rows", "key", "filter", "add", "delete", "timeout"}, what)
    if not path.endswith(".{i}."):
        raise MappingError(f"{what}: a table name ends with '.{{i}}.'")
    filters: dict[str, tuple[str, ...]] = {}
    for k, v in dict(entry.get("filter", {})).items():
        filters[str(k)] = tuple(str(x) for x in v) if isinstance(v, list) else (str(v),)
    return TableSpec(
        path,
        source=entry.get("source"),
        rows=str(entry.get("rows", "")),
        key=str(entry.get("key", "")),
        filter=filters,
        add=_argv(entry["add"], what + ".add") if "add" in entry else None,
        delete=_argv(entry["delete"], what + ".delete") if "delete" in entry else None,
        timeout=entry.get("timeout"),
    )


VENDOR_PARAM_KEYS = {"type", "access", "active_notify", "forced_inform", "hidden"}
VENDOR_PARAM_KEYS |= {"max_length", "enums", "range"}
ACCESS = {"read-only": False, "read-write": True}


def vendor_entry(defs: VendorDefs, name: str, entry: Mapping[str, Any]) -> None:
    """A ``[vendor."X"]`` table: a vendor object (name ends with '.') or parameter."""
    what = f"vendor.{name!r}"
    if not isinstance(entry, Mapping):
        raise MappingError(f"{what}: expected a table")
    is_object = name.endswith(".")
    _check_keys(entry, {"access", "max_entries"} if is_object else VENDOR_PARAM_KEYS, what)
    access = entry.get("access", "read-only")
    if access not in ACCESS:
        raise MappingError(f"{what}: access must be 'read-only' or 'read-write'")
    try:
        if is_object:
            max_entries = entry.get("max_entries")
            if max_entries is not None and not isinstance(max_entries, int):
                raise ValueError("max_entries must be an integer")
            defs.object(name, writable=ACCESS[access], max_entries=max_entries)
            return
        bounds = entry.get("range")
        if bounds is not None and not (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int) for b in bounds)
        ):
            raise ValueError("range must be [min, max] integers")
        max_length = entry.get("max_length")
        if max_length is not None and not isinstance(max_length, int):
            raise ValueError("max_length must be an integer")
        defs.param(
            name,
            str(entry.get("type", "string")),
            writable=ACCESS[access],
            active_notify=str(entry.get("active_notify", "normal")),
            forced_inform=bool(entry.get("forced_inform", False)),
            hidden=bool(entry.get("hidden", False)),
            max_length=max_length,
            enums=tuple(str(v) for v in entry.get("enums", ())),
            ranges=((bounds[0], bounds[1]),) if bounds else (),
        )
    except ValueError as exc:
        raise MappingError(f"{what}: {exc}") from None
