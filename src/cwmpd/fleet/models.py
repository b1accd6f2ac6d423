"""The fleet's model builder: each plugin module and schema loaded once, shared by devices.

``cwmpd.plugin.load.build_model`` imports the plugin module and reads the schema for every
agent; a fleet of thousands builds its devices from one copy of each. A device's identity
(serial, software version, OUI, ProductClass, MAC, IP) goes in as factory values and as
the simulated hardware's first state.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from twisted.internet.interfaces import IReactorTime

from cwmpd.backends.base import Backend
from cwmpd.backends.functions import FunctionBackend
from cwmpd.backends.store import SharedFactory, StoreBackend
from cwmpd.cwmp import paths
from cwmpd.datamodel.attributes import AttributeStore
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.counters import CounterBackend
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.notify import ChangeTracker
from cwmpd.datamodel.schema import Schema, load_schema
from cwmpd.datamodel.tree import GenericTree
from cwmpd.datamodel.vendor import with_vendor
from cwmpd.fleet.counters import declare_counters
from cwmpd.fleet.identity import Identity
from cwmpd.plugin import simhardware
from cwmpd.plugin.api import Declarer, DeviceHooks, DevicePlugin, PluginError
from cwmpd.plugin.load import (
    SoftwareDeclarer,
    create_plugin,
    declare_all,
    import_plugin,
    model_from_declarations,
    plugin_context,
    schema_prefixes,
)
from cwmpd.reactors import AgentReactor
from cwmpd.state import read_json, write_json
from cwmpd.statedir import StateDir

Builder = Callable[..., tuple[DataModel, DeviceHooks]]

#: Identity fields and the parameters that carry them, where the plugin stores them.
_IDENTITY_PARAMS = {
    "Device.": {
        "oui": ("Device.DeviceInfo.ManufacturerOUI",),
        "product_class": ("Device.DeviceInfo.ProductClass",),
        "ip": ("Device.IP.Interface.1.IPv4Address.1.IPAddress",),
        "mac": ("Device.Ethernet.Interface.1.MACAddress",),
    },
    "InternetGatewayDevice.": {
        "oui": ("InternetGatewayDevice.DeviceInfo.ManufacturerOUI",),
        "product_class": ("InternetGatewayDevice.DeviceInfo.ProductClass",),
        "ip": (
            "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1."
            "WANIPConnection.1.ExternalIPAddress",
        ),
        "mac": (
            "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.MACAddress",
        ),
    },
}


def identity_values(ident: Identity, decl: Declarations) -> dict[str, str]:
    """The factory values that make a device ``ident``, among what the plugin stores."""
    fields = {
        "oui": ident.variant.oui,
        "product_class": ident.variant.product_class,
        "ip": ident.ip,
        "mac": ident.mac,
    }
    out: dict[str, str] = {}
    for field, names in _IDENTITY_PARAMS.get(decl.root, {}).items():
        for name in names:
            if fields[field] and paths.generic(name) in decl.store_params:
                out[name] = fields[field]
    return out


def power_on(folder: Path, ident: Identity, clock: IReactorTime, initial: str) -> None:
    """A simulated device (``cwmpd.plugin.simhardware``) powers on: a new boot id and boot
    time (so a fleet run on kept state is "1 BOOT"); on first start its serial and software
    version come from the identity."""
    path = folder / simhardware.STATE_FILE
    saved = read_json(path, None)
    hardware: dict[str, Any] = saved if isinstance(saved, dict) else {
        "serial": ident.serial,
        "software_version": ident.variant.software_version or initial,
        "pending_version": "",
    }  # fmt: skip
    if hardware.get("pending_version"):
        hardware["software_version"], hardware["pending_version"] = hardware["pending_version"], ""
    hardware["boot_id"] = str(uuid.uuid4())
    hardware["boot_time"] = clock.seconds()
    write_json(path, hardware)


@dataclass(frozen=True)
class Template:
    """The first device's tree and the backends it names, for the next devices to share;
    its plugin's factory values, which the next devices' stores read."""

    tree: GenericTree
    decl: Declarations
    store: Backend
    functions: Backend
    counter: CounterBackend
    factory: SharedFactory

    def fits(self, decl: Declarations) -> bool:
        """True when ``decl`` declares the same names in the same ways (same plugin)."""
        t = self.decl
        return (
            t.store_params == decl.store_params
            and t.getters.keys() == decl.getters.keys()
            and t.bound.keys() == decl.bound.keys()
            and t.tables.keys() == decl.tables.keys()
            and t.read_only == decl.read_only
            and [n is None for n in t.tables.values()] == [n is None for n in decl.tables.values()]
        )

    def routes(
        self, decl: Declarations, store: Backend, functions: Backend, counter: Backend
    ) -> dict[int, Backend]:
        """Each backend the tree names (by id) -> this device's."""
        out: dict[int, Backend] = {
            id(self.store): store,
            id(self.functions): functions,
            id(self.counter): counter,
        }
        for name, backend in self.decl.bound.items():
            out[id(backend)] = decl.bound[name]
        for name, table in self.decl.tables.items():
            mine = decl.tables[name]
            if table is not None and mine is not None:
                out[id(table)] = mine
        return out


