"""One USP UDS connection (TR-369 4.6): the Handshake, then Records both ways, and its failures.

The client sends its Handshake once connected, the server answers one with its own
(R-UDS.16/17); a client without the server's Handshake after 30 s closes (R-UDS.18); a
second Handshake is ignored (R-UDS.19), a Record before the Handshake too (R-UDS.20). After
the Handshake the agent sends a UDSConnect Record (R-MTP.6).

Failures: a Frame that cannot be parsed (no ``_USP``, a length over the budget, a TLV
running past the Frame, no TLV at all), a Handshake without a valid Endpoint ID, a Record
that is not a USP Record: an Error Frame with the reason, then the connection is closed
(R-UDS.21/23/24). An Error Frame received closes the connection (R-UDS.25). Nothing raises
into the reactor.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.protocol import Protocol, connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure

from cwmpd.mtp.uds_frames import ERROR, HANDSHAKE, MAX_FRAME, RECORD, FrameError, FrameReader, frame
from cwmpd.usp import records
from cwmpd.usp.records import uds_connect_record, valid_endpoint_id

_log = Logger(namespace="cwmpd.mtp.uds")

HANDSHAKE_TIMEOUT = 30.0  # R-UDS.18

#: (Record bytes, the sender's Endpoint ID from its Handshake).
RecordHandler = Callable[[bytes, str], None]


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
