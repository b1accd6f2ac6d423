"""A scriptable ACS on Twisted web, for cwmpd's tests and integrators' tests.

Hand-written because no Python ACS exists to embed; HTTP, TLS and Twisted's own digest
guard come from Twisted, envelopes from ``cwmpd.cwmp``. Queue RPCs, run the agent,
then read ``sessions``.
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.endpoints import TCP4ServerEndpoint, TCP6ServerEndpoint
from twisted.internet.interfaces import IListeningPort, IReactorTCP, IReactorTime
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.web.resource import IResource, Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

from cwmpd.cwmp import messages
from cwmpd.cwmp.soap import NS_CWMP_10
from cwmpd.testing import acs_auth
from cwmpd.testing.acs_cwmp import XML_CONTENT_TYPE, CwmpSessions, Post, Queued, Reply
from cwmpd.testing.acs_record import AcsSession, Exchange, RequestRecord
from cwmpd.testing.acs_resource import AcsEndpoint, AcsRoot, FileResource, twisted_digest

AUTH_MODES = (None, "basic", "digest", "twisted-digest")

SessionHook = Callable[[AcsSession], object]
ExchangeHook = Callable[[AcsSession, Exchange], object]


class ScriptedAcs:
    """An ACS whose answers are scripted by the test and whose sessions are recorded."""

    def __init__(
        self,
        *,
        auth: str | None = None,
        username: str = "",
        password: str = "",
        digest_algorithm: str = "MD5",
        set_cookie: bool = True,
        require_cookie: bool = False,
        ns: str | None = NS_CWMP_10,
        use_cwmp_version: str | None = None,
        realm: str = acs_auth.REALM,
        clock: IReactorTime | None = None,
        accept_gzip: bool = False,
        refuse_gzip: bool = False,
        compress_responses: str | None = None,
    ) -> None:
        """Compression switches: ``accept_gzip`` puts ``Accept-Encoding: gzip`` on every
        answer (RFC 7694: the CPE may send gzip bodies) and inflates gzip/deflate bodies;
        ``refuse_gzip`` answers 415 to a compressed body all the same (as does an ACS that
        did not accept gzip); ``compress_responses`` ("gzip" or "deflate") compresses every
        answer body the CPE's Accept-Encoding admits."""
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {AUTH_MODES}, not {auth!r}")
        self.auth_mode = auth
        if compress_responses not in (None, "gzip", "deflate"):
            raise ValueError(f"compress_responses must be gzip or deflate: {compress_responses!r}")
        self.accept_gzip, self.refuse_gzip = accept_gzip, refuse_gzip
        self.compress_responses = compress_responses
        self.username, self.password, self.realm = username, password, realm
        self._auth: acs_auth.Authenticator | None = None
        if auth == "basic":
            self._auth = acs_auth.BasicAuthenticator(username, password, realm)
        elif auth == "digest":
            self._auth = acs_auth.DigestAuthenticator(
                username, password, algorithm=digest_algorithm, realm=realm
            )
        self._cwmp = CwmpSessions(
            self,
            ns=ns,
            use_cwmp_version=use_cwmp_version,
            set_cookie=set_cookie,
            require_cookie=require_cookie,
        )
        self._clock = clock
        self.requests: list[RequestRecord] = []
        self.file_log: list[str] = []
        self.base_url: str | None = None  # scheme://host:port, once listening
        self.url: str | None = None  # the ACS URL, once listening
        self._http_script: deque[tuple[int, str]] = deque()  # (status, redirect path or "")
        self._cut_after: int | None = None
        self._files: dict[bytes, Resource] = {}
        self._hooks_start: list[SessionHook] = []
        self._hooks_end: list[SessionHook] = []
        self._hooks_exchange: list[ExchangeHook] = []
        self._waiters: list[tuple[str, int, Deferred[list[AcsSession]]]] = []
        self._port: IListeningPort | None = None
        self._root: IResource | None = None

    # -- scripting -------------------------------------------------------------------------

    def queue(self, message: messages.Message, *, hold_requests: bool = False) -> None:
        """Send ``message`` (an ACS RPC) in the current session, or the next one."""
        self._cwmp.queue.append(Queued(message, hold_requests))

    def queue_raw(
        self, body: bytes, *, content_type: str = XML_CONTENT_TYPE, raw_http: bool = False
    ) -> None:
        """Send ``body`` as it is (status 200) in place of the next ACS request.

        ``content_type`` is the Content-Type header ("" for none). With ``raw_http``,
        ``body`` is the whole HTTP response (status line, headers, framing such as broken
        chunks), written to the connection as it is; the ACS then closes the connection.
        """
        self._cwmp.queue.append(Queued(body, content_type=content_type, raw_http=raw_http))

    def queue_fault_to_inform(self, code: int) -> None:
        """Answer the next Inform with this fault (8005 keeps the session for a retry)."""
        self._cwmp.inform_faults.append(code)

    def cut_connection_after(self, n_exchanges: int) -> None:
        """Cut the TCP connection, unanswered, at the POST after ``n_exchanges`` POSTs of a session.

        Counts from the Inform of the session in progress, or of the next one (0 cuts
        at the Inform itself).
        """
        self._cut_after = n_exchanges

    def redirect_next(self, code: int = 307, to_path: str = "/acs-redirected") -> None:
        """Answer the next POST with a redirect (302 or 307) to ``to_path`` on this ACS."""
        if code not in (301, 302, 303, 307, 308):
            raise ValueError(f"{code} is not a redirect status")
        self._http_script.append((code, to_path))

    def queue_http_status(self, code: int) -> None:
        """Answer the next POST with this bare HTTP status (a failed session if one is open)."""
        self._http_script.append((code, ""))

    def on_session(self, callback: SessionHook) -> None:
        """Call ``callback(session)`` when an Inform starts a session (it may queue RPCs)."""
        self._hooks_start.append(callback)

    def on_session_end(self, callback: SessionHook) -> None:
        """Call ``callback(session)`` when a session completes or fails."""
        self._hooks_end.append(callback)

    def on_exchange(self, callback: ExchangeHook) -> None:
        """Call ``callback(session, exchange)`` as each exchange finishes (live printing)."""
        self._hooks_exchange.append(callback)

    # -- inspection ------------------------------------------------------------------------

    @property
    def sessions(self) -> list[AcsSession]:
        """Every session an Inform started, in order (completed, failed or open)."""
        return self._cwmp.sessions

    @property
    def completed_sessions(self) -> list[AcsSession]:
        """Sessions that ended with a 204."""
        return [s for s in self.sessions if s.completed]

    @property
    def pending(self) -> int:
        """How many queued ACS requests have not been sent yet."""
        return len(self._cwmp.queue)

    def wait_for_sessions(self, n: int, timeout: float | None = None) -> Deferred[list[AcsSession]]:
        """Fire with the first ``n`` completed sessions once that many ended with a 204."""
        return self._wait("completed", n, timeout)

    def wait_for_informs(self, n: int, timeout: float | None = None) -> Deferred[list[AcsSession]]:
        """Fire with the first ``n`` sessions once that many Informs started one."""
        return self._wait("started", n, timeout)

    def _wait(self, kind: str, n: int, timeout: float | None) -> Deferred[list[AcsSession]]:
        d: Deferred[list[AcsSession]] = Deferred()
        self._waiters.append((kind, n, d))
        if timeout is not None:
            if self._clock is None:
                raise RuntimeError("a timeout needs a clock: pass clock= or call listen()")
            d.addTimeout(timeout, self._clock)
        self._check_waiters()
        return d

    def _check_waiters(self) -> None:
        for waiter in list(self._waiters):
            kind, n, d = waiter
            found = self.completed_sessions if kind == "completed" else self.sessions
            if len(found) >= n or d.called:
                self._waiters.remove(waiter)
                if not d.called:
                    d.callback(found[:n])

    # -- serving ---------------------------------------------------------------------------

    def resource(self) -> IResource:
        """The root resource: served files at their paths, the ACS at every other path."""
        if self._root is None:
            acs: IResource = AcsEndpoint(self._handle_post)
            if self.auth_mode == "twisted-digest":
                acs = twisted_digest(acs, self.username, self.password, self.realm)
            self._root = AcsRoot(acs, self._files)
        return self._root

    def listen(
        self,
        reactor: IReactorTCP,
        *,
        port: int = 0,
        interface: str = "127.0.0.1",
        tls: Any = None,
        host: str | None = None,
        backlog: int = 50,
    ) -> Deferred[str]:
        """Listen (TLS when ``tls``, a server connection creator or context factory is given).

        Fires with the ACS URL, ``http(s)://host:port/acs``; ``host`` defaults to the interface.
        ``backlog``: connections waiting to be accepted (a fleet's boot storm needs more).
        """
        if self._clock is None and IReactorTime.providedBy(reactor):
            self._clock = reactor
        factory: Any = Site(self.resource())  # type: ignore[no-untyped-call]
        if tls is not None:
            factory = TLSMemoryBIOFactory(tls, False, factory)
        endpoint_type = TCP6ServerEndpoint if ":" in interface else TCP4ServerEndpoint
        endpoint = endpoint_type(reactor, port, backlog=backlog, interface=interface)
        name = host or (f"[{interface}]" if ":" in interface else interface)
        scheme = "https" if tls is not None else "http"

        def started(listening: IListeningPort) -> str:
            self._port = listening
            self.base_url = f"{scheme}://{name}:{listening.getHost().port}"  # type: ignore[attr-defined]
            self.url = self.base_url + "/acs"
            return self.url

        listening: Deferred[IListeningPort] = endpoint.listen(factory)  # type: ignore[no-untyped-call]
        return listening.addCallback(started)

    def stop(self) -> Deferred[None]:
        """Stop listening."""
        port, self._port = self._port, None
        if port is None:
            return succeed(None)
        stopped: Deferred[None] | None = port.stopListening()
        return stopped if stopped is not None else succeed(None)

    def serve_file(
        self,
        path_in_url: str,
        data: bytes,
        *,
        auth: tuple[str, str] | None = None,
        scheme: str = "digest",
    ) -> str:
        """Serve ``data`` at ``path_in_url`` (GET), optionally behind Basic or Digest auth.

        Returns the full URL once listening, else the path.
        """
        checker: acs_auth.Authenticator | None = None
        if auth is not None:
            if scheme == "basic":
                checker = acs_auth.BasicAuthenticator(*auth, realm=self.realm)
            else:
                checker = acs_auth.DigestAuthenticator(*auth, realm=self.realm)
        path = "/" + path_in_url.lstrip("/")
        self._files[path.encode()] = FileResource(data, checker, self.file_log)
        return (self.base_url or "") + path

    # -- HTTP ----------------------------------------------------------------------------

    def _handle_post(self, request: Request) -> bytes | int:
        header = request.getHeader
        raw = request.content.read() if request.content is not None else b""
        coding = (_text(header(b"content-encoding")) or "").strip().lower() or None
        inflating = coding is not None and self.accept_gzip and not self.refuse_gzip
        body = _inflate(raw, coding) if inflating and coding is not None else raw
        post = Post(
            path=request.path.decode("latin-1"),
            body=raw if body is None else body,
            cookie=_text(header(b"cookie")),
            authorization=_text(header(b"authorization")),
        )
        reply = self._refuse_coding(coding, unreadable=body is None) or self._decide(request, post)
        self.requests.append(
            RequestRecord(
                method="POST",
                path=post.path,
                status=reply.status if reply is not None else 0,
                body=post.body,
                authorization=post.authorization,
                cookie=post.cookie,
                soap_action=_text(header(b"soapaction")),
                content_type=_text(header(b"content-type")),
                content_encoding=coding,
                accept_encoding=_text(header(b"accept-encoding")),
            )
        )
        if reply is None:
            request.channel.transport.abortConnection()  # type: ignore[union-attr]
            return NOT_DONE_YET
        if reply.raw_http:
            transport: Any = request.channel.transport
            transport.write(reply.body)
            transport.loseConnection()
            return NOT_DONE_YET
        request.setResponseCode(reply.status)
        for name, value in reply.headers:
            request.responseHeaders.setRawHeaders(name.encode(), [value.encode()])
        if self.accept_gzip:
            request.responseHeaders.setRawHeaders(b"accept-encoding", [b"gzip"])
        offered = (_text(header(b"accept-encoding")) or "").lower()
        if reply.body and self.compress_responses and self.compress_responses in offered:
            request.responseHeaders.setRawHeaders(
                b"content-encoding", [self.compress_responses.encode()]
            )
            body = _deflate(reply.body, self.compress_responses)
            reply = Reply(reply.status, body, reply.headers, reply.content_type)
        if reply.body and reply.content_type:
            request.responseHeaders.setRawHeaders(b"content-type", [reply.content_type.encode()])
        elif reply.body:
            request.defaultContentType = None  # Twisted would add text/html
        return reply.body

    def _refuse_coding(self, coding: str | None, *, unreadable: bool) -> Reply | None:
        """415 to a compressed body the ACS does not take, 400 to one that does not inflate
        (before authentication, like the front end of an ACS); None otherwise."""
        if coding is not None and (self.refuse_gzip or not self.accept_gzip):
            return Reply(415)  # the session goes on: the CPE resends the message as identity
        return Reply(400) if unreadable else None

    def _decide(self, request: Request, post: Post) -> Reply | None:
        """The reply to one POST, or None to cut the connection."""
        if self._http_script:
            status, to_path = self._http_script.popleft()
            if to_path:
                base = self.base_url or _base_url(request)
                return Reply(status, headers=(("location", base + to_path),))
            self._cwmp.fail(self._cwmp.current, f"scripted HTTP {status}")
            return Reply(status)
        if self._auth is not None:
            result = self._auth.check("POST", request.uri.decode("latin-1"), post.authorization)
            if not result.ok:
                return Reply(401, headers=(("www-authenticate", result.challenge),))
        session = self._cwmp.current
        done = len(session.raw_requests) if session is not None else 0
        if self._cut_after is not None and done >= self._cut_after:
            self._cut_after = None
            self._cwmp.cut(post)
            return None
        return self._cwmp.handle(post)

    # -- Listener (called by CwmpSessions) -------------------------------------------------

    def session_started(self, session: AcsSession) -> None:
        """Run the on_session hooks and wake informs waiters."""
        for hook in self._hooks_start:
            hook(session)
        self._check_waiters()

    def session_ended(self, session: AcsSession, *, retire_nonces: bool) -> None:
        """Retire digest nonces, run the on_session_end hooks, wake waiters."""
        if self._auth is not None and retire_nonces:
            self._auth.new_session()
        for hook in self._hooks_end:
            hook(session)
        self._check_waiters()

    def exchanged(self, session: AcsSession, exchange: Exchange) -> None:
        """Run the on_exchange hooks."""
        for hook in self._hooks_exchange:
            hook(session, exchange)


def _inflate(body: bytes, coding: str) -> bytes | None:
    """A gzip or deflate request body inflated; None when it does not inflate."""
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
    if coding not in wbits:
        return None
    try:
        return zlib.decompress(body, wbits[coding])
    except zlib.error:
        return None


def _deflate(body: bytes, coding: str) -> bytes:
    """An answer body compressed in ``coding`` (gzip, or zlib-wrapped deflate)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS if coding == "gzip" else 15)
    return packer.compress(body) + packer.flush()


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


def _base_url(request: Request) -> str:
    host = request.getHost()  # type: ignore[no-untyped-call]
    scheme = "https" if request.isSecure() else "http"  # type: ignore[no-untyped-call]
    return f"{scheme}://{host.host}:{host.port}"
