"""The USP Unix-domain-socket MTP (TR-369 4.6, USP 1.3): Frames, the agent as client of a
socket (a USP Broker's ``/var/run/usp/broker_controller_path``) and as a server.

A Frame is a Header (the four bytes ``_USP`` then the length of the rest, 4 bytes, network
order, R-UDS.7-9) and one or more TLVs (Type 1 byte, Length 4 bytes, R-UDS.10/11): Type 1
Handshake (the sender's Endpoint ID, UTF-8), 2 Error (a UTF-8 reason), 3 USP Record; other
Types are ignored (R-UDS.15). The client sends its Handshake once connected, the server
answers one with its own (R-UDS.16/17); a client without the server's Handshake after 30 s
closes (R-UDS.18); a second Handshake is ignored (R-UDS.19), a Record before the Handshake
too (R-UDS.20). After the Handshake the agent sends a UDSConnect Record (R-MTP.6).

Failures: a Frame that cannot be parsed (no ``_USP``, a length over the budget, a TLV
running past the Frame, no TLV at all), a Handshake without a valid Endpoint ID, a Record
that is not a USP Record: an Error Frame with the reason, then the connection is closed
(R-UDS.21/23/24). An Error Frame received closes the connection (R-UDS.25). Nothing raises
into the reactor.

Frame size budget: :data:`MAX_FRAME` = the largest Record the Endpoint accepts
(``records.MAX_RECORD_SIZE``, 1 MiB) plus 4 KiB for TLV headers and a Handshake; the length
is checked as soon as the Header is in, so an oversize Frame is refused before any of it is
buffered. A client retries a lost or refused connection after a random 1 to 5 s (R-UDS.5).
"""

from __future__ import annotations

import os
import random
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import UNIXClientEndpoint, UNIXServerEndpoint
from twisted.internet.interfaces import IDelayedCall, IListeningPort, IProtocol, IReactorTime
from twisted.internet.protocol import Factory, Protocol, connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.mtp.waiting import MAX_WAITING as MAX_WAITING
from cwmpd.mtp.waiting import WAIT_SECONDS as WAIT_SECONDS
from cwmpd.mtp.waiting import WaitingRecords
from cwmpd.reactors import AgentReactor
from cwmpd.usp import records
from cwmpd.usp.records import uds_connect_record, valid_endpoint_id

_log = Logger(namespace="cwmpd.mtp.uds")

SYNC = b"_USP"  # 0x5f 0x55 0x53 0x50 (R-UDS.8)
_HEADER = struct.Struct("!4sI")
_TLV = struct.Struct("!BI")
HANDSHAKE, ERROR, RECORD = 1, 2, 3
#: The largest Frame body accepted: the largest Record plus room for TLV headers.
MAX_FRAME = records.MAX_RECORD_SIZE + 4096
HANDSHAKE_TIMEOUT = 30.0  # R-UDS.18
RETRY_MIN, RETRY_MAX = 1.0, 5.0  # R-UDS.5
#: Records that may wait for a connection (start, Broker restart), and how long each.

#: (Record bytes, the sender's Endpoint ID from its Handshake).
RecordHandler = Callable[[bytes, str], None]


class FrameError(ValueError):
    """A Frame that cannot be parsed; the message goes into the Error Frame."""


def frame(*tlvs: tuple[int, bytes]) -> bytes:
    """One Frame carrying ``tlvs`` (type, value)."""
    body = b"".join(_TLV.pack(kind, len(value)) + value for kind, value in tlvs)
    return _HEADER.pack(SYNC, len(body)) + body


def parse_tlvs(body: bytes) -> list[tuple[int, bytes]]:
    """The TLVs of a Frame body; FrameError when one runs past it or there is none."""
    tlvs: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(body):
        if len(body) - offset < _TLV.size:
            raise FrameError("truncated TLV header")
        kind, length = _TLV.unpack_from(body, offset)
        offset += _TLV.size
        if length > len(body) - offset:
            raise FrameError(f"TLV length {length} runs past the Frame")
        tlvs.append((kind, body[offset : offset + length]))
        offset += length
    if not tlvs:
        raise FrameError("a Frame with no TLV (R-UDS.6)")
    return tlvs


