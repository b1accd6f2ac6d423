"""STUN client behaviour under a fake clock: binding, keep-alive timing, retransmission,
BINDING-CHANGE and 401-then-integrity (C-16..C-19)."""

from __future__ import annotations

from twisted.internet.task import Clock

from cwmpd.connreq import stunmsg
from cwmpd.connreq.stun import StunClient, StunConfig

SERVER = ("192.0.2.10", 3478)
LOCAL = ("10.0.0.2", 7547)


class Net:
    """Records what the client sends and answers it like a scripted STUN server."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, tuple[str, int]]] = []
        self.changes: list[tuple[str, bool]] = []

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        self.sent.append((data, addr))

    def last(self) -> stunmsg.StunMessage:
        return stunmsg.decode(self.sent[-1][0])


def make(**cfg: object) -> tuple[Clock, Net, StunClient]:
    clock, net = Clock(), Net()
    config = StunConfig(server_host=SERVER[0], **cfg)  # type: ignore[arg-type]
    client = StunClient(
        clock, config, net.send, lambda: LOCAL, lambda a, n: net.changes.append((a, n))
    )
    return clock, net, client


def answer(client: StunClient, net: Net, mapped: tuple[str, int]) -> None:
    """Deliver a Binding Response mapping the last request to ``mapped``."""
    req = net.last()
    attrs = ((stunmsg.MAPPED_ADDRESS, stunmsg.address_attr(*mapped)),)
    client.datagram(stunmsg.encode(stunmsg.BINDING_RESPONSE, req.transaction_id, attrs), SERVER)


def test_binding_request_carries_tr111_attribute_and_sets_nat() -> None:
    """The first request goes to the server with CONNECTION-REQUEST-BINDING; a different
    mapped address sets NATDetected and reports the public host:port."""
    _, net, client = make(min_keepalive=30)
    client.start()
    req = net.last()
    assert net.sent[-1][1] == SERVER and req.type == stunmsg.BINDING_REQUEST
    assert req.get(stunmsg.CONNECTION_REQUEST_BINDING) == b"dslforum.org/TR-111 "
    assert not req.has(stunmsg.BINDING_CHANGE) and not req.has(stunmsg.MESSAGE_INTEGRITY)
    answer(client, net, ("203.0.113.7", 40001))
    assert net.changes == [("203.0.113.7:40001", True)]
    assert client.nat_detected and client.udp_connection_request_address == "203.0.113.7:40001"


def test_no_nat_when_mapped_equals_local() -> None:
    """A mapped address equal to the local one means no NAT."""
    _, net, client = make()
    client.start()
    answer(client, net, LOCAL)
    assert net.changes == [("10.0.0.2:7547", False)] and not client.nat_detected


def test_keepalive_waits_the_minimum_period() -> None:
    """After a response the next request goes exactly one keep-alive period later."""
    clock, net, client = make(min_keepalive=30, max_keepalive=120)
    client.start()
    answer(client, net, ("203.0.113.7", 40001))
    clock.advance(29.9)
    assert len(net.sent) == 1
    clock.advance(0.1)
    assert len(net.sent) == 2
    answer(client, net, ("203.0.113.7", 40001))
    clock.advance(30)
    assert len(net.sent) == 3
    assert net.changes == [("203.0.113.7:40001", True)]  # no repeat for the same address


def test_keepalive_never_above_maximum() -> None:
    """With the minimum above the maximum, the maximum wins (binding must be kept)."""
    assert StunConfig("h", min_keepalive=100, max_keepalive=20).keepalive == 20
    assert StunConfig("h").keepalive == 30


def test_retransmits_then_retries_after_keepalive() -> None:
    """Without answers the request is resent on RFC 3489's schedule, then retried later."""
    clock, net, client = make(min_keepalive=60)
    client.start()
    times = [0.0]
    tid = net.last().transaction_id
    while clock.seconds() < 9:
        clock.advance(min(c.getTime() for c in clock.getDelayedCalls()) - clock.seconds())
        if len(net.sent) > len(times):
            times.append(round(clock.seconds(), 2))
    assert times == [0.0, 0.1, 0.3, 0.7, 1.5, 3.1, 4.7, 6.3, 7.9]
    assert {stunmsg.decode(d).transaction_id for d, _ in net.sent} == {tid}
    clock.advance(9.5 + 60 - clock.seconds() - 0.01)
    assert len(net.sent) == 9
    clock.advance(0.02)
    assert len(net.sent) == 10 and net.last().transaction_id != tid


