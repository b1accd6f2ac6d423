"""The USP WebSocket MTP, client side (TR-369 WebSocket binding): the Agent keeps a
session up to each WebSocket Controller, ``ws://`` or ``wss://``.

Sessions are :class:`cwmpd.mtp.wssession.WsSession` (wsproto on a Twisted protocol; why
wsproto is said there). ``wss://`` runs over the very TLS policy of the ACS connection
(``cwmpd.http.tls``: trust roots, host name, client certificate if configured,
clock-tolerant dates, R-WS.22/23). The handshake asks for ``v1.usp`` and a server that
does not accept it is refused (R-WS.12); once open, the Agent sends the Controller a
WebSocketConnect Record (R-MTP.6). A lost or failed session is retried with the binding's
back-off (R-WS.19/20: 5 s, x2, the retry count reset by a working session).
:meth:`WebSocketClient.publish` (the Endpoint's ``Publisher``) sends at once when the
session is open, else waits for the next one, like the MQTT client.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import HostnameEndpoint, wrapClientTLS
from twisted.internet.interfaces import IDelayedCall, IProtocol, IStreamClientEndpoint
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.http.tls import TlsPolicy, tls_policy_for
from cwmpd.mtp.waiting import MAX_WAITING as MAX_WAITING
from cwmpd.mtp.waiting import WAIT_SECONDS as WAIT_SECONDS
from cwmpd.mtp.waiting import WaitingRecords
from cwmpd.mtp.wssession import WsSession
from cwmpd.reactors import AgentReactor
from cwmpd.usp.records import websocket_connect_record

_log = Logger(namespace="cwmpd.mtp.websocket")


@dataclass(frozen=True)
class WebSocketSettings:
    """One WebSocket MTP of a Controller (``LocalAgent.Controller.{i}.MTP.{i}.WebSocket``)."""

    url: str  # ws://host[:80]/path or wss://host[:443]/path
    endpoint_id: str  # ours, in the bbf-usp-protocol extension
    controller_id: str  # who gets the WebSocketConnect Record ("" = none sent)
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    keep_alive: float = 30.0  # KeepAliveInterval
    retry_minimum: float = 5.0  # SessionRetryMinimumWaitInterval
    retry_multiplier: int = 2000  # SessionRetryIntervalMultiplier
    max_message: int = 1024 * 1024


def retry_delay(retries: int, minimum: float, multiplier: int, rng: random.Random) -> float:
    """The wait before attempt ``retries`` + 1 (R-WS.19: m.k^(n-1) .. m.k^n, n <= 10)."""
    k = multiplier / 1000
    n = min(retries, 10)
    low, high = minimum * k ** (n - 1) if n else minimum, minimum * k**n
    return rng.uniform(low, high)


class WebSocketClient(Service):
    """Keeps one WebSocket session to a Controller up and hands its Records over."""

    def __init__(
        self,
        settings: WebSocketSettings,
        reactor: AgentReactor,
        on_record: Callable[[bytes, str], None],
        *,
        rng: random.Random,
        on_opened: Callable[[WsSession], None] | None = None,
    ) -> None:
        """``on_record(record, reply_to)``: reply_to is always "" (one session, one peer);
        ``on_opened`` hears of every session that opens."""
        self.settings = settings
        self.reactor = reactor
        self.on_record = on_record
        self.rng = rng
        self.on_opened = on_opened
        self.session: WsSession | None = None
        self.retries = 0
        self.refusal = ""  # why the last handshake failed
        self.opened_count = 0
        self._retry: IDelayedCall | None = None
        self._attempt: Deferred[IProtocol] | None = None
        self._waiting = WaitingRecords(reactor, f"no WebSocket session to {settings.url}")
        url = urlsplit(settings.url)
        if url.scheme not in ("ws", "wss") or not url.hostname:
            raise ValueError(f"not a WebSocket URL: {settings.url!r}")
        self._secure = url.scheme == "wss"
        self._host = url.hostname
        self._port = url.port or (443 if self._secure else 80)
        self._target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        self._creator = (
            tls_policy_for(settings.tls).creatorForNetloc(self._host.encode(), self._port)
            if self._secure
            else None
        )

    def endpoint(self) -> IStreamClientEndpoint:
        """TCP (ws://) or TLS (wss://) to the Controller."""
        plain = HostnameEndpoint(self.reactor, self._host, self._port)
        return plain if self._creator is None else wrapClientTLS(self._creator, plain)

    def startService(self) -> None:
        """Connect now."""
        super().startService()  # type: ignore[no-untyped-call]
        self._connect()

    def stopService(self) -> Deferred[None] | None:
        """Stop retrying, close the session, fail what waits."""
        super().stopService()  # type: ignore[no-untyped-call]
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        self._retry = None
        if self._attempt is not None:
            self._attempt.cancel()
        if self.session is not None:
            self.session.close(1001, "going away")
        self._waiting.fail_all("WebSocket client stopped")
        return None

    def _connect(self) -> None:
        self._retry = None
        host = self._host if self._port in (80, 443) else f"{self._host}:{self._port}"
        factory = Factory.forProtocol(
            lambda: WsSession(
                self,
                self.reactor,
                self.settings.endpoint_id,
                client=(host, self._target),
                keep_alive=self.settings.keep_alive,
                max_message=self.settings.max_message,
            )
        )
        attempt = self.endpoint().connect(factory)
        self._attempt = attempt
        attempt.addCallbacks(self._made, self._failed)

    def _made(self, protocol: IProtocol) -> None:
        self._attempt = None

    def _failed(self, failure: Failure) -> None:
        self._attempt = None
        if self.running:
            _log.info(
                "WebSocket: cannot reach {url}: {error}",
                url=self.settings.url,
                error=failure.getErrorMessage(),
            )
            self._schedule_retry()

    # -- SessionOwner

    def opened(self, session: WsSession) -> None:
        """The session is up: WebSocketConnect, then what waited."""
        self.session = session
        self.retries = 0  # R-WS.20
        self.opened_count += 1
        _log.info(
            "WebSocket: connected to {url} (controller {peer})",
            url=self.settings.url,
            peer=session.peer_id or "?",
        )
        if self.settings.controller_id:
            session.send_record(
                websocket_connect_record(self.settings.controller_id, self.settings.endpoint_id)
            )
        for _, record, d in self._waiting.take():
            session.send_record(record)
            d.callback(None)
        if self.on_opened is not None:
            self.on_opened(session)

    def record(self, session: WsSession, data: bytes) -> None:
        """A Record from the Controller."""
        self.on_record(data, "")

    def closed(self, session: WsSession) -> None:
        """The session ended (or its handshake failed): retry."""
        if session.refusal:
            self.refusal = session.refusal
            _log.warn("WebSocket: {url} refused: {why}", url=self.settings.url, why=session.refusal)
        if self.session is session:
            self.session = None
        if self.running and self._retry is None:
            self._schedule_retry()

    def _schedule_retry(self) -> None:
        self.retries += 1
        delay = retry_delay(
            self.retries, self.settings.retry_minimum, self.settings.retry_multiplier, self.rng
        )
        self._retry = self.reactor.callLater(delay, self._connect)

    # -- Publisher

    def publish(self, topic: str, record: bytes) -> Deferred[None]:
        """Send ``record`` to the Controller (``topic`` is unused: one session, one peer).
        Without a session it waits for the next, at most ``MAX_WAITING`` Records and
        ``WAIT_SECONDS`` each, then fails with ConnectionError."""
        done: Deferred[None] = Deferred()
        if self.session is not None and self.session.open:
            self.session.send_record(record)
            done.callback(None)
            return done
        return self._waiting.add("", record, bool(self.running))
