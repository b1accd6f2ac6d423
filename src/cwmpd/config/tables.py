"""One TOML table read into its section's dataclass: unknown keys and wrong types refused."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from cwmpd.config.schema import ConfigError


def _coerce(where: str, expected: Any, value: Any) -> Any:
    if expected is bool:
        if isinstance(value, bool):
            return value
    elif expected is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif expected is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif expected is str:
        if isinstance(value, str):
            return value
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    kind = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    raise ConfigError(f"{where}: expected {kind.get(expected, 'a list of strings')}, got {value!r}")


def read_table(name: str, cls: type[Any], data: Any, source: str) -> Any:
    """The table ``data`` of section ``name`` as a ``cls``; ConfigError naming the key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(
                f"{source}: unknown key {name}.{key} (known: {', '.join(sorted(known))})"
            )
        ftype = known[key].type
        expected = {"bool": bool, "int": int, "float": float, "str": str}.get(str(ftype), tuple)
        kwargs[key] = _coerce(f"{source}: {name}.{key}", expected, value)
    return cls(**kwargs)
