"""One USP WebSocket session on a fake clock against an in-memory wsproto peer: the
handshake's subprotocol and eid, keep-alive Pings with exactly one timer (nothing spins
when idle), a silent peer dropped, a text message closed with 1003."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    Request,
    TextMessage,
)

from cwmpd.mtp.wssession import SUBPROTOCOL, UspExtension, WsSession, parse_eid


class Owner:
    """A SessionOwner that writes down what it hears."""

    def __init__(self) -> None:
        self.opens = 0
        self.records: list[bytes] = []
        self.ends = 0

    def opened(self, session: WsSession) -> None:
        self.opens += 1

    def record(self, session: WsSession, data: bytes) -> None:
        self.records.append(data)

    def closed(self, session: WsSession) -> None:
        self.ends += 1


class Peer:
    """The server end, in memory."""

    def __init__(self, session: WsSession, transport: StringTransport) -> None:
        self.ws = WSConnection(ConnectionType.SERVER)
        self.session = session
        self.transport = transport
        self.events: list[Event] = []

    def pump(self) -> list[Event]:
        """What the client wrote, as events."""
        data = self.transport.value()  # type: ignore[no-untyped-call]
        self.transport.clear()  # type: ignore[no-untyped-call]
        self.ws.receive_data(data)
        new = list(self.ws.events())
        self.events.extend(new)
        return new

    def send(self, event: Event) -> None:
        self.session.dataReceived(self.ws.send(event))


def opened_session(keep_alive: float = 30.0) -> tuple[WsSession, Peer, Clock, Owner]:
    clock, owner, transport = Clock(), Owner(), StringTransport()  # type: ignore[no-untyped-call]
    session = WsSession(
        owner, clock, "os::agent", client=("ctrl.example", "/usp"), keep_alive=keep_alive
    )
    session.makeConnection(transport)  # type: ignore[no-untyped-call]
    peer = Peer(session, transport)
    (request,) = peer.pump()
    assert isinstance(request, Request)
    assert request.subprotocols == [SUBPROTOCOL] and request.target == "/usp"
    assert parse_eid(str(request.extensions[0]).partition(";")[2]) == "os::agent"
    server_ext = UspExtension("proto::ctrl")
    peer.send(AcceptConnection(subprotocol=SUBPROTOCOL, extensions=[server_ext]))
    return session, peer, clock, owner


def test_opens_with_v1_usp_and_learns_the_servers_eid() -> None:
    session, peer, _clock, owner = opened_session()
    assert session.open and session.peer_id == "proto::ctrl" and owner.opens == 1
    peer.send(BytesMessage(data=b"\x0a\x031.4"))
    assert owner.records == [b"\x0a\x031.4"]


def test_idle_session_keeps_one_timer_and_pings_each_interval() -> None:
    """Idle for an hour: one Ping per 30 s answered by Pongs, never more than one timer."""
    session, peer, clock, _ = opened_session(30.0)
    assert len(clock.getDelayedCalls()) == 1
    clock.advance(29)
    assert not peer.pump()
    pings = 0
    for _ in range(120):
        clock.advance(30)
        events = peer.pump()
        pings += sum(isinstance(e, Ping) for e in events)
        for event in events:
            if isinstance(event, Ping):
                peer.send(event.response())
        assert len(clock.getDelayedCalls()) == 1
    assert pings >= 119 and session.open


def test_a_silent_peer_is_dropped_after_two_intervals() -> None:
    session, peer, clock, _ = opened_session(10.0)
    for _ in range(4):
        clock.advance(10)
    assert peer.transport.disconnecting
    assert not session.open


def test_a_text_message_closes_with_1003() -> None:
    session, peer, _clock, _ = opened_session()
    peer.send(TextMessage(data="not a record"))
    (close,) = [e for e in peer.pump() if isinstance(e, CloseConnection)]
    assert close.code == 1003 and not session.open


def test_a_server_without_v1_usp_is_refused() -> None:
    clock, owner, transport = Clock(), Owner(), StringTransport()  # type: ignore[no-untyped-call]
    session = WsSession(owner, clock, "os::agent", client=("h", "/"))
    session.makeConnection(transport)  # type: ignore[no-untyped-call]
    peer = Peer(session, transport)
    peer.pump()
    peer.send(AcceptConnection())
    assert not session.open and "did not accept v1.usp" in session.refusal
    assert owner.opens == 0
    (close,) = [e for e in peer.pump() if isinstance(e, CloseConnection)]
    assert close.code == 1002
    clock.advance(5)  # a peer that never answers the Close is dropped
    assert transport.disconnecting and clock.getDelayedCalls() == []