def shared_model(
    template: Template | None,
    decl: Declarations,
    schema: Schema,
    state_dir: Path,
    factory_values: Mapping[str, str],
) -> tuple[DataModel, Template | None]:
    """A device's model on ``template``'s tree (its own backends routed in); a new template
    (the model on a tree of its own) when there is none yet or the declarations differ."""
    if template is not None and not template.fits(decl):
        return model_from_declarations(decl, schema, state_dir, factory_values), None
    for name in factory_values:
        if paths.generic(name) not in decl.store_params:
            raise ValueError(f"factory value for {name}, which is not an agent-stored parameter")
    files = StateDir(state_dir)
    shared = SharedFactory(decl.factory_values) if template is None else template.factory
    same = template is None or template.decl.factory_values == decl.factory_values
    values = {**decl.factory_values, **factory_values}
    store = StoreBackend(files.store, values, shared=shared if same else None)
    functions = FunctionBackend(decl.getters)
    counter = CounterBackend()
    routes: dict[int, Backend] | None = None
    made: Template | None = None
    if template is None:
        tree = GenericTree.build(decl, schema, store, functions, counter)
        tree.share_indexes = True
        for name, table in tree.counters.items():
            counter.count(name, table)
        made = Template(tree, decl, store, functions, counter, shared)
    else:
        tree = template.tree
        counter.tables = template.counter.tables  # the same counters: one dict for all
        routes = template.routes(decl, store, functions, counter)
    attrs = AttributeStore(files.attributes)
    changes = ChangeTracker(files.changes)
    model = DataModel(tree, store, attrs, counter, changes, backends=routes)
    return model, made


class SharedModels:
    """Builds every device's model from one import of each plugin and one schema per kind."""

    def __init__(self, extra_plugin_paths: Sequence[Path] = ()) -> None:
        self._extra = tuple(extra_plugin_paths)
        self._modules: dict[str, tuple[Path, ModuleType]] = {}
        self._schemas: dict[tuple[str, ...], Schema] = {}
        self._templates: dict[tuple[str, ...], Template] = {}
        self.build_seconds = 0.0

    def module(self, name: str) -> tuple[Path, ModuleType]:
        """The plugin folder and its module, imported on first use."""
        known = self._modules.get(name)
        if known is None:
            known = self._modules[name] = import_plugin(name, self._extra, "cwmpd_fleet_plugin_")
        return known

    def _create(
        self, name: str, state_dir: Path, reactor: AgentReactor, ident: Identity
    ) -> DevicePlugin:
        folder, module = self.module(name)
        ctx = plugin_context(folder, state_dir, reactor)
        initial = module.__dict__.get("INITIAL_VERSION")
        if isinstance(initial, str):
            power_on(ctx.state_dir, ident, reactor, initial)
        return create_plugin(name, folder, module, ctx)

    def _schema(self, names: Sequence[str], decl: Declarations) -> Schema:
        key = tuple(names)
        schema = self._schemas.get(key)
        if schema is None:
            base = load_schema(decl.root, prefixes=schema_prefixes(decl))
            schema = self._schemas[key] = with_vendor(base, decl.vendor)
        return schema

    def builder(
        self, ident: Identity, *, periodic: int = 0, cr_url: str = "", udp_address: str = ""
    ) -> Builder:
        """The model builder of device ``ident`` (``CwmpAgent(build=...)``): its identity,
        Connection Request credentials and URLs, ``periodic`` inform interval as factory
        values."""

        def build(
            plugin_names: Sequence[str],
            *,
            state_dir: Path,
            factory_values: Mapping[str, str] | Callable[[str], Mapping[str, str]],
            reactor: AgentReactor,
            diagnostics: Callable[[str], Declarer] | None = None,
            software: SoftwareDeclarer | None = None,
        ) -> tuple[DataModel, DeviceHooks]:
            started = time.perf_counter()
            if not plugin_names:
                raise PluginError("no data-model plugin configured")
            plugins = [self._create(n, state_dir, reactor, ident) for n in plugin_names]
            device = plugins[0]
            decl = declare_all(plugins, diagnostics, software)
            declare_counters(decl)
            schema = self._schema(plugin_names, decl)
            values = factory_values(device.root) if callable(factory_values) else factory_values
            ms = f"{device.root}ManagementServer."
            values = {
                **identity_values(ident, decl),
                **values,
                ms + "ConnectionRequestUsername": ident.cr_username,
                ms + "ConnectionRequestPassword": ident.cr_password,
                ms + "PeriodicInformEnable": "true" if periodic > 0 else "false",
                ms + "ConnectionRequestURL": cr_url,
            }
            if periodic > 0:
                values[ms + "PeriodicInformInterval"] = str(periodic)
            if udp_address:
                values[ms + "UDPConnectionRequestAddress"] = udp_address
            key = tuple(plugin_names)
            model, made = shared_model(
                self._templates.get(key), decl, schema, Path(state_dir), values
            )
            if made is not None and key not in self._templates:
                self._templates[key] = made
            model.add_factory_reset_hook(device.hooks.factory_reset)
            self.build_seconds += time.perf_counter() - started
            return model, device.hooks

        return build
