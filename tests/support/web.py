"""Loopback web servers for tests: a twisted.web Resource on a free 127.0.0.1 port.

Twisted's Site and server endpoints are untyped; these wrappers are the one typed door.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ServerEndpoint
from twisted.internet.interfaces import (
    IListeningPort,
    IOpenSSLContextFactory,
    IOpenSSLServerConnectionCreator,
    IProtocolFactory,
)
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.web.resource import IResource
from twisted.web.server import Site

from support.agent_harness import reactor


def site(resource: IResource) -> Site:
    """A twisted.web Site serving ``resource``."""
    return Site(resource)  # type: ignore[no-untyped-call]


def port_number(port: IListeningPort) -> int:
    """The TCP or UDP port number ``port`` listens on."""
    number: int = port.getHost().port  # type: ignore[attr-defined]  # IPv4Address, UDP too
    return number


async def listen_local(factory: IProtocolFactory) -> IListeningPort:
    """Listen with ``factory`` on a free 127.0.0.1 port."""
    endpoint = TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")  # type: ignore[no-untyped-call]
    port: IListeningPort = await endpoint.listen(factory)  # type: ignore[no-untyped-call]
    return port


async def stop(port: IListeningPort) -> None:
    """Stop listening on ``port`` (stopListening may or may not return a Deferred)."""
    await defer.maybeDeferred(port.stopListening)


@dataclass
class Served:
    """A listening loopback web server and its base URL (scheme://127.0.0.1:port)."""

    port: IListeningPort
    base: str

    def url(self, path: str) -> str:
        """The full URL of ``path``."""
        return self.base + path


async def serve(
    resource: IResource,
    tls: IOpenSSLServerConnectionCreator | IOpenSSLContextFactory | None = None,
    host: str = "127.0.0.1",
) -> Served:
    """Serve ``resource`` on a free loopback port, over TLS when ``tls`` server options
    are given; URLs name ``host`` (a name resolving to 127.0.0.1 for certificate checks)."""
    factory: IProtocolFactory = site(resource)
    if tls is not None:
        factory = TLSMemoryBIOFactory(tls, False, factory)
    port = await listen_local(factory)
    scheme = "https" if tls is not None else "http"
    return Served(port, f"{scheme}://{host}:{port_number(port)}")


def listen_now(factory: IProtocolFactory) -> IListeningPort:
    """Listen with ``factory`` on a free 127.0.0.1 port at once (for synchronous fixtures)."""
    # listenTCP is typed for a ServerFactory[_ProtoWithFactory]: twisted.web's Site and
    # the WrappingFactory subclasses do not fit that generic; the reactor takes any factory.
    return reactor.listenTCP(0, factory, interface="127.0.0.1")  # type: ignore[arg-type]


def stop_all(ports: Iterable[IListeningPort]) -> Deferred[list[None]]:
    """Stop listening on every port of ``ports``; fires once all are closed."""
    return defer.gatherResults([Deferred.fromCoroutine(stop(p)) for p in ports])
