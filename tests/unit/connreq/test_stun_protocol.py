"""StunClient sharing the UDP Connection Request socket, in memory on a task.Clock: the
demultiplexed round trip, resolution, stop, error answers, late answers, flapping bindings."""

from __future__ import annotations

import pytest
from twisted.internet.defer import Deferred, fail
from twisted.internet.task import Clock

from cwmpd.connreq import stunmsg
from cwmpd.connreq.guard import Credentials
from cwmpd.connreq.ratelimit import RateLimiter
from cwmpd.connreq.stun import GIVE_UP, RETRANSMITS, StunClient, StunConfig
from cwmpd.connreq.udp import UdpConnectionRequestProtocol
from support.fakes import Address, DatagramTransport

SERVER: Address = ("192.0.2.10", 3478)
LOCAL: Address = ("10.0.0.2", 7547)
PUBLIC: Address = ("203.0.113.7", 40001)


class Stack:
    """A StunClient on a UdpConnectionRequestProtocol on a DatagramTransport."""

    def __init__(self, config: StunConfig, local: Address = LOCAL, resolve: bool = False) -> None:
        self.clock = Clock()
        self.transport = DatagramTransport(local)
        self.sessions: list[int] = []
        self.changes: list[tuple[str, bool]] = []
        self.lookups: list[tuple[str, Deferred[str]]] = []
        self.udp = UdpConnectionRequestProtocol(
            Credentials("u", "p"), RateLimiter(self.clock), lambda: self.sessions.append(1)
        )
        self.udp.makeConnection(self.transport)  # type: ignore[arg-type]
        self.client = StunClient(
            self.clock,
            config,
            self.udp.send,
            lambda: local,
            lambda a, n: self.changes.append((a, n)),
            self._resolve if resolve else None,
        )
        self.udp.stun = self.client.datagram

    def _resolve(self, host: str) -> Deferred[str]:
        d: Deferred[str] = Deferred()
        self.lookups.append((host, d))
        return d

    @property
    def sent(self) -> list[tuple[bytes, Address]]:
        return self.transport.sent

    def last(self) -> stunmsg.StunMessage:
        return stunmsg.decode(self.sent[-1][0])

    def answer(
        self,
        mapped: Address | None = PUBLIC,
        *,
        error: int | None = None,
        key: bytes | None = None,
        source: Address = SERVER,
    ) -> None:
        """The server answers the last request, through the shared socket."""
        tid = self.last().transaction_id
        attrs: tuple[tuple[int, bytes], ...] = ()
        if error is not None:
            attrs = ((stunmsg.ERROR_CODE, stunmsg.error_attr(error, "no")),)
            data = stunmsg.encode(stunmsg.BINDING_ERROR_RESPONSE, tid, attrs, key)
        else:
            if mapped is not None:
                attrs = ((stunmsg.MAPPED_ADDRESS, stunmsg.address_attr(*mapped)),)
            data = stunmsg.encode(stunmsg.BINDING_RESPONSE, tid, attrs, key)
        self.udp.datagramReceived(data, source)


def config(**kw: object) -> StunConfig:
    return StunConfig(SERVER[0], SERVER[1], **kw)  # type: ignore[arg-type]


def test_binding_round_trip_over_the_connection_request_socket() -> None:
    """The request leaves through the UDP CR socket; the answer arriving on it is demultiplexed
    to the client (not taken for a Connection Request) and the public address is reported."""
    s = Stack(config(min_keepalive=30))
    s.client.start()
    assert [addr for _, addr in s.sent] == [SERVER]
    s.answer()
    assert s.changes == [("203.0.113.7:40001", True)] and s.sessions == []
    assert s.client.mapped == PUBLIC


def test_wildcard_local_address_uses_the_route_to_the_server() -> None:
    """Bound to 0.0.0.0, the local address is the one routing to the server: no NAT when the
    mapped address equals it."""
    s = Stack(StunConfig("127.0.0.1", 3478), local=("0.0.0.0", 7547))  # noqa: S104
    s.client.start()
    s.answer(("127.0.0.1", 7547), source=("127.0.0.1", 3478))
    assert s.changes == [("127.0.0.1:7547", False)]


