"""The TOML config file as frozen dataclasses; every unknown key or bad value is a clear error.

tomllib (stdlib) parses; the schema is checked here by hand because the
stdlib has no schema validator and the checks are a few lines per section.
"""

from __future__ import annotations

import re
import tomllib
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
    mtp: str = "mqtt"  # "mqtt" or "uds" ("websocket" comes with issue 15)
    url: str = ""  # mqtt://host[:1883] or mqtts://host[:8883]
    controller_topic: str = ""  # where the Agent publishes to this Controller
    agent_topic: str = ""  # where the Agent subscribes (its Response Topic)
    username: str = ""
    password: str = ""
    ca_file: str = ""  # mqtts: trust roots (empty = the system's), like acs.ca_file
    client_cert: str = ""  # mqtts: PEM with the client certificate and key, like acs.client_cert
    path: str = ""  # uds: the socket, e.g. /var/run/usp/broker_controller_path
    mode: str = "connect"  # uds: "connect" (the agent is the client) or "listen" (the server)
    register: tuple[str, ...] = ()  # uds: root paths the agent Registers with this Broker


@dataclass(frozen=True)
class UspConfig:
    """[usp]: the TR-369 Agent beside CWMP; off when the section is absent."""

    enable: bool = False
    endpoint_id: str = ""  # empty = os::<OUI>-<SerialNumber> read from the model
    max_in_flight: int = 8  # requests of one Controller handled at once; more get Error 7005
    response_timeout: float = 30.0  # seconds a Controller has to answer the Agent's request
    controllers: tuple[UspControllerConfig, ...] = ()


@dataclass(frozen=True)
class Config:
    """The whole config file."""

    acs: AcsConfig = field(default_factory=AcsConfig)
    connection_request: ConnectionRequestConfig = field(default_factory=ConnectionRequestConfig)
    device: DeviceConfig = field(default_factory=DeviceConfig)
    control: ControlConfig = field(default_factory=ControlConfig)
    transfers: TransfersConfig = field(default_factory=TransfersConfig)
    usp: UspConfig = field(default_factory=UspConfig)
    source: str = "<defaults>"


_SECTIONS: dict[str, type[Any]] = {
    "acs": AcsConfig,
    "connection_request": ConnectionRequestConfig,
    "device": DeviceConfig,
    "control": ControlConfig,
    "transfers": TransfersConfig,
    "usp": UspConfig,
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
    plain = _section("usp", UspConfig, rest, source)
    return UspConfig(
        enable=plain.enable,
        endpoint_id=plain.endpoint_id,
        max_in_flight=plain.max_in_flight,
        response_timeout=plain.response_timeout,
        controllers=controllers,
    )


#: A USP Endpoint ID (TR-369 R-ARC.6): printable ASCII without blanks.
_ENDPOINT_ID = re.compile(r"^[!-~]{1,256}$")
_NEXT_MTPS = ("websocket", "stomp")


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
        if ctrl.mtp in _NEXT_MTPS:
            raise ConfigError(
                f"{where}.mtp {ctrl.mtp!r} is not supported yet (WebSocket and STOMP "
                'come with issue 15); use "mqtt" or "uds"'
            )
        if ctrl.mtp == "uds":
            _check_uds(ctrl, where)
            if uds_modes.setdefault(ctrl.path, ctrl.mode) != ctrl.mode:
                raise ConfigError(f"{where}.path {ctrl.path!r} is listed with two modes")
            continue
        if ctrl.mtp != "mqtt":
            raise ConfigError(f'{where}.mtp must be "mqtt" or "uds", got {ctrl.mtp!r}')
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
