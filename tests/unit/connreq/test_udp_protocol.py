"""UdpConnectionRequestProtocol over an in-memory datagram transport on a task.Clock: what
starts a session, what is dropped, STUN demultiplexing, rate limits, and never a reply."""

from __future__ import annotations

from typing import Any

import pytest
from twisted.internet.task import Clock
from twisted.logger import Logger, formatEvent

from cwmpd.connreq.guard import Credentials
from cwmpd.connreq.ratelimit import BucketConfig, RateLimitConfig, RateLimiter
from cwmpd.connreq.udp import MAX_DATAGRAM, UdpConnectionRequestProtocol, parse_udp_request
from cwmpd.connreq.udpreplay import UdpReplayGuard, signature
from support.fakes import DatagramTransport, observer

USER, PASSWORD = "acs-user", "s3cret-pw"
NOW = 1796111993
ACS = ("192.0.2.50", 40000)


def message(ts: int, id_: int, *, un: str = USER, cn: str = "c1", sig: str | None = None) -> bytes:
    sig = sig if sig is not None else signature(PASSWORD, ts, id_, un, cn)
    return (
        f"GET http://10.0.0.2:7547?ts={ts}&id={id_}&un={un}&cn={cn}&sig={sig} HTTP/1.1\r\n"
        "Host: 10.0.0.2:7547\r\n\r\n"
    ).encode()


