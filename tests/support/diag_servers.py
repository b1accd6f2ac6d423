"""Loopback servers for the diagnostics tests: an HTTP test-file server and a DNS server."""

from __future__ import annotations

from twisted.internet.interfaces import IListeningPort
from twisted.names import authority, dns, server
from twisted.web import resource
from twisted.web.server import Request

from support.agent_harness import reactor
from support.web import listen_now, port_number, site


class TestFile(resource.Resource):
    """GET returns ``size`` bytes; PUT records how many body bytes arrived."""

    isLeaf = True

    def __init__(self, size: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.size = size
        self.uploaded: list[int] = []

    def render_GET(self, request: Request) -> bytes:
        """The test file."""
        return b"x" * self.size

    def render_PUT(self, request: Request) -> bytes:
        """Count the uploaded bytes."""
        assert request.content is not None
        self.uploaded.append(len(request.content.read()))
        return b"ok"


def http_server(size: int) -> tuple[TestFile, IListeningPort]:
    """An HTTP server on 127.0.0.1 serving a ``size``-byte test file at every path."""
    res = TestFile(size)
    return res, listen_now(site(res))


class Zone(authority.FileAuthority):
    """An in-memory zone "test." (FileAuthority without a file)."""

    def __init__(self, zone: dict[str, str]) -> None:
        self._zone = zone
        super().__init__("test.")  # type: ignore[no-untyped-call]

    def loadFile(self, filename: str) -> None:
        """Fill the zone from the dict instead of a file."""
        soa = dns.Record_SOA(mname=b"ns.test", rname=b"root.test", ttl=60)  # type: ignore[no-untyped-call]
        records: dict[bytes, list[object]] = {b"test": [soa]}
        for name, addr in self._zone.items():
            records[name.lower().encode()] = [dns.Record_A(address=addr, ttl=60)]  # type: ignore[no-untyped-call]
        # Twisted types both attributes by their class-level None defaults
        self.soa = (b"test", soa)  # type: ignore[assignment]
        self.records = records  # type: ignore[assignment]


def dns_server(zone: dict[str, str]) -> tuple[IListeningPort, int]:
    """An authoritative DNS server for "test." on 127.0.0.1 (UDP) with A records of ``zone``."""
    factory = server.DNSServerFactory(authorities=[Zone(zone)])  # type: ignore[no-untyped-call]
    proto = dns.DNSDatagramProtocol(factory)  # type: ignore[no-untyped-call]
    port = reactor.listenUDP(0, proto, interface="127.0.0.1", maxPacketSize=8192)
    return port, port_number(port)
