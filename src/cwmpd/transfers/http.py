"""HTTP(S) to file servers: GET into a spool file, PUT from a file (P-24, P-30, X-7).

Built on twisted.web's Agent (non-persistent pool) with the ACS's TLS policy
(cwmpd.http.tls) and the ACS client's Basic/Digest state (cwmpd.http.auth).
Hand-written: the 401 retry loop, redirects and the mapping of each cause of
failure to its CWMP fault code, which no library knows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from OpenSSL import SSL
from service_identity import VerificationError
from twisted.internet import defer, task
from twisted.internet.error import ConnectError, DNSLookupError, TimeoutError
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

import cwmpd
from cwmpd.http.auth import Authenticator
from cwmpd.http.errors import AuthenticationFailed
from cwmpd.http.tls import CertificateRejected, TlsConfigError, TlsPolicy, tls_policy_for
from cwmpd.transfers.errors import TransferError
from cwmpd.transfers.limits import HttpLimits
from cwmpd.transfers.spool import SpoolWriter, abort_transport

_USER_AGENT = f"cwmpd/{cwmpd.__version__}".encode()
Progress = Callable[[int, int], None]  # (bytes so far, total or 0)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_AUTH_TRIES = 3


def _cause(exc: BaseException) -> TransferError:
    """The fault code of a failure to get a response (connect, DNS, TLS, timeout)."""
    reasons = list(getattr(exc, "reasons", None) or [])
    causes = [f.value for f in reasons if f.value is not None] or [exc]
    for c in causes:
        if isinstance(c, CertificateRejected):
            return TransferError(9015, f"TLS: certificate of the file server refused: {c}")
        if isinstance(c, VerificationError | SSL.Error):
            return TransferError(9015, f"TLS verification of the file server failed: {c}")
    for c in causes:
        if isinstance(c, DNSLookupError | ConnectError | TimeoutError):
            return TransferError(9015, f"cannot contact the file server: {c}")
    if isinstance(exc, ResponseFailed):
        return TransferError(9017, "connection lost during the transfer")
    return TransferError(9015, "; ".join(str(c) or type(c).__name__ for c in causes))


def _target(url: str) -> tuple[str, str]:
    """(scheme, request-target) of a URL, for the digest uri."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme.lower(), target


class FileServerClient:
    """Talks to one file server for one transfer; ``cancel()`` aborts it."""

    def __init__(
        self,
        reactor: Any,
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
        redirects = auth_tries = 0
        while True:
            scheme, target = _target(url)
            headers = Headers({b"user-agent": [_USER_AGENT]})
            if content_type:
                headers.addRawHeader(b"content-type", content_type.encode("latin-1"))
            value = self._auth.authorization(method.decode(), target, scheme)
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
            if response.code == 401:
                await _discard(response)
                auth_tries += 1
                challenges = response.headers.getRawHeaders(b"www-authenticate", [])
                if auth_tries >= _AUTH_TRIES or not challenges:
                    raise TransferError(9012, "the file server refused the credentials")
                try:
                    self._auth.answer([c.decode("latin-1") for c in challenges], scheme)
                except AuthenticationFailed as exc:
                    raise TransferError(9012, str(exc)) from exc
                continue
            if response.code in _REDIRECTS:
                await _discard(response)
                location = response.headers.getRawHeaders(b"location", [b""])[0]
                redirects += 1
                if not location or redirects > self._limits.max_redirects:
                    raise TransferError(9016, "too many redirects or no Location")
                new = urljoin(url, location.decode("latin-1"))
                if urlsplit(new).scheme.lower() not in ("http", "https"):
                    raise TransferError(9013, "redirected to an unsupported protocol")
                if urlsplit(new).netloc != urlsplit(url).netloc:
                    self._auth.reset()
                url = new
                continue
            return response, url

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
            await _discard(response)
            raise TransferError(9016, f"the file server answered HTTP {response.code}")
        length = response.length
        if length is not UNKNOWN_LENGTH and isinstance(length, int):
            if expected and length != expected:
                await _discard(response)
                raise TransferError(9017, f"file is {length} bytes, FileSize says {expected}")
            if length > space:
                await _discard(response)
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
        await _discard(response)
        if not 200 <= response.code < 300:
            raise TransferError(9011, f"the file server answered HTTP {response.code}")
        return int(response.code)

    def close(self) -> defer.Deferred[None]:
        """Drop any connection left."""
        done: defer.Deferred[None] = self._pool.closeCachedConnections()  # type: ignore[no-untyped-call]
        return done


class _Watchdog:
    """Fails a body read that stalls for idle_timeout or lasts past total_timeout (9017)."""

    def __init__(self, clock: Any, writer: SpoolWriter, limits: HttpLimits) -> None:
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


async def _discard(response: IResponse) -> None:
    """Throw a (small) body away and let the connection close."""
    abort_transport(getattr(response, "_transport", None))


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)