class Udp:
    """The protocol on a Clock-driven limiter and replay guard, with recorders."""

    def __init__(self, rate: RateLimitConfig | None = None, stun: bool = True) -> None:
        self.clock = Clock()
        self.clock.advance(NOW)
        self.calls: list[float] = []
        self.stun: list[tuple[bytes, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.proto = UdpConnectionRequestProtocol(
            Credentials(USER, PASSWORD),
            RateLimiter(self.clock, rate),
            lambda: self.calls.append(self.clock.seconds()),
            (lambda d, a: self.stun.append((d, a))) if stun else None,
            replay=UdpReplayGuard(self.clock.seconds, window=300),
        )
        self.proto.log = Logger(observer=observer(self.events))
        self.transport = DatagramTransport()
        self.proto.makeConnection(self.transport)  # type: ignore[arg-type]

    def feed(self, *datagrams: bytes, addr: tuple[str, int] = ACS) -> None:
        for d in datagrams:
            self.proto.datagramReceived(d, addr)

    def logged(self) -> list[str]:
        return [formatEvent(e) for e in self.events]


def test_a_signed_request_starts_one_session_and_nothing_is_sent_back() -> None:
    udp = Udp()
    udp.feed(message(NOW, 1))
    assert udp.calls == [NOW]
    assert udp.transport.sent == []
    assert any("accepted from 192.0.2.50" in t for t in udp.logged())


def test_forgeries_and_replays_are_dropped_and_logged() -> None:
    """Tampered signature, wrong user, old or equal ts, repeated id, garbage: no session."""
    udp = Udp()
    udp.feed(message(NOW, 1))
    good = signature(PASSWORD, NOW + 5, 2, USER, "c1")
    tampered = ("1" if good[0] == "0" else "0") + good[1:]
    udp.feed(
        message(NOW + 5, 2, sig=tampered),
        message(NOW + 5, 3, un="intruder"),
        message(NOW - 1, 4),
        message(NOW, 5),
        message(NOW + 6, 1),
        b"GET / HTTP/1.1\r\n\r\n",
        b"\xff" * 40,
    )
    assert udp.calls == [NOW] and udp.transport.sent == []
    text = " ".join(udp.logged())
    for reason in (
        "wrong username or signature",
        "timestamp not newer",
        "repeated message id",
        "malformed message",
    ):
        assert reason in text
    udp.feed(message(NOW + 7, 6))
    assert udp.calls == [NOW, NOW]


def test_copies_of_the_last_request_are_quiet_and_free() -> None:
    """The ACS's repeated copies neither start sessions nor draw on the refused budget."""
    udp = Udp(RateLimitConfig(refused=BucketConfig(burst=1, rate=0.001)))
    first = message(NOW, 1)
    udp.feed(first, first, first, first)
    assert udp.calls == [NOW]
    assert not any("dropped" in t for t in udp.logged())
    udp.feed(b"junk")  # the one refused token is still there: this drop is logged
    assert sum("dropped" in t for t in udp.logged()) == 1


def test_the_clock_window_refuses_a_captured_request_later() -> None:
    """A request signed now is refused when it arrives more than 300 s later."""
    udp = Udp()
    captured = message(NOW, 9)
    udp.clock.advance(301)
    udp.feed(captured)
    assert udp.calls == []
    assert any("from our clock" in t for t in udp.logged())


def test_accepted_budget_drops_a_burst_and_refills_on_the_clock() -> None:
    udp = Udp(RateLimitConfig(accepted=BucketConfig(burst=2, rate=0.5)))
    udp.feed(*(message(NOW + i, i) for i in range(1, 5)))
    assert udp.calls == [NOW, NOW]
    assert sum("rate limited" in t for t in udp.logged()) == 2
    udp.clock.advance(2)
    udp.feed(message(NOW + 10, 10))
    assert udp.calls == [NOW, NOW, NOW + 2]


def test_a_flood_of_refused_datagrams_is_logged_within_the_budget_only() -> None:
    udp = Udp(RateLimitConfig(refused=BucketConfig(burst=3, rate=1)))
    udp.feed(*([b"junk"] * 50))
    assert sum("dropped" in t for t in udp.logged()) == 3
    udp.clock.advance(1)
    udp.feed(b"junk", b"junk")
    assert sum("dropped" in t for t in udp.logged()) == 4
    udp.feed(message(NOW + 1, 1))  # a genuine request does not need the refused budget
    assert udp.calls == [NOW + 1]


def test_stun_datagrams_go_to_the_stun_client_only() -> None:
    """First byte 0x00/0x01 is STUN: handed over with its source, never parsed as a request."""
    udp = Udp()
    stun = b"\x01\x01" + b"\x00" * 18
    udp.feed(stun, b"\x00\x01rest", addr=("192.0.2.10", 3478))
    assert udp.stun == [(stun, ("192.0.2.10", 3478)), (b"\x00\x01rest", ("192.0.2.10", 3478))]
    assert udp.calls == [] and udp.logged() == []
    quiet = Udp(stun=False)
    quiet.feed(stun)
    assert quiet.calls == [] and quiet.logged() == []


def test_send_goes_out_of_the_socket_and_is_a_no_op_before_it_exists() -> None:
    udp = Udp()
    udp.proto.send(b"ping", ("192.0.2.10", 3478))
    assert udp.transport.sent == [(b"ping", ("192.0.2.10", 3478))]
    unbound = UdpConnectionRequestProtocol(Credentials(), RateLimiter(Clock()), lambda: None)
    unbound.send(b"ping", ("192.0.2.10", 3478))  # no transport yet: nothing, no error


def test_no_credentials_refuses_even_a_well_formed_request() -> None:
    udp = Udp()
    udp.proto.credentials = Credentials()
    udp.feed(message(NOW, 1, sig=signature("", NOW, 1, "", "c1"), un=""))
    assert udp.calls == []
    assert any("no Connection Request credentials" in t for t in udp.logged())


@pytest.mark.parametrize(
    "datagram",
    [
        b"POST http://h?ts=1796111993&id=1&un=u&cn=c&sig=" + b"a" * 40 + b" HTTP/1.1",
        b"GET http://h?ts=1796111993&id=1&un=u&cn=c&sig=" + b"a" * 40 + b" HTTP/1.0",
        b"GET https://h?ts=1796111993&id=1&un=u&cn=c&sig=" + b"a" * 40 + b" HTTP/1.1",
        b"GET http://h?ts=1796111993&id=1&id=2&un=u&cn=c&sig=" + b"a" * 40 + b" HTTP/1.1",
        b"GET http://h?ts=1796111993&id=1&un=u&sig=" + b"a" * 40 + b" HTTP/1.1",
        b"GET http://h?ts=x&id=1&un=u&cn=c&sig=" + b"a" * 40 + b" HTTP/1.1",
        b"GET http://h?ts=1796111993&id=1&un=u&cn=c&sig=" + b"a" * 39 + b" HTTP/1.1",
        b"GET http://h?ts=1796111993&id=1&un=u&cn=c&sig=" + b"a" * 40 + b"  HTTP/1.1",
        b"GET http://h?ts=1796111993&id=1&un=\xe9&cn=c&sig=" + b"a" * 40 + b" HTTP/1.1",
        b"",
    ],
)
def test_malformed_messages_do_not_parse(datagram: bytes) -> None:
    assert parse_udp_request(datagram) is None


def test_parse_accepts_annex_g_form_and_refuses_oversize() -> None:
    req = parse_udp_request(message(NOW, 7, cn="xyz"))
    assert req is not None
    assert (req.ts, req.id, req.un, req.cn) == (str(NOW), "7", USER, "xyz")
    padded = message(NOW, 7).replace(b"\r\n\r\n", b"\r\nX: " + b"a" * MAX_DATAGRAM + b"\r\n\r\n")
    assert parse_udp_request(padded) is None
