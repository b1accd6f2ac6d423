"""Value-change polling (E-9): re-read only notified parameters the agent does not store.

Last-seen values stay in memory (no flash writes). Values written by the ACS or reported
by the agent itself update the last-seen copy through ``DataModel.subscribe``, so they are
not echoed back as "4 VALUE CHANGE" (E-8). The baseline of a parameter is its value when
notification is turned on (read by the SetParameterAttributes, or when polling starts),
so a change before the first poll is reported. Nothing is on the clock while no parameter
needs polling: the loop starts with the first and stops with the last (an idle agent
sleeps).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from cwmpd.datamodel.model import DataModel

_log = Logger()


class ValuePoller(Service):
    """Polls watched parameters every ``interval`` seconds and reports what changed.

    A Twisted service: ``startService`` starts polling, ``stopService`` stops it. Not a
    TimerService: its loop runs only while some parameter is watched."""

    def __init__(self, model: DataModel, clock: IReactorTime, interval: float = 60.0) -> None:
        self.model = model
        self.interval = interval
        self.seen: dict[str, str] = {}
        self.polls = 0
        self._busy = False
        self._enabled = False
        self._loop = LoopingCall(self._tick)
        self._loop.clock = clock
        model.subscribe(self._committed)
        model.on_notification_change(self._notification_changed)

    def startService(self) -> None:
        """Service start: ``start``."""
        super().startService()  # type: ignore[no-untyped-call]
        self.start()

    def stopService(self) -> None:
        """Service stop: ``stop``."""
        super().stopService()  # type: ignore[no-untyped-call]
        self.stop()

    def start(self) -> None:
        """Read the baseline of what is watched now; poll every interval while anything is."""
        if self.interval <= 0 or self._enabled:
            return
        self._enabled = True
        Deferred.fromCoroutine(self._baseline())

    def stop(self) -> None:
        """Stop polling."""
        self._enabled = False
        self._run(False)

    def _run(self, wanted: bool) -> None:
        if wanted and self._enabled and not self._loop.running:
            self._loop.start(self.interval, now=False)
        elif not wanted and self._loop.running:
            self._loop.stop()

    async def _baseline(self) -> None:
        try:
            names = await self.model.polled_parameters()
            values = {v.name: v.value for v in await self.model.get_parameter_values(names)}
        except Exception:
            _log.failure("value-change baseline read failed")
            values = {}
            names = await self.model.polled_parameters()
        for name, value in values.items():
            self.seen.setdefault(name, value)
        self._run(bool(names))

    def _notification_changed(self, baseline: Mapping[str, str], off: Sequence[str]) -> None:
        for name in off:
            self.seen.pop(name, None)
        self.seen.update(baseline)
        self._run(bool(self.seen))

    def _committed(self, values: Mapping[str, str], source: str) -> None:
        for name, value in values.items():
            if name in self.seen:
                self.seen[name] = value

    def _tick(self) -> Deferred[None] | None:
        if self._busy:
            return None
        return Deferred.fromCoroutine(self._poll_once())

    async def _poll_once(self) -> None:
        await self.poll()

    async def poll(self) -> dict[str, str]:
        """One poll: the changed values (already reported to the model).

        A name without a baseline yet (turned on while its read failed) only gets one.
        """
        self._busy = True
        try:
            names = await self.model.polled_parameters()
            values = {v.name: v.value for v in await self.model.get_parameter_values(names)}
        except Exception:
            _log.failure("value-change poll failed")
            return {}
        finally:
            self._busy = False
        self.polls += 1
        changed = {n: v for n, v in values.items() if n in self.seen and self.seen[n] != v}
        self.seen = values
        if changed:
            self.model.report_changes(changed)
        self._run(bool(values))
        return changed