def test_binding_change_sent_immediately() -> None:
    """When the mapped address changes, a BINDING-CHANGE request goes out at once."""
    clock, net, client = make(min_keepalive=30)
    client.start()
    answer(client, net, ("203.0.113.7", 40001))
    clock.advance(30)
    answer(client, net, ("203.0.113.8", 50000))
    assert len(net.sent) == 3
    assert net.last().has(stunmsg.BINDING_CHANGE)
    assert net.changes[-1] == ("203.0.113.8:50000", True)
    answer(client, net, ("203.0.113.8", 50000))
    clock.advance(30)
    assert len(net.sent) == 4 and not net.last().has(stunmsg.BINDING_CHANGE)


def test_integrity_after_401() -> None:
    """A 401 makes the client resend with USERNAME and a valid MESSAGE-INTEGRITY, and keep it."""
    clock, net, client = make(username="stunuser", password="stunpw", min_keepalive=30)
    client.start()
    first = net.last()
    err = ((stunmsg.ERROR_CODE, stunmsg.error_attr(401, "Unauthorized")),)
    client.datagram(
        stunmsg.encode(stunmsg.BINDING_ERROR_RESPONSE, first.transaction_id, err), SERVER
    )
    assert len(net.sent) == 2
    raw = net.sent[-1][0]
    assert stunmsg.check_integrity(raw, b"stunpw") and not stunmsg.check_integrity(raw, b"x")
    assert stunmsg.decode(raw).get(stunmsg.USERNAME) == b"stunuser"
    answer(client, net, ("203.0.113.7", 40001))
    clock.advance(30)
    assert stunmsg.check_integrity(net.sent[-1][0], b"stunpw")


def test_no_integrity_without_username() -> None:
    """With STUNUsername empty a 401 never leads to integrity-protected requests."""
    clock, net, client = make(min_keepalive=30)
    client.start()
    err = ((stunmsg.ERROR_CODE, stunmsg.error_attr(401, "Unauthorized")),)
    tid = net.last().transaction_id
    client.datagram(stunmsg.encode(stunmsg.BINDING_ERROR_RESPONSE, tid, err), SERVER)
    assert len(net.sent) == 1
    clock.advance(30)
    assert len(net.sent) == 2 and not net.last().has(stunmsg.MESSAGE_INTEGRITY)


def test_foreign_or_forged_responses_ignored() -> None:
    """Responses with another transaction id or from another address change nothing."""
    _, net, client = make()
    client.start()
    tid = net.last().transaction_id
    attrs = ((stunmsg.MAPPED_ADDRESS, stunmsg.address_attr("6.6.6.6", 6)),)
    client.datagram(stunmsg.encode(stunmsg.BINDING_RESPONSE, b"x" * 16, attrs), SERVER)
    client.datagram(stunmsg.encode(stunmsg.BINDING_RESPONSE, tid, attrs), ("6.6.6.6", 3478))
    client.datagram(b"\x01\x01garbage", SERVER)
    assert client.mapped is None and net.changes == []


def test_xor_mapped_address_preferred() -> None:
    """XOR-MAPPED-ADDRESS round-trips and wins over MAPPED-ADDRESS."""
    msg = stunmsg.decode(
        stunmsg.encode(
            stunmsg.BINDING_RESPONSE,
            b"t" * 16,
            (
                (stunmsg.MAPPED_ADDRESS, stunmsg.address_attr("1.1.1.1", 1)),
                (stunmsg.XOR_MAPPED_ADDRESS, stunmsg.address_attr("198.51.100.4", 9999, True)),
            ),
        )
    )
    assert stunmsg.mapped_address(msg) == ("198.51.100.4", 9999)
