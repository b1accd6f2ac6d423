"""A scripted ACS for many devices at once: sessions told apart by their cookie.

ScriptedAcs holds one session at a time, as one CPE does; a fleet informs side by side.
This ACS keeps a CwmpSessions per open session (found by the cookie it set at the
InformResponse) and a script per serial number, or one ``script(session)`` hook for all.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTCP
from twisted.web.server import Request

from cwmpd.cwmp import messages
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_cwmp import COOKIE_NAME, CwmpSessions, Post, Queued, Reply
from cwmpd.testing.acs_record import AcsSession


class FleetAcs(ScriptedAcs):
    """A ScriptedAcs whose sessions may overlap; RPCs are queued per serial number."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("set_cookie", True)
        super().__init__(**kwargs)
        self._all: list[AcsSession] = []
        self._open: dict[str, CwmpSessions] = {}
        self._per_serial: dict[str, deque[Queued]] = defaultdict(deque)
        self._starting: CwmpSessions | None = None
        self.by_serial: dict[str, list[AcsSession]] = defaultdict(list)
        self._kwargs = {
            "ns": kwargs.get("ns", self._cwmp.ns),
            "use_cwmp_version": self._cwmp.use_cwmp_version,
            "set_cookie": True,
            "require_cookie": False,
        }

    def listen(self, reactor: IReactorTCP, **kwargs: Any) -> Deferred[str]:
        """As ScriptedAcs.listen, with room for a boot storm's connections (backlog 4096)."""
        kwargs.setdefault("backlog", 4096)
        return super().listen(reactor, **kwargs)

    def queue_for(self, serial: str, message: messages.Message) -> None:
        """Send ``message`` in the current or next session of device ``serial``."""
        self._per_serial[serial].append(Queued(message))

    @property
    def sessions(self) -> list[AcsSession]:
        """Every session an Inform started, in the order of their Informs."""
        return self._all

    @property
    def pending(self) -> int:
        """Queued requests not sent yet, over all devices."""
        return sum(len(q) for q in self._per_serial.values())

    def _decide(self, request: Request, post: Post) -> Reply | None:
        if self._auth is not None:
            result = self._auth.check("POST", request.uri.decode("latin-1"), post.authorization)
            if not result.ok:
                return Reply(401, headers=(("www-authenticate", result.challenge),))
        cwmp = self._session_of(post.cookie)
        if cwmp is None:
            cwmp = CwmpSessions(self, **self._kwargs)  # type: ignore[arg-type]
        self._starting = cwmp
        try:
            reply = cwmp.handle(post)
        finally:
            self._starting = None
        current = cwmp.current
        if current is not None and current.cookie and not current.ended:
            self._open[current.cookie] = cwmp
        return reply

    def _session_of(self, cookie: str | None) -> CwmpSessions | None:
        for part in (cookie or "").split(";"):
            part = part.strip()
            if part.startswith(COOKIE_NAME + "="):
                return self._open.get(part)
        return None

    def session_started(self, session: AcsSession) -> None:
        """Record the session, give it its device's queued requests, run the hooks."""
        self._all.append(session)
        serial = session.inform.device_id.serial_number
        self.by_serial[serial].append(session)
        if self._starting is not None:
            self._starting.queue.extend(self._per_serial.pop(serial, ()))
        super().session_started(session)

    def session_ended(self, session: AcsSession, *, retire_nonces: bool) -> None:
        """Forget the session's cookie, then as ScriptedAcs."""
        if session.cookie is not None:
            self._open.pop(session.cookie, None)
        super().session_ended(session, retire_nonces=retire_nonces)

    def queue_in(self, session: AcsSession, message: messages.Message) -> None:
        """From an on_session hook: send ``message`` in ``session`` (its device's queue)."""
        self.queue_for(session.inform.device_id.serial_number, message)
        if self._starting is not None and self._starting.current is session:
            self._starting.queue.extend(
                self._per_serial.pop(session.inform.device_id.serial_number)
            )
