"""Load device plugins and build the DataModel they declare, with what the agent declares itself.

Plugins are folders holding ``plugin.py`` (the contract: cwmpd.plugin.api), imported from a
file path (they are not installed packages), searched in: explicit paths,
``$CWMPD_PLUGIN_PATH``, the source tree's ``plugins/``, then ``/usr/share/cwmpd/plugins``.

The agent, not the plugin, declares ManagementServer.* (cwmpd.plugin.management) and the
diagnostics objects. The diagnostics live above this layer (cwmpd.diagnostics), so the
service hands ``build_model`` a factory for them; the device only says whether it wants
them (``DeviceHooks.diagnostics``). Device.SoftwareModules.* likewise: ``software(root,
handlers)`` declares it when the device has execution environments
(``DeviceHooks.software_modules``). A factory of the root rather than a ready object, since
the root is known only once the device plugin is loaded; and a flag on the hooks rather
than a plugin-built object, so no plugin imports the agent's diagnostics code.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from cwmpd import __version__
from cwmpd.backends.functions import FunctionBackend
from cwmpd.backends.store import StoreBackend
from cwmpd.config import Config, UspControllerConfig, XmppConfig
from cwmpd.cwmp import paths
from cwmpd.datamodel.attributes import AttributeStore
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.counters import CounterBackend
from cwmpd.datamodel.manageable import ManageableDevices
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.notify import ChangeTracker
from cwmpd.datamodel.schema import Schema, load_schema
from cwmpd.datamodel.tree import GenericTree
from cwmpd.datamodel.vendor import with_vendor
from cwmpd.plugin.api import (
    Declarer,
    DeviceHooks,
    DevicePlugin,
    ExecEnvHandler,
    PluginContext,
    PluginError,
)
from cwmpd.plugin.management import declare_management_server
from cwmpd.reactors import AgentReactor
from cwmpd.statedir import StateDir

SYSTEM_PLUGINS = Path("/usr/share/cwmpd/plugins")
#: Makes the SoftwareModules declarations of a root over the device's execution environments.
SoftwareDeclarer = Callable[[str, Sequence[ExecEnvHandler]], Declarer]
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def build_model(
    plugin_names: Sequence[str],
    *,
    state_dir: Path,
    factory_values: Mapping[str, str] | Callable[[str], Mapping[str, str]],
    reactor: AgentReactor,
    extra_plugin_paths: Sequence[Path] = (),
    diagnostics: Callable[[str], Declarer] | None = None,
    usp: Mapping[str, str] | None = None,
    software: SoftwareDeclarer | None = None,
) -> tuple[DataModel, DeviceHooks]:
    """Load the plugins (the first one is the device) and build the model they declare.

    The model also has ManagementServer.*, and ``diagnostics(root)``'s objects when the
    device's hooks ask for diagnostics. Returns the model and the device's hooks (all the
    agent asks of the device once the model is built; later plugins' hooks are not used).
    ``factory_values`` may be a function of the root ("Device." or "InternetGatewayDevice."),
    since the config file does not know which root the device plugin has.
    ``usp``: None for a CWMP-only agent; else USP is on, Device.LocalAgent. is declared
    (cwmpd.plugin.localagent) with these factory values (concrete names) and the USP-only
    metadata is loaded.
    """
    if not plugin_names:
        raise PluginError("no data-model plugin configured")
    plugins = [
        load_plugin(n, state_dir=state_dir, reactor=reactor, extra=extra_plugin_paths)
        for n in plugin_names
    ]
    device = plugins[0]
    decl = declare_all(plugins, diagnostics, software)
    if usp is not None:
        from cwmpd.plugin import firmware_images  # lazy: only with USP on
        from cwmpd.plugin.localagent import declare_local_agent  # lazy: only with USP on
        from cwmpd.plugin.trust_objects import declare_trust, with_trust  # lazy: only with USP on
        from cwmpd.plugin.usp_requests import RequestTable, declare_requests  # lazy: USP on
        from cwmpd.plugin.usp_subscriptions import declare_subscriptions  # lazy: only USP on

        started = reactor.seconds()
        declare_local_agent(
            decl,
            with_trust(usp),
            uptime=lambda: int(reactor.seconds() - started),
            software_version=__version__,
        )
        declare_subscriptions(decl)
        declare_trust(decl)
        declare_requests(decl, RequestTable(Path(state_dir)))
        if device.root == "Device." and firmware_images.has_firmware(device.hooks):
            images = firmware_images.FirmwareImages(Path(state_dir))  # Download()/Activate()
            firmware_images.declare_firmware_images(decl, images)
    schema = with_vendor(load_schema(device.root, prefixes=schema_prefixes(decl)), decl.vendor)
    if usp is not None:
        from cwmpd.datamodel.uspmeta import with_usp  # lazy: the USP metadata only with USP on

        schema = with_usp(schema)
    values = factory_values(device.root) if callable(factory_values) else factory_values
    model = model_from_declarations(decl, schema, Path(state_dir), values)
    model.add_factory_reset_hook(device.hooks.factory_reset)
    return model, device.hooks


def declare_all(
    plugins: Sequence[DevicePlugin],
    diagnostics: Callable[[str], Declarer] | None = None,
    software: SoftwareDeclarer | None = None,
) -> Declarations:
    """What the plugins declare (the first is the device), with what the agent adds:
    ManagementServer, the diagnostics objects when the device's hooks ask for them, and
    SoftwareModules when the device has execution environments (TR-181 only)."""
    device = plugins[0]
    decl = Declarations(device.root)
    declare_management_server(decl, device.root)
    for plugin in plugins:
        if plugin.root != device.root:
            raise PluginError(f"plugins disagree on the root: {device.root} vs {plugin.root}")
        plugin.declare(decl)
    if device.hooks.diagnostics and diagnostics is not None:
        diagnostics(device.root).declare(decl)
    if device.hooks.manageable_devices is not None:
        ManageableDevices(device.root, device.hooks.manageable_devices).declare(decl)
    handlers = device.hooks.software_modules
    if handlers and software is not None and device.root == "Device.":
        software(device.root, handlers).declare(decl)
    return decl


def device_declarations(plugin: DevicePlugin) -> Declarations:
    """What ``plugin`` declares, with the ManagementServer the agent adds (for checks)."""
    decl = Declarations(plugin.root)
    declare_management_server(decl, plugin.root)
    plugin.declare(decl)
    return decl


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
    files = StateDir(state_dir)
    store = StoreBackend(files.store, {**decl.factory_values, **factory_values})
    counter = CounterBackend()
    tree = GenericTree.build(decl, schema, store, FunctionBackend(decl.getters), counter)
    for name, table in tree.counters.items():
        counter.count(name, table)
    attrs = AttributeStore(files.attributes)
    return DataModel(tree, store, attrs, counter, ChangeTracker(files.changes))


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
    alias_based_addressing: bool = False,
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
    if alias_based_addressing:
        values[ms + "AliasBasedAddressing"] = "true"
    return values


def xmpp_values(root: str, xmpp: XmppConfig) -> dict[str, str]:
    """Factory values of Device.XMPP.Connection.1. and the ManagementServer parameters that
    use it, from the [xmpp] section; none unless it is configured and the root is TR-181."""
    if root != "Device." or not xmpp.configured:
        return {}
    conn = f"{root}XMPP.Connection.1."
    values = {
        conn + "Enable": "true",
        conn + "Username": xmpp.username,
        conn + "Password": xmpp.password,
        conn + "Domain": xmpp.domain,
        conn + "Resource": xmpp.resource,
        conn + "UseTLS": "true" if xmpp.use_tls else "false",
        conn + "KeepAliveInterval": str(xmpp.keepalive_interval),
        conn + "ServerRetryInitialInterval": str(xmpp.retry_initial_interval),
        conn + "ServerRetryMaxInterval": str(xmpp.retry_max_interval),
        f"{root}ManagementServer.ConnReqXMPPConnection": conn.rstrip("."),
        f"{root}ManagementServer.ConnReqAllowedJabberIDs": ",".join(xmpp.allowed_jids),
    }
    if xmpp.server:
        values[conn + "Server.1.Enable"] = "true"
        values[conn + "Server.1.ServerAddress"] = xmpp.server
        values[conn + "Server.1.Port"] = str(xmpp.port)
    return values


def config_factory_values(config: Config, root: str) -> dict[str, str]:
    """ManagementServer (and [xmpp]) factory values taken from the config file (DESIGN.md
    contract)."""
    return management_server_values(
        root,
        url=config.acs.url,
        username=config.acs.username,
        password=config.acs.password,
        periodic_inform_interval=config.acs.periodic_inform_interval,
        connection_request_username=config.connection_request.username,
        connection_request_password=config.connection_request.password,
        alias_based_addressing=config.acs.alias_based_addressing,
    ) | xmpp_values(root, config.xmpp)


def usp_factory_values(config: Config) -> dict[str, str] | None:
    """Device.LocalAgent. factory values from ``[usp]`` (None: USP off): the Agent's
    EndpointID, one Controller.{i} with its MQTT MTP per entry, one agent MTP.{j} per topic."""
    usp = config.usp
    if not usp.enable:
        return None
    from cwmpd.plugin.trust_objects import trust_factory_values  # lazy: only with USP on

    la = "Device.LocalAgent."
    values = {f"{la}EndpointID": usp.endpoint_id}
    defined: dict[str, list[dict[str, str]]] = {}
    for perm in usp.permissions:
        defined.setdefault(perm.role, []).append(
            {
                "targets": ",".join(perm.targets),
                "order": str(perm.order),
                "param": perm.param,
                "obj": perm.obj,
                "instantiated_obj": perm.instantiated_obj,
                "command_event": perm.command_event,
            }
        )
    trust, roles = trust_factory_values(defined)
    values |= trust
    topics: list[str] = []
    for i, ctrl in enumerate(usp.controllers, 1):
        values[f"{la}Controller.{i}.EndpointID"] = ctrl.endpoint_id
        values[f"{la}Controller.{i}.Enable"] = "true"
        values[f"{la}Controller.{i}.AssignedRole"] = roles[ctrl.role]
        values[f"{la}Controller.{i}.MTP.1.Enable"] = "true"
        if ctrl.mtp == "websocket":
            values.update(_websocket_factory_values(f"{la}Controller.{i}.MTP.1.", ctrl))
            continue
        if ctrl.mtp == "uds":  # reached over a Unix socket: no MQTT topic
            values[f"{la}Controller.{i}.MTP.1.Protocol"] = "UDS"
            continue
        values[f"{la}Controller.{i}.MTP.1.Protocol"] = "MQTT"
        values[f"{la}Controller.{i}.MTP.1.MQTT.Topic"] = ctrl.controller_topic
        if ctrl.agent_topic and ctrl.agent_topic not in topics:
            topics.append(ctrl.agent_topic)
    for j, topic in enumerate(topics, 1):
        values[f"{la}MTP.{j}.Enable"] = "true"
        values[f"{la}MTP.{j}.Protocol"] = "MQTT"
        values[f"{la}MTP.{j}.MQTT.ResponseTopicConfigured"] = topic
    return values


def _websocket_factory_values(mtp: str, ctrl: UspControllerConfig) -> dict[str, str]:
    """A WebSocket Controller MTP's factory values (Host "" when it connects in)."""
    url = urlsplit(ctrl.url)
    values = {f"{mtp}Protocol": "WebSocket"}
    ws = f"{mtp}WebSocket."
    values[f"{ws}Host"] = url.hostname or ""
    values[f"{ws}Path"] = url.path if ctrl.url else ""
    values[f"{ws}EnableEncryption"] = "true" if url.scheme != "ws" else "false"
    values[f"{ws}KeepAliveInterval"] = str(int(ctrl.keep_alive))
    if ctrl.url:
        values[f"{ws}Port"] = str(url.port or (80 if url.scheme == "ws" else 443))
    return values


def source_tree_plugins() -> Path:
    """The ``plugins/`` folder of the source tree this package runs from."""
    return Path(__file__).resolve().parents[3] / "plugins"


def search_path(extra: Sequence[Path] = ()) -> list[Path]:
    """Folders searched for plugins by name, in order."""
    env = [Path(p) for p in os.environ.get("CWMPD_PLUGIN_PATH", "").split(os.pathsep) if p]
    return [*extra, *env, source_tree_plugins(), SYSTEM_PLUGINS]


def find_plugin(name: str, extra: Sequence[Path] = ()) -> Path:
    """The folder of plugin ``name`` (a name, or a path to a plugin folder)."""
    if os.sep in name or name.startswith("."):
        folder = Path(name)
        if (folder / "plugin.py").is_file():
            return folder
        raise PluginError(f"no plugin.py in {folder}")
    if not _NAME.match(name):
        raise PluginError(f"bad plugin name {name!r}")
    for base in search_path(extra):
        if (base / name / "plugin.py").is_file():
            return base / name
    raise PluginError(f"plugin {name!r} not found in {', '.join(map(str, search_path(extra)))}")


def import_plugin(
    name: str, extra: Sequence[Path] = (), prefix: str = "cwmpd_plugin_"
) -> tuple[Path, ModuleType]:
    """Find plugin ``name`` and import its ``plugin.py``: (its folder, the module)."""
    folder = find_plugin(name, extra)
    module_name = f"{prefix}{re.sub(r'[^A-Za-z0-9_]', '_', folder.name)}"
    spec = importlib.util.spec_from_file_location(module_name, folder / "plugin.py")
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import {folder / 'plugin.py'}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise PluginError(f"plugin {name!r} failed to import: {exc}") from exc
    return folder, module


def create_plugin(name: str, folder: Path, module: ModuleType, ctx: PluginContext) -> DevicePlugin:
    """Call the module's ``create(ctx)``; PluginError unless it gives a plugin with hooks."""
    create = vars(module).get("create")
    if not callable(create):
        raise PluginError(f"plugin {name!r} has no create(ctx) function")
    plugin = create(ctx)
    if not isinstance(plugin, DevicePlugin) or not isinstance(plugin.hooks, DeviceHooks):
        raise PluginError(f"plugin {name!r}: create() did not return a DevicePlugin with hooks")
    return plugin


def plugin_context(folder: Path, state_dir: Path, reactor: AgentReactor) -> PluginContext:
    """The context of the plugin in ``folder``: its state lives in ``state_dir/plugins/NAME``."""
    return PluginContext(folder.name, StateDir(Path(state_dir)).plugin(folder.name), reactor)


def load_plugin(
    name: str, *, state_dir: Path, reactor: AgentReactor, extra: Sequence[Path] = ()
) -> DevicePlugin:
    """Find, import and create plugin ``name``; its state lives in ``state_dir/plugins/NAME``."""
    folder, module = import_plugin(name, extra)
    return create_plugin(name, folder, module, plugin_context(folder, state_dir, reactor))
