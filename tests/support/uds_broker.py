"""A test USP Broker (and Service) on a Unix socket, speaking the UDS framing on its own.

The framing here is written from TR-369 4.6 directly (struct, not cwmpd.mtp.uds), so a
test of the agent's binding does not check the codec against itself. The broker listens
(``Broker``) or connects (``ServiceClient``), exchanges Handshakes, keeps every Frame it
receives, answers Register with a RegisterResp (paths in ``refuse`` fail with 7028) and
Deregister with a DeregisterResp, and sends the agent requests through :meth:`request`.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf.message import Message
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import UNIXClientEndpoint, UNIXServerEndpoint
from twisted.internet.interfaces import IListeningPort
from twisted.internet.protocol import Factory, Protocol, connectionDone
from twisted.python.failure import Failure

from cwmpd.reactors import AgentReactor
from cwmpd.usp import messages, records
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.usp.proto import usp_record_1_4_pb2 as rpb

HANDSHAKE, ERROR, RECORD = 1, 2, 3


def raw_frame(*tlvs: tuple[int, bytes]) -> bytes:
    """A Frame: ``_USP``, the body length (4 bytes, big-endian), TLVs (1 + 4 + value)."""
    body = b"".join(struct.pack(">BI", t, len(v)) + v for t, v in tlvs)
    return b"_USP" + struct.pack(">I", len(body)) + body


@dataclass
class Peer:
    """What one connection carried: the agent's Handshake, its Records and Errors."""

    handshakes: list[str] = field(default_factory=list)
    records: list[rpb.Record] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    closed: Deferred[None] = field(default_factory=Deferred)


class _Conn(Protocol):
    def __init__(self, owner: _Side) -> None:
        self.owner = owner
        self.peer = Peer()
        self.buffer = b""

    def connectionMade(self) -> None:
        self.owner.connected(self)

    def dataReceived(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= 8:
            assert self.buffer[:4] == b"_USP", self.buffer[:16]
            (length,) = struct.unpack(">I", self.buffer[4:8])
            if len(self.buffer) < 8 + length:
                return
            body, self.buffer = self.buffer[8 : 8 + length], self.buffer[8 + length :]
            offset = 0
            while offset < len(body):
                kind, size = struct.unpack(">BI", body[offset : offset + 5])
                value = body[offset + 5 : offset + 5 + size]
                offset += 5 + size
                self.owner.tlv(self, kind, value)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.owner.disconnected(self)
        self.peer.closed.callback(None)

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)


