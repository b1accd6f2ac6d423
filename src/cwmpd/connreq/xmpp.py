"""The agent's XMPP client (TR-069 Annex K): one connection kept up, its iqs answered.

Built on twisted.words (``jabber.client.XMPPAuthenticator``: STARTTLS, SASL, resource
binding), on Twisted 22.4 as on later releases. Added here: TLS required unless UseTLS is
false (and then still done when the server requires it), the server certificate verified
against the XMPP domain by the agent's one TLS policy (cwmpd.http.tls), a keep-alive
(XEP-0199 ping to the server; no answer within the interval drops the connection), and
reconnection with the data model's retry policy (cwmpd.connreq.xmppsettings).

Every iq of type get or set is answered: a connection request by ``on_request`` (it returns
the answer stanza), an XEP-0199 ping with a result, anything else service-unavailable.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from twisted.internet import defer
from twisted.internet.endpoints import HostnameEndpoint
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.iweb import IPolicyForHTTPS
from twisted.words.protocols.jabber import client, error, jid, sasl, xmlstream
from twisted.words.xish import domish

from cwmpd.connreq.xmppsettings import XmppServer, XmppSettings
from cwmpd.connreq.xmppstanza import NS_CONNREQ
from cwmpd.reactors import AgentReactor

_log = Logger(namespace="cwmpd.connreq.xmpp")
NS_PING = "urn:xmpp:ping"
#: Seconds a TCP connect, then the stream set-up (TLS, SASL, bind), may take.
CONNECT_TIMEOUT = 30.0


class XmppStatus(Enum):
    """Device.XMPP.Connection.{i}.Status values the client goes through."""

    DISABLED = "Disabled"
    CONNECTING = "Connecting"
    ENABLED = "Enabled"
    SERVER_NOT_PRESENT = "ServerNotPresent"
    AUTH_FAILURE = "Error_AuthenticationFailure"
    MISCONFIGURED = "Error_Misconfigured"
    ERROR = "Error"


@dataclass(frozen=True)
class XmppState:
    """What the client tells its owner after each change."""

    status: XmppStatus
    jid: str = ""  # the full JID the server bound (empty until bound)
    tls: bool = False  # TLSEstablished


class _TlsInitializer(xmlstream.TLSInitiatingInitializer):
    """STARTTLS when UseTLS is true (a server without it fails the stream), or when the
    server requires it; notes in ``done`` that TLS was started."""

    def __init__(self, xs: Any, creator: Any, use_tls: bool, done: list[bool]) -> None:
        super().__init__(xs, required=use_tls, configurationForTLS=creator)  # type: ignore[no-untyped-call]
        self._use_tls = use_tls
        self._done = done

    def start(self) -> Any:
        """Want TLS when configured, or when the server's feature says it is required."""
        feature = self.xmlstream.features.get(self.feature)
        self.wanted = self._use_tls or (feature is not None and feature.required is not None)
        return super().start()  # type: ignore[no-untyped-call]

    def onProceed(self, obj: Any) -> None:
        """The server said proceed: TLS starts now."""
        self._done.append(True)
        super().onProceed(obj)  # type: ignore[no-untyped-call]


class _Authenticator(client.XMPPAuthenticator):
    """twisted.words' client authenticator with our TLS step."""

    def __init__(self, who: jid.JID, password: str, creator: Any, use_tls: bool) -> None:
        super().__init__(who, password, configurationForTLS=creator)  # type: ignore[no-untyped-call]
        self._creator = creator
        self._use_tls = use_tls
        self.tls_done: list[bool] = []

    def associateWithStream(self, xs: Any) -> None:
        """The stock initializers, the TLS one replaced by ours."""
        super().associateWithStream(xs)  # type: ignore[no-untyped-call]
        xs.initializers[1] = _TlsInitializer(xs, self._creator, self._use_tls, self.tls_done)


