"""The Connection Request side of a running agent: HTTP listener, UDP socket, STUN, XMPP
(Annex K, cwmpd.connreq.xmppservice), and the ManagementServer parameters they publish
(ConnectionRequestURL, UDPConnectionRequestAddress, NATDetected), kept in step with the data
model.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, cast
from urllib.parse import urlsplit

from twisted.application.service import Service
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.defer import Deferred, gatherResults
from twisted.internet.interfaces import IDelayedCall, IListeningPort
from twisted.logger import Logger
from twisted.web.iweb import IPolicyForHTTPS

from cwmpd.config import ConnectionRequestConfig
from cwmpd.connreq.guard import Credentials
from cwmpd.connreq.http import ConnectionRequestServer, ListenerConfig
from cwmpd.connreq.lockout import LockoutConfig
from cwmpd.connreq.udp import UdpConnectionRequestProtocol
from cwmpd.connreq.udpreplay import UdpReplayGuard
from cwmpd.connreq.urls import (
    connection_request_url,
    ensure_path,
    route_local_ip,
    udp_connection_request_address,
)
from cwmpd.cwmp.types import is_true
from cwmpd.datamodel.model import DataModel
from cwmpd.reactors import AgentReactor
from cwmpd.statedir import StateDir

if TYPE_CHECKING:
    from cwmpd.connreq.stun import StunClient
    from cwmpd.connreq.xmppservice import XmppConnectionRequests

_log = Logger(namespace="cwmpd.connreq")

_STUN_KEYS = (
    "STUNEnable",
    "STUNServerAddress",
    "STUNServerPort",
    "STUNUsername",
    "STUNPassword",
    "STUNMaximumKeepAlivePeriod",
    "STUNMinimumKeepAlivePeriod",
)


class SessionHooks(Protocol):
    """What runs around each session (cwmpd.session.runner.SessionRunner; connreq does not
    import its peer session)."""

    before: list[Callable[[], None]]
    connected: list[Callable[[str | None], None]]


class ConnectionRequests(Service):
    """Starts the listeners and keeps their parameters current; ``on_request`` asks a session.

    A Twisted service: ``startService`` listens, ``stopService`` closes everything."""

    def __init__(
        self,
        reactor: AgentReactor,
        config: ConnectionRequestConfig,
        files: StateDir,
        model: DataModel,
        on_request: Callable[[], None],
        tls: Callable[[], IPolicyForHTTPS] | None = None,
    ) -> None:
        """``tls`` makes the TLS policy the XMPP connection verifies its server with (the
        ACS's, cwmpd.http.tls), when one is configured; without it, XMPP stays off."""
        self._reactor = reactor
        self._tls = tls
        self.xmpp: XmppConnectionRequests | None = None
        self._config = config
        self._model = model
        self._on_request = on_request
        self._files = files
        self._burst: IDelayedCall | None = None
        self._ms = f"{model.root}ManagementServer."
        self.path = ensure_path(files.connreq, config.path)
        self.http = ConnectionRequestServer(
            reactor,
            ListenerConfig(
                path=self.path,
                address=config.address,
                port=config.port,
                username=self._value("ConnectionRequestUsername"),
                password=self._value("ConnectionRequestPassword"),
                max_connections=config.max_connections,
                header_timeout=config.header_timeout,
                lockout=LockoutConfig(
                    max_failures=config.max_auth_failures,
                    lockout=config.lockout_time,
                    max_lockout=config.max_lockout_time,
                    max_total_failures=config.max_total_auth_failures,
                ),
                trusted_state=files.connreq_trusted,
            ),
            self._requested_by_http,
        )
        self.udp: UdpConnectionRequestProtocol | None = None
        self._udp_port: IListeningPort | None = None
        self.stun: StunClient | None = None
        self._local_host: str | None = None

    def _value(self, name: str, default: str = "") -> str:
        try:
            return self._model.value(self._ms + name)
        except KeyError:
            return default

    def _credentials(self) -> Credentials:
        return Credentials(
            self._value("ConnectionRequestUsername"), self._value("ConnectionRequestPassword")
        )

    # -- life cycle ----------------------------------------------------------

    def startService(self) -> None:
        """Service start: listen (see ``start``)."""
        super().startService()  # type: ignore[no-untyped-call]
        self.start()

    def stopService(self) -> Deferred[None]:
        """Service stop: close everything (see ``stop``)."""
        super().stopService()  # type: ignore[no-untyped-call]
        return self.stop()

    def start(self) -> None:
        """Listen (unless HTTPConnectionRequestEnable is false), open UDP, start STUN."""
        if is_true(self._value("HTTPConnectionRequestEnable", "true")):
            port = self.http.listen()
            _log.info("Connection Request listener on port {port}", port=port)
            if not self._credentials().usable:
                _log.warn(
                    "no ConnectionRequestUsername/Password: every Connection Request is refused "
                    "until the ACS sets them (or set connection_request.username/password)"
                )
        else:
            self._publish_url("")
        if self._config.udp_enable:
            replay = UdpReplayGuard(
                self._reactor.seconds,
                self._config.udp_clock_window,
                self._files.connreq_udp,
            )
            self.udp = UdpConnectionRequestProtocol(
                self._credentials(), self.http.limiter, self._requested, replay=replay
            )
            self._udp_port = self._reactor.listenUDP(
                self._config.udp_port, self.udp, interface=self._config.address, maxPacketSize=8192
            )
            self._configure_stun()
        self._model.subscribe(self._changed)
        self._configure_xmpp()

    def _requested(self) -> None:
        """A valid UDP Connection Request. ACSs send several at once (GenieACS: three UDP
        copies, then an HTTP one some milliseconds later): the session is asked for
        ``burst_window`` seconds after the first, so that the others join it (C-8) instead of
        bringing a second session."""
        if self._joins_burst():
            return
        self._burst = self._reactor.callLater(self._config.burst_window, self._burst_over)

    def _requested_by_http(self) -> None:
        """A valid HTTP Connection Request: the session is asked for at once, unless a UDP
        request's burst window is open (then it joins that session). Copies arriving before
        the Inform is sent join the session through the scheduler (C-8)."""
        if not self._joins_burst():
            self._on_request()

    def _joins_burst(self) -> bool:
        if self._burst is not None and self._burst.active():
            _log.debug("Connection Request joins the session already asked for")
            return True
        return False

    def _burst_over(self) -> None:
        self._burst = None
        self._on_request()

    def stop(self) -> Deferred[None]:
        """Close everything."""
        if self._burst is not None and self._burst.active():
            self._burst.cancel()
        self._burst = None
        if self.stun is not None:
            self.stun.stop()
        if self._udp_port is not None:
            self._udp_port.stopListening()
            self._udp_port = None
        xmpp, self.xmpp = self.xmpp, None
        if xmpp is None:
            return self.http.stop()
        done = gatherResults([self.http.stop(), xmpp.stop()], consumeErrors=True)
        return done.addCallback(lambda _: None)

    @property
    def udp_port(self) -> int | None:
        """The bound UDP port, if the UDP Connection Request socket is open."""
        if self._udp_port is None:
            return None
        return int(cast(IPv4Address | IPv6Address, self._udp_port.getHost()).port)

    def attach(self, runner: SessionHooks) -> None:
        """Before each session, publish the URLs for the ACS's address (``before_session``);
        once it connected, for the local address it used (``local_address_is``)."""
        url = self._ms + "URL"
        runner.before.append(lambda: self.before_session(self._model.value(url)))
        runner.connected.append(self.local_address_is)

    # -- parameters ------------------------------------------------------------

    def before_session(self, acs_url: str) -> None:
        """Publish the URL before the Inform when the ACS host is an IP (no packet sent)."""
        host = urlsplit(acs_url).hostname or ""
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return  # a host name: learnt from the session's connection (no blocking lookup here)
        try:
            local = route_local_ip(host)
        except OSError:
            return  # no route now: the session will fail and be retried
        self.local_address_is(local)

    def local_address_is(self, local: str | None) -> None:
        """The local address used to reach the ACS; republish what depends on it (C-1, C-19)."""
        if not local or local == self._local_host:
            return
        self._local_host = local
        values: dict[str, str] = {}
        if self.http.running or self._listening():
            values["ConnectionRequestURL"] = connection_request_url(
                local, self.http.port, self.path
            )
        udp_port = self.udp_port
        if udp_port is not None and (self.stun is None):
            values["UDPConnectionRequestAddress"] = udp_connection_request_address(local, udp_port)
            values["NATDetected"] = "false"
        self._set(values)  # in one change: one store write, not one per parameter

    def _listening(self) -> bool:
        try:
            self.http.port  # noqa: B018 - raises when not listening
        except RuntimeError:
            return False
        return True

    def _publish_url(self, url: str) -> None:
        self._set({"ConnectionRequestURL": url})

    def _set(self, values: Mapping[str, str]) -> None:
        changed = {
            self._ms + k: v for k, v in values.items() if self._value(k, "\x00") not in ("\x00", v)
        }
        if changed:
            self._model.set_local(changed)

    def _changed(self, values: Mapping[str, str], source: str) -> None:
        names = {n.removeprefix(self._ms) for n in values}
        if names & {"ConnectionRequestUsername", "ConnectionRequestPassword"}:
            creds = self._credentials()
            self.http.set_credentials(creds.username, creds.password)
            if self.udp is not None:
                self.udp.credentials = creds
        if "HTTPConnectionRequestEnable" in names:
            self._toggle_http(is_true(self._value("HTTPConnectionRequestEnable")))
        if names & set(_STUN_KEYS):
            self._configure_stun()
        if "ConnReqXMPPConnection" in names:
            self._configure_xmpp()

    def _configure_xmpp(self) -> None:
        """Start the XMPP side the first time ManagementServer.ConnReqXMPPConnection names
        a connection (it then follows the model itself, cwmpd.connreq.xmppservice)."""
        if self.xmpp is not None or self._tls is None or not self._value("ConnReqXMPPConnection"):
            return
        # lazy: twisted.words (~2 MB) only on agents that have an XMPP connection
        from cwmpd.connreq.xmppservice import XmppConnectionRequests

        self.xmpp = XmppConnectionRequests(
            self._reactor,
            self._model,
            self.http.limiter,
            self.http.resource.lockout,
            self._credentials,
            self._requested_by_http,
            self._tls(),
        )
        self.xmpp.start()

    def _toggle_http(self, enable: bool) -> None:
        if enable and not self._listening():
            port = self.http.listen()
            if self._local_host:
                self._publish_url(connection_request_url(self._local_host, port, self.path))
        elif not enable and self._listening():
            self.http.stop()
            self._publish_url("")  # C-11

    def _configure_stun(self) -> None:
        if self.stun is not None:
            self.stun.stop()
            self.stun = None
        if self.udp is None or not is_true(self._value("STUNEnable")):
            if self.udp is not None:
                self.udp.stun = None
            return
        from cwmpd.connreq.stun import StunClient, StunConfig  # lazy: only with STUNEnable

        def number(name: str, default: int) -> int:
            try:
                return int(self._value(name, str(default)))
            except ValueError:
                return default

        server = self._value("STUNServerAddress") or urlsplit(self._value("URL")).hostname or ""
        config = StunConfig(
            server_host=server,
            server_port=number("STUNServerPort", 3478),
            username=self._value("STUNUsername"),
            password=self._value("STUNPassword"),
            min_keepalive=number("STUNMinimumKeepAlivePeriod", 0),
            max_keepalive=number("STUNMaximumKeepAlivePeriod", -1),
        )
        udp = self.udp
        self.stun = StunClient(
            self._reactor,
            config,
            udp.send,
            lambda: (self._local_host or "0.0.0.0", self.udp_port or 0),  # noqa: S104
            self._stun_address,
            resolve=self._reactor.resolve,
        )
        udp.stun = self.stun.datagram
        self.stun.start()

    def _stun_address(self, address: str, nat_detected: bool) -> None:
        self._set(
            {
                "UDPConnectionRequestAddress": address,
                "NATDetected": "true" if nat_detected else "false",
            }
        )
