"""Connection plumbing of the HTTP clients: endpoints that remember the local address,
an in-memory body producer, a size-capped body reader and aborting a response's connection.

Twisted's ``FileBodyProducer`` needs a cooperator and ``readBody`` has no size cap,
and Agent does not expose the local address of its connections. A response's body
transport (``TransportProxyProducer``) has no ``abortConnection`` (``readBody`` warns
about it): ``abort_transport`` reaches the connection under it, for every client.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from twisted.internet import defer
from twisted.internet.abstract import isIPAddress, isIPv6Address
from twisted.internet.endpoints import (
    HostnameEndpoint,
    TCP4ClientEndpoint,
    TCP6ClientEndpoint,
    wrapClientTLS,
)
from twisted.internet.interfaces import (
    IConsumer,
    IProtocol,
    IProtocolFactory,
    IStreamClientEndpoint,
)
from twisted.internet.protocol import Protocol
from twisted.python.failure import Failure
from twisted.web.client import URI, ResponseDone
from twisted.web.http import PotentialDataLoss
from twisted.web.iweb import (
    UNKNOWN_LENGTH,
    IAgentEndpointFactory,
    IBodyProducer,
    IPolicyForHTTPS,
    IResponse,
)
from zope.interface import implementer

import cwmpd
from cwmpd.http.encoding import BadContentEncoding, Decoder
from cwmpd.http.errors import ResponseTooLarge
from cwmpd.reactors import AgentReactor

T = TypeVar("T")

#: What every client of the agent sends as User-Agent (ACS and file servers).
USER_AGENT = f"cwmpd/{cwmpd.__version__}".encode()


def endpoint_for_uri(
    reactor: AgentReactor, uri: URI, timeout: float, tls: IPolicyForHTTPS | None = None
) -> IStreamClientEndpoint:
    """A TCP endpoint to ``uri``'s host and port (an IPv6 literal without its brackets);
    https is wrapped in TLS from ``tls``, verified for the URI's host.

    An IP literal needs no name resolution: a plain TCP endpoint connects to it, sparing
    HostnameEndpoint's resolver round and the class it defines at every connection."""
    host = uri.host.decode("ascii").strip("[]")
    inner: IStreamClientEndpoint
    if isIPAddress(host):
        inner = TCP4ClientEndpoint(reactor, host, uri.port, timeout=timeout)
    elif isIPv6Address(host):
        inner = TCP6ClientEndpoint(reactor, host, uri.port, timeout=timeout)  # type: ignore[no-untyped-call]
    else:
        inner = HostnameEndpoint(reactor, host, uri.port, timeout=timeout)
    if uri.scheme != b"https":
        return inner
    if tls is None:
        raise ValueError("https URL without a TLS policy")
    return wrapClientTLS(tls.creatorForNetloc(uri.host, uri.port), inner)


@implementer(IStreamClientEndpoint)
class _RecordingEndpoint:
    def __init__(self, inner: IStreamClientEndpoint, owner: RecordingEndpointFactory) -> None:
        self._inner = inner
        self._owner = owner

    def connect(self, protocolFactory: IProtocolFactory) -> defer.Deferred[IProtocol]:
        d: defer.Deferred[IProtocol] = self._inner.connect(protocolFactory)
        return d.addCallback(self._owner.connected)


@implementer(IAgentEndpointFactory)
class RecordingEndpointFactory:
    """Builds TCP (or TLS over TCP) endpoints and records every connection made:
    how many, the last protocol, and the local IP it used.

    Agent asks for an endpoint at every request, even one a kept-alive connection will
    carry; one endpoint per scheme, host and port (and TLS policy) is built and reused,
    which spares the host name's IDNA encoding at each POST.
    """

    def __init__(self, reactor: AgentReactor, tls: IPolicyForHTTPS | None, timeout: float) -> None:
        self._reactor = reactor
        self.tls = tls
        self._timeout = timeout
        self.connections_made = 0
        self.last_protocol: IProtocol | None = None
        self.local_address: str | None = None
        self._built: dict[tuple[bytes, bytes, int], tuple[object, IStreamClientEndpoint]] = {}

    def endpointForURI(self, uri: URI) -> IStreamClientEndpoint:
        """An endpoint for ``uri``; https gets wrapped in TLS verified for uri's host."""
        key = (uri.scheme, uri.host, uri.port)
        known = self._built.get(key)
        if known is None or known[0] is not self.tls:
            inner = endpoint_for_uri(self._reactor, uri, max(1, round(self._timeout)), self.tls)
            known = self._built[key] = (self.tls, inner)
        return _RecordingEndpoint(known[1], self)  # not kept: no cycle through the factory

    def connected(self, protocol: IProtocol) -> IProtocol:
        """Record a fresh connection (called by the endpoints)."""
        self.connections_made += 1
        self.last_protocol = protocol
        transport = getattr(protocol, "transport", None)
        if transport is not None:
            self.local_address = getattr(transport.getHost(), "host", None)
        return protocol