class _Side:
    """What the broker and the service share: Handshake, Records, requests to the agent."""

    def __init__(self, reactor: AgentReactor, path: Path, endpoint_id: str) -> None:
        self.reactor = reactor
        self.path = path
        self.endpoint_id = endpoint_id
        self.agent_id = ""
        self.conns: list[_Conn] = []
        self.current: _Conn | None = None
        self.refuse: set[str] = set()
        self.registers: list[pb.Register] = []
        self.deregisters: list[pb.Deregister] = []
        self._ids = itertools.count(1)
        self._waiting: dict[str, Deferred[pb.Msg]] = {}
        self._handshaken: list[Deferred[Peer]] = []
        self._registered: list[Deferred[pb.Register]] = []
        self._unclaimed_peers: list[Peer] = []  # Handshakes no handshaken() returned yet
        self._unclaimed_registers: list[pb.Register] = []

    # -- the connection
    def connected(self, conn: _Conn) -> None:
        self.conns.append(conn)

    def disconnected(self, conn: _Conn) -> None:
        if self.current is conn:
            self.current = None

    def tlv(self, conn: _Conn, kind: int, value: bytes) -> None:
        if kind == HANDSHAKE:
            conn.peer.handshakes.append(value.decode())
            self.agent_id = value.decode()
            self.answer_handshake(conn)
            self.current = conn
            self._unclaimed_peers.append(conn.peer)
            self._settle()
        elif kind == ERROR:
            conn.peer.errors.append(value.decode())
        elif kind == RECORD:
            record = records.decode(value)
            conn.peer.records.append(record)
            if record.WhichOneof("record_type") == "no_session_context":
                self.msg(conn, records.payload_msg(record))

    def answer_handshake(self, conn: _Conn) -> None:
        conn.write(raw_frame((HANDSHAKE, self.endpoint_id.encode())))

    def msg(self, conn: _Conn, msg: pb.Msg) -> None:
        kind = messages.body_kind(msg)
        if kind != "request":
            waiting = self._waiting.pop(msg.header.msg_id, None)
            if waiting is not None:
                waiting.callback(msg)
            return
        name = messages.request_name(msg)
        if name == "register":
            self.registers.append(msg.body.request.register)
            self.send(self.register_resp(msg))
            self._unclaimed_registers.append(msg.body.request.register)
            self._settle()
        elif name == "deregister":
            self.deregisters.append(msg.body.request.deregister)
            resp = pb.DeregisterResp()
            for p in msg.body.request.deregister.paths:
                result = resp.deregistered_path_results.add(requested_path=p)
                result.oper_status.oper_success.deregistered_path.append(p)
            self.send(messages.response(msg.header.msg_id, resp))

    def register_resp(self, msg: pb.Msg) -> pb.Msg:
        resp = pb.RegisterResp()
        for reg in msg.body.request.register.reg_paths:
            result = resp.registered_path_results.add(requested_path=reg.path)
            if reg.path in self.refuse:
                result.oper_status.oper_failure.err_code = 7028
                result.oper_status.oper_failure.err_msg = "refused by the test broker"
            else:
                result.oper_status.oper_success.registered_path = reg.path
        return messages.response(msg.header.msg_id, resp)

    def _settle(self) -> None:
        while self._handshaken and self._unclaimed_peers:
            self._handshaken.pop(0).callback(self._unclaimed_peers.pop(0))
        while self._registered and self._unclaimed_registers:
            self._registered.pop(0).callback(self._unclaimed_registers.pop(0))

    # -- the test's side
    def send(self, msg: pb.Msg) -> None:
        """Send ``msg`` to the agent in a NoSessionContext Record."""
        assert self.current is not None, "the agent is not connected"
        record = records.no_session_record(msg, self.agent_id, self.endpoint_id)
        self.current.write(raw_frame((RECORD, record)))

    def write(self, data: bytes) -> None:
        """Raw bytes to the agent."""
        assert self.current is not None, "the agent is not connected"
        self.current.write(data)

    def request(self, body: Message) -> Deferred[pb.Msg]:
        """Send a request carrying ``body``; fires with the agent's answer."""
        msg_id = f"b-{next(self._ids)}"
        answer: Deferred[pb.Msg] = Deferred()
        self._waiting[msg_id] = answer
        self.send(messages.request(msg_id, body))
        return answer.addTimeout(10, self.reactor)

    def handshaken(self) -> Deferred[Peer]:
        """Fires with the Peer of the first Handshake not yet returned (or the next one)."""
        d: Deferred[Peer] = Deferred()
        self._handshaken.append(d)
        self._settle()
        return d.addTimeout(15, self.reactor)

    def registered(self) -> Deferred[pb.Register]:
        """Fires with the next Register the agent sends."""
        d: Deferred[pb.Register] = Deferred()
        self._registered.append(d)
        self._settle()
        return d.addTimeout(15, self.reactor)


class Broker(_Side):
    """Listens on ``path`` like a Broker's Controller socket; the agent connects in."""

    def __init__(
        self, reactor: AgentReactor, path: Path, endpoint_id: str = "proto::broker"
    ) -> None:
        super().__init__(reactor, path, endpoint_id)
        self.port: IListeningPort | None = None

    async def start(self) -> Broker:
        endpoint = UNIXServerEndpoint(self.reactor, str(self.path))  # type: ignore[no-untyped-call]
        factory = Factory.forProtocol(lambda: _Conn(self))
        self.port = await endpoint.listen(factory)  # type: ignore[no-untyped-call]
        return self

    async def stop(self) -> None:
        """Stop listening and drop the connections (the socket file goes too)."""
        for conn in self.conns:
            if conn.transport is not None:
                conn.transport.loseConnection()
        if self.port is not None:
            stopped = self.port.stopListening()
            if stopped is not None:
                await stopped
            self.port = None
        for conn in self.conns:
            await conn.peer.closed
        self.conns = []


class ServiceClient(_Side):
    """Connects to the agent's listening socket and Handshakes first (a local Controller)."""

    async def connect(self) -> Peer:
        endpoint = UNIXClientEndpoint(self.reactor, str(self.path))  # type: ignore[no-untyped-call]
        conn: _Conn = await endpoint.connect(Factory.forProtocol(lambda: _Conn(self)))  # type: ignore[no-untyped-call]
        peer = self.handshaken()
        conn.write(raw_frame((HANDSHAKE, self.endpoint_id.encode())))
        return await peer

    def answer_handshake(self, conn: _Conn) -> None:
        """The client sent its Handshake first: no answer."""

    def close(self) -> None:
        for conn in self.conns:
            if conn.transport is not None:
                conn.transport.loseConnection()
