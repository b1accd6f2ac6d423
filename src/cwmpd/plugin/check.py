"""``cwmpd check-plugin PATH``: check a data-model plugin against the BBF metadata (for CI).

Errors (exit 1): names the schema does not define, set mappings on read-only parameters
(agent-stored read-only values are fine: the agent sets them, the ACS cannot),
factory/default/constant values that are not valid for their type, forced-inform
parameters of the root the plugin does not provide, vendor names that break the TR-106
rules (cwmpd.datamodel.vendor) or have no value source. Warnings: writable parameters
mapped read-only (the ACS will get 9008 from GPN-writable=false, which is legal).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cwmpd.backends.mapped import MappedBackend
from cwmpd.backends.uci import UciBackend
from cwmpd.cwmp import paths
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.schema import load_schema
from cwmpd.datamodel.validate import check_value
from cwmpd.datamodel.vendor import naming_problem, with_vendor
from cwmpd.plugin.api import PluginError
from cwmpd.plugin.load import device_declarations, load_plugin
from cwmpd.plugin.mapping import MappingPlugin
from cwmpd.reactors import AgentReactor, agent_reactor


@dataclass
class Report:
    """What a check found."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_plugin(path: str, reactor: AgentReactor | None = None) -> Report:
    """Load the plugin at ``path`` (in a throwaway state dir) and check its declarations,
    with the ManagementServer the agent adds to every device."""
    report = Report()
    if reactor is None:
        from twisted.internet import reactor as global_reactor  # lazy: installs the reactor

        reactor = agent_reactor(global_reactor)
    with tempfile.TemporaryDirectory() as state:
        try:
            plugin = load_plugin(path, state_dir=Path(state), reactor=reactor)
            decl = device_declarations(plugin)
        except (PluginError, ValueError, OSError) as exc:
            report.errors.append(f"cannot load: {exc}")
            return report
    if isinstance(plugin, MappingPlugin):
        check_declarations(decl, report, plugin.mapped, plugin.uci)
    else:
        check_declarations(decl, report)
    return report


def check_declarations(
    decl: Declarations,
    report: Report,
    mapped: MappedBackend | None = None,
    uci: UciBackend | None = None,
) -> None:
    """Check ``decl`` (and a mapping plugin's constants and defaults) against the schema.

    "Mapped with a set" means a mapping entry with ``set``/``set_file`` or a writable UCI
    option; Python-bound parameters are served read-only wherever the schema says so.
    """
    standard = load_schema(decl.root)
    bad_names = []
    for vname in [*decl.vendor.objects, *decl.vendor.params]:
        problem = naming_problem(vname, standard)
        if problem:
            bad_names.append(vname)
            report.errors.append(f"{vname}: {problem}")
    for vname in bad_names:
        decl.vendor.objects.pop(vname, None)
        decl.vendor.params.pop(vname, None)
    schema = with_vendor(standard, decl.vendor)
    mapped_params = mapped.params if mapped is not None else {}
    set_mappings = {n for n, s in mapped_params.items() if s.write is not None}
    set_mappings |= {n for n, s in (uci.params if uci is not None else {}).items() if s.writable}
    names = {**dict.fromkeys(decl.store_params), **dict.fromkeys(decl.getters)}
    names.update(dict.fromkeys(decl.bound))
    for name in sorted(names):
        meta = schema.param(name)
        if meta is None:
            problem = naming_problem(name, standard)
            hint = problem or "a vendor name needs its [vendor] definition (type, access)"
            report.errors.append(f"{name}: not defined by the {decl.root} data model; {hint}")
            continue
        settable = name in decl.store_params or (name in decl.bound and name not in decl.read_only)
        if name in set_mappings and not meta.writable:
            report.errors.append(f"{name}: read-only in the data model but mapped with a set")
        if meta.writable and not settable:
            report.warnings.append(f"{name}: writable in the data model but mapped read-only")
        default = decl.store_params.get(name)
        if default is not None:
            _check(report, meta, name, default, "default")
    for table in decl.tables:
        if schema.object(table) is None:
            report.errors.append(f"{table}: no such table in the data model")
    for name, value in decl.factory_values.items():
        meta = schema.param(paths.generic(name))
        if meta is None:
            report.errors.append(f"{name}: factory value for an undefined parameter")
        else:
            _check(report, meta, name, value, "factory value")
    for spec in mapped_params.values():
        meta = schema.param(spec.name)
        if meta is not None and spec.write is not None and _option_injectable(meta, spec.write):
            report.errors.append(
                f"{spec.name}: set passes a free-text {{value}} with no '--' before it; "
                'an ACS value starting with "-" would be read as an option'
            )
        if meta is None or spec.read is None:
            continue
        if spec.read.constant is not None:
            _check(report, meta, spec.name, spec.read.constant, "value")
        if spec.read.extract.default is not None:
            _check(report, meta, spec.name, spec.read.extract.default, "default")
        for out in spec.read.extract.map.values():
            _check(report, meta, spec.name, out, "map result")
    for vname in decl.vendor.params:
        if vname not in names:
            report.errors.append(f"{vname}: vendor parameter with no value source")
    for meta in schema.forced_inform():
        if paths.INSTANCE not in meta.name and meta.name not in names:
            report.errors.append(f"{meta.name}: forced-inform parameter not provided")


#: Types whose valid values cannot start with "-", so they cannot be read as an option.
_NO_DASH = frozenset({"unsignedInt", "unsignedLong", "boolean"})


def _option_injectable(meta: Any, write: Any) -> bool:
    """Whether a set command puts an ACS-chosen value where a program parses options."""
    argv = list(write.command or ())
    if "{value}" not in argv or write.map or meta.type in _NO_DASH:
        return False
    return "--" not in argv[: argv.index("{value}")]


def _check(report: Report, meta: Any, name: str, value: str, what: str) -> None:
    try:
        check_value(meta, value, None, allow_readonly_enums=True)
    except CwmpFault as fault:
        report.errors.append(f"{name}: {what} {value!r} is invalid: {fault.string}")


def main(path: str, out: Any = None) -> int:
    """Print the report; 0 when clean of errors, 1 otherwise."""
    out = out or sys.stdout
    report = check_plugin(path)
    for line in report.errors:
        print(f"error: {line}", file=out)
    for line in report.warnings:
        print(f"warning: {line}", file=out)
    print(f"{path}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)", file=out)
    return 1 if report.errors else 0


def run(argv: Sequence[str]) -> int:
    """``python -m cwmpd.plugin.check PATH``."""
    if len(argv) != 1:
        print("usage: cwmpd check-plugin PATH", file=sys.stderr)
        return 2
    return main(argv[0])


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))
