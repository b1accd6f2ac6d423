"""SlotsFactory over StringTransport and a Clock, wrapping the real Connection Request Site:
the cap, eviction by busiest source, the per-request deadline; and the descriptor cap."""

from __future__ import annotations

import resource
from collections.abc import Iterator

import pytest
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.task import Clock

from cwmpd.connreq.http import ConnectionRequestServer, ListenerConfig
from cwmpd.connreq.slots import SlotProtocol, SlotsFactory, descriptor_cap, source_key
from support.agent_harness import reactor  # the site times its connections on it
from support.fakes import Transport


@pytest.fixture
def clock() -> Clock:
    return Clock()


def factory(clock: Clock, limit: int = 4, deadline: float = 5.0) -> SlotsFactory:
    server = ConnectionRequestServer(reactor, ListenerConfig(path="/p"), lambda: None, clock=clock)
    return SlotsFactory(server.site, clock, limit, deadline)


def connect(f: SlotsFactory, host: str) -> tuple[SlotProtocol, Transport]:
    addr = IPv4Address("TCP", host, 40000)
    proto = f.buildProtocol(addr)
    transport = Transport(addr)
    proto.makeConnection(transport)
    return proto, transport


def test_source_key_groups_ipv6_by_64() -> None:
    assert source_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert source_key("2001:db8:1:2:aaaa::1") == source_key("2001:db8:1:2:bbbb::9")
    assert source_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert source_key(str(IPv6Address("TCP", "fe80::1%eth0", 1).host)) == "fe80::/64"


def test_at_the_cap_the_busiest_source_loses_its_oldest(clock: Clock) -> None:
    f = factory(clock, limit=4)
    acs = connect(f, "198.51.100.1")
    flood = [connect(f, "203.0.113.5") for _ in range(3)]
    assert len(f.protocols) == 4
    newest = [connect(f, "203.0.113.5") for _ in range(20)]
    assert not acs[1].aborted  # the ACS keeps its slot however long the flood goes on
    assert all(t.aborted for _, t in flood) and all(not t.aborted for _, t in newest[-3:])
    assert len(f.protocols) == 4 and f.evicted == 20


def test_many_single_sources_evict_the_oldest(clock: Clock) -> None:
    f = factory(clock, limit=3)
    conns = [connect(f, f"203.0.113.{i}") for i in range(5)]
    assert [t.aborted for _, t in conns] == [True, True, False, False, False]


def test_request_deadline_cuts_a_trickler_and_restarts_after_an_answer(clock: Clock) -> None:
    f = factory(clock, deadline=5)
    slow, slow_t = connect(f, "203.0.113.5")
    quick, quick_t = connect(f, "198.51.100.1")
    for _ in range(4):
        slow.dataReceived(b"G")  # type: ignore[no-untyped-call]  # a byte a second does not keep it alive
        clock.advance(1)
    quick.dataReceived(b"GET /p HTTP/1.1\r\nHost: x\r\n\r\n")  # type: ignore[no-untyped-call]
    assert quick_t.value().startswith(b"HTTP/1.1 401")  # type: ignore[no-untyped-call]
    clock.advance(1.5)
    assert slow_t.aborted and not quick_t.aborted
    clock.advance(3.4)  # 8.9 s after connecting, 4.9 s after its answer
    assert not quick_t.aborted
    clock.advance(0.2)
    assert quick_t.aborted and f.timed_out == 2


@pytest.fixture
def nofile() -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.usefixtures("nofile")
def test_descriptor_cap_follows_rlimit_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
    cap, why = descriptor_cap(32)
    assert cap == 32 and "RLIMIT_NOFILE 1024" in why
    assert descriptor_cap(5000)[0] < 1024 // 2
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(200, hard), hard))
    cap, why = descriptor_cap(32)
    assert 4 <= cap < 32 and f"at most {cap} connections" in why
