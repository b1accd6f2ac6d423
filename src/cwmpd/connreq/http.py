"""The TCP Connection Request listener (C-1..C-11): GET, secret path, Digest, rate limit.

Hand-written resource on top of twisted.web: ``guard.HTTPAuthSessionWrapper`` cannot do
SHA-256, nonce-count replay checks, uri checks or outcome-based 503s (see guard.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred, succeed
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import IReactorTCP, IReactorTime
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import Request, Site

from cwmpd.connreq.guard import Credentials, DigestGuard, Outcome
from cwmpd.connreq.lockout import AuthLockout, LockoutConfig
from cwmpd.connreq.nonces import NonceTable
from cwmpd.connreq.ratelimit import Budget, RateLimitConfig, RateLimiter
from cwmpd.connreq.slots import SlotsFactory, descriptor_cap, source_key
from cwmpd.connreq.urls import check_path

_log = Logger()


@dataclass(frozen=True)
class ListenerConfig:
    """Where and how the HTTP Connection Request listener runs."""

    path: str
    address: str = ""  # "" = every address, IPv6 and IPv4 when the host has IPv6
    port: int = 7547
    username: str = ""
    password: str = field(default="", repr=False)
    realm: str = "cwmpd"
    nonce_lifetime: float = 60.0
    max_nonces: int = 256
    idle_timeout: float = 30.0
    rate: RateLimitConfig = field(default_factory=RateLimitConfig)
    max_connections: int = 32
    header_timeout: float = 5.0  # seconds to send a request after connecting or an answer
    lockout: LockoutConfig = field(default_factory=LockoutConfig)
    trusted_state: Path | None = None  # where the sources that authenticated are kept


class _Sink(io.BytesIO):
    """Request body store that keeps nothing: a Connection Request body is ignored (C-2)."""

    def write(self, data: Any) -> int:
        return len(data)


class _Site(Site):
    """A Site that writes no access log (it would leak the secret path) and keeps no bodies."""

    def log(self, request: Any) -> None:
        """Access logging is off; refused attempts are logged by the resource."""

    def _updateLogDateTime(self) -> None:
        """No access log, so no once-a-second timer keeping its date fresh (idle CPU)."""

    def getContentFile(self, length: int | None) -> io.BytesIO:
        """Discard request bodies whatever their size."""
        return _Sink()


class ConnectionRequestResource(Resource):
    """Answers every request of the site: 200 + ``on_request`` for authenticated GETs only."""

    isLeaf = True
    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        path: str,
        guard: DigestGuard,
        limiter: RateLimiter,
        credentials: Credentials,
        on_request: Callable[[], None],
        lockout: AuthLockout | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._clock = clock
        self._path = check_path(path).encode("ascii")
        self._guard = guard
        self._limiter = limiter
        self.lockout = lockout if lockout is not None else AuthLockout(clock)
        self._credentials = credentials
        self._on_request = on_request
        self._busy_count = 0

    @property
    def credentials(self) -> Credentials:
        """ConnectionRequestUsername/Password in use."""
        return self._credentials

    @credentials.setter
    def credentials(self, creds: Credentials) -> None:
        if creds != self._credentials:
            self.lockout.reset()  # guesses at the old password no longer count
        self._credentials = creds

    def render(self, request: Request) -> bytes:
        """Lockouts first (no digest is looked at while locked), then classify, charge the
        matching budget, answer; never raises."""
        source = source_key(_source(request))
        locked = self.lockout.locked(source)
        if locked:
            return self._busy(request, locked)
        if request.method != b"GET":
            request.responseHeaders.setRawHeaders(b"allow", [b"GET"])
            return self._refuse(request, 405, "method not GET")
        if request.path != self._path:
            return self._refuse(request, 404, "wrong path")
        headers = request.requestHeaders.getRawHeaders(b"authorization") or []
        if len(headers) > 1:
            return self._refuse(request, 400, "several Authorization headers")
        try:
            target = request.uri.decode("ascii")
            auth = headers[0].decode("ascii") if headers else None
        except UnicodeDecodeError:
            return self._refuse(request, 400, "non-ASCII request target or header")
        verdict = self._guard.verify("GET", target, auth, self.credentials)
        if verdict.outcome is Outcome.REFUSED:
            if self.credentials.usable:  # with none set there is nothing to guess
                self.lockout.failed(source)
            return self._refuse(request, 401, verdict.reason)
        if verdict.outcome is Outcome.OK:
            self.lockout.succeeded(source)
            if not self._limiter.allow(Budget.ACCEPTED):
                return self._busy(request)
            self._calm()
            self.log.info("Connection Request accepted from {source}", source=_source(request))
            request.setResponseCode(200)
            self._clock.callLater(0, self._on_request)
            return b""
        if not self._limiter.allow_challenge(source):
            return self._busy(request)
        self._calm()
        return self._challenge(request, stale=verdict.outcome is Outcome.STALE)

    def _challenge(self, request: Request, stale: bool) -> bytes:
        request.setResponseCode(401)
        request.responseHeaders.setRawHeaders(
            b"www-authenticate", [c.encode("ascii") for c in self._guard.challenges(stale)]
        )
        return b""

    def _refuse(self, request: Request, code: int, reason: str) -> bytes:
        if not self._limiter.allow(Budget.REFUSED):
            return self._busy(request)
        self._calm()
        self.log.warn(
            "Connection Request refused from {source}: {reason}",
            source=_source(request),
            reason=reason,
        )
        if code == 401:
            return self._challenge(request, stale=False)
        request.setResponseCode(code)
        return b""

    def _busy(self, request: Request, why: str = "rate limit reached") -> bytes:
        if self._busy_count == 0:
            self.log.warn(
                "Connection Request {why} (last from {source}): answering 503",
                why=why,
                source=_source(request),
            )
        self._busy_count += 1
        request.setResponseCode(503)
        return b""

    def _calm(self) -> None:
        if self._busy_count:
            self.log.warn("Connection Request: {n} requests got 503", n=self._busy_count)
            self._busy_count = 0


def _source(request: Request) -> str:
    addr = request.getClientAddress()  # type: ignore[no-untyped-call]
    host = getattr(addr, "host", str(addr))
    return str(host).removeprefix("::ffff:")


class ConnectionRequestServer(Service):
    """The listener as a Twisted service: ``listen()`` binds, ``stop()`` closes (C-11).

    ``reactor`` listens (IReactorTCP) and times the site's connections (IReactorTime, also
    the default ``clock``); TypeError at once if it is no clock."""

    def __init__(
        self,
        reactor: IReactorTCP,
        config: ListenerConfig,
        on_request: Callable[[], None],
        *,
        clock: IReactorTime | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        site_clock = IReactorTime(reactor)
        clock = clock if clock is not None else site_clock
        self._reactor = reactor
        self.config = config
        self.limiter = limiter if limiter is not None else RateLimiter(clock, config.rate)
        nonces = NonceTable(clock, config.nonce_lifetime, config.max_nonces)
        self.resource = ConnectionRequestResource(
            clock,
            config.path,
            DigestGuard(nonces, config.realm),
            self.limiter,
            Credentials(config.username, config.password),
            on_request,
            AuthLockout(clock, config.lockout, trusted=config.trusted_state),
        )
        self.site = _Site(self.resource, timeout=config.idle_timeout, reactor=site_clock)  # type: ignore[no-untyped-call]
        self.site.displayTracebacks = False
        self.site.noisy = False
        self.slots = SlotsFactory(self.site, clock, config.max_connections, config.header_timeout)
        self._listening: Any = None

    def set_credentials(self, username: str, password: str) -> None:
        """Use new ConnectionRequestUsername/Password from the next request on."""
        self.resource.credentials = Credentials(username, password)

    @property
    def port(self) -> int:
        """The bound TCP port (useful with port 0); raises if not listening."""
        if self._listening is None:
            raise RuntimeError("Connection Request listener is not listening")
        return int(self._listening.getHost().port)

    def listen(self) -> int:
        """Bind and listen; returns the bound port. Address "" means IPv6+IPv4 if possible."""
        if self._listening is None:
            self.slots.limit, why = descriptor_cap(self.config.max_connections)
            _log.info("Connection Request listener: {why}", why=why)
            # listenTCP is typed for a ServerFactory; any IProtocolFactory (the slots'
            # WrappingFactory is a ClientFactory) serves at run time.
            factory: Any = self.slots
            address, listen = self.config.address, self._reactor.listenTCP
            if address:
                self._listening = listen(self.config.port, factory, 50, address)
            else:
                try:
                    self._listening = listen(self.config.port, factory, 50, "::")
                except CannotListenError:
                    self._listening = listen(self.config.port, factory, 50, "")
        return self.port

    def stop(self) -> Deferred[None]:
        """Close the port; fires when it is closed."""
        listening, self._listening = self._listening, None
        if listening is None:
            return succeed(None)
        d: Deferred[None] | None = listening.stopListening()
        return d if d is not None else succeed(None)

    def startService(self) -> None:
        """Service start: listen."""
        super().startService()  # type: ignore[no-untyped-call]
        self.listen()

    def stopService(self) -> Deferred[None]:
        """Service stop: close the port."""
        super().stopService()  # type: ignore[no-untyped-call]
        return self.stop()
