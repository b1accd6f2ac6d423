"""TR-143 DownloadDiagnostics and UploadDiagnostics over HTTP with twisted.web.client.Agent.

Only the TR-143 bookkeeping is hand-written (timestamps, byte counts, state mapping);
the HTTP client is Twisted's, measured through :mod:`cwmpd.diagnostics.counting`, and
a failure's cause is found by the HTTP kit every client shares (cwmpd.http.failures).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from twisted.internet import defer
from twisted.internet.interfaces import IReactorTime
from twisted.web.client import (
    Agent,
    FileBodyProducer,
    HTTPConnectionPool,
    ResponseFailed,
)
from twisted.web.http_headers import Headers
from twisted.web.iweb import IResponse

from cwmpd.cwmp.types import format_datetime
from cwmpd.diagnostics.counting import Meter, MeteredEndpointFactory
from cwmpd.diagnostics.hosts import never_resolves, safe_host
from cwmpd.http.connection import BodyReader
from cwmpd.http.failures import Why, diagnose
from cwmpd.reactors import AgentReactor

COMPLETE = "Complete"
CANNOT_RESOLVE = "Error_CannotResolveHostName"
INIT_FAILED = "Error_InitConnectionFailed"
NO_RESPONSE = "Error_NoResponse"
TRANSFER_FAILED = "Error_TransferFailed"
NO_TRANSFER_COMPLETE = "Error_NoTransferComplete"
TIMEOUT = "Error_Timeout"
OTHER = "Error_Other"
UNKNOWN_TIME = "0001-01-01T00:00:00Z"


@dataclass(frozen=True)
class HttpTestResult:
    """One download or upload test; times are TR-106 dateTimes with microseconds."""

    state: str
    rom_time: str = UNKNOWN_TIME
    bom_time: str = UNKNOWN_TIME
    eom_time: str = UNKNOWN_TIME
    tcp_open_request_time: str = UNKNOWN_TIME
    tcp_open_response_time: str = UNKNOWN_TIME
    test_bytes: int = 0
    total_bytes_received: int = 0
    total_bytes_sent: int = 0


def stamp(seconds: float) -> str:
    """A reactor time as a UTC dateTime with microseconds."""
    return format_datetime(datetime.fromtimestamp(seconds, UTC), precision=6)


def check_url(url: str) -> bool:
    """True for an http:// URL with a usable host (the only transport offered)."""
    try:
        parts = urlsplit(url)
        return parts.scheme == "http" and safe_host(parts.hostname or "") and parts.port != 0
    except ValueError:
        return False


class _ZeroFile(io.RawIOBase):
    """``length`` zero bytes as a seekable file, for FileBodyProducer."""

    def __init__(self, length: int) -> None:
        self._length = length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._length}[whence]
        self._pos = max(0, min(self._length, base + offset))
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, size: int = -1) -> bytes:
        n = self._length - self._pos if size < 0 else min(size, self._length - self._pos)
        self._pos += n
        return b"\0" * n


def _failure_state(exc: BaseException, upload: bool) -> str:
    why = diagnose(exc).why
    if why is Why.DNS:
        return CANNOT_RESOLVE
    if why is Why.CONNECT:
        return INIT_FAILED
    if isinstance(exc, defer.CancelledError):
        return TIMEOUT
    if isinstance(exc, ResponseFailed):
        return NO_TRANSFER_COMPLETE if upload else TRANSFER_FAILED
    return OTHER


async def _measure(
    reactor: AgentReactor, url: str, timeout: float, upload_length: int | None
) -> HttpTestResult:
    meter = Meter()
    pool = HTTPConnectionPool(reactor, persistent=False)  # type: ignore[no-untyped-call]
    agent = Agent.usingEndpointFactory(  # type: ignore[no-untyped-call]
        reactor, MeteredEndpointFactory(reactor, meter, timeout), pool=pool
    )
    body = None if upload_length is None else FileBodyProducer(_ZeroFile(upload_length))  # type: ignore[no-untyped-call]
    method = b"GET" if body is None else b"PUT"
    headers = Headers({b"User-Agent": [b"cwmpd-diagnostics"]})
    rom = reactor.seconds()
    d: defer.Deferred[IResponse] = agent.request(method, url.encode(), headers, body)
    watchdog = reactor.callLater(timeout, d.cancel)
    try:
        response = await d
        bom = meter.first_byte_received or reactor.seconds()
        received = await _body_size(response, reactor, timeout)
    finally:
        if watchdog.active():
            watchdog.cancel()
        await pool.closeCachedConnections()  # type: ignore[no-untyped-call]
    eom = reactor.seconds()
    rom = meter.first_byte_sent or rom
    if upload_length is not None:
        bom = rom
    ok = 200 <= response.code < 300
    state = (
        COMPLETE if ok else (NO_TRANSFER_COMPLETE if upload_length is not None else TRANSFER_FAILED)
    )
    return HttpTestResult(
        state,
        rom_time=stamp(rom),
        bom_time=stamp(max(rom, bom)),
        eom_time=stamp(max(rom, bom, eom)),
        tcp_open_request_time=stamp(meter.tcp_open_request),
        tcp_open_response_time=stamp(meter.tcp_open_response),
        test_bytes=upload_length if upload_length is not None else received,
        total_bytes_received=meter.bytes_received,
        total_bytes_sent=meter.bytes_sent,
    )


class _BodyCounter(BodyReader[int]):
    """Counts a response body without keeping it (test files can be large)."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def dataReceived(self, data: bytes) -> None:
        self.size += len(data)

    def result(self) -> int:
        return self.size


async def _body_size(response: IResponse, reactor: IReactorTime, timeout: float) -> int:
    counter = _BodyCounter()
    response.deliverBody(counter)  # type: ignore[no-untyped-call]
    watchdog = reactor.callLater(timeout, counter.finished.cancel)
    try:
        return await counter.finished
    finally:
        if watchdog.active():
            watchdog.cancel()


async def run_http_test(
    reactor: AgentReactor, url: str, *, timeout: float = 60.0, upload_length: int | None = None
) -> HttpTestResult:
    """A download (GET ``url``) or, with ``upload_length``, an upload (PUT that many bytes)."""
    if not check_url(url):
        return HttpTestResult(CANNOT_RESOLVE if url.startswith("http://") else INIT_FAILED)
    if never_resolves(urlsplit(url).hostname or ""):
        return HttpTestResult(CANNOT_RESOLVE)
    try:
        return await _measure(reactor, url, timeout, upload_length)
    except defer.CancelledError:
        raise
    except Exception as exc:  # every network failure is a test result, never a crash
        return HttpTestResult(_failure_state(exc, upload_length is not None))
