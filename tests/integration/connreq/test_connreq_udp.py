"""Loopback tests of the UDP Connection Request socket and STUN over it (C-12..C-19)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import pytest_twisted
from twisted.internet import defer, protocol

from cwmpd.connreq import stunmsg
from cwmpd.connreq.guard import Credentials
from cwmpd.connreq.ratelimit import RateLimiter
from cwmpd.connreq.stun import StunClient, StunConfig
from cwmpd.connreq.udp import UdpConnectionRequestProtocol, signature
from support.agent_harness import reactor
from support.web import port_number

USER, PASSWORD = "acs-user", "s3cret-pw"


def message(ts: int, id_: int, *, sig: str | None = None, un: str = USER, cn: str = "c1") -> bytes:
    """A UDP Connection Request datagram as an ACS sends it."""
    sig = sig or signature(PASSWORD, ts, id_, un, cn)
    return (
        f"GET http://127.0.0.1:7547?ts={ts}&id={id_}&un={un}&cn={cn}&sig={sig.upper()} HTTP/1.1\r\n"
        "Host: 127.0.0.1:7547\r\n\r\n"
    ).encode()


class Sender(protocol.DatagramProtocol):
    """The ACS side: sends datagrams and records any reply."""

    def __init__(self) -> None:
        self.replies: list[bytes] = []

    def datagramReceived(self, datagram: bytes, addr: object) -> None:
        self.replies.append(datagram)


@dataclass
class Udp:
    """A live UDP Connection Request socket with a recording on_request."""

    proto: UdpConnectionRequestProtocol
    port: int
    calls: list[int] = field(default_factory=list)
    waiting: list[defer.Deferred[None]] = field(default_factory=list)

    def called(self) -> None:
        self.calls.append(1)
        waiting, self.waiting = self.waiting, []
        for d in waiting:
            d.callback(None)

    def next_call(self) -> defer.Deferred[None]:
        d: defer.Deferred[None] = defer.Deferred()
        self.waiting.append(d)
        return d.addTimeout(5, reactor)


@pytest.fixture
def udp() -> Iterator[Udp]:
    """The UDP Connection Request socket on 127.0.0.1, ephemeral port."""
    live = Udp(proto=None, port=0)  # type: ignore[arg-type]
    live.proto = UdpConnectionRequestProtocol(
        Credentials(USER, PASSWORD), RateLimiter(reactor), live.called
    )
    port = reactor.listenUDP(0, live.proto, interface="127.0.0.1", maxPacketSize=8192)
    live.port = port_number(port)
    yield live
    pytest_twisted.blockon(defer.maybeDeferred(port.stopListening))


@pytest_twisted.ensureDeferred
async def test_valid_then_invalid_messages(udp: Udp) -> None:
    """A valid message starts a session; tampered sig, old ts, repeated id, wrong user and
    garbage are dropped, and no datagram is ever sent back."""
    sender = Sender()
    sport = reactor.listenUDP(0, sender, interface="127.0.0.1", maxPacketSize=8192)
    dest = ("127.0.0.1", udp.port)
    t = int(time.time()) - 100
    assert sender.transport is not None
    try:
        waiter = udp.next_call()
        sender.transport.write(message(t, 1), dest)
        await waiter
        assert udp.calls == [1]
        good_sig = signature(PASSWORD, t + 10, 2, USER, "c1")
        tampered = ("0" if good_sig[0] != "0" else "1") + good_sig[1:]
        for bad in (
            message(t + 10, 2, sig=tampered),  # tampered signature
            message(t - 1, 3),  # ts older than the last valid one
            message(t, 4),  # ts equal to the last valid one
            message(t + 20, 1),  # id equal to the last valid one
            message(t + 20, 5, un="intruder"),  # wrong username
            b"GET / HTTP/1.1\r\n\r\n",
            b"\xff" * 40,
        ):
            sender.transport.write(bad, dest)
        waiter = udp.next_call()
        sender.transport.write(message(t + 30, 6), dest)  # loopback UDP keeps order
        await waiter
        assert udp.calls == [1, 1]
        assert sender.replies == []
    finally:
        await defer.maybeDeferred(sport.stopListening)


class StunResponder(protocol.DatagramProtocol):
    """A classic STUN server: answers Binding Requests, optionally demanding integrity."""

    def __init__(self, mapped: tuple[str, int] | None = None, password: str = "") -> None:
        self.mapped = mapped
        self.password = password
        self.requests: list[stunmsg.StunMessage] = []

    def datagramReceived(self, datagram: bytes, addr: tuple[str, int]) -> None:
        req = stunmsg.decode(datagram)
        self.requests.append(req)
        if self.password and not stunmsg.check_integrity(datagram, self.password.encode()):
            err = ((stunmsg.ERROR_CODE, stunmsg.error_attr(401, "Unauthorized")),)
            out = stunmsg.encode(stunmsg.BINDING_ERROR_RESPONSE, req.transaction_id, err)
        else:
            mapped = self.mapped or addr
            attrs = ((stunmsg.MAPPED_ADDRESS, stunmsg.address_attr(*mapped)),)
            key = self.password.encode() if self.password else None
            out = stunmsg.encode(stunmsg.BINDING_RESPONSE, req.transaction_id, attrs, key)
        assert self.transport is not None
        self.transport.write(out, addr)


async def run_stun(udp: Udp, responder: StunResponder, **cfg: object) -> list[tuple[str, bool]]:
    """Bind the responder, run a StunClient over the UDP CR socket until an address is known."""
    sport = reactor.listenUDP(0, responder, interface="127.0.0.1", maxPacketSize=8192)
    changes: list[tuple[str, bool]] = []
    got: defer.Deferred[None] = defer.Deferred()

    def changed(addr: str, nat: bool) -> None:
        changes.append((addr, nat))
        if not got.called:
            got.callback(None)

    config = StunConfig("127.0.0.1", port_number(sport), min_keepalive=30, **cfg)  # type: ignore[arg-type]
    client = StunClient(reactor, config, udp.proto.send, lambda: ("127.0.0.1", udp.port), changed)
    udp.proto.stun = client.datagram
    client.start()
    try:
        await got.addTimeout(5, reactor)
    finally:
        client.stop()
        await defer.maybeDeferred(sport.stopListening)
    return changes


@pytest_twisted.ensureDeferred
async def test_stun_over_the_connection_request_socket(udp: Udp) -> None:
    """Binding over the real socket: no NAT on loopback, and UDP CRs still work alongside."""
    responder = StunResponder()
    changes = await run_stun(udp, responder)
    assert changes == [(f"127.0.0.1:{udp.port}", False)]
    assert responder.requests[0].get(stunmsg.CONNECTION_REQUEST_BINDING) == stunmsg.TR111_BINDING


@pytest_twisted.ensureDeferred
async def test_stun_nat_and_integrity(udp: Udp) -> None:
    """A server that demands integrity and maps to another address: NAT detected."""
    responder = StunResponder(mapped=("203.0.113.9", 61000), password="stunpw")
    changes = await run_stun(udp, responder, username="stunuser", password="stunpw")
    assert changes == [("203.0.113.9:61000", True)]
    assert not responder.requests[0].has(stunmsg.MESSAGE_INTEGRITY)
    assert responder.requests[1].get(stunmsg.USERNAME) == b"stunuser"
