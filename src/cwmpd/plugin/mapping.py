"""A device plugin built from a declarative ``mapping.toml`` in the plugin folder.

A plugin's ``plugin.py`` can be two lines (``create = mapping.plugin_factory(__file__)``);
see ``mapping_format.py`` for the keys. Commands, files and named sources go to one
``MappedBackend``, ``uci`` options and tables to one ``UciBackend``, ``[python]`` entries
to classes of the folder; ``[store]`` names are agent-stored. ManagementServer is declared
by the agent (cwmpd.plugin.load) for every device: ``management_server`` is still accepted
and means nothing more.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from twisted.internet.protocol import ProcessProtocol

from cwmpd.backends.instances import InstanceNumbers
from cwmpd.backends.mapped import MappedBackend
from cwmpd.backends.process import ProcessRunner
from cwmpd.backends.python import PythonContext, load_backend
from cwmpd.backends.specs import ParamSpec, SourceSpec, TableSpec
from cwmpd.backends.uci import UciBackend, UciParam, UciTable
from cwmpd.datamodel.bindings import Declarations
from cwmpd.plugin.api import DeviceHooks, PluginContext
from cwmpd.plugin.leases import DnsmasqDevices
from cwmpd.plugin.mapping_format import (
    UCI_KEYS,
    MappingError,
    argv_list,
    param_spec,
    source_spec,
    table_spec,
    vendor_entry,
)
from cwmpd.state import read_json, write_json

TOP_KEYS = {
    "root",
    "boot_id_file",
    "reboot",
    "factory_reset",
    "firmware",  # read by the plugin's own firmware handler (plugins/linux)
    "packages",  # read by the plugin's own ChangeDUState handler (plugins/linux)
    "management_server",  # accepted, ignored: the agent declares ManagementServer itself
    "ttl",
    "timeout",
    "store",
    "factory",
    "sources",
    "tables",
    "params",
    "uci",
    "python",
    "vendor",
    "manageable_devices",  # TR-111 devices from dnsmasq (cwmpd.plugin.leases)
}


def load_mapping(folder: Path) -> dict[str, Any]:
    """The parsed ``mapping.toml`` of ``folder`` (MappingError for bad TOML or keys)."""
    path = folder / "mapping.toml"
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{path}: {exc}") from None
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise MappingError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    if data.get("root") not in ("Device.", "InternetGatewayDevice."):
        raise MappingError(f"{path}: root must be 'Device.' or 'InternetGatewayDevice.'")
    return data


class MappingPlugin:
    """A ``DevicePlugin`` whose parameters come from a mapping file.

    Its hooks: boot id, reboot and factory reset as the file says; a subclass adds more
    with ``dataclasses.replace(self.hooks, ...)`` (plugins/linux, plugins/openwrt).
    """

    def __init__(self, folder: Path, ctx: PluginContext) -> None:
        self.folder = folder
        self.data = load_mapping(folder)
        self.root: str = self.data["root"]
        self.reactor = ctx.reactor
        ttl = float(self.data.get("ttl", 2.0))
        self.runner = ProcessRunner(self.reactor, timeout=float(self.data.get("timeout", 10.0)))
        self.state_dir = ctx.state_dir
        numbers = InstanceNumbers(ctx.state_dir / "instances.json")
        params: dict[str, ParamSpec] = {}
        uci_params: dict[str, UciParam] = {}
        for name, entry in dict(self.data.get("params", {})).items():
            if "uci" in entry:
                uci_params[name] = _uci_param(name, entry)
            else:
                params[name] = param_spec(name, entry)
        sources: dict[str, SourceSpec] = {
            n: source_spec(n, e) for n, e in dict(self.data.get("sources", {})).items()
        }
        tables: dict[str, TableSpec] = {}
        uci_tables: dict[str, UciTable] = {}
        for path, entry in dict(self.data.get("tables", {})).items():
            if "uci" in entry:
                uci_tables[path] = _uci_table(path, entry)
            else:
                tables[path] = table_spec(path, entry)
        _check_sources(params, tables, sources)
        self.mapped = MappedBackend(
            self.runner,
            self.reactor,
            params=params,
            sources=sources,
            tables=tables,
            instances=numbers,
            ttl=ttl,
        )
        uci_cfg = dict(self.data.get("uci", {}))
        self.uci = UciBackend(
            self.runner,
            self.reactor,
            params=uci_params,
            tables=uci_tables,
            apply={
                k: argv_list(v, f"uci.apply.{k}") for k, v in dict(uci_cfg.get("apply", {})).items()
            },
            instances=numbers,
            uci=os.environ.get("CWMPD_UCI", str(uci_cfg.get("command", "uci"))),
            ttl=ttl,
        )
        self.python = {
            obj: (
                load_backend(
                    str(e["class"]), PythonContext(folder, ctx.state_dir, self.reactor, self.runner)
                ),
                [str(p) for p in e.get("params", [])],
            )
            for obj, e in dict(self.data.get("python", {})).items()
        }
        self._state_file = ctx.state_dir / "device.json"
        manageable = self.data.get("manageable_devices")
        try:
            devices = None if manageable is None else DnsmasqDevices.from_table(dict(manageable))
        except ValueError as exc:
            raise MappingError(f"{folder / 'mapping.toml'}: {exc}") from None
        self.hooks = DeviceHooks(
            boot_id=self.boot_id,
            reboot=self.reboot,
            factory_reset=self.factory_reset,
            manageable_devices=devices,
        )

    def boot_id(self) -> str:
        """The kernel boot id (``boot_id_file``), or an id kept in the plugin state."""
        path = self.data.get("boot_id_file")
        if path:
            try:
                return Path(path).read_text().strip()
            except OSError:
                pass
        state = read_json(self._state_file, {})
        if not isinstance(state, dict) or "boot_id" not in state:
            state = {"boot_id": str(uuid.uuid4())}
            write_json(self._state_file, state)
        return str(state["boot_id"])

    def reboot(self) -> bool:
        """Start the ``reboot`` command detached; the daemon exits (True)."""
        argv = self.data.get("reboot")
        if argv:
            self.reactor.spawnProcess(
                _Ignore(), argv[0], argv_list(argv, "reboot")[0], env=dict(os.environ)
            )
        return True

    def factory_reset(self) -> None:
        """Start the ``factory_reset`` command, if any."""
        argv = self.data.get("factory_reset")
        if argv:
            self.reactor.spawnProcess(
                _Ignore(), argv[0], argv_list(argv, "factory_reset")[0], env=dict(os.environ)
            )

    def declare(self, decl: Declarations) -> None:
        """Declare the store, mapped, UCI and Python parameters and their tables."""
        for name, entry in dict(self.data.get("vendor", {})).items():
            vendor_entry(decl.vendor, name, entry)
        for name, default in dict(self.data.get("store", {})).items():
            decl.store(name, str(default))
        decl.factory({k: str(v) for k, v in dict(self.data.get("factory", {})).items()})
        for name, spec in self.mapped.params.items():
            decl.bind(name, self.mapped, writable=spec.write is not None)
        for name, uspec in self.uci.params.items():
            decl.bind(name, self.uci, writable=uspec.writable)
        for path in self.mapped.tables:
            decl.table(path, self.mapped)
        for path in self.uci.tables:
            decl.table(path, self.uci)
        for obj, (backend, rels) in self.python.items():
            for rel in rels:
                decl.bind(obj + rel, backend)


def _uci_param(name: str, entry: Mapping[str, Any]) -> UciParam:
    unknown = set(entry) - UCI_KEYS - {"read_only"}
    if unknown:
        raise MappingError(f"params.{name!r}: unknown key(s) {', '.join(sorted(unknown))}")
    return UciParam(
        name,
        str(entry["uci"]),
        is_list=bool(entry.get("list", False)),
        map={str(k): str(v) for k, v in dict(entry.get("map", {})).items()},
        default=entry.get("default"),
        writable=not entry.get("read_only", False) and entry["uci"] != "{key}",
    )


def _uci_table(path: str, entry: Mapping[str, Any]) -> UciTable:
    unknown = set(entry) - {"uci", "per_parent"}
    if unknown:
        raise MappingError(f"tables.{path!r}: unknown key(s) {', '.join(sorted(unknown))}")
    pkg, _, typ = str(entry["uci"]).partition(".")
    per_parent = bool(entry.get("per_parent", False))
    if per_parent and path.count(".{i}.") < 2:
        raise MappingError(f"tables.{path!r}: per_parent needs a table inside a table")
    return UciTable(path, pkg, typ, per_parent=per_parent)


def _check_sources(
    params: Mapping[str, ParamSpec],
    tables: Mapping[str, TableSpec],
    sources: Mapping[str, SourceSpec],
) -> None:
    used = [(n, p.read.source) for n, p in params.items() if p.read and p.read.source]
    used += [(n, t.source) for n, t in tables.items() if t.source]
    for name, source in used:
        if source not in sources:
            raise MappingError(f"{name}: unknown source {source!r}")
    for name, p in params.items():
        in_table = any(name.startswith(t) for t in tables)
        if p.read is not None and p.read.row and not in_table:
            raise MappingError(f"params.{name!r}: row read outside a mapped table")


class _Ignore(ProcessProtocol):
    """A process protocol that ignores everything (fire-and-forget commands)."""

    def connectionMade(self) -> None:
        """Close stdin at once."""
        assert self.transport is not None
        self.transport.closeStdin()


def plugin_factory(plugin_file: str) -> Callable[[PluginContext], MappingPlugin]:
    """``create`` for a ``plugin.py`` next to a ``mapping.toml``."""
    folder = Path(plugin_file).resolve().parent

    def create(ctx: PluginContext) -> MappingPlugin:
        return MappingPlugin(folder, ctx)

    return create
