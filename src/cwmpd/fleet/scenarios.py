"""Scenario steps of a fleet run: reboot and factory-reset waves, inform waves, value drift,
traffic counters growing (cwmpd.fleet.counters).

Which devices a step touches is drawn from the seed, so a run is reproducible. Firmware
waves are the ACS's doing: its Download to each device is carried out by the agent's own
transfer code (fetched, checked, staged, rebooted, TransferComplete).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from cwmpd.fleet.device import FleetDevice
from cwmpd.fleet.options import Step

_log = Logger(namespace="cwmpd.fleet")
ACTIONS = ("reboot", "factory-reset", "inform", "drift", "counters")


def chosen(keys: list[str], fraction: float, seed: int, index: int) -> list[str]:
    """The devices step ``index`` touches: ``fraction`` of ``keys``, drawn from the seed."""
    count = round(len(keys) * max(0.0, min(1.0, fraction)))
    rng = random.Random(f"{seed}/step/{index}")  # noqa: S311 - seeded on purpose
    return sorted(rng.sample(sorted(keys), count))


class Scenarios:
    """Runs a fleet's steps at their times."""

    def __init__(self, clock: IReactorTime, devices: Mapping[str, FleetDevice], seed: int) -> None:
        self.clock = clock
        self.devices = devices  # the fleet's own table: devices added later are seen
        self.seed = seed
        self.done: list[tuple[str, int]] = []  # (action, devices touched)
        self._calls: list[Any] = []

    def schedule(self, steps: tuple[Step, ...]) -> None:
        """Arm every step (ValueError for an unknown action)."""
        for index, step in enumerate(steps):
            if step.action not in ACTIONS:
                raise ValueError(f"unknown step action {step.action!r} (known: {ACTIONS})")
            self._calls.append(self.clock.callLater(step.at, self.run, index, step))

    def cancel(self) -> None:
        """Drop the steps not yet run."""
        for call in self._calls:
            if call.active():
                call.cancel()
        self._calls = []

    def run(self, index: int, step: Step) -> int:
        """Carry out ``step`` now; how many devices it reached."""
        keys = chosen(list(self.devices), step.fraction, self.seed, index)
        rng = random.Random(f"{self.seed}/drift/{index}")  # noqa: S311 - seeded
        reached = 0
        for key in keys:
            device = self.devices[key]
            if step.action == "reboot":
                ok = device.reboot()
            elif step.action == "factory-reset":
                ok = device.factory_reset()
            elif step.action == "inform":
                ok = device.request_session()
            elif step.action == "counters":
                ok = device.advance_counters(rng)
            else:
                ok = device.drift(step.param, step.value or str(rng.randrange(1_000_000)))
            reached += ok
        _log.info("step {action}: {n} devices", action=step.action, n=reached)
        self.done.append((step.action, reached))
        return reached