class FrameReader:
    """Frames out of a byte stream, each as its TLVs; FrameError on a bad one."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[list[tuple[int, bytes]]]:
        """The Frames completed by ``data``; checks the sync and length as they arrive."""
        self._buffer += data
        frames: list[list[tuple[int, bytes]]] = []
        while True:
            head = bytes(self._buffer[: _HEADER.size])
            if not SYNC.startswith(head[:4]):
                raise FrameError("no _USP synchronization bytes")
            if len(head) < _HEADER.size:
                return frames
            _, length = _HEADER.unpack(head)
            if length > self.max_frame:
                raise FrameError(
                    f"Frame of {length} bytes, more than the {self.max_frame} accepted"
                )
            if len(self._buffer) < _HEADER.size + length:
                return frames
            body = bytes(self._buffer[_HEADER.size : _HEADER.size + length])
            del self._buffer[: _HEADER.size + length]
            frames.append(parse_tlvs(body))


def _extractable(data: bytes) -> bool:
    """Whether ``data`` parses as a USP Record (R-UDS.23)."""
    try:
        records.decode(data)
    except Exception:  # DecodeError, or RuntimeError from the C++ protobuf
        return False
    return True


class UdsPeer:
    """What a connection reports to: its client or server (overridden by both)."""

    endpoint_id: str
    clock: IReactorTime
    on_record: RecordHandler

    def handshaken(self, connection: UdsConnection) -> None:
        """``connection`` knows its peer's Endpoint ID: Records may flow."""

    def lost(self, connection: UdsConnection) -> None:
        """``connection`` closed."""


class UdsConnection(Protocol):
    """One UDS connection: Handshake, then Records both ways."""

    def __init__(self, owner: UdsPeer, *, client: bool, max_frame: int = MAX_FRAME) -> None:
        self.owner = owner
        self.client = client
        self.reader = FrameReader(max_frame)
        self.peer_id: str | None = None
        self.closing = False
        self._timer: IDelayedCall | None = None

    @property
    def ready(self) -> bool:
        """The Handshake is done and the connection is not closing."""
        return self.peer_id is not None and not self.closing

    def connectionMade(self) -> None:
        if self.client:
            self._send(HANDSHAKE, self.owner.endpoint_id.encode())
        self._timer = self.owner.clock.callLater(HANDSHAKE_TIMEOUT, self._no_handshake)

    def _no_handshake(self) -> None:
        self._timer = None
        _log.warn("UDS: no Handshake within {s} s; closing", s=HANDSHAKE_TIMEOUT)
        self.closing = True
        if self.transport is not None:
            self.transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        if self.closing:
            return
        try:
            frames = self.reader.feed(data)
        except FrameError as e:
            self.fail(str(e))
            return
        for tlvs in frames:
            for kind, value in tlvs:
                self._tlv(kind, value)
                if self.closing:
                    return

    def _tlv(self, kind: int, value: bytes) -> None:
        if kind == HANDSHAKE:
            self._handshake(value)
        elif kind == ERROR:
            _log.warn(
                "UDS: {peer} sent Error {reason!r}; closing",
                peer=self.peer_id or "peer",
                reason=value[:200].decode("utf-8", "replace"),
            )
            self.close()
        elif kind == RECORD:
            if self.peer_id is None:
                _log.info("UDS: a Record before the Handshake ignored (R-UDS.20)")
            elif not _extractable(value):
                self.fail("the USP Record cannot be extracted")
            else:
                self.owner.on_record(value, self.peer_id)
        else:
            _log.info("UDS: TLV of unknown type {t} ignored (R-UDS.15)", t=kind)

    def _handshake(self, value: bytes) -> None:
        if self.peer_id is not None:
            _log.info("UDS: another Handshake from {peer} ignored (R-UDS.19)", peer=self.peer_id)
            return
        try:
            peer_id = value.decode("utf-8")
        except UnicodeDecodeError:
            peer_id = ""
        if not valid_endpoint_id(peer_id):
            self.fail("the Handshake carries no valid Endpoint ID")
            return
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        self.peer_id = peer_id
        if not self.client:
            self._send(HANDSHAKE, self.owner.endpoint_id.encode())
        self.send_record(uds_connect_record(peer_id, self.owner.endpoint_id))
        self.owner.handshaken(self)

    def fail(self, reason: str) -> None:
        """Send an Error Frame with ``reason``, then close (R-UDS.21/23/24)."""
        _log.warn("UDS: {reason}; Error sent, closing", reason=reason)
        self._send(ERROR, reason.encode())
        self.close()

    def close(self) -> None:
        """Close the connection (after what is written)."""
        self.closing = True
        if self.transport is not None:
            self.transport.loseConnection()

    def send_record(self, record: bytes) -> None:
        """Write ``record`` in a Type 3 Frame."""
        self._send(RECORD, record)

    def _send(self, kind: int, value: bytes) -> None:
        if self.transport is not None:
            self.transport.write(frame((kind, value)))

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.closing = True
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        self.owner.lost(self)


