"""The CPE's HTTP client towards the ACS for one CWMP session (contract C, H-1..H-11).

Built on twisted.web's Agent, HTTPConnectionPool and CookieAgent; what is
hand-written is what Twisted lacks: CWMP's auth retry rules, redirects that
re-POST the envelope and stick for the session, and a capped body read.
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookiejar import CookieJar
from typing import Any
from urllib.parse import urljoin, urlsplit

from OpenSSL import SSL
from service_identity import VerificationError
from twisted.internet import defer
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.client import (
    Agent,
    CookieAgent,
    HTTPConnectionPool,
    RequestTransmissionFailed,
    ResponseNeverReceived,
)
from twisted.web.http_headers import Headers
from twisted.web.iweb import IPolicyForHTTPS, IResponse

import cwmpd
from cwmpd.http.auth import Authenticator
from cwmpd.http.connection import BytesProducer, CappedBodyReader, RecordingEndpointFactory
from cwmpd.http.errors import (
    AcsHttpError,
    AuthenticationFailed,
    ConnectFailed,
    ResponseTooLarge,
    Timeout,
    TooManyRedirects,
    UnexpectedStatus,
)
from cwmpd.http.tls import CertificateRejected, TlsConfigError, TlsPolicy, tls_policy_for

__all__ = [
    "MAX_REDIRECTS",
    "AcsHttpClient",
    "AcsHttpError",
    "AuthenticationFailed",
    "ConnectFailed",
    "HttpResponse",
    "ResponseTooLarge",
    "Timeout",
    "TlsPolicy",
    "TooManyRedirects",
    "UnexpectedStatus",
]

MAX_REDIRECTS = 5
_REDIRECT_CODES = frozenset({301, 302, 307, 308})
_STALE_RENEWALS = 2
_USER_AGENT = f"cwmpd/{cwmpd.__version__}".encode()

_log = Logger()


@dataclass(frozen=True)
class HttpResponse:
    """A final ACS answer: status 200 or 204, its headers and the whole body."""

    code: int
    headers: Headers
    body: bytes


class _ReusedConnectionDied(Exception):
    """A kept-alive connection was closed by the ACS before it answered."""


def _url_key(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def _safe(url: str) -> str:
    """A URL for messages: userinfo (credentials) and query removed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _where(url: str) -> str:
    """host:port of a URL, without any userinfo (for messages)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0
    return f"{parts.hostname}:{port}"


def _describe(exc: BaseException, url: str) -> str:
    """One line naming the most specific cause of a transport failure."""
    where = _where(url)
    reasons: list[Failure] = list(getattr(exc, "reasons", None) or [])
    causes = [f.value for f in reasons if f.value is not None] or [exc]
    for c in causes:
        if isinstance(c, CertificateRejected):
            return f"TLS: certificate of {where} refused: {c}"
        if isinstance(c, VerificationError):
            return f"TLS: certificate of {where} does not match the host name: {c}"
    for c in causes:
        if isinstance(c, SSL.Error):
            errs = c.args[0] if c.args and isinstance(c.args[0], list) else []
            detail = ", ".join(str(a[-1]) for a in errs if a) or str(c)
            return f"TLS handshake with {where} failed: {detail}"
    for c in causes:
        if isinstance(c, DNSLookupError | ConnectError):
            return f"cannot connect to {where}: {c}"
    return f"connection to {where} failed: " + "; ".join(str(c) or repr(c) for c in causes)


class AcsHttpClient:
    """HTTP transport of one CWMP session: one persistent connection, cookies,
    Basic/Digest auth and redirects, all forgotten at close()."""

    def __init__(
        self,
        reactor: Any,
        url: str,
        username: str,
        password: str,
        tls: TlsPolicy,
        *,
        allow_basic_over_http: bool = False,
        timeout: float = 30.0,
        max_body: int = 4 * 1024 * 1024,
    ) -> None:
        self._reactor = reactor
        self._url = url
        self._tls = tls
        self._policy: IPolicyForHTTPS | None = None
        self._timeout = timeout
        self._max_body = max_body
        self._auth = Authenticator(username, password, allow_basic_over_http=allow_basic_over_http)
        self._pool = HTTPConnectionPool(reactor, persistent=True)  # type: ignore[no-untyped-call]
        self._pool.maxPersistentPerHost = 1
        self._pool.retryAutomatically = False
        self._endpoints = RecordingEndpointFactory(reactor, None, timeout)
        self._jar = CookieJar()
        agent = Agent.usingEndpointFactory(  # type: ignore[no-untyped-call]
            reactor, self._endpoints, pool=self._pool
        )
        self._agent = CookieAgent(agent, self._jar)
        self._last_key: tuple[str, str] | None = None
        self._last_broken = False
        self._closed = False

    @property
    def url(self) -> str:
        """The URL posts go to now (the redirected one after a redirect)."""
        return self._url

    @property
    def local_address(self) -> str | None:
        """Local IP of the connection last used, None before the first connection."""
        return self._endpoints.local_address

    def post(self, body: bytes | None) -> defer.Deferred[HttpResponse]:
        """POST an envelope (None: an empty POST) and return the ACS's 200/204 answer."""
        if self._closed:
            return defer.fail(AcsHttpError("ACS HTTP client used after close()"))
        return defer.Deferred.fromCoroutine(self._post(body))

    def close(self) -> defer.Deferred[None]:
        """End of session: drop cookies and close the kept-alive connection (S-26, H-5)."""
        self._closed = True
        self._jar.clear()
        d: defer.Deferred[None] = self._pool.closeCachedConnections()  # type: ignore[no-untyped-call]
        return d

    async def _post(self, body: bytes | None) -> HttpResponse:
        redirects = answered = renewals = 0
        retried = False
        while True:
            url = self._url
            try:
                response, data = await self._exchange(url, body)
            except _ReusedConnectionDied as e:
                if retried:
                    raise ConnectFailed(str(e)) from None
                retried = True
                continue
            code = response.code
            if code in (200, 204):
                return HttpResponse(code, response.headers, data)
            if code == 401:
                challenges = [
                    v.decode("latin-1")
                    for v in response.headers.getRawHeaders(b"www-authenticate", [])
                ]
                stale = self._auth.answer(challenges, urlsplit(url).scheme)
                if stale and renewals < _STALE_RENEWALS:
                    renewals += 1
                    continue
                if answered:
                    raise AuthenticationFailed(f"ACS at {_where(url)} rejected our credentials")
                answered += 1
                continue
            if code in _REDIRECT_CODES:
                redirects += 1
                self._follow(url, response, redirects)
                answered = 0
                continue
            raise UnexpectedStatus(code)

    def _follow(self, url: str, response: IResponse, redirects: int) -> None:
        if redirects > MAX_REDIRECTS:
            raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects in a row from the ACS")
        location = response.headers.getRawHeaders(b"location")
        if not location:
            raise UnexpectedStatus(response.code, f"redirect {response.code} without Location")
        new = urljoin(url, location[0].decode("latin-1").strip())
        if urlsplit(new).scheme not in ("http", "https") or not urlsplit(new).hostname:
            raise UnexpectedStatus(response.code, f"redirect to an unusable URL ({_safe(new)})")
        if _url_key(new) != _url_key(url):
            self._auth.reset()
        _log.info(
            "ACS redirected ({code}) to {url} for this session", code=response.code, url=_safe(new)
        )
        self._url = new

    def _tls_policy(self) -> IPolicyForHTTPS:
        if self._policy is None:
            self._policy = tls_policy_for(self._tls, self._reactor.seconds)
            self._endpoints.tls = self._policy
        return self._policy

    def _expect_new_connection(self, key: tuple[str, str]) -> bool:
        """Whether the next request will need a new TCP connection: none yet, another
        server, or the last one is gone or closing (`Connection: close`, HTTP/1.0)."""
        proto = self._endpoints.last_protocol
        transport = getattr(proto, "transport", None)
        return (
            proto is None
            or self._last_broken
            or key != self._last_key
            or getattr(proto, "state", None) != "QUIESCENT"
            or bool(getattr(transport, "disconnecting", True))
        )

    def _headers(self, url: str, body: bytes | None) -> Headers:
        parts = urlsplit(url)
        headers = Headers({b"User-Agent": [_USER_AGENT]})
        if body is not None:
            headers.setRawHeaders(b"Content-Type", [b'text/xml; charset="utf-8"'])
            headers.setRawHeaders(b"SOAPAction", [b""])
        key = _url_key(url)
        if self._expect_new_connection(key):
            self._auth.new_connection()
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        authorization = self._auth.authorization("POST", target, parts.scheme)
        if authorization is not None:
            headers.setRawHeaders(b"Authorization", [authorization.encode("utf-8")])
        return headers

    async def _exchange(self, url: str, body: bytes | None) -> tuple[IResponse, bytes]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not url.isascii():
            raise ConnectFailed(f"unusable ACS URL ({_safe(url)}): need http(s)://host[:port]/path")
        if parts.scheme == "https":
            try:
                self._tls_policy()
            except TlsConfigError as e:
                raise ConnectFailed(f"TLS configuration: {e}") from None
        headers = self._headers(url, body)
        before = self._endpoints.connections_made
        d = defer.Deferred.fromCoroutine(self._request(url, headers, body))
        expired: list[bool] = []

        def expire() -> None:
            expired.append(True)
            d.cancel()

        timer = self._reactor.callLater(self._timeout, expire)
        try:
            response, data = await d
        except Exception as e:
            if expired:
                msg = f"no complete answer from {_where(url)} within {self._timeout:g}s"
                raise Timeout(msg) from None
            if isinstance(e, AcsHttpError | defer.CancelledError):
                raise
            reused = self._endpoints.connections_made == before
            if reused and isinstance(e, ResponseNeverReceived | RequestTransmissionFailed):
                self._last_broken = True
                raise _ReusedConnectionDied(_describe(e, url)) from None
            self._last_broken = True
            raise ConnectFailed(_describe(e, url)) from None
        finally:
            if timer.active():
                timer.cancel()
        self._last_key = _url_key(url)
        self._last_broken = False
        return response, data

    async def _request(
        self, url: str, headers: Headers, body: bytes | None
    ) -> tuple[IResponse, bytes]:
        producer = BytesProducer(body) if body is not None else None
        response: IResponse = await self._agent.request(
            b"POST", url.encode("ascii"), headers, producer
        )
        reader = CappedBodyReader(self._max_body, declared=response.length)
        response.deliverBody(reader)  # type: ignore[no-untyped-call]
        data = await reader.finished
        return response, data
