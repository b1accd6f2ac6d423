"""The TOML config file as frozen dataclasses; every unknown key or bad value is a clear error.

tomllib (stdlib) parses; the schema is checked here by hand because the
stdlib has no schema validator and the checks are a few lines per section.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class ConfigError(Exception):
    """A config file problem, said in one line naming the file and the key."""


@dataclass(frozen=True)
class AcsConfig:
    """[acs]: how to reach the ACS (factory values of ManagementServer.*)."""

    url: str = ""
    username: str = ""
    password: str = ""
    periodic_inform_interval: int = 3600
    ca_file: str = ""
    client_cert: str = ""
    tls_allow_cn_match: bool = False  # legacy: a certificate without SAN matched on its CN
    allow_basic_over_http: bool = False
    timeout: float = 30.0
    max_body: int = 4 * 1024 * 1024
    max_response: int = 4 * 1024 * 1024  # largest GPV/GPN/GPA response built (bytes)
    max_response_values: int = 16384  # most values in one response / names in one request
    alias_based_addressing: bool = False  # ManagementServer.AliasBasedAddressing (TR-069 3.6.1)


@dataclass(frozen=True)
class ConnectionRequestConfig:
    """[connection_request]: the listener the ACS uses to ask for a session."""

    enable: bool = True
    address: str = ""
    port: int = 7547
    path: str = ""
    username: str = ""
    password: str = ""
    udp_enable: bool = True
    udp_port: int = 7547
    udp_clock_window: int = 300  # seconds a UDP request's ts may differ from our clock; 0 = off
    burst_window: float = 0.5  # seconds a UDP Connection Request waits for its copies and HTTP twin
    max_connections: int = 32  # concurrent HTTP Connection Request connections
    header_timeout: float = 5.0  # seconds to send a request's headers
    max_auth_failures: int = 5  # failed digests from one source before it is locked out
    lockout_time: int = 60  # first lockout, seconds; doubles with each further lockout
    max_lockout_time: int = 3600  # the longest lockout
    max_total_auth_failures: int = 20  # failed digests from all sources before a lockout of all


@dataclass(frozen=True)
class DeviceConfig:
    """[device]: which data-model plugins describe the device, and where state lives."""

    plugins: tuple[str, ...] = ("linux",)
    state_dir: str = "/var/lib/cwmpd"
    poll_interval: int = 60  # seconds between value-change polls; 0 disables polling


@dataclass(frozen=True)
class TransfersConfig:
    """[transfers]: where downloads are spooled and how many may wait."""

    spool_dir: str = ""  # empty = <state_dir>/spool
    spool_quota: int = 0  # bytes; 0 = only the file system's free space limits downloads
    queue_size: int = 16
    allow_basic_over_http: bool = False


@dataclass(frozen=True)
class ControlConfig:
    """[control]: the local control socket that cwmpctl talks to."""

    socket: str = "/run/cwmpd/control.sock"  # empty disables it


@dataclass(frozen=True)
class UspControllerConfig:
    """One [[usp.controllers]] entry: a Controller and the MTP that reaches it (factory
    values of Device.LocalAgent.Controller.{i} and its MTP.{i})."""

    endpoint_id: str = ""
    mtp: str = "mqtt"  # "mqtt", "websocket" or "uds"
    url: str = ""  # mqtt(s)://host[:port]; ws(s)://host[:port]/path ("" = it connects in)
    controller_topic: str = ""  # where the Agent publishes to this Controller
    agent_topic: str = ""  # where the Agent subscribes (its Response Topic)
    username: str = ""
    password: str = ""
    ca_file: str = ""  # mqtts: trust roots (empty = the system's), like acs.ca_file
    client_cert: str = ""  # mqtts: PEM with the client certificate and key, like acs.client_cert
    role: str = (
        "full"  # its AssignedRole: "full" (Full Access), "untrusted", a [[usp.permissions]] role
    )
    keep_alive: float = (
        30.0  # websocket: seconds between Pings (MTP.{i}.WebSocket.KeepAliveInterval)
    )
    path: str = ""  # uds: the socket, e.g. /var/run/usp/broker_controller_path
    mode: str = "connect"  # uds: "connect" (the agent is the client) or "listen" (the server)
    register: tuple[str, ...] = ()  # uds: root paths the agent Registers with this Broker


@dataclass(frozen=True)
class UspPermissionConfig:
    """One [[usp.permissions]] entry: a Permission of the Role named ``role`` (the Role is
    made of its entries, in file order; factory rows of ControllerTrust.Role.{i}.)."""

    role: str = ""
    targets: tuple[str, ...] = ()
    order: int = 0
    param: str = "----"  # "rwxn" rights, "-" for one not granted
    obj: str = "----"
    instantiated_obj: str = "----"
    command_event: str = "----"


@dataclass(frozen=True)
class UspWebSocketServerConfig:
    """[usp.websocket_server]: the Agent's own WebSocket server for Controllers that connect
    in (``mtp = "websocket"`` without a url); off by default, TLS with client certificates."""

    enable: bool = False
    port: int = 8443
    interface: str = ""  # "" = every address
    path: str = "/usp"
    server_cert: str = ""  # PEM with the Agent's certificate and key
    ca_file: str = ""  # PEM bundle of the CAs that issue the Controllers' client certificates
    keep_alive: float = 30.0


@dataclass(frozen=True)
class UspConfig:
    """[usp]: the TR-369 Agent beside CWMP; off when the section is absent."""

    enable: bool = False
    endpoint_id: str = ""  # empty = os::<OUI>-<SerialNumber> read from the model
    max_in_flight: int = 8  # requests of one Controller handled at once; more get Error 7005
    response_timeout: float = 30.0  # seconds a Controller has to answer the Agent's request
    controllers: tuple[UspControllerConfig, ...] = ()
    permissions: tuple[UspPermissionConfig, ...] = ()
    websocket_server: UspWebSocketServerConfig = field(default_factory=UspWebSocketServerConfig)


@dataclass(frozen=True)
class XmppConfig:
    """[xmpp]: factory values of Device.XMPP.Connection.1. (TR-069 Annex K Connection
    Requests); with a username and domain set, ManagementServer.ConnReqXMPPConnection
    names that connection."""

    server: str = ""  # Server.1.ServerAddress; empty = the domain itself
    port: int = 5222
    domain: str = ""
    username: str = ""
    password: str = ""
    resource: str = "cwmpd"
    use_tls: bool = True
    allowed_jids: tuple[str, ...] = ()  # ManagementServer.ConnReqAllowedJabberIDs; empty = any
    keepalive_interval: int = -1  # seconds between pings; 0 = none, -1 = ours (300)
    retry_initial_interval: int = 60  # ServerRetryInitialInterval (first wait at most this)
    retry_max_interval: int = 30720  # ServerRetryMaxInterval

    @property
    def configured(self) -> bool:
        """A username and domain are set: the agent has an XMPP connection."""
        return bool(self.username and self.domain)


@dataclass(frozen=True)
class Config:
    """The whole config file."""

    acs: AcsConfig = field(default_factory=AcsConfig)
    connection_request: ConnectionRequestConfig = field(default_factory=ConnectionRequestConfig)
    device: DeviceConfig = field(default_factory=DeviceConfig)
    control: ControlConfig = field(default_factory=ControlConfig)
    transfers: TransfersConfig = field(default_factory=TransfersConfig)
    usp: UspConfig = field(default_factory=UspConfig)
    xmpp: XmppConfig = field(default_factory=XmppConfig)
    source: str = "<defaults>"


_SECTIONS: dict[str, type[Any]] = {
    "acs": AcsConfig,
    "connection_request": ConnectionRequestConfig,
    "device": DeviceConfig,
    "control": ControlConfig,
    "transfers": TransfersConfig,
    "usp": UspConfig,
    "xmpp": XmppConfig,
}


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


def _section(name: str, cls: type[Any], data: Any, source: str) -> Any:
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


def _usp_section(data: Any, source: str) -> UspConfig:
    """[usp] with its [[usp.controllers]] array of tables."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: [usp] must be a table")
    rest = dict(data)
    entries = rest.pop("controllers", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(
            f"{source}: usp.controllers must be an array of tables [[usp.controllers]]"
        )
    controllers = tuple(
        _section(f"usp.controllers[{i}]", UspControllerConfig, entry, source)
        for i, entry in enumerate(entries)
    )
    perms = rest.pop("permissions", [])
    if not isinstance(perms, list) or not all(isinstance(e, dict) for e in perms):
        raise ConfigError(
            f"{source}: usp.permissions must be an array of tables [[usp.permissions]]"
        )
    permissions = tuple(
        _section(f"usp.permissions[{i}]", UspPermissionConfig, entry, source)
        for i, entry in enumerate(perms)
    )
    server = _section(
        "usp.websocket_server", UspWebSocketServerConfig, rest.pop("websocket_server", {}), source
    )
    plain = _section("usp", UspConfig, rest, source)
    return UspConfig(
        permissions=permissions,
        websocket_server=server,
        enable=plain.enable,
        endpoint_id=plain.endpoint_id,
        max_in_flight=plain.max_in_flight,
        response_timeout=plain.response_timeout,
        controllers=controllers,
    )


#: A USP Endpoint ID (TR-369 R-ARC.6): printable ASCII without blanks.
_ENDPOINT_ID = re.compile(r"^[!-~]{1,256}$")
_NEXT_MTPS = ("stomp",)


_RIGHTS = re.compile(r"^[r-][w-][x-][n-]$")


def _check_permissions(permissions: Sequence[UspPermissionConfig], src: str) -> set[str]:
    """The role names [[usp.permissions]] defines; ConfigError for a bad entry."""
    orders: set[tuple[str, int]] = set()
    for i, perm in enumerate(permissions):
        where = f"{src}: usp.permissions[{i}]"
        if not perm.role or perm.role in ("full", "untrusted"):
            raise ConfigError(f'{where}.role must name a role other than "full"/"untrusted"')
        if not perm.targets:
            raise ConfigError(f"{where}.targets must list at least one path")
        if perm.order < 0 or (perm.role, perm.order) in orders:
            raise ConfigError(f"{where}.order must be >= 0 and unique within its role")
        orders.add((perm.role, perm.order))
        rights = {"param": perm.param, "obj": perm.obj}
        rights |= {"instantiated_obj": perm.instantiated_obj, "command_event": perm.command_event}
        for key, value in rights.items():
            if not _RIGHTS.match(value):
                raise ConfigError(f'{where}.{key} must be like "r-xn", got {value!r}')
    return {role for role, _ in orders}


def _check_usp(usp: UspConfig, src: str) -> None:
    if usp.endpoint_id and not _ENDPOINT_ID.match(usp.endpoint_id):
        raise ConfigError(
            f"{src}: usp.endpoint_id must be printable ASCII without blanks "
            f"(at most 256), got {usp.endpoint_id!r}"
        )
    if usp.max_in_flight < 1:
        raise ConfigError(f"{src}: usp.max_in_flight must be >= 1")
    if usp.response_timeout <= 0:
        raise ConfigError(f"{src}: usp.response_timeout must be > 0")
    if usp.enable and not usp.controllers:
        raise ConfigError(f"{src}: usp.enable needs at least one [[usp.controllers]] entry")
    roles = _check_permissions(usp.permissions, src)
    _check_websocket_server(usp.websocket_server, src)
    seen: set[str] = set()
    uds_modes: dict[str, str] = {}  # socket path -> mode: one socket is a client or a server
    for i, ctrl in enumerate(usp.controllers):
        where = f"{src}: usp.controllers[{i}]"
        if not _ENDPOINT_ID.match(ctrl.endpoint_id):
            raise ConfigError(
                f"{where}.endpoint_id must be a USP Endpoint ID (printable ASCII, no blanks), "
                f"got {ctrl.endpoint_id!r}"
            )
        if ctrl.endpoint_id in seen:
            raise ConfigError(f"{where}.endpoint_id {ctrl.endpoint_id!r} is listed twice")
        seen.add(ctrl.endpoint_id)
        if ctrl.role not in ("full", "untrusted", *roles):
            raise ConfigError(
                f'{where}.role must be "full", "untrusted" or a role of [[usp.permissions]], '
                f"got {ctrl.role!r}"
            )
        if ctrl.mtp in _NEXT_MTPS:
            raise ConfigError(
                f"{where}.mtp {ctrl.mtp!r} is not supported (STOMP is not implemented); "
                'use "mqtt", "websocket" or "uds"'
            )
        if ctrl.mtp == "websocket":
            for key in ("path", "register"):
                if getattr(ctrl, key):
                    raise ConfigError(f'{where}.{key} is for mtp = "uds" only')
            _check_websocket_controller(usp, ctrl, where)
            continue
        if ctrl.mtp == "uds":
            _check_uds(ctrl, where)
            if uds_modes.setdefault(ctrl.path, ctrl.mode) != ctrl.mode:
                raise ConfigError(f"{where}.path {ctrl.path!r} is listed with two modes")
            continue
        if ctrl.mtp != "mqtt":
            raise ConfigError(f'{where}.mtp must be "mqtt", "websocket" or "uds", got {ctrl.mtp!r}')
        for key in ("path", "register"):
            if getattr(ctrl, key):
                raise ConfigError(f'{where}.{key} is for mtp = "uds" only')
        if ctrl.mode != "connect":
            raise ConfigError(f'{where}.mode is for mtp = "uds" only')
        url = urlsplit(ctrl.url)
        try:
            url.port  # noqa: B018 - raises on a bad port
        except ValueError as exc:
            raise ConfigError(f"{where}.url has a bad port: {ctrl.url!r}") from exc
        if url.scheme not in ("mqtt", "mqtts") or not url.hostname:
            raise ConfigError(f"{where}.url must be an mqtt:// or mqtts:// URL, got {ctrl.url!r}")
        for key in ("controller_topic", "agent_topic"):
            topic = getattr(ctrl, key)
            if not topic or any(c in topic for c in "+#\0"):
                raise ConfigError(
                    f"{where}.{key} must be a non-empty MQTT topic without wildcards, got {topic!r}"
                )
        for key in ("ca_file", "client_cert"):
            path = getattr(ctrl, key)
            if path and not Path(path).is_file():
                raise ConfigError(f"{where}.{key}: no such file {path!r}")
            if path and url.scheme != "mqtts":
                raise ConfigError(f"{where}.{key} is for mqtts:// URLs only")


def _check_websocket_controller(usp: UspConfig, ctrl: UspControllerConfig, where: str) -> None:
    """A ``mtp = "websocket"`` entry: a ws(s):// URL, or none when it connects in."""
    if ctrl.keep_alive < 0:
        raise ConfigError(f"{where}.keep_alive must be >= 0")
    if not ctrl.url:
        if not usp.websocket_server.enable:
            raise ConfigError(
                f"{where}: a websocket Controller without a url connects in: "
                "it needs [usp.websocket_server] enable = true"
            )
    else:
        url = urlsplit(ctrl.url)
        try:
            url.port  # noqa: B018 - raises on a bad port
        except ValueError as exc:
            raise ConfigError(f"{where}.url has a bad port: {ctrl.url!r}") from exc
        if url.scheme not in ("ws", "wss") or not url.hostname:
            raise ConfigError(f"{where}.url must be a ws:// or wss:// URL, got {ctrl.url!r}")
    for key in ("ca_file", "client_cert"):
        path = getattr(ctrl, key)
        if path and not Path(path).is_file():
            raise ConfigError(f"{where}.{key}: no such file {path!r}")
        if path and not ctrl.url.startswith("wss:"):
            raise ConfigError(f"{where}.{key} is for wss:// URLs only")


def _check_websocket_server(server: UspWebSocketServerConfig, src: str) -> None:
    if not server.enable:
        return
    where = f"{src}: usp.websocket_server"
    if not 0 < server.port < 65536:
        raise ConfigError(f"{where}.port must be 1..65535, got {server.port}")
    if not server.path.startswith("/"):
        raise ConfigError(f"{where}.path must start with /, got {server.path!r}")
    if server.keep_alive < 0:
        raise ConfigError(f"{where}.keep_alive must be >= 0")
    for key in ("server_cert", "ca_file"):
        path = getattr(server, key)
        if not path:
            raise ConfigError(
                f"{where}.{key} is required (the server is TLS with client certificates)"
            )
        if not Path(path).is_file():
            raise ConfigError(f"{where}.{key}: no such file {path!r}")


def _check_uds(ctrl: UspControllerConfig, where: str) -> None:
    """A [[usp.controllers]] entry with mtp = "uds": an absolute socket path, a mode,
    register paths ending in "." (objects of the model), no MQTT keys."""
    if not ctrl.path.startswith("/") or "\0" in ctrl.path:
        raise ConfigError(f"{where}.path must be an absolute socket path, got {ctrl.path!r}")
    if len(ctrl.path.encode()) > 107:  # sun_path holds 108 bytes with the NUL
        raise ConfigError(f"{where}.path is longer than a Unix socket path may be (107 bytes)")
    if ctrl.mode not in ("connect", "listen"):
        raise ConfigError(f'{where}.mode must be "connect" or "listen", got {ctrl.mode!r}')
    for path in ctrl.register:
        if not path.startswith("Device.") or not path.endswith("."):
            raise ConfigError(
                f'{where}.register paths are objects like "Device.DeviceInfo.", got {path!r}'
            )
    if ctrl.register and ctrl.mode != "connect":
        raise ConfigError(f'{where}.register needs mode = "connect" (the agent a Broker\'s client)')
    for key in ("url", "controller_topic", "agent_topic", "username", "password"):
        if getattr(ctrl, key):
            raise ConfigError(f'{where}.{key} is not used with mtp = "uds"')
    for key in ("ca_file", "client_cert"):
        if getattr(ctrl, key):
            raise ConfigError(f"{where}.{key} is for mqtts:// URLs only")


def _check(cfg: Config) -> None:
    src = cfg.source
    url = urlsplit(cfg.acs.url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ConfigError(f"{src}: acs.url must be an http:// or https:// URL, got {cfg.acs.url!r}")
    if cfg.acs.periodic_inform_interval < 0:
        raise ConfigError(f"{src}: acs.periodic_inform_interval must be >= 0")
    if cfg.acs.timeout < 1:
        raise ConfigError(f"{src}: acs.timeout must be >= 1 second")
    if cfg.acs.max_body < 32768:
        raise ConfigError(f"{src}: acs.max_body must be >= 32768 bytes (TR-069 minimum)")
    if cfg.acs.max_response < 32768:
        raise ConfigError(f"{src}: acs.max_response must be >= 32768 bytes")
    if cfg.acs.max_response_values < 1:
        raise ConfigError(f"{src}: acs.max_response_values must be >= 1")
    for key in ("ca_file", "client_cert"):
        path = getattr(cfg.acs, key)
        if path and not Path(path).is_file():
            raise ConfigError(f"{src}: acs.{key}: no such file {path!r}")
    if not 0 <= cfg.connection_request.port <= 65535:
        raise ConfigError(f"{src}: connection_request.port must be 0..65535")
    if not 0 <= cfg.connection_request.udp_port <= 65535:
        raise ConfigError(f"{src}: connection_request.udp_port must be 0..65535")
    cr = cfg.connection_request
    for key in ("udp_clock_window", "burst_window", "lockout_time"):
        if getattr(cr, key) < 0:
            raise ConfigError(f"{src}: connection_request.{key} must be >= 0")
    for key in ("max_connections", "max_auth_failures", "max_total_auth_failures"):
        if getattr(cr, key) < 1:
            raise ConfigError(f"{src}: connection_request.{key} must be >= 1")
    if cr.header_timeout <= 0 or cr.max_lockout_time < cr.lockout_time:
        raise ConfigError(
            f"{src}: connection_request.header_timeout must be > 0 and max_lockout_time "
            ">= lockout_time"
        )
    path = cfg.connection_request.path
    if path and (not path.startswith("/") or any(c in path for c in "?# ")):
        raise ConfigError(f"{src}: connection_request.path must start with / (no ?, #, spaces)")
    if not 1 <= cfg.transfers.queue_size <= 1024:
        raise ConfigError(f"{src}: transfers.queue_size must be 1..1024")
    if cfg.transfers.spool_quota < 0:
        raise ConfigError(f"{src}: transfers.spool_quota must be >= 0")
    if cfg.device.poll_interval < 0:
        raise ConfigError(f"{src}: device.poll_interval must be >= 0")
    if not cfg.device.plugins:
        raise ConfigError(f"{src}: device.plugins must name at least one plugin")
    _check_usp(cfg.usp, src)
    _check_xmpp(cfg.xmpp, src)


def _check_xmpp(x: XmppConfig, src: str) -> None:
    if not 1 <= x.port <= 65535:
        raise ConfigError(f"{src}: xmpp.port must be 1..65535")
    if bool(x.username) != bool(x.domain):
        raise ConfigError(f"{src}: xmpp.username and xmpp.domain go together")
    if x.keepalive_interval < -1:
        raise ConfigError(f"{src}: xmpp.keepalive_interval must be >= -1")
    if not 1 <= x.retry_initial_interval <= 65535 or x.retry_max_interval < 1:
        raise ConfigError(
            f"{src}: xmpp.retry_initial_interval must be 1..65535, retry_max_interval >= 1"
        )
    if len(x.allowed_jids) > 32 or any("," in j or len(j) > 256 for j in x.allowed_jids):
        raise ConfigError(f"{src}: xmpp.allowed_jids: at most 32 JIDs, no commas")


def parse_config(text: str, source: str = "<string>") -> Config:
    """Parse and check config text; raises ConfigError with one clear line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        cls = _SECTIONS.get(key)
        if cls is None:
            raise ConfigError(
                f"{source}: unknown section [{key}] (known: {', '.join(sorted(_SECTIONS))})"
            )
        if cls is UspConfig:
            kwargs[key] = _usp_section(value, source)
        else:
            kwargs[key] = _section(key, cls, value, source)
    cfg = Config(source=source, **kwargs)
    _check(cfg)
    return cfg


def load_config(path: str | Path) -> Config:
    """Read and check a config file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: config is not UTF-8: {exc}") from exc
    return parse_config(text, str(path))