@dataclass(frozen=True)
class UdsSettings:
    """One socket: its path, the agent's Endpoint ID, connect (client) or listen (server)."""

    path: str
    endpoint_id: str
    listen: bool = False
    max_frame: int = MAX_FRAME


class UdsClient(Service, UdsPeer):
    """Keeps one connection to a UDS server (a Broker) up, retrying after 1-5 s."""

    def __init__(
        self,
        settings: UdsSettings,
        reactor: AgentReactor,
        on_record: RecordHandler,
        *,
        rng: random.Random,
        on_connected: Callable[[str], None] | None = None,
    ) -> None:
        """``on_connected(peer_id)`` after each Handshake (the agent Registers there)."""
        self.settings = settings
        self.endpoint_id = settings.endpoint_id
        self.reactor = reactor
        self.clock = reactor
        self.on_record = on_record
        self.on_connected = on_connected
        self.rng = rng
        self.connection: UdsConnection | None = None
        self._retry: IDelayedCall | None = None
        self._attempt: Deferred[IProtocol] | None = None
        self._waiting = WaitingRecords(reactor, f"no UDS connection to {settings.path}")

    def startService(self) -> None:
        """Connect now."""
        super().startService()  # type: ignore[no-untyped-call]
        self._connect()

    def stopService(self) -> Deferred[None] | None:
        """Stop retrying and close the connection."""
        super().stopService()  # type: ignore[no-untyped-call]
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        self._retry = None
        if self._attempt is not None:
            self._attempt.cancel()
        if self.connection is not None:
            self.connection.close()
        self._waiting.fail_all("UDS client stopped")
        return None

    def _connect(self) -> None:
        self._retry = None
        factory = Factory.forProtocol(
            lambda: UdsConnection(self, client=True, max_frame=self.settings.max_frame)
        )
        endpoint = UNIXClientEndpoint(self.reactor, self.settings.path)  # type: ignore[no-untyped-call]
        attempt: Deferred[IProtocol] = endpoint.connect(factory)  # type: ignore[no-untyped-call]
        self._attempt = attempt
        attempt.addCallbacks(self._made, self._failed)

    def _made(self, protocol: IProtocol) -> None:
        self._attempt = None

    def _failed(self, failure: Failure) -> None:
        self._attempt = None
        if self.running:
            _log.info(
                "UDS: cannot reach {path}: {error}",
                path=self.settings.path,
                error=failure.getErrorMessage(),
            )
            self._schedule_retry()

    def _schedule_retry(self) -> None:
        self._retry = self.clock.callLater(self.rng.uniform(RETRY_MIN, RETRY_MAX), self._connect)

    def handshaken(self, connection: UdsConnection) -> None:
        self.connection = connection
        _log.info(
            "UDS: connected to {peer} at {path}", peer=connection.peer_id, path=self.settings.path
        )
        for _, record, d in self._waiting.take():
            connection.send_record(record)
            d.callback(None)
        if self.on_connected is not None and connection.peer_id is not None:
            self.on_connected(connection.peer_id)

    def lost(self, connection: UdsConnection) -> None:
        if self.connection is connection:
            self.connection = None
        if self.running and self._retry is None and self._attempt is None:
            self._schedule_retry()

    def publish(self, topic: str, record: bytes) -> Deferred[None]:
        """Send ``record`` to the server (``topic`` is its Endpoint ID, not needed here);
        without a connection it waits for the next one (MAX_WAITING, WAIT_SECONDS)."""
        connection = self.connection
        if connection is not None and connection.ready:
            connection.send_record(record)
            done: Deferred[None] = Deferred()
            done.callback(None)
            return done
        return self._waiting.add(topic, record, bool(self.running))


