"""One USP WebSocket session (TR-369 WebSocket binding) on a Twisted protocol, client or
server side, driven by wsproto's sans-IO state machine.

Why wsproto: it is pure Python and sans-IO (about 0.8 MB with h11), so it runs on any
Twisted transport, TCP or TLS, and Debian 12 ships it (python3-wsproto 1.2.0); autobahn
is about 15 MB, and Twisted's own WebSocket support (newer than Debian 12's Twisted 22.4)
cannot negotiate a subprotocol. wsproto is an optional dependency (the ``usp`` extra):
only a WebSocket MTP imports this module.

The session offers or accepts the ``v1.usp`` subprotocol (R-WS.9-12) and the
``bbf-usp-protocol`` extension with ``eid`` (R-WS.10a/11a); Records travel in binary
messages (R-WS.14), a text message or an undecodable frame closes the session with 1003
(R-WS.16); a Ping goes out every keep-alive interval and a peer silent for two intervals
is dropped (R-WS.17/18). The owner (a client or a server) learns of the open session, its
Records and its end.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol as TypingProtocol

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.protocol import Protocol, connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.extensions import Extension
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

SUBPROTOCOL = "v1.usp"
EXTENSION = "bbf-usp-protocol"
UNSUPPORTED_DATA = 1003
_EID = re.compile(r'(?:^|;)\s*eid\s*=\s*(?:"([^"]*)"|([^;\s]*))')

_log = Logger(namespace="cwmpd.mtp.websocket")


def parse_eid(params: str) -> str:
    """The ``eid`` parameter of a ``bbf-usp-protocol`` extension offer, or ""."""
    match = _EID.search(params)
    return (match[1] if match[1] is not None else match[2]) if match else ""


class UspExtension(Extension):
    """``bbf-usp-protocol; eid="..."``: carries our Endpoint ID, learns the peer's."""

    name = EXTENSION

    def __init__(self, endpoint_id: str) -> None:
        self.endpoint_id = endpoint_id
        self.peer_id = ""

    def enabled(self) -> bool:
        """Always on once offered or accepted: it changes no frame."""
        return True

    def offer(self) -> str:
        """The client's offer (R-WS.10a)."""
        return f'eid="{self.endpoint_id}"'

    def accept(self, offer: str) -> str:
        """The server's answer to an offer (R-WS.11a)."""
        self.peer_id = parse_eid(offer)
        return f'eid="{self.endpoint_id}"'

    def finalize(self, offer: str) -> None:
        """The client reads the server's answer."""
        self.peer_id = parse_eid(offer)


class SessionOwner(TypingProtocol):
    """What a :class:`WsSession` reports to (the client or the server)."""

    def opened(self, session: WsSession) -> None:
        """The handshake is done: Records may flow."""

    def record(self, session: WsSession, data: bytes) -> None:
        """A Record arrived."""

    def closed(self, session: WsSession) -> None:
        """The session ended (or never opened)."""


