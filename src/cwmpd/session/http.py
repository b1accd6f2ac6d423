"""The CPE's HTTP client towards the ACS for one CWMP session (contract C, H-1..H-11).

Built on twisted.web's HTTP/1.1 client protocol over one kept-alive connection
(cwmpd.http.kept, what Agent and a persistent HTTPConnectionPool give, leaner) and
the session's cookies (cwmpd.http.cookies, RFC 6265; H-5: dropped at close()); the
401 answers and redirects go through cwmpd.http.follow, the loop every client of the
agent shares (why not
Twisted's RedirectAgent is said there). What is left here is the ACS's part:
re-POSTing the envelope, the redirected URL sticking for the session, one retry
on a kept-alive connection the ACS closed, a timeout and a capped body read.

Compression (cwmpd.http.encoding): every POST offers ``Accept-Encoding: gzip, deflate``
and a gzip/deflate answer is inflated under the ``max_body`` cap (a bomb is
ResponseTooLarge: fault 9004). Bodies go gzipped once the ACS's answers carry an
Accept-Encoding that admits gzip (RFC 7694); a 415 to a gzip body resends it as identity
and turns gzip off for this ACS URL (``GzipPolicy``, one per agent). Not composed:
``ContentDecoderAgent``: it has no size bound on what it inflates, and no request side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from twisted.internet import defer
from twisted.logger import Logger
from twisted.web.client import RequestTransmissionFailed, ResponseNeverReceived
from twisted.web.http_headers import Headers
from twisted.web.iweb import IPolicyForHTTPS, IResponse

from cwmpd.config import AcsConfig
from cwmpd.http.auth import Authenticator
from cwmpd.http.connection import (
    USER_AGENT,
    BytesProducer,
    CappedBodyReader,
    RecordingEndpointFactory,
    abort_transport,
)
from cwmpd.http.cookies import SessionCookies
from cwmpd.http.encoding import ACCEPT_ENCODING, GzipPolicy, decoder_for, gzip_body
from cwmpd.http.errors import (
    AcsHttpError,
    AuthenticationFailed,
    ConnectFailed,
    ResponseTooLarge,
    Timeout,
    TooManyRedirects,
    UnexpectedStatus,
)
from cwmpd.http.failures import Why, diagnose
from cwmpd.http.follow import Rules, follow
from cwmpd.http.kept import KeptAgent
from cwmpd.http.tls import TlsConfigError, TlsPolicy, tls_policy_for
from cwmpd.http.urls import origin, request_target, safe, usable, where
from cwmpd.reactors import AgentReactor

if TYPE_CHECKING:
    from cwmpd.datamodel.model import DataModel

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
#: 302 and 307 re-POST (H-9); 301 and 308 too. One answer per 401, two stale renewals.
_RULES = Rules(
    peer="ACS",
    redirect_codes=frozenset({301, 302, 307, 308}),
    max_redirects=MAX_REDIRECTS,
    max_answers=1,
    stale_renewals=2,
)

_log = Logger()


@dataclass(frozen=True)
class HttpResponse:
    """A final ACS answer: status 200 or 204, its headers and the whole body."""

    code: int
    headers: Headers
    body: bytes


class _ReusedConnectionDied(Exception):
    """A kept-alive connection was closed by the ACS before it answered."""


def _describe(exc: BaseException, url: str) -> str:
    """One line naming the most specific cause of a transport failure."""
    at = where(url)
    d = diagnose(exc)
    c = d.cause
    if d.why is Why.CERTIFICATE_REFUSED:
        return f"TLS: certificate of {at} refused: {c}"
    if d.why is Why.NAME_MISMATCH:
        return f"TLS: certificate of {at} does not match the host name: {c}"
    if d.why is Why.TLS_HANDSHAKE:
        errs = c.args[0] if c.args and isinstance(c.args[0], list) else []
        detail = ", ".join(str(a[-1]) for a in errs if a) or str(c)
        return f"TLS handshake with {at} failed: {detail}"
    if d.why in (Why.DNS, Why.CONNECT):
        return f"cannot connect to {at}: {c}"
    return f"connection to {at} failed: {d.text()}"


class AcsHttpClient:
    """HTTP transport of one CWMP session: one persistent connection, cookies,
    Basic/Digest auth and redirects, all forgotten at close()."""

    def __init__(
        self,
        reactor: AgentReactor,
        url: str,
        username: str,
        password: str,
        tls: TlsPolicy,
        *,
        allow_basic_over_http: bool = False,
        timeout: float = 30.0,
        max_body: int = 4 * 1024 * 1024,
        gzip_policy: GzipPolicy | None = None,
    ) -> None:
        """``gzip_policy``: the agent's, shared by its sessions (None: one of its own)."""
        self._reactor = reactor
        self._url = url
        self._acs_url = url  # ManagementServer.URL: what the gzip policy is kept for
        self._gzip = gzip_policy if gzip_policy is not None else GzipPolicy()
        self._tls = tls
        self._policy: IPolicyForHTTPS | None = None
        self._timeout = timeout
        self._max_body = max_body
        self._auth = Authenticator(username, password, allow_basic_over_http=allow_basic_over_http)
        self._endpoints = RecordingEndpointFactory(reactor, None, timeout)
        self._cookies = SessionCookies()
        self._agent = KeptAgent(self._endpoints)  # one kept-alive connection, no retry
        self._last_key: tuple[str, str] | None = None
        self._last_broken = False
        self._closed = False

    @classmethod
    def for_model(
        cls,
        reactor: AgentReactor,
        model: DataModel,
        acs: AcsConfig,
        gzip_policy: GzipPolicy | None = None,
    ) -> AcsHttpClient:
        """A client for the ACS the model's ManagementServer names (URL, Username, Password),
        with the config's TLS policy, Basic-over-HTTP rule, timeout and body cap."""
        ms = f"{model.root}ManagementServer."
        return cls(
            reactor,
            model.value(ms + "URL"),
            model.value(ms + "Username"),
            model.value(ms + "Password"),
            TlsPolicy.from_config(acs),
            allow_basic_over_http=acs.allow_basic_over_http,
            timeout=acs.timeout,
            max_body=acs.max_body,
            gzip_policy=gzip_policy,
        )

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
        self._cookies.clear()
        return self._agent.close()

    async def _post(self, body: bytes | None) -> HttpResponse:
        retried: list[bool] = []  # one retry per post on a kept-alive connection that died

        async def send(url: str) -> HttpResponse:
            while True:
                gzipped = body is not None and self._gzip.use_gzip(self._acs_url)
                try:
                    response = await self._exchange(url, body, gzipped)
                except _ReusedConnectionDied as e:
                    if retried:
                        raise ConnectFailed(str(e)) from None
                    retried.append(True)
                    continue
                if not (gzipped and response.code == 415):
                    return response
                _log.warn("ACS refused a gzip body (415): sending identity from now on")
                self._gzip.refused(self._acs_url)  # and the same message again, uncompressed

        response, _ = await follow(self._url, send, self._auth, _RULES, on_redirect=self._follow)
        if response.code in (200, 204):
            return response
        raise UnexpectedStatus(response.code)

    def _follow(self, code: int, new: str) -> None:
        """A redirect: its URL is used for the rest of this session only (H-9)."""
        _log.info("ACS redirected ({code}) to {url} for this session", code=code, url=safe(new))
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

    def _headers(self, url: str, body: bytes | None, gzipped: bool = False) -> Headers:
        headers = Headers({b"User-Agent": [USER_AGENT], b"Accept-Encoding": [ACCEPT_ENCODING]})
        if body is not None:
            headers.setRawHeaders(b"Content-Type", [b'text/xml; charset="utf-8"'])
            headers.setRawHeaders(b"SOAPAction", [b""])
            if gzipped:
                headers.setRawHeaders(b"Content-Encoding", [b"gzip"])
        if self._expect_new_connection(origin(url)):
            self._auth.new_connection()
        scheme = origin(url)[0]
        authorization = self._auth.authorization("POST", request_target(url), scheme)
        if authorization is not None:
            headers.setRawHeaders(b"Authorization", [authorization.encode("utf-8")])
        return headers

    async def _exchange(self, url: str, body: bytes | None, gzipped: bool = False) -> HttpResponse:
        if not usable(url) or not url.isascii():
            raise ConnectFailed(f"unusable ACS URL ({safe(url)}): need http(s)://host[:port]/path")
        if origin(url)[0] == "https":
            try:
                self._tls_policy()
            except TlsConfigError as e:
                raise ConnectFailed(f"TLS configuration: {e}") from None
        headers = self._headers(url, body, gzipped)
        before = self._endpoints.connections_made
        sent = gzip_body(body) if gzipped and body is not None else body
        d = defer.Deferred.fromCoroutine(self._request(url, headers, sent))
        expired: list[bool] = []

        def expire() -> None:
            expired.append(True)
            d.cancel()

        timer = self._reactor.callLater(self._timeout, expire)
        try:
            response = await d
        except Exception as e:
            if expired:
                msg = f"no complete answer from {where(url)} within {self._timeout:g}s"
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
        self._last_key = origin(url)
        self._last_broken = False
        return response

    async def _request(self, url: str, headers: Headers, body: bytes | None) -> HttpResponse:
        producer = BytesProducer(body) if body is not None else None
        cookie = self._cookies.header(url)
        if cookie is not None:
            headers.setRawHeaders(b"Cookie", [cookie])
        response: IResponse = await self._agent.request(
            b"POST", url.encode("ascii"), headers, producer
        )
        self._cookies.received(url, response.headers.getRawHeaders(b"set-cookie", ()))
        self._gzip.answered(self._acs_url, response.headers)
        try:
            decoder = decoder_for(response.headers, self._max_body)
        except AcsHttpError:
            abort_transport(getattr(response, "_transport", None))
            raise
        reader = CappedBodyReader(self._max_body, declared=response.length, decoder=decoder)
        response.deliverBody(reader)  # type: ignore[no-untyped-call]
        data = await reader.finished
        return HttpResponse(response.code, response.headers, data)
