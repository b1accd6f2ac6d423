"""The scripted ACS's CWMP side: sessions, queued requests, answers; no HTTP, no reactor.

Hand-written because it is the ACS half of the protocol this project implements; the
envelopes themselves come from ``cwmpd.cwmp``.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from cwmpd.cwmp import messages
from cwmpd.cwmp.soap import BadEnvelope, Envelope, parse, serialize
from cwmpd.testing.acs_record import AcsSession, Exchange

COOKIE_NAME = "cwmpd_acs_session"
XML_CONTENT_TYPE = 'text/xml; charset="utf-8"'
ACS_METHODS = (
    "Inform",
    "GetRPCMethods",
    "TransferComplete",
    "AutonomousTransferComplete",
    "DUStateChangeComplete",
    "AutonomousDUStateChangeComplete",
)


@dataclass(frozen=True, slots=True)
class Post:
    """What the CWMP side needs of one HTTP POST."""

    path: str
    body: bytes
    cookie: str | None = None
    authorization: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """The HTTP answer to one POST."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = XML_CONTENT_TYPE  # "" sends none
    raw_http: bool = False  # ``body`` is the whole HTTP response, then the connection closes


@dataclass(frozen=True, slots=True)
class Queued:
    """One scripted ACS request: a message, or raw bytes sent as they are."""

    body: messages.Message | bytes
    hold_requests: bool = False
    content_type: str = XML_CONTENT_TYPE
    raw_http: bool = False


class Listener(Protocol):
    """Who hears about sessions and exchanges (the ScriptedAcs)."""

    def session_started(self, session: AcsSession) -> None:
        """An Inform was accepted."""

    def session_ended(self, session: AcsSession, *, retire_nonces: bool) -> None:
        """A session completed (204) or failed."""

    def exchanged(self, session: AcsSession, exchange: Exchange) -> None:
        """An exchange finished."""


def cpe_request_answer(msg: messages.Message) -> messages.Message | None:
    """The ACS's response to a CPE-originated request, or None if ``msg`` is not one."""
    if isinstance(msg, messages.TransferComplete):
        return messages.TransferCompleteResponse()
    if isinstance(msg, messages.AutonomousTransferComplete):
        return messages.AutonomousTransferCompleteResponse()
    if msg.name == "DUStateChangeComplete":  # by name: no load of the DU classes
        return messages.DUStateChangeCompleteResponse()
    if msg.name == "AutonomousDUStateChangeComplete":
        return messages.AutonomousDUStateChangeCompleteResponse()
    if isinstance(msg, messages.GetRPCMethods):
        return messages.GetRPCMethodsResponse(methods=ACS_METHODS)
    if isinstance(msg, messages.RequestDownload):
        return messages.RequestDownloadResponse()
    return None


