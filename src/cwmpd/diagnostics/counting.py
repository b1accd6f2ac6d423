"""Count the bytes and stamp the TCP open times of one HTTP test connection.

Twisted's Agent does not report TCP-level timings or byte counts, so its endpoint is
wrapped: ``connect`` stamps TCPOpenRequestTime/ResponseTime and puts a byte-counting
``ProtocolWrapper`` (from twisted.protocols.policies) under the HTTP protocol.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from twisted.internet import defer
from twisted.internet.interfaces import (
    IAddress,
    IProtocol,
    IProtocolFactory,
    IReactorTime,
    IStreamClientEndpoint,
)
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.web.client import URI
from twisted.web.iweb import IAgentEndpointFactory
from zope.interface import implementer

from cwmpd.http.connection import endpoint_for_uri
from cwmpd.reactors import AgentReactor


@dataclass
class Meter:
    """What one test connection did, times from ``reactor.seconds()``."""

    tcp_open_request: float = 0.0
    tcp_open_response: float = 0.0
    first_byte_received: float = 0.0
    first_byte_sent: float = 0.0
    bytes_received: int = 0
    bytes_sent: int = 0


class _CountingProtocol(ProtocolWrapper):
    meter: Meter
    clock: IReactorTime

    def dataReceived(self, data: bytes) -> None:
        if not self.meter.bytes_received:
            self.meter.first_byte_received = self.clock.seconds()
        self.meter.bytes_received += len(data)
        super().dataReceived(data)  # type: ignore[no-untyped-call]

    def write(self, data: bytes) -> None:
        if not self.meter.bytes_sent:
            self.meter.first_byte_sent = self.clock.seconds()
        self.meter.bytes_sent += len(data)
        super().write(data)  # type: ignore[no-untyped-call]

    def abortConnection(self) -> None:
        abort = getattr(self.transport, "abortConnection", None)
        if abort is not None:
            abort()

    def writeSequence(self, data: Iterable[bytes]) -> None:
        for chunk in data:
            self.write(chunk)


class _CountingFactory(WrappingFactory):
    protocol = _CountingProtocol

    def __init__(self, wrapped: IProtocolFactory, meter: Meter, clock: IReactorTime) -> None:
        super().__init__(wrapped)  # type: ignore[no-untyped-call]
        self.meter = meter
        self.clock = clock

    def buildProtocol(self, addr: IAddress | None) -> ProtocolWrapper:
        proto = super().buildProtocol(addr)
        if isinstance(proto, _CountingProtocol):
            proto.meter = self.meter
            proto.clock = self.clock
        return proto


@implementer(IStreamClientEndpoint)
class _MeteredEndpoint:
    def __init__(self, inner: IStreamClientEndpoint, meter: Meter, clock: IReactorTime) -> None:
        self._inner = inner
        self._meter = meter
        self._clock = clock

    def connect(self, factory: IProtocolFactory) -> defer.Deferred[IProtocol]:
        self._meter.tcp_open_request = self._clock.seconds()
        d = self._inner.connect(_CountingFactory(factory, self._meter, self._clock))

        def opened(wrapper: IProtocol) -> IProtocol:
            self._meter.tcp_open_response = self._clock.seconds()
            inner: IProtocol = getattr(wrapper, "wrappedProtocol", wrapper)
            return inner

        result: defer.Deferred[IProtocol] = d.addCallback(opened)
        return result


@implementer(IAgentEndpointFactory)
class MeteredEndpointFactory:
    """Plain-TCP endpoints for an Agent, each connection measured into ``meter``."""

    def __init__(self, reactor: AgentReactor, meter: Meter, connect_timeout: float) -> None:
        self._reactor = reactor
        self.meter = meter
        self._timeout = connect_timeout

    def endpointForURI(self, uri: URI) -> IStreamClientEndpoint:
        """A TCP endpoint to the URI's host and port, wrapped for measurement."""
        inner = endpoint_for_uri(self._reactor, uri, self._timeout)
        return _MeteredEndpoint(inner, self.meter, self._reactor)