def test_start_twice_sends_one_request_and_stop_silences_everything() -> None:
    s = Stack(config(min_keepalive=30))
    s.client.start()
    s.client.start()
    assert len(s.sent) == 1
    s.client.stop()
    assert s.clock.getDelayedCalls() == []
    s.answer()  # an answer after stop is not believed
    s.clock.advance(3600)
    assert len(s.sent) == 1 and s.changes == []


def test_host_is_resolved_first_and_a_failed_lookup_retries_after_the_keepalive() -> None:
    s = Stack(StunConfig("stun.example", 3478, min_keepalive=20), resolve=True)
    s.client.start()
    (host, d), *_ = s.lookups
    assert host == "stun.example" and s.sent == []
    d.callback(SERVER[0])
    assert [addr for _, addr in s.sent] == [SERVER]

    failing = Stack(StunConfig("nowhere.example", min_keepalive=20), resolve=True)
    failing.client.start()
    failing.lookups[0][1].errback(OSError("NXDOMAIN"))
    assert failing.sent == []
    failing.clock.advance(19.9)
    assert len(failing.lookups) == 1
    failing.clock.advance(0.1)
    assert len(failing.lookups) == 2


def test_lookup_finishing_after_stop_sends_nothing() -> None:
    s = Stack(StunConfig("stun.example", min_keepalive=20), resolve=True)
    s.client.start()
    s.client.stop()
    s.lookups[0][1].callback(SERVER[0])
    assert s.sent == [] and s.clock.getDelayedCalls() == []


def test_resolver_failing_at_once_is_retried_too() -> None:
    clock = Clock()
    attempts: list[str] = []

    def resolve(host: str) -> Deferred[str]:
        attempts.append(host)
        return fail(OSError("no resolver"))

    client = StunClient(clock, StunConfig("h.example", min_keepalive=10), lambda d, a: None,
                        lambda: LOCAL, lambda a, n: None, resolve)  # fmt: skip
    client.start()
    clock.advance(10)
    clock.advance(10)
    assert attempts == ["h.example"] * 3


def test_a_late_answer_to_a_retransmission_is_accepted_and_ends_it() -> None:
    s = Stack(config(min_keepalive=30))
    s.client.start()
    s.clock.pump(RETRANSMITS[:2])
    assert len(s.sent) == 3 and len({d for d, _ in s.sent}) == 1  # the same packet again
    s.answer()
    assert s.changes == [("203.0.113.7:40001", True)]
    s.clock.advance(29.9)
    assert len(s.sent) == 3  # no more retransmits; next keep-alive at 30 s
    s.clock.advance(0.1)
    assert len(s.sent) == 4


def test_an_answer_after_giving_up_is_ignored() -> None:
    s = Stack(config(min_keepalive=60))
    s.client.start()
    s.clock.pump([*RETRANSMITS, GIVE_UP])
    assert len(s.sent) == 1 + len(RETRANSMITS)
    s.answer()
    assert s.changes == [] and s.client.mapped is None


def test_error_other_than_401_waits_the_keepalive_without_integrity() -> None:
    s = Stack(config(username="u", password="p", min_keepalive=25))
    s.client.start()
    s.answer(error=500)
    assert len(s.sent) == 1
    s.clock.advance(25)
    assert len(s.sent) == 2 and not s.last().has(stunmsg.MESSAGE_INTEGRITY)


def test_401_while_already_authenticating_does_not_loop() -> None:
    """A second 401 (the password is wrong) waits the keep-alive instead of resending at once."""
    s = Stack(config(username="u", password="p", min_keepalive=25))
    s.client.start()
    s.answer(error=401)
    assert len(s.sent) == 2 and s.last().has(stunmsg.MESSAGE_INTEGRITY)
    s.answer(error=401, key=b"p")
    assert len(s.sent) == 2
    s.clock.advance(25)
    assert len(s.sent) == 3 and stunmsg.check_integrity(s.sent[-1][0], b"p")


