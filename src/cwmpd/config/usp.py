"""The [usp] section read and checked: Controllers and their MTPs, permissions, WebSocket server."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from cwmpd.config.schema import (
    ConfigError,
    UspConfig,
    UspControllerConfig,
    UspPermissionConfig,
    UspWebSocketServerConfig,
)
from cwmpd.config.tables import read_table


def read_usp(data: Any, source: str) -> UspConfig:
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
        read_table(f"usp.controllers[{i}]", UspControllerConfig, entry, source)
        for i, entry in enumerate(entries)
    )
    perms = rest.pop("permissions", [])
    if not isinstance(perms, list) or not all(isinstance(e, dict) for e in perms):
        raise ConfigError(
            f"{source}: usp.permissions must be an array of tables [[usp.permissions]]"
        )
    permissions = tuple(
        read_table(f"usp.permissions[{i}]", UspPermissionConfig, entry, source)
        for i, entry in enumerate(perms)
    )
    server = read_table(
        "usp.websocket_server", UspWebSocketServerConfig, rest.pop("websocket_server", {}), source
    )
    plain = read_table("usp", UspConfig, rest, source)
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


def check_usp(usp: UspConfig, src: str) -> None:
    """ConfigError for a bad [usp] value: Endpoint IDs, limits, each Controller's MTP keys."""
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
        url = _controller_url(ctrl.url, where, ("mqtt", "mqtts"), "an mqtt:// or mqtts://")
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


def _controller_url(text: str, where: str, schemes: tuple[str, ...], kind: str) -> SplitResult:
    """A Controller's URL split, with a good port, one of ``schemes`` and a host."""
    url = urlsplit(text)
    try:
        url.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise ConfigError(f"{where}.url has a bad port: {text!r}") from exc
    if url.scheme not in schemes or not url.hostname:
        raise ConfigError(f"{where}.url must be {kind} URL, got {text!r}")
    return url


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
        _controller_url(ctrl.url, where, ("ws", "wss"), "a ws:// or wss://")
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
