"""Shipped mapping plugins never let ACS text become a command-line option."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cwmpd.datamodel.schema import load_schema

PLUGINS = Path(__file__).resolve().parents[3] / "plugins"
#: Types whose valid values cannot start with "-", so they cannot be read as an option.
UNSIGNED = {"unsignedInt", "unsignedLong", "boolean"}


def _mappings() -> list[Path]:
    return sorted(PLUGINS.glob("*/mapping.toml"))


@pytest.mark.parametrize("path", _mappings(), ids=lambda p: p.parent.name)
def test_free_text_values_follow_end_of_options(path: Path) -> None:
    """A {value} that may start with "-" (no set_map, not unsigned) comes after a "--"."""
    data = tomllib.loads(path.read_text())
    schema = load_schema(str(data.get("root", "Device.")))
    wrong = []
    for name, spec in dict(data.get("params", {})).items():
        argv = list(spec.get("set", []))
        if "{value}" not in argv or "set_map" in spec:
            continue
        meta = schema.param(name)
        if meta is not None and meta.type in UNSIGNED:
            continue
        if "--" not in argv[: argv.index("{value}")]:
            wrong.append(f"{name}: {argv}")
    assert wrong == []
