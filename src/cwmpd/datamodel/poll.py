"""Value-change polling (E-9): re-read only parameters whose Notification is not 0.

Last-seen values stay in memory (no flash writes). Values written by the ACS or reported
by the agent itself update the last-seen copy through ``DataModel.subscribe``, so they are
not echoed back as "4 VALUE CHANGE" (E-8). The first poll only records a baseline.
"""

from __future__ import annotations

from collections.abc import Mapping

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from cwmpd.datamodel.model import DataModel

_log = Logger()


class ValuePoller:
    """Polls notified parameters every ``interval`` seconds and reports what changed."""

    def __init__(self, model: DataModel, clock: IReactorTime, interval: float = 60.0) -> None:
        self.model = model
        self.interval = interval
        self.seen: dict[str, str] = {}
        self.polls = 0
        self._busy = False
        self._loop = LoopingCall(self._tick)
        self._loop.clock = clock
        model.subscribe(self._committed)

    def start(self) -> None:
        """Start polling (the first poll runs one interval from now)."""
        if self.interval > 0 and not self._loop.running:
            self._loop.start(self.interval, now=False)

    def stop(self) -> None:
        """Stop polling."""
        if self._loop.running:
            self._loop.stop()

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
        """One poll: the changed values (already reported to the model)."""
        self._busy = True
        try:
            names = await self.model.notified_parameters()
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
        return changed
