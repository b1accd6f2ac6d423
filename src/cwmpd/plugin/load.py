"""Build a DataModel from plugins, a state folder and the config's factory values."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from twisted.internet.interfaces import IReactorTime

from cwmpd.backends.functions import FunctionBackend
from cwmpd.backends.store import StoreBackend
from cwmpd.cwmp import paths
from cwmpd.datamodel.attributes import AttributeStore
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.counters import CounterBackend
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.notify import ChangeTracker
from cwmpd.datamodel.schema import Schema, load_schema
from cwmpd.datamodel.tree import GenericTree
from cwmpd.datamodel.vendor import with_vendor
from cwmpd.plugin.api import DevicePlugin, PluginError, load_plugin

STORE_FILE = "datamodel.json"
ATTRIBUTES_FILE = "attributes.json"
CHANGES_FILE = "changes.json"


def build_model(
    plugin_names: Sequence[str],
    *,
    state_dir: Path,
    factory_values: Mapping[str, str] | Callable[[str], Mapping[str, str]],
    clock: IReactorTime,
    extra_plugin_paths: Sequence[Path] = (),
) -> tuple[DataModel, DevicePlugin]:
    """Load the plugins (the first one is the device) and build the model they declare.

    ``factory_values`` may be a function of the root ("Device." or "InternetGatewayDevice."),
    since the config file does not know which root the device plugin has.
    """
    if not plugin_names:
        raise PluginError("no data-model plugin configured")
    plugins = [
        load_plugin(n, state_dir=state_dir, clock=clock, extra=extra_plugin_paths)
        for n in plugin_names
    ]
    device = plugins[0]
    decl = Declarations(device.root)
    for plugin in plugins:
        if plugin.root != device.root:
            raise PluginError(f"plugins disagree on the root: {device.root} vs {plugin.root}")
        plugin.declare(decl)
    schema = with_vendor(load_schema(device.root, prefixes=schema_prefixes(decl)), decl.vendor)
    values = factory_values(device.root) if callable(factory_values) else factory_values
    model = model_from_declarations(decl, schema, Path(state_dir), values)
    model.add_factory_reset_hook(device.factory_reset)
    return model, device


def model_from_declarations(
    decl: Declarations,
    schema: Schema,
    state_dir: Path,
    factory_values: Mapping[str, str] | None = None,
) -> DataModel:
    """The model for ``decl``; agent state in ``state_dir`` (config values win over plugin's)."""
    factory_values = factory_values or {}
    for name in factory_values:
        if paths.generic(name) not in decl.store_params:
            raise ValueError(f"factory value for {name}, which is not an agent-stored parameter")
    store = StoreBackend(state_dir / STORE_FILE, {**decl.factory_values, **factory_values})
    counter = CounterBackend()
    tree = GenericTree.build(decl, schema, store, FunctionBackend(decl.getters), counter)
    for name, table in tree.counters.items():
        counter.count(name, table)
    attrs = AttributeStore(state_dir / ATTRIBUTES_FILE)
    return DataModel(tree, store, attrs, counter, ChangeTracker(state_dir / CHANGES_FILE))


def schema_prefixes(decl: Declarations) -> list[str]:
    """Schema entries the declarations need (their tables' counters come along, see schema)."""
    return sorted({*decl.store_params, *decl.getters, *decl.bound, *decl.tables})


def management_server_values(
    root: str,
    *,
    url: str,
    username: str = "",
    password: str = "",
    periodic_inform_interval: int = 0,
    connection_request_username: str = "",
    connection_request_password: str = "",
) -> dict[str, str]:
    """Factory values of ManagementServer.* from the config file's settings."""
    ms = f"{root}ManagementServer."
    values = {
        ms + "URL": url,
        ms + "Username": username,
        ms + "Password": password,
        ms + "PeriodicInformEnable": "true" if periodic_inform_interval > 0 else "false",
        ms + "ConnectionRequestUsername": connection_request_username,
        ms + "ConnectionRequestPassword": connection_request_password,
    }
    if periodic_inform_interval > 0:
        values[ms + "PeriodicInformInterval"] = str(periodic_inform_interval)
    return values
