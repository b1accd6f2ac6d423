"""An IAgent over kept-alive connections, one per origin: what Agent and HTTPConnectionPool
(persistent, one connection per host, no automatic retry) give one CWMP session, leaner.

Agent parses the URL, asks its endpoint factory for an endpoint and goes through the pool
at every request, and the pool arms a 240 s idle timer on every connection it takes back;
a session's POSTs go to one URL over one connection, so ``KeptAgent`` keeps the idle
connection of each origin, and the parsed form of the last URLs is kept for every agent
(``cwmpd fleet``'s devices all POST to one URL), so a request does nothing else. What goes on the
wire is what Agent sends (the same ``Request``, ``Host`` as Agent computes it, persistent),
and a connection that is not idle any more (closed by the server, ``Connection: close``, an
aborted body) is replaced by a new one, as the pool does. ``close`` aborts the idle
connections, as ``closeCachedConnections`` does.
"""

from __future__ import annotations

import functools
from typing import Any

from twisted.internet import defer
from twisted.internet.abstract import isIPv6Address
from twisted.internet.interfaces import IAddress
from twisted.internet.protocol import Factory
from twisted.web._newclient import HTTP11ClientProtocol, Request
from twisted.web.client import URI
from twisted.web.http_headers import Headers
from twisted.web.iweb import IAgent, IAgentEndpointFactory, IBodyProducer, IResponse
from zope.interface import implementer

_Key = tuple[bytes, bytes, int]


def host_value(uri: URI) -> bytes:
    """The Host header Agent sends for ``uri`` (an IPv6 literal in brackets, no default port)."""
    host = uri.host
    if isIPv6Address(host.decode("ascii")):
        host = b"[" + host + b"]"
    if (uri.scheme, uri.port) in ((b"http", 80), (b"https", 443)):
        return bytes(host)
    return b"%b:%d" % (host, uri.port)


@functools.lru_cache(maxsize=64)
def parsed_url(url: bytes) -> tuple[URI, bytes, bytes]:
    """``url`` parsed as Agent parses it: (URI, Host header, request-target); the same
    objects for the same URL (nothing changes them)."""
    uri = URI.fromBytes(url)  # type: ignore[no-untyped-call]
    return uri, host_value(uri), uri.originForm


class _Factory(Factory):
    noisy = False

    def __init__(self, agent: KeptAgent, key: _Key) -> None:
        self._agent = agent
        self._key = key

    def buildProtocol(self, addr: IAddress | None) -> HTTP11ClientProtocol:
        key, agent = self._key, self._agent
        return HTTP11ClientProtocol(lambda proto: agent._idle_again(key, proto))  # type: ignore[no-untyped-call]


@implementer(IAgent)
class KeptAgent:
    """Requests over one kept-alive connection per origin (scheme, host, port)."""

    def __init__(self, endpoints: IAgentEndpointFactory) -> None:
        self._endpoints = endpoints
        self._idle: dict[_Key, HTTP11ClientProtocol] = {}

    def request(
        self,
        method: bytes,
        uri: bytes,
        headers: Headers | None = None,
        bodyProducer: IBodyProducer | None = None,
    ) -> defer.Deferred[IResponse]:
        """Send a request on the origin's idle connection, or on a new one; the given
        headers get the Host header when they have none."""
        parsed, host, target = parsed_url(uri.strip())
        if headers is None:
            headers = Headers()
        if not headers.hasHeader(b"host"):
            headers.addRawHeader(b"Host", host)
        request = Request._construct(  # type: ignore[no-untyped-call]
            method, target, headers, bodyProducer, persistent=True, parsedURI=parsed
        )
        key = (parsed.scheme, parsed.host, parsed.port)
        proto = self._idle.pop(key, None)
        if proto is not None and proto.state == "QUIESCENT":
            d: defer.Deferred[IResponse] = proto.request(request)
            return d
        endpoint = self._endpoints.endpointForURI(parsed)  # type: ignore[no-untyped-call]
        connecting: defer.Deferred[Any] = endpoint.connect(_Factory(self, key))
        return connecting.addCallback(lambda p: p.request(request))

    def _idle_again(self, key: _Key, proto: HTTP11ClientProtocol) -> None:
        """A response was read whole on a connection that stays open: keep it (one per
        origin: an older idle one is closed)."""
        if proto.state != "QUIESCENT":
            return
        old = self._idle.get(key)
        if old is not None and old is not proto and old.transport is not None:
            old.transport.loseConnection()
        self._idle[key] = proto

    def close(self) -> defer.Deferred[None]:
        """Abort every idle connection; fires once they are closed."""
        idle, self._idle = self._idle, {}
        done = [p.abort() for p in idle.values()]  # type: ignore[no-untyped-call]
        return defer.gatherResults(done).addCallback(lambda _: None)
