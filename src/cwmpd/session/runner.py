"""SessionRunner: one CWMP session with what goes around it.

Before the session, the scheduler learns the events of its Inform and the before-session
hooks run while that Inform is prepared (values they publish ride in it); then the engine
runs the session; then the one after-session collector carries out what it asked for:
apply-after-session hooks, FactoryReset or Reboot (S-25), and the after-session hooks
unless the agent is exiting for a reboot.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from cwmpd.cwmp.eventcodes import VALUE_CHANGE
from cwmpd.cwmp.messages import Inform, Message
from cwmpd.datamodel.model import DataModel
from cwmpd.session.boot import AgentLife
from cwmpd.session.dispatch import Dispatcher
from cwmpd.session.engine import Exchange, SessionEngine
from cwmpd.session.events import EventQueue
from cwmpd.session.scheduler import SessionScheduler

_log = Logger(namespace="cwmpd.service")


class SessionRunner:
    """Runs the sessions the scheduler asks for (its ``run_session``)."""

    def __init__(
        self,
        engine: SessionEngine,
        model: DataModel,
        dispatcher: Dispatcher,
        events: EventQueue,
        scheduler: SessionScheduler,
        life: AgentLife,
        *,
        on_exchange: Exchange | None = None,
    ) -> None:
        self.model = model
        self.dispatcher = dispatcher
        self.events = events
        self.scheduler = scheduler
        self.life = life
        self.engine = engine
        self._on_exchange = on_exchange
        #: Run in order before each session, while its Inform is prepared.
        self.before: list[Callable[[], None]] = []
        #: Run with the local address the session used (None when it did not connect).
        self.connected: list[Callable[[str | None], None]] = []
        #: Run once the session's requests are carried out, unless the agent exits.
        self.after: list[Callable[[], None]] = []
        self._preparing_inform = False

    def run(self, retry_count: int) -> Deferred[bool]:
        """One session with Inform RetryCount ``retry_count``; fires whether it succeeded."""
        return Deferred.fromCoroutine(self._session(retry_count))

    def run_heartbeat(self) -> Deferred[bool]:
        """One "14 HEARTBEAT" session (Annex O): RetryCount 0, no other event in its Inform."""
        return Deferred.fromCoroutine(self._session(0, heartbeat=True))

    def resume(self) -> None:
        """The agent (re)started: active value changes owed from before a crash ask for a
        session (E-9)."""
        if self.model.pending_active_changes():
            self.value_changed(True)

    async def _session(self, retry_count: int, *, heartbeat: bool = False) -> bool:
        self.scheduler.inform_pending(() if heartbeat else (e.code for e in self.events.queued()))
        self._preparing_inform = True
        try:
            for hook in self.before:
                hook()
        finally:
            self._preparing_inform = False
        ok = await self.engine.run(retry_count, heartbeat=heartbeat)
        for connected in self.connected:
            connected(self.engine.local_address)
        await self._collect()
        return ok

    async def _collect(self) -> None:
        """The after-session collector: everything a session leaves to do, in one place."""
        after = self.dispatcher.after
        self.dispatcher.new_session()
        try:
            await self.model.end_of_session()
        except Exception:
            _log.failure("apply-after-session hooks failed")
        self.life.carry_out(after)
        if not self.life.exited:
            for hook in self.after:
                hook()

    def exchanged(self, direction: str, message: Message | None) -> None:
        """The engine sent or received ``message`` (the engine's ``on_exchange``)."""
        if isinstance(message, Inform):
            self.scheduler.inform_sent()  # a Connection Request from now on needs a new session
        if self._on_exchange is not None:
            self._on_exchange(direction, message)

    def value_changed(self, active: bool) -> None:
        """A notified value changed: an active one asks for a session (E-9, E-15 throttle).

        Not while the Inform is prepared: a value published then rides in that Inform."""
        if active and not self._preparing_inform:
            self.scheduler.request(VALUE_CHANGE, active_notification=True)