class UdsServer(Service, UdsPeer):
    """Listens on a socket; serves each client that Handshakes, by its Endpoint ID."""

    def __init__(
        self,
        settings: UdsSettings,
        reactor: AgentReactor,
        on_record: RecordHandler,
        *,
        on_connected: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.endpoint_id = settings.endpoint_id
        self.reactor = reactor
        self.clock = reactor
        self.on_record = on_record
        self.on_connected = on_connected
        self.connections: dict[str, UdsConnection] = {}
        self.port: IListeningPort | None = None
        self.listening: Deferred[IListeningPort] | None = None
        self._waiting = WaitingRecords(reactor, f"no UDS connection on {settings.path}")

    def startService(self) -> None:
        """Listen (a stale socket of an earlier run is replaced, no other file)."""
        super().startService()  # type: ignore[no-untyped-call]
        try:  # only a socket is replaced: another kind of file makes listen() fail
            if stat.S_ISSOCK(os.lstat(self.settings.path).st_mode):
                os.unlink(self.settings.path)
        except FileNotFoundError:
            pass
        factory = Factory.forProtocol(
            lambda: UdsConnection(self, client=False, max_frame=self.settings.max_frame)
        )
        endpoint = UNIXServerEndpoint(self.reactor, self.settings.path, mode=0o660)  # type: ignore[no-untyped-call]
        self.listening = endpoint.listen(factory)  # type: ignore[no-untyped-call]

        def listening(port: IListeningPort) -> IListeningPort:
            self.port = port
            return port

        def failed(failure: Failure) -> None:
            _log.error(
                "UDS: cannot listen on {path}: {e}",
                path=self.settings.path,
                e=failure.getErrorMessage(),
            )

        self.listening.addCallback(listening).addErrback(failed)

    def stopService(self) -> Deferred[None] | None:
        """Stop listening, close every connection."""
        super().stopService()  # type: ignore[no-untyped-call]
        for connection in list(self.connections.values()):
            connection.close()
        self._waiting.fail_all("UDS server stopped")
        port, self.port = self.port, None
        if port is not None:
            stopped: Deferred[None] = port.stopListening()  # type: ignore[assignment]
            return stopped
        return None

    def handshaken(self, connection: UdsConnection) -> None:
        peer_id = connection.peer_id
        assert peer_id is not None
        old = self.connections.get(peer_id)
        if old is not None and old is not connection:
            old.close()
        self.connections[peer_id] = connection
        _log.info("UDS: {peer} connected on {path}", peer=peer_id, path=self.settings.path)
        for _, record, d in self._waiting.take(peer_id):
            connection.send_record(record)
            d.callback(None)
        if self.on_connected is not None:
            self.on_connected(peer_id)

    def lost(self, connection: UdsConnection) -> None:
        if (
            connection.peer_id is not None
            and self.connections.get(connection.peer_id) is connection
        ):
            del self.connections[connection.peer_id]

    def publish(self, topic: str, record: bytes) -> Deferred[None]:
        """Send ``record`` to the client whose Endpoint ID is ``topic``; it waits for that
        client to connect (MAX_WAITING, WAIT_SECONDS)."""
        connection = self.connections.get(topic)
        if connection is not None and connection.ready:
            connection.send_record(record)
            done: Deferred[None] = Deferred()
            done.callback(None)
            return done
        return self._waiting.add(topic, record, bool(self.running))
