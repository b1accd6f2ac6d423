"""One Device.XMPP.Connection.{i}. as settings, and its reconnection policy (TR-181).

``XmppSettings`` is what the XMPP client needs, read from the data model (``read``);
two reads compare equal when nothing the client uses has changed, so a change of Status
or JabberID (written by the client itself) restarts nothing.

Reconnection (ServerRetry*): the n-th wait is a random value in
[0, min(ServerRetryInitialInterval * (ServerRetryIntervalMultiplier/1000) ** (n-1),
ServerRetryMaxInterval)] seconds; after ServerConnectAttempts failed attempts at one server
the next one (by Priority) is tried. The ServerTable algorithm only: servers come from
Connection.{i}.Server.{i}., or when that table is empty, from the Domain itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.types import is_true
from cwmpd.datamodel.model import DataModel

DEFAULT_PORT = 5222
#: KeepAliveInterval -1 is "vendor specific": ours, in seconds.
VENDOR_KEEPALIVE = 300


@dataclass(frozen=True, order=True)
class XmppServer:
    """One Server.{i}. row: (Priority, ServerAddress, Port); the lowest Priority first."""

    priority: int
    address: str
    port: int = DEFAULT_PORT


@dataclass(frozen=True)
class XmppSettings:
    """What the client of one XMPP Connection uses."""

    path: str  # "Device.XMPP.Connection.1." (with the dot)
    username: str
    domain: str
    resource: str
    password: str = field(default="", repr=False)
    servers: tuple[XmppServer, ...] = ()
    use_tls: bool = True
    keepalive: int = -1
    connect_attempts: int = 16
    retry_initial: int = 60
    retry_multiplier: int = 2000
    retry_max: int = 30720

    @property
    def jid(self) -> str:
        """The JID asked for: username@domain/resource (the server may change the resource)."""
        bare = f"{self.username}@{self.domain}"
        return f"{bare}/{self.resource}" if self.resource else bare

    @property
    def keepalive_seconds(self) -> float:
        """Seconds between keep-alive pings; 0 = none."""
        if self.keepalive < 0:
            return float(VENDOR_KEEPALIVE)
        return float(self.keepalive)

    def server_list(self) -> tuple[XmppServer, ...]:
        """The servers in the order tried: the table's by Priority, else the Domain."""
        return self.servers or (XmppServer(0, self.domain, DEFAULT_PORT),)

    def retry_wait(self, failures: int, rng: random.Random) -> float:
        """Seconds to wait before the next attempt after ``failures`` (>= 1) in a row."""
        initial = max(1, self.retry_initial)
        multiplier = max(1000, self.retry_multiplier) / 1000
        ceiling = min(initial * multiplier ** (failures - 1), float(max(1, self.retry_max)))
        return rng.uniform(0, ceiling)

    def server_for(self, failures: int) -> XmppServer:
        """The server of the next attempt after ``failures`` in a row."""
        servers = self.server_list()
        per_server = self.connect_attempts if self.connect_attempts > 0 else 16
        return servers[(failures // per_server) % len(servers)]


def _number(model: DataModel, name: str, default: int) -> int:
    try:
        return int(model.value(name))
    except (KeyError, ValueError):
        return default


async def read(model: DataModel, path: str) -> XmppSettings | None:
    """The settings of ``path`` ("Device.XMPP.Connection.1" or with a dot), or None when it
    does not exist, is disabled or has no username or domain."""
    path = path.strip()
    if not path:
        return None
    path = path if path.endswith(".") else path + "."
    try:
        present = {v.name for v in await model.get_parameter_values([path])}
    except CwmpFault:
        return None  # no such instance

    def value(rel: str) -> str:
        return model.value(path + rel) if path + rel in present else ""

    if not is_true(value("Enable")) or not value("Username") or not value("Domain"):
        return None
    table = path + "Server."
    rows = sorted({n[: n.index(".", len(table)) + 1] for n in present if n.startswith(table)})
    servers = []
    for row in rows:
        rel = row[len(path) :]
        if is_true(value(rel + "Enable")) and value(rel + "ServerAddress"):
            port = _number(model, row + "Port", DEFAULT_PORT)
            servers.append(
                XmppServer(_number(model, row + "Priority", 0), value(rel + "ServerAddress"), port)
            )
    return XmppSettings(
        path=path,
        username=value("Username"),
        domain=value("Domain"),
        resource=value("Resource"),
        password=value("Password"),
        servers=tuple(sorted(servers)),
        use_tls=is_true(value("UseTLS") or "true"),
        keepalive=_number(model, path + "KeepAliveInterval", -1),
        connect_attempts=_number(model, path + "ServerConnectAttempts", 16),
        retry_initial=_number(model, path + "ServerRetryInitialInterval", 60),
        retry_multiplier=_number(model, path + "ServerRetryIntervalMultiplier", 2000),
        retry_max=_number(model, path + "ServerRetryMaxInterval", 30720),
    )