class XmppClient:
    """Keeps one XMPP connection up; ``start``/``stop``.

    ``on_request(iq)`` answers a connection-request iq (the stanza to send back);
    ``on_state(state)`` hears each status change. ``tls`` is the agent's TLS policy
    (None: the platform's trust store, still verified by cwmpd.http.tls)."""

    def __init__(
        self,
        reactor: AgentReactor,
        settings: XmppSettings,
        tls: IPolicyForHTTPS,
        on_request: Callable[[domish.Element], domish.Element],
        on_state: Callable[[XmppState], None],
        rng: random.Random | None = None,
    ) -> None:
        self._reactor = reactor
        self.settings = settings
        self._tls = tls
        self._on_request = on_request
        self._on_state = on_state
        self._rng = rng or random.SystemRandom()
        self.failures = 0  # attempts in a row that did not end bound
        self.connections = 0  # streams that were authenticated, over the client's life
        self.pongs = 0  # keep-alive pings answered, over the client's life
        self._running = False
        self._xs: Any = None
        self._connecting: defer.Deferred[Any] | None = None
        self._retry: IDelayedCall | None = None
        self._setup_timer: IDelayedCall | None = None
        self._ping_timer: IDelayedCall | None = None
        self._pong_timer: IDelayedCall | None = None
        self._bound = False
        self._stopped: list[defer.Deferred[None]] = []
        self.state = XmppState(XmppStatus.DISABLED)

    # -- life cycle --------------------------------------------------------------

    def start(self) -> None:
        """Connect now; from then on reconnect after every loss until ``stop``."""
        if not self._running:
            self._running = True
            self._attempt()

    def stop(self) -> defer.Deferred[None]:
        """Close the stream and stop reconnecting; fires once the connection is gone."""
        self._running = False
        for timer in (self._retry, self._setup_timer, self._ping_timer, self._pong_timer):
            if timer is not None and timer.active():
                timer.cancel()
        self._retry = self._setup_timer = self._ping_timer = self._pong_timer = None
        if self._connecting is not None:
            self._connecting.cancel()
        self._report(XmppState(XmppStatus.DISABLED))
        if self._xs is None or self._xs.transport is None:
            return defer.succeed(None)
        done: defer.Deferred[None] = defer.Deferred()
        self._stopped.append(done)
        try:
            self._xs.sendFooter()
        finally:
            self._xs.transport.loseConnection()
        return done

    @property
    def running(self) -> bool:
        """True between start and stop."""
        return self._running

    def _report(self, state: XmppState) -> None:
        if state != self.state:
            self.state = state
            self._on_state(state)

    # -- connecting ----------------------------------------------------------------

    def _attempt(self) -> None:
        self._retry = None
        if not self._running:
            return
        server = self.settings.server_for(self.failures)
        try:
            who = jid.JID(self.settings.jid)
            creator = self._tls.creatorForNetloc(self.settings.domain.encode("idna"), server.port)
        except (jid.InvalidFormat, UnicodeError) as exc:
            _log.error("XMPP: unusable JID {jid!r}: {why}", jid=self.settings.jid, why=exc)
            self._report(XmppState(XmppStatus.MISCONFIGURED))
            return  # until the settings change (a new client)
        auth = _Authenticator(who, self.settings.password, creator, self.settings.use_tls)
        factory: Any = xmlstream.XmlStreamFactory(auth)  # type: ignore[no-untyped-call]
        factory.addBootstrap(xmlstream.STREAM_CONNECTED_EVENT, self._stream_connected)
        factory.addBootstrap(xmlstream.STREAM_AUTHD_EVENT, lambda xs: self._bound_stream(xs, auth))
        factory.addBootstrap(xmlstream.INIT_FAILED_EVENT, self._init_failed)
        factory.addBootstrap(xmlstream.STREAM_END_EVENT, self._stream_ended)
        self._report(XmppState(XmppStatus.CONNECTING))
        _log.info(
            "XMPP: connecting to {host}:{port} as {jid}",
            host=server.address,
            port=server.port,
            jid=self.settings.jid,
        )
        endpoint = HostnameEndpoint(self._reactor, server.address, server.port, CONNECT_TIMEOUT)
        self._connecting = endpoint.connect(factory)
        self._connecting.addCallbacks(
            self._tcp_connected, lambda f: self._connect_failed(f, server)
        )

    def _tcp_connected(self, xs: Any) -> None:
        self._connecting = None
        self._setup_timer = self._reactor.callLater(CONNECT_TIMEOUT, self._setup_too_slow, xs)

    def _setup_too_slow(self, xs: Any) -> None:
        self._setup_timer = None
        _log.warn("XMPP: stream set-up took over {t} s: dropping it", t=CONNECT_TIMEOUT)
        xs.transport.abortConnection()

    def _connect_failed(self, failure: Failure, server: XmppServer) -> None:
        self._connecting = None
        if isinstance(failure.value, defer.CancelledError) or not self._running:
            return
        _log.warn(
            "XMPP: cannot reach {host}:{port}: {why}",
            host=server.address,
            port=server.port,
            why=failure.getErrorMessage(),
        )
        self._report(XmppState(XmppStatus.SERVER_NOT_PRESENT))
        self._schedule()

    def _schedule(self) -> None:
        if not self._running or self._retry is not None:
            return
        self.failures += 1
        wait = self.settings.retry_wait(self.failures, self._rng)
        _log.info("XMPP: next attempt in {wait:.1f} s", wait=wait)
        self._retry = self._reactor.callLater(wait, self._attempt)

    # -- the stream ------------------------------------------------------------------

    def _stream_connected(self, xs: Any) -> None:
        self._xs = xs
        xs.addObserver("/iq", self._iq)

    def _bound_stream(self, xs: Any, auth: _Authenticator) -> None:
        if self._setup_timer is not None and self._setup_timer.active():
            self._setup_timer.cancel()
        self._setup_timer = None
        self._bound = True
        self.failures = 0
        self.connections += 1
        xs.send(domish.Element((None, "presence")))  # type: ignore[no-untyped-call]
        full = auth.jid.full()
        _log.info("XMPP: connected as {jid}", jid=full)
        self._report(XmppState(XmppStatus.ENABLED, str(full), bool(auth.tls_done)))
        self._keepalive()

    def _init_failed(self, failure: Failure) -> None:
        auth_failed = isinstance(failure.value, sasl.SASLError)
        status = XmppStatus.AUTH_FAILURE if auth_failed else XmppStatus.ERROR
        _log.warn("XMPP: stream set-up failed: {why}", why=failure.getErrorMessage())
        self._report(XmppState(status))
        if self._xs is not None and self._xs.transport is not None:
            self._xs.sendFooter()
            self._xs.transport.loseConnection()

    def _stream_ended(self, reason: Failure) -> None:
        for timer in (self._setup_timer, self._ping_timer, self._pong_timer):
            if timer is not None and timer.active():
                timer.cancel()
        self._setup_timer = self._ping_timer = self._pong_timer = None
        self._xs = None
        was_bound, self._bound = self._bound, False
        stopped, self._stopped = self._stopped, []
        for d in stopped:
            d.callback(None)
        if not self._running:
            return
        if was_bound:
            _log.warn("XMPP: connection lost: {why}", why=reason.getErrorMessage())
            self._report(XmppState(XmppStatus.CONNECTING))
        elif self.state.status is XmppStatus.CONNECTING:
            _log.warn("XMPP: connection closed during set-up: {why}", why=reason.getErrorMessage())
            self._report(XmppState(XmppStatus.ERROR))
        self._schedule()

    # -- keep-alive --------------------------------------------------------------------

    def _keepalive(self) -> None:
        interval = self.settings.keepalive_seconds
        if interval > 0:
            self._ping_timer = self._reactor.callLater(interval, self._ping)

    def _ping(self) -> None:
        self._ping_timer = None
        xs = self._xs
        if xs is None:
            return
        iq: Any = xmlstream.IQ(xs, "get")  # type: ignore[no-untyped-call]
        iq.addElement((NS_PING, "ping"))
        d: defer.Deferred[Any] = iq.send(to=self.settings.domain)
        self._pong_timer = self._reactor.callLater(
            self.settings.keepalive_seconds, self._no_pong, xs
        )
        d.addBoth(self._pong)

    def _pong(self, result: object) -> None:
        """Any answer, even an error, shows the stream is alive."""
        if isinstance(result, Failure) and not isinstance(result.value, error.StanzaError):
            return None  # connection lost: the stream's end does the rest
        if self._pong_timer is not None and self._pong_timer.active():
            self._pong_timer.cancel()
        self._pong_timer = None
        self.pongs += 1
        if self._xs is not None:
            self._keepalive()
        return None

    def _no_pong(self, xs: Any) -> None:
        self._pong_timer = None
        _log.warn("XMPP: no answer to the keep-alive ping: dropping the connection")
        xs.transport.abortConnection()

    # -- incoming iqs --------------------------------------------------------------------

    def _iq(self, iq: domish.Element) -> None:
        kind = iq.getAttribute("type")  # type: ignore[no-untyped-call]
        if kind not in ("get", "set") or self._xs is None:
            return  # results and errors: the IQ response tracker's
        request = iq.connectionRequest
        if kind == "set" and request is not None and request.uri == NS_CONNREQ:
            answer = self._on_request(iq)
        elif kind == "get" and iq.ping is not None and iq.ping.uri == NS_PING:
            answer = xmlstream.toResponse(iq, "result")  # type: ignore[no-untyped-call]
        else:
            failure = error.StanzaError("service-unavailable", "cancel")  # type: ignore[no-untyped-call]
            answer = failure.toResponse(iq)  # type: ignore[no-untyped-call]
        self._xs.send(answer)