def test_with_integrity_an_answer_signed_with_another_key_is_ignored() -> None:
    s = Stack(config(username="u", password="p", min_keepalive=25))
    s.client.start()
    s.answer(error=401)
    s.answer(("6.6.6.6", 6), key=b"forged")
    assert s.client.mapped is None
    s.answer(key=b"p")
    assert s.client.mapped == PUBLIC


def test_answer_without_a_mapped_address_waits_the_keepalive() -> None:
    s = Stack(config(min_keepalive=25))
    s.client.start()
    s.answer(None)
    assert s.changes == [] and len(s.sent) == 1
    s.clock.advance(25)
    assert len(s.sent) == 2


def test_a_flapping_binding_costs_one_change_request_per_keepalive() -> None:
    """A change triggers an immediate BINDING-CHANGE request; a change seen in the answer to
    that waits for the keep-alive, so a flapping server cannot make the client spin."""
    s = Stack(config(min_keepalive=30))
    s.client.start()
    s.answer(PUBLIC)
    s.clock.advance(30)
    s.answer(("203.0.113.8", 1))
    assert len(s.sent) == 3 and s.last().has(stunmsg.BINDING_CHANGE)
    s.answer(("203.0.113.9", 2))
    assert len(s.sent) == 3  # nothing sent at once
    s.clock.advance(30)
    assert len(s.sent) == 4 and s.last().has(stunmsg.BINDING_CHANGE)
    assert [a for a, _ in s.changes] == ["203.0.113.7:40001", "203.0.113.8:1", "203.0.113.9:2"]


def test_keepalive_period_from_the_maximum_alone() -> None:
    assert StunConfig("h", max_keepalive=10).keepalive == 10
    assert StunConfig("h", min_keepalive=5, max_keepalive=10).keepalive == 5


@pytest.mark.parametrize(
    "data",
    [
        b"\x01\x01\x00\x00" + b"t" * 15,  # short header
        b"\x01\x01\x00\x04" + b"t" * 16,  # length says 4, no body
        b"\x41\x01\x00\x00" + b"t" * 16,  # top bits set: not STUN
        b"\x01\x01\x00\x04" + b"t" * 16 + b"\x00\x01\x00\x08",  # attribute overruns
        b"\x01\x01\x00\x03" + b"t" * 16 + b"\x00\x01\x00",  # length not a multiple of 4
    ],
)
def test_malformed_stun_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        stunmsg.decode(data)


def test_message_codec_edges() -> None:
    """Integrity covers every byte; the transaction id is 16 bytes; ERROR-CODE round-trips."""
    raw = stunmsg.encode(stunmsg.BINDING_REQUEST, b"t" * 16, ((stunmsg.USERNAME, b"abc"),), b"k")
    assert stunmsg.check_integrity(raw, b"k")
    tampered = raw[:24] + b"X" + raw[25:]
    assert not stunmsg.check_integrity(tampered, b"k")
    assert not stunmsg.check_integrity(raw[:-24], b"k")
    assert stunmsg.decode(raw).get(stunmsg.USERNAME) == b"abc"  # padding stripped
    with pytest.raises(ValueError):
        stunmsg.encode(stunmsg.BINDING_REQUEST, b"short")
    err = stunmsg.decode(
        stunmsg.encode(stunmsg.BINDING_ERROR_RESPONSE, b"t" * 16,
                       ((stunmsg.ERROR_CODE, stunmsg.error_attr(438, "Stale Nonce")),))
    )  # fmt: skip
    assert stunmsg.error_code(err) == 438
    assert (
        stunmsg.error_code(stunmsg.StunMessage(stunmsg.BINDING_ERROR_RESPONSE, b"t" * 16)) is None
    )