class WsSession(Protocol):
    """One WebSocket connection: the handshake, binary Records, Ping keep-alive, close."""

    def __init__(
        self,
        owner: SessionOwner,
        clock: IReactorTime,
        endpoint_id: str,
        *,
        client: tuple[str, str] | None = None,
        keep_alive: float = 30.0,
        max_message: int = 1024 * 1024,
        admit: Callable[[str, str], bool] = lambda peer_id, path: True,
    ) -> None:
        """``client``: (host, resource) to ask for; None for the server side, where
        ``admit(peer Endpoint ID, resource)`` decides before the handshake (else HTTP 403)."""
        self.owner = owner
        self.clock = clock
        self.extension = UspExtension(endpoint_id)
        self.client = client
        self.admit = admit
        self.keep_alive = keep_alive
        self.max_message = max_message
        self.ws = WSConnection(ConnectionType.CLIENT if client else ConnectionType.SERVER)
        self.open = False
        self.refusal = ""  # why the handshake failed, for the log
        self.path = ""  # server side: the resource the client asked for
        self._parts: list[bytes] = []
        self._size = 0
        self._ping: IDelayedCall | None = None
        self._closing: IDelayedCall | None = None
        self._last_heard = clock.seconds()

    @property
    def peer_id(self) -> str:
        """The peer's Endpoint ID from its ``bbf-usp-protocol`` extension ("" if none)."""
        return self.extension.peer_id

    def connectionMade(self) -> None:
        """The client sends its upgrade request."""
        if self.client is not None:
            host, target = self.client
            self._send(
                Request(
                    host=host,
                    target=target,
                    subprotocols=[SUBPROTOCOL],
                    extensions=[self.extension],
                )
            )

    def dataReceived(self, data: bytes) -> None:
        """Feed wsproto and act on its events."""
        self._last_heard = self.clock.seconds()
        try:
            self.ws.receive_data(data)
            for event in self.ws.events():
                self._event(event)
        except RemoteProtocolError as exc:
            self.refusal = str(exc)
            if self.open:
                self.close(UNSUPPORTED_DATA, "bad frame")
            self._abort()

    def _event(self, event: Event) -> None:
        if isinstance(event, Request):
            self._request(event)
        elif isinstance(event, AcceptConnection):
            if event.subprotocol != SUBPROTOCOL:
                self.refusal = f"the server did not accept {SUBPROTOCOL} ({event.subprotocol})"
                self.close(1002, f"{SUBPROTOCOL} required")
                return
            self._opened()
        elif isinstance(event, RejectConnection):
            self.refusal = f"handshake refused with HTTP {event.status_code}"
            self._abort()
        elif isinstance(event, BytesMessage):
            self._bytes(event)
        elif isinstance(event, TextMessage):
            self.close(UNSUPPORTED_DATA, "USP Records are binary")
        elif isinstance(event, Ping):
            self._send(event.response())
        elif isinstance(event, CloseConnection):
            if self.ws.state is ConnectionState.REMOTE_CLOSING:
                self._send(event.response())
            self._abort()
        # Pong and the rest: hearing anything at all is what keep-alive needs

    def _request(self, event: Request) -> None:
        """Server side: accept only ``v1.usp`` clients."""
        self.path = event.target
        if SUBPROTOCOL not in event.subprotocols:
            self.refusal = f"the client did not offer {SUBPROTOCOL}"
            self._send(RejectConnection(status_code=400))
            self._abort()
            return
        offered = [e for e in event.extensions if isinstance(e, str)]
        usp = [e for e in offered if e.split(";")[0].strip() == EXTENSION]
        accept = AcceptConnection(
            subprotocol=SUBPROTOCOL, extensions=[self.extension] if usp else []
        )
        if usp and not self.extension.peer_id:
            self.extension.peer_id = parse_eid(usp[0].partition(";")[2])
        if not self.admit(self.extension.peer_id, event.target):
            self.refusal = f"{self.extension.peer_id or 'no Endpoint ID'} at {event.target} refused"
            self._send(RejectConnection(status_code=403))
            self._abort()
            return
        self._send(accept)
        self._opened()

    def _opened(self) -> None:
        self.open = True
        self._schedule_ping()
        self.owner.opened(self)

    def _bytes(self, event: BytesMessage) -> None:
        self._size += len(event.data)
        if self._size > self.max_message:
            self.close(1009, "Record too big")
            return
        self._parts.append(bytes(event.data))
        if event.message_finished:
            data = b"".join(self._parts)
            self._parts, self._size = [], 0
            self.owner.record(self, data)

    def send_record(self, record: bytes) -> None:
        """Send one Record in a binary message (R-WS.14)."""
        if not self.open:
            raise ConnectionError("the WebSocket session is not open")
        self._send(BytesMessage(data=record))

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake (the transport ends when the peer answers)."""
        if self.ws.state is ConnectionState.OPEN:
            self._send(CloseConnection(code=code, reason=reason))
            self.open = False
            self._stop_ping()
            # a peer that never answers the Close: drop it after one keep-alive
            self._closing = self.clock.callLater(5.0, self._abort)
        else:
            self._abort()

    def _send(self, event: Event) -> None:
        try:
            data = self.ws.send(event)
        except LocalProtocolError:
            return
        if self.transport is not None and data:
            self.transport.write(data)

    def _abort(self) -> None:
        self.open = False
        self._stop_ping()
        if self.transport is not None:
            self.transport.loseConnection()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Tell the owner, once."""
        self.open = False
        self._stop_ping()
        if self._closing is not None and self._closing.active():
            self._closing.cancel()
        self.owner.closed(self)

    # -- keep-alive (R-WS.17)

    def _schedule_ping(self) -> None:
        self._stop_ping()
        if self.keep_alive > 0:
            self._ping = self.clock.callLater(self.keep_alive, self._send_ping)

    def _stop_ping(self) -> None:
        if self._ping is not None and self._ping.active():
            self._ping.cancel()
        self._ping = None

    def _send_ping(self) -> None:
        self._ping = None
        if self.clock.seconds() - self._last_heard > 2 * self.keep_alive:
            _log.info("WebSocket: peer silent for {s:.0f} s, dropped", s=2 * self.keep_alive)
            self._abort()
            return
        self._send(Ping(payload=b"usp"))
        self._schedule_ping()