@implementer(IBodyProducer)
class BytesProducer:
    """Writes an in-memory body in one go, with a known length (Content-Length)."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self.length = len(body)

    def startProducing(self, consumer: IConsumer) -> defer.Deferred[None]:
        """Write the whole body."""
        consumer.write(self._body)
        return defer.succeed(None)

    def pauseProducing(self) -> None:
        """Nothing to pause: everything was written at once."""

    def resumeProducing(self) -> None:
        """Nothing to resume."""

    def stopProducing(self) -> None:
        """Nothing to stop."""


def abort_transport(transport: object) -> None:
    """Abort the real connection under a response's proxy transport (what readBody means to
    do); stop producing when there is no connection to abort."""
    producer = getattr(transport, "_producer", None)
    abort = getattr(producer, "abortConnection", None)
    if abort is not None:
        abort()
    elif transport is not None:
        transport.stopProducing()  # type: ignore[attr-defined]


async def discard(response: IResponse) -> None:
    """Throw a (small) body away unread: abort the connection under it."""
    abort_transport(getattr(response, "_transport", None))


class BodyReader(Protocol, Generic[T]):
    """Base of every response-body reader (ACS answers, spooled downloads, diagnostics).

    ``finished`` fires with ``result()`` once the body is complete (also without
    Content-Length or chunking, PotentialDataLoss) and fails with ``lost(reason)``
    when the connection is cut under it; ``fail(error)`` and cancelling ``finished``
    abort the connection.
    """

    def __init__(self) -> None:
        self.finished: defer.Deferred[T] = defer.Deferred(self._cancel)

    def _cancel(self, d: defer.Deferred[T]) -> None:
        abort_transport(self.transport)

    def fail(self, error: Exception) -> None:
        """Stop reading: abort the connection and fail ``finished`` with ``error``."""
        if self.finished.called:
            return
        abort_transport(self.transport)
        self.finished.errback(error)

    def result(self) -> T:
        """What ``finished`` fires with once the whole body was read."""
        raise NotImplementedError

    def lost(self, reason: Failure) -> Failure | Exception:
        """What ``finished`` fails with when the connection is cut under the body."""
        return reason

    def connectionLost(self, reason: Failure = ResponseDone) -> None:  # type: ignore[assignment]
        """Body complete, or the connection cut under it."""
        if self.finished.called:
            return
        if isinstance(reason.value, ResponseDone | PotentialDataLoss):
            self.finished.callback(self.result())
        else:
            self.finished.errback(self.lost(reason))


class CappedBodyReader(BodyReader[bytes]):
    """Collects a response body; past ``limit`` bytes it aborts the connection and
    fails with ResponseTooLarge. With a ``decoder`` (Content-Encoding gzip/deflate) the
    body is inflated as it arrives and ``limit`` bounds the inflated size too."""

    def __init__(
        self, limit: int, declared: object = UNKNOWN_LENGTH, decoder: Decoder | None = None
    ) -> None:
        super().__init__()
        self._limit = limit
        self._declared = declared
        self._decoder = decoder
        self._parts: list[bytes] = []
        self._size = 0

    def connectionMade(self) -> None:
        """Refuse at once a body whose declared length is over the cap."""
        if isinstance(self._declared, int) and self._declared > self._limit:
            self._too_large()

    def _too_large(self) -> None:
        self.fail(ResponseTooLarge(f"ACS response body exceeds {self._limit} bytes"))

    def dataReceived(self, data: bytes) -> None:
        """Accumulate, or abort once over the cap."""
        if self.finished.called:
            return
        self._size += len(data)
        if self._size > self._limit:
            self._too_large()
            return
        if self._decoder is not None:
            try:
                data = self._decoder.feed(data)
            except (ResponseTooLarge, BadContentEncoding) as exc:
                self.fail(exc)
                return
        self._parts.append(data)

    def connectionLost(self, reason: Failure = ResponseDone) -> None:  # type: ignore[assignment]
        """Body complete (a compressed one must end its stream), or the connection cut."""
        complete = isinstance(reason.value, ResponseDone | PotentialDataLoss)
        if self._decoder is not None and complete and not self.finished.called:
            try:
                self._parts.append(self._decoder.finish())
            except BadContentEncoding as exc:
                self.finished.errback(exc)
                return
        super().connectionLost(reason)

    def result(self) -> bytes:
        """The whole body."""
        return b"".join(self._parts)
