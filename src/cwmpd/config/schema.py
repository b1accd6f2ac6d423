"""The config file's schema: one frozen dataclass per section, with its keys and defaults.

Checked on reading (cwmpd.config.load); every section is a table of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


SECTIONS: dict[str, type[Any]] = {
    "acs": AcsConfig,
    "connection_request": ConnectionRequestConfig,
    "device": DeviceConfig,
    "control": ControlConfig,
    "transfers": TransfersConfig,
    "usp": UspConfig,
    "xmpp": XmppConfig,
}