class CwmpSessions:
    """One session at a time: Inform, CPE requests, queued ACS requests, then 204."""

    def __init__(
        self,
        listener: Listener,
        *,
        ns: str | None,
        use_cwmp_version: str | None,
        set_cookie: bool,
        require_cookie: bool,
    ) -> None:
        self.listener = listener
        self.ns, self.use_cwmp_version = ns, use_cwmp_version
        self.set_cookie, self.require_cookie = set_cookie, require_cookie
        self.sessions: list[AcsSession] = []
        self.queue: deque[Queued] = deque()
        self.inform_faults: deque[int] = deque()
        self.current: AcsSession | None = None
        self._outstanding: tuple[messages.Message | bytes, str | None] | None = None
        self._ids = 0

    def handle(self, post: Post) -> Reply:
        """Answer one POST that passed HTTP authentication."""
        session = self.current
        if not post.body.strip():
            if session is None:
                return Reply(400)
            self._note(session, post)
            if not self._cookie_ok(session, post):
                return Reply(403)
            self._finish(session, None, None, "empty POST while a response was owed")
            return self._next(session)
        try:
            env = parse(post.body)
        except BadEnvelope as bad:
            if session is not None:
                self._note(session, post)
                if self._outstanding is not None:
                    self._finish(session, post.body, None, f"undecodable answer: {bad.fault}")
                    return self._next(session)
                session.errors.append(f"undecodable request: {bad.fault}")
            code = 8000 if bad.fault.code == 9000 else 8003
            return self._envelope(messages.Fault(code, "", ()), bad.ns, bad.id)
        if isinstance(env.body, messages.Inform):
            return self._inform(post, env, env.body)
        if session is None:
            return Reply(400)
        self._note(session, post)
        if not self._cookie_ok(session, post):
            return Reply(403)
        answer = cpe_request_answer(env.body)
        if answer is None:
            self._finish(session, env.body, env, "")
            return self._next(session)
        if self._outstanding is not None:
            session.errors.append(f"CPE request {env.body.name} while a response was owed")
        session.cpe_requests.append(env.body)
        self._record(session, Exchange(answer, env.body, True, env.id, env))
        return self._envelope(answer, env.ns, env.id)

    def cut(self, post: Post) -> None:
        """Record what arrived on a connection about to be cut, then fail its session."""
        try:
            env = parse(post.body) if post.body.strip() else None
        except BadEnvelope:
            env = None
        session = self.current
        if env is not None and isinstance(env.body, messages.Inform):
            session = self._start(env, env.body)
        if session is None:
            return
        self._note(session, post)
        if env is not None and not isinstance(env.body, messages.Inform):
            self._finish(session, env.body, env, "")
        self.fail(session, "connection cut by the script")

    def fail(self, session: AcsSession | None, reason: str, *, retire_nonces: bool = True) -> None:
        """End ``session`` (if still open) as unsuccessful."""
        if session is None or session.ended:
            return
        session.failure = reason
        self._end(session, retire_nonces=retire_nonces)

    def _start(self, env: Envelope, inform: messages.Inform) -> AcsSession:
        session = self.current
        if session is not None and not session.inform_answered:  # retry after our 8005
            session.inform, session.inform_envelope = inform, env
            return session
        self.fail(session, "a new Inform arrived", retire_nonces=False)
        session = AcsSession(len(self.sessions), inform, env)
        self.sessions.append(session)
        self.current = session
        return session

    def _inform(self, post: Post, env: Envelope, inform: messages.Inform) -> Reply:
        session = self._start(env, inform)
        self._note(session, post)
        ns = self.ns or env.ns
        if self.inform_faults:
            code = self.inform_faults.popleft()
            fault = messages.Fault(code, "", ())
            self._record(session, Exchange(fault, inform, True, env.id, env))
            if code != 8005:
                self.fail(session, f"Inform answered with fault {code}")
            return self._envelope(fault, ns, env.id)
        answer = messages.InformResponse(max_envelopes=1)
        session.inform_answered = True
        headers: tuple[tuple[str, str], ...] = ()
        if self.set_cookie:
            session.cookie = f"{COOKIE_NAME}={secrets.token_hex(8)}"
            headers = (("set-cookie", session.cookie + "; Path=/"),)
        self._record(session, Exchange(answer, inform, True, env.id, env))
        self.listener.session_started(session)
        out = Envelope(answer, ns=ns, id=env.id, use_cwmp_version=self.use_cwmp_version)
        return Reply(200, serialize(out), headers)

    def _next(self, session: AcsSession) -> Reply:
        """Send the next queued ACS request, or end the session with 204."""
        if not self.queue:
            session.completed = True
            self._end(session)
            return Reply(204)
        item = self.queue.popleft()
        self._ids += 1
        ident = f"acs-{self._ids}"
        self._outstanding = (item.body, ident)
        if isinstance(item.body, bytes):
            return Reply(200, item.body, content_type=item.content_type, raw_http=item.raw_http)
        ns = self.ns or session.inform_envelope.ns
        env = Envelope(item.body, ns=ns, id=ident, hold_requests=item.hold_requests)
        return Reply(200, serialize(env))

    def _envelope(self, msg: messages.Message, ns: str, ident: str | None) -> Reply:
        return Reply(200, serialize(Envelope(msg, ns=ns, id=ident)))

    def _cookie_ok(self, session: AcsSession, post: Post) -> bool:
        """Under require_cookie, a POST without the session cookie fails the session."""
        sent = [c.strip() for c in (post.cookie or "").split(";")]
        if not self.require_cookie or not session.cookie or session.cookie in sent:
            return True
        session.errors.append("session cookie missing")
        self.fail(session, "session cookie missing")
        return False

    def _note(self, session: AcsSession, post: Post) -> None:
        session.raw_requests.append(post.body)
        session.paths.append(post.path)
        session.cookies_seen.append(post.cookie)
        session.authorization_seen.append(post.authorization)

    def _finish(
        self,
        session: AcsSession,
        received: messages.Message | bytes | None,
        env: Envelope | None,
        problem: str,
    ) -> None:
        """Pair what arrived with the outstanding ACS request."""
        if self._outstanding is None:
            if received is not None:
                session.errors.append("a response arrived with no request outstanding")
                self._record(session, Exchange(None, received, False, None, env))
            return
        sent, ident = self._outstanding
        self._outstanding = None
        if problem:
            session.errors.append(problem)
        if env is not None and env.id != ident:
            session.errors.append(f"cwmp:ID {env.id!r} does not echo {ident!r}")
        self._record(session, Exchange(sent, received, False, ident, env))

    def _record(self, session: AcsSession, exchange: Exchange) -> None:
        session.exchanges.append(exchange)
        self.listener.exchanged(session, exchange)

    def _end(self, session: AcsSession, *, retire_nonces: bool = True) -> None:
        if self._outstanding is not None:
            sent, ident = self._outstanding
            self._record(session, Exchange(sent, None, False, ident, None))
        self._outstanding = None
        if self.current is session:
            self.current = None
        self.listener.session_ended(session, retire_nonces=retire_nonces)
