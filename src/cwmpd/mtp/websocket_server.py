"""The USP WebSocket MTP, server side: Controllers that connect in (R-WS.6), and the
scripted Controller's own server in tests.

Each accepted session is a :class:`cwmpd.mtp.wssession.WsSession` that agreed on
``v1.usp`` (a client without it gets HTTP 400) and named its Endpoint ID in the
``bbf-usp-protocol`` extension (R-WS.10a); sessions are kept by that ID (at most one per
peer, R-WS.4: a new one replaces the old) and :meth:`WebSocketServer.publish` takes the
peer's Endpoint ID as its topic. ``accept`` decides who may stay: the Agent's server takes
only configured Controllers. Authentication is the binding's: TLS with a client
certificate verified against the configured CA (R-WS.22,
:func:`cwmpd.http.tls.server_tls_for`); the
server is off by default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import SSL4ServerEndpoint, TCP4ServerEndpoint
from twisted.internet.interfaces import IListeningPort, IStreamServerEndpoint
from twisted.internet.protocol import Factory
from twisted.logger import Logger

from cwmpd.mtp.wssession import WsSession
from cwmpd.reactors import AgentReactor

_log = Logger(namespace="cwmpd.mtp.websocket")

RecordHandler = Callable[[bytes, str], None]  # (Record, the sender's Endpoint ID)


class WebSocketServer(Service):
    """Listens for WebSocket clients; their Records go to ``on_record``."""

    def __init__(
        self,
        reactor: AgentReactor,
        endpoint_id: str,
        on_record: RecordHandler,
        *,
        port: int,
        interface: str = "",
        path: str = "",
        tls: Any = None,
        keep_alive: float = 30.0,
        accept: Callable[[str], bool] = lambda peer_id: bool(peer_id),
        on_opened: Callable[[WsSession], None] | None = None,
        max_message: int = 1024 * 1024,
    ) -> None:
        """``tls``: server TLS options (None: plain ws://, for tests); ``path``: the only
        resource served ("" = any); ``accept(peer Endpoint ID)``: who may stay."""
        self.reactor = reactor
        self.endpoint_id = endpoint_id
        self.on_record = on_record
        self.port = port
        self.interface = interface
        self.path = path
        self.tls = tls
        self.keep_alive = keep_alive
        self.accept = accept
        self.on_opened = on_opened
        self.max_message = max_message
        self.sessions: dict[str, WsSession] = {}
        self.listening: IListeningPort | None = None
        self._all: set[WsSession] = set()

    def listen(self) -> Deferred[IListeningPort]:
        """Start listening (``startService`` does it too); fires with the port."""
        if self.tls is None:
            endpoint: IStreamServerEndpoint = TCP4ServerEndpoint(  # type: ignore[no-untyped-call]
                self.reactor, self.port, interface=self.interface
            )
        else:
            endpoint = SSL4ServerEndpoint(  # type: ignore[no-untyped-call]
                self.reactor, self.port, self.tls, interface=self.interface
            )
        factory = Factory.forProtocol(
            lambda: WsSession(
                self,
                self.reactor,
                self.endpoint_id,
                keep_alive=self.keep_alive,
                max_message=self.max_message,
                admit=self._admit,
            )
        )

        def listening(port: IListeningPort) -> IListeningPort:
            self.listening = port
            return port

        started: Deferred[IListeningPort] = endpoint.listen(factory)
        return started.addCallback(listening)

    def startService(self) -> None:
        """Listen; a port that cannot be had is logged."""
        super().startService()  # type: ignore[no-untyped-call]
        if self.listening is None:
            self.listen().addErrback(
                lambda f: _log.error("USP WebSocket server not started: {e}", e=f.getErrorMessage())
            )

    def stopService(self) -> Deferred[None] | None:
        """Stop listening and close every session."""
        super().stopService()  # type: ignore[no-untyped-call]
        for session in list(self._all):
            session.close(1001, "going away")
        port, self.listening = self.listening, None
        if port is not None:
            result: Deferred[None] | None = port.stopListening()
            return result
        return None

    # -- SessionOwner

    def _admit(self, peer_id: str, path: str) -> bool:
        """Before the handshake: the served resource and a peer that may stay."""
        if (self.path and path.split("?")[0] != self.path) or not self.accept(peer_id):
            _log.warn(
                "USP WebSocket: {peer} at {path} refused",
                peer=peer_id or "a client without an Endpoint ID",
                path=path,
            )
            return False
        return True

    def opened(self, session: WsSession) -> None:
        """Keep the session by its peer's Endpoint ID."""
        peer = session.peer_id
        old = self.sessions.get(peer)
        self.sessions[peer] = session
        self._all.add(session)
        if old is not None:
            old.close(1000, "replaced by a new session")  # R-WS.4: at most one
        if self.on_opened is not None:
            self.on_opened(session)

    def record(self, session: WsSession, data: bytes) -> None:
        """A Record from a kept session."""
        if self.sessions.get(session.peer_id) is session:
            self.on_record(data, session.peer_id)

    def closed(self, session: WsSession) -> None:
        """Forget it."""
        self._all.discard(session)
        if self.sessions.get(session.peer_id) is session:
            del self.sessions[session.peer_id]

    # -- Publisher

    def publish(self, topic: str, record: bytes) -> Deferred[None]:
        """Send ``record`` to the peer whose Endpoint ID is ``topic``; fails with
        ConnectionError when it is not connected."""
        done: Deferred[None] = Deferred()
        session = self.sessions.get(topic)
        if session is None or not session.open:
            done.errback(ConnectionError(f"{topic} has no WebSocket session with us"))
        else:
            session.send_record(record)
            done.callback(None)
        return done
