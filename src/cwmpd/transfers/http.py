"""HTTP(S) to file servers: GET into a spool file, PUT from a file (P-24, P-30, X-7).

Built on twisted.web's Agent (non-persistent pool) and the HTTP kit every client of
the agent shares: the ACS's TLS policy (cwmpd.http.tls), Basic/Digest
(cwmpd.http.auth), the 401 and redirect loop (cwmpd.http.follow, where it is said
why not Twisted's RedirectAgent) and the failure diagnosis (cwmpd.http.failures).
Hand-written here: the mapping of each cause of failure to its CWMP fault code,
which no library knows, and the download's watchdog.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from twisted.internet import defer, task
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.threads import deferToThreadPool
from twisted.web.client import (
    Agent,
    FileBodyProducer,
    HTTPConnectionPool,
    RequestTransmissionFailed,
    ResponseFailed,
    ResponseNeverReceived,
)
from twisted.web.http_headers import Headers
from twisted.web.iweb import UNKNOWN_LENGTH, IBodyProducer, IPolicyForHTTPS, IResponse

from cwmpd.http.auth import Authenticator
from cwmpd.http.connection import USER_AGENT, discard
from cwmpd.http.errors import (
    AuthenticationFailed,
    RedirectUnusable,
    RedirectWithoutLocation,
    TooManyRedirects,
)
from cwmpd.http.failures import Why, diagnose
from cwmpd.http.follow import Rules, follow
from cwmpd.http.tls import TlsConfigError, TlsPolicy, tls_policy_for
from cwmpd.http.urls import origin, request_target
from cwmpd.reactors import AgentReactor
from cwmpd.transfers.errors import TransferError
from cwmpd.transfers.limits import HttpLimits
from cwmpd.transfers.spool import SpoolWriter

Progress = Callable[[int, int], None]  # (bytes so far, total or 0)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_AUTH_ANSWERS = 2  # the third 401 in a row fails (9012)


def _cause(exc: BaseException) -> TransferError:
    """The fault code of a failure to get a response (connect, DNS, TLS, timeout)."""
    d = diagnose(exc)
    if d.why is Why.CERTIFICATE_REFUSED:
        return TransferError(9015, f"TLS: certificate of the file server refused: {d.cause}")
    if d.why in (Why.NAME_MISMATCH, Why.TLS_HANDSHAKE):
        return TransferError(9015, f"TLS verification of the file server failed: {d.cause}")
    if d.why in (Why.DNS, Why.CONNECT):
        return TransferError(9015, f"cannot contact the file server: {d.cause}")
    if isinstance(exc, ResponseFailed):
        return TransferError(9017, "connection lost during the transfer")
    return TransferError(9015, d.text())


class FileServerClient:
    """Talks to one file server for one transfer; ``cancel()`` aborts it."""

    def __init__(
        self,
        reactor: AgentReactor,
        tls: TlsPolicy,
        username: str,
        password: str,
        *,
        limits: HttpLimits = HttpLimits(),  # noqa: B008 (frozen, shared)
        allow_basic_over_http: bool = False,
    ) -> None:
        self._reactor = reactor
        self._tls = tls
        self._limits = limits
        self._rules = Rules(
            peer="file server",
            redirect_codes=_REDIRECTS,
            max_redirects=limits.max_redirects,
            max_answers=_AUTH_ANSWERS,
        )
        self._auth = Authenticator(username, password, allow_basic_over_http=allow_basic_over_http)
        self._pool = HTTPConnectionPool(reactor, persistent=False)  # type: ignore[no-untyped-call]
        self._policy: IPolicyForHTTPS | None = None

    def _agent(self) -> Agent:
        if self._policy is None:
            try:
                self._policy = tls_policy_for(self._tls, self._reactor.seconds)
            except TlsConfigError as exc:
                raise TransferError(9010, str(exc)) from exc
        return Agent(  # type: ignore[no-untyped-call]
            self._reactor,
            contextFactory=self._policy,
            connectTimeout=self._limits.connect_timeout,
            pool=self._pool,
        )

    async def _request(
        self,
        method: bytes,
        url: str,
        body: Callable[[], IBodyProducer | None],
        content_type: str = "",
    ) -> tuple[IResponse, str]:
        """Send, answering 401 challenges and following redirects; the final response."""

        async def send(url: str) -> IResponse:
            headers = Headers({b"user-agent": [USER_AGENT]})
            if content_type:
                headers.addRawHeader(b"content-type", content_type.encode("latin-1"))
            value = self._auth.authorization(method.decode(), request_target(url), origin(url)[0])
            if value is not None:
                headers.addRawHeader(b"authorization", value.encode())
            try:
                response: IResponse = await self._agent().request(
                    method, url.encode(), headers, body()
                )
            except (
                ResponseNeverReceived,
                ResponseFailed,
                RequestTransmissionFailed,  # a PUT whose connection failed under its body
                ConnectError,
                DNSLookupError,
            ) as exc:
                raise _cause(exc) from exc
            return response

        try:
            return await follow(url, send, self._auth, self._rules, discard=discard)
        except AuthenticationFailed as exc:
            raise TransferError(9012, str(exc)) from exc
        except (TooManyRedirects, RedirectWithoutLocation) as exc:
            raise TransferError(9016, f"too many redirects or no Location: {exc}") from exc
        except RedirectUnusable as exc:
            raise TransferError(9013, f"redirected to an unsupported protocol: {exc}") from exc

    async def get(
        self, url: str, dest: Path, *, expected: int, space: int, progress: Progress | None = None
    ) -> int:
        """GET ``url`` into ``dest``; the byte count. The file is removed on failure.
        ``progress(bytes so far, total or 0)`` is called after each chunk."""
        try:
            return await self._get(url, dest, expected=expected, space=space, progress=progress)
        except BaseException:
            _unlink(dest)
            raise

    async def _get(
        self, url: str, dest: Path, *, expected: int, space: int, progress: Progress | None
    ) -> int:
        response, url = await self._request(b"GET", url, lambda: None)
        if not 200 <= response.code < 300:
            await discard(response)
            raise TransferError(9016, f"the file server answered HTTP {response.code}")
        length = response.length
        if length is not UNKNOWN_LENGTH and isinstance(length, int):
            if expected and length != expected:
                await discard(response)
                raise TransferError(9017, f"file is {length} bytes, FileSize says {expected}")
            if length > space:
                await discard(response)
                raise TransferError(9010, f"not enough space for {length} bytes")
        total = length if isinstance(length, int) else expected
        on_chunk = None if progress is None else (lambda done: progress(done, total))
        with open(dest, "wb", buffering=0) as out:
            writer = SpoolWriter(out, expected=expected, space=space, progress=on_chunk)
            watchdog = _Watchdog(self._reactor, writer, self._limits)
            response.deliverBody(writer)  # type: ignore[no-untyped-call]
            try:
                size = await writer.finished
            finally:
                watchdog.stop()
            # Durable before "fetched" is persisted; off the reactor thread (can take a while).
            await deferToThreadPool(
                self._reactor, self._reactor.getThreadPool(), os.fsync, out.fileno()
            )
        if isinstance(length, int) and size != length:
            raise TransferError(9017, f"got {size} of {length} bytes")
        if expected and size != expected:
            raise TransferError(9017, f"got {size} bytes, FileSize says {expected}")
        return size

    async def put(self, url: str, source: Path, content_type: str) -> int:
        """PUT the file ``source`` to ``url``; the HTTP status (2xx) or TransferError 9011/...."""

        # The producer reads the file in slices scheduled on our reactor (not the global one).
        cooperator = task.Cooperator(scheduler=lambda work: self._reactor.callLater(0, work))

        def body() -> IBodyProducer:
            handle = open(source, "rb")  # noqa: SIM115 - FileBodyProducer closes it
            producer: IBodyProducer = FileBodyProducer(handle, cooperator)  # type: ignore[no-untyped-call]
            return producer

        response, _ = await self._request(b"PUT", url, body, content_type)
        await discard(response)
        if not 200 <= response.code < 300:
            raise TransferError(9011, f"the file server answered HTTP {response.code}")
        return int(response.code)

    def close(self) -> defer.Deferred[None]:
        """Drop any connection left."""
        done: defer.Deferred[None] = self._pool.closeCachedConnections()  # type: ignore[no-untyped-call]
        return done


class _Watchdog:
    """Fails a body read that stalls for idle_timeout or lasts past total_timeout (9017)."""

    _call: IDelayedCall

    def __init__(self, clock: IReactorTime, writer: SpoolWriter, limits: HttpLimits) -> None:
        self._clock = clock
        self._writer = writer
        self._limits = limits
        self._deadline = clock.seconds() + limits.total_timeout
        self._seen = -1
        self._call = clock.callLater(limits.idle_timeout, self._check)

    def _check(self) -> None:
        if self._writer.touched == self._seen:
            self._writer.fail(TransferError(9017, "the file server stopped sending"))
            return
        if self._clock.seconds() >= self._deadline:
            self._writer.fail(TransferError(9017, "the transfer took too long"))
            return
        self._seen = self._writer.touched
        self._call = self._clock.callLater(self._limits.idle_timeout, self._check)

    def stop(self) -> None:
        if self._call.active():
            self._call.cancel()


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)
