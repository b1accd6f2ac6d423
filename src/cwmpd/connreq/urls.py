"""The Connection Request path (random, persisted), the URLs/addresses built from it, our local IP.

Hand-written: a few lines over :mod:`secrets` and :mod:`cwmpd.state`; the stdlib has no
helper that brackets IPv6 literals (with RFC 6874 zone ids) in a URL authority.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import socket
from pathlib import Path

from twisted.logger import Logger

from cwmpd.state import read_json, write_json

_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")
_log = Logger()


def check_path(path: str) -> str:
    """Return ``path`` if it is a usable absolute path (no query, fragment or spaces)."""
    if not _PATH.fullmatch(path):
        raise ValueError(f"Connection Request path {path!r} must start with / (no ?, #, spaces)")
    return path


def ensure_path(state: Path, configured: str) -> str:
    """The listener's path: ``configured`` if set, else a random one kept in ``state``
    (StateDir.connreq).

    The random path (128 bits) is created once and persisted atomically, so it survives
    restarts and reboots; a corrupt state file is replaced by a new random path.
    """
    if configured:
        return check_path(configured)
    try:
        saved = read_json(state, default={})
    except ValueError as exc:
        _log.warn("Connection Request path state unreadable, choosing a new path: {exc}", exc=exc)
        saved = {}
    path = saved.get("path") if isinstance(saved, dict) else None
    if isinstance(path, str) and _PATH.fullmatch(path) and len(path) > 1:
        return path
    path = "/" + secrets.token_hex(16)
    write_json(state, {"path": path})
    return path


def is_ip_literal(host: str) -> bool:
    """Whether ``host`` is an IPv4 or IPv6 address rather than a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_for_url(host: str) -> str:
    """``host`` as it goes in a URL authority: IPv6 literals in brackets, zone id as %25."""
    if ":" in host and not host.startswith("["):
        return "[" + host.replace("%", "%25") + "]"
    return host


def connection_request_url(local_host: str, port: int, path: str) -> str:
    """ManagementServer.ConnectionRequestURL: ``http://host:port/path`` (C-1)."""
    if not path.startswith("/"):
        path = "/" + path
    return f"http://{host_for_url(local_host)}:{port}{path}"


def udp_connection_request_address(host: str, port: int) -> str:
    """ManagementServer.UDPConnectionRequestAddress: ``host:port``, or ``host`` on port 80."""
    host = host_for_url(host)
    return host if port == 80 else f"{host}:{port}"


def route_local_ip(remote_ip: str) -> str:
    """The local IP the kernel would use to reach ``remote_ip`` (no packet is sent)."""
    family = socket.AF_INET6 if ":" in remote_ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.connect((remote_ip, 9))
        return str(s.getsockname()[0])
