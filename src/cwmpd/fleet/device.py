"""One simulated CPE of the fleet: the agent itself (CwmpAgent), timed, restarted on reboot.

The agent is the single agent's own wiring (session engine, events, data model,
transfers); the fleet changes only what one process of many devices needs: no state-folder
lock per device (the fleet holds one), no listener per device (the fleet's one listener
serves every device's Connection Requests), the model built from the shared plugin module
and schema, and every POST and session timed into the fleet's metrics.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred, DeferredSemaphore, succeed
from twisted.logger import Logger

from cwmpd.config import Config
from cwmpd.cwmp import messages
from cwmpd.cwmp.eventcodes import BOOTSTRAP
from cwmpd.fleet.counters import advance
from cwmpd.fleet.faults import DeviceFaults, FaultyClient
from cwmpd.fleet.identity import Identity
from cwmpd.fleet.metrics import Metrics
from cwmpd.fleet.models import Builder
from cwmpd.reactors import AgentReactor
from cwmpd.service import CwmpAgent

_log = Logger(namespace="cwmpd.fleet")


class FleetAgent(CwmpAgent):
    """CwmpAgent with the per-device parts a fleet replaces left out, and timing added."""

    def __init__(
        self,
        config: Config,
        reactor: AgentReactor,
        *,
        device: FleetDevice,
        build: Builder,
        **kw: Any,
    ) -> None:
        super().__init__(config, reactor, build=build, on_exchange=device.exchanged, **kw)
        self.fleet_device = device

    def startService(self) -> None:
        """Start as the agent does; a kept state with an old listener URL gets the new one,
        and the UDP Connection Request address the fleet's socket now has ('' without one)."""
        super().startService()
        device = self.fleet_device
        ms = f"{self.model.root}ManagementServer."
        values = {}
        if device.cr_url and self.model.value(ms + "ConnectionRequestURL") != device.cr_url:
            values[ms + "ConnectionRequestURL"] = device.cr_url
        if self.model.value(ms + "UDPConnectionRequestAddress") != device.udp_address:
            values[ms + "UDPConnectionRequestAddress"] = device.udp_address
        if values:
            self.model.set_local(values)  # in one change: one store write

    def _http_client(self) -> Any:
        """The agent's ACS client; a faulty device's wrapped in its faults."""
        client = super()._http_client()
        faults = self.fleet_device.faults
        return client if faults is None else FaultyClient(client, faults, self.reactor)

    def _open_state_dir(self) -> None:
        """The fleet locks its state folder once; a device only needs its own folder."""
        self.files.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _run_session(self, retry_count: int) -> Deferred[bool]:
        gate = self.fleet_device.gate
        if gate is None:
            return self._session_now(retry_count)
        return gate.run(self._session_now, retry_count)  # once fewer are in a session

    def _session_now(self, retry_count: int) -> Deferred[bool]:
        if not self.running:  # stopped (or rebooted) while it waited for its turn
            return succeed(False)
        device = self.fleet_device
        device.session_started()
        d = super()._run_session(retry_count)

        def ended(ok: bool) -> bool:
            device.session_ended("" if ok else self.engine.last_failure or "failed")
            return ok

        return d.addCallback(ended)


class FleetDevice:
    """Device ``identity``: starts its agent, restarts it when a reboot ends it."""

    def __init__(
        self,
        identity: Identity,
        config: Config,
        reactor: AgentReactor,
        *,
        metrics: Metrics,
        build: Builder,
        rng: random.Random,
        on_session: Callable[[FleetDevice, str], None] | None = None,
        cr_url: str = "",
        faults: DeviceFaults | None = None,
        udp_address: str = "",
        on_started: Callable[[FleetDevice, FleetAgent], None] | None = None,
        gate: DeferredSemaphore | None = None,
    ) -> None:
        self.identity = identity
        #: shared by the fleet's devices: how many may be in a session at once (--max-sessions)
        self.gate = gate
        self.config = config
        self.reactor = reactor
        self.metrics = metrics
        self.build = build
        self.rng = rng
        self.on_session = on_session
        self.cr_url = cr_url
        self.faults = faults
        self.udp_address = udp_address
        self.on_started = on_started
        self.agent: FleetAgent | None = None
        self.state = "idle"  # idle, up, in-session, rebooting, stopped
        self.sessions = 0
        self.boots = 0
        self._posted: tuple[str, float] | None = None
        self._session_start = 0.0

    @property
    def state_dir(self) -> Path:
        """This device's own state folder."""
        return Path(self.config.device.state_dir)

    def start(self) -> None:
        """Start (or restart, after a reboot) the device's agent."""
        agent = FleetAgent(
            self.config,
            self.reactor,
            device=self,
            build=self.build,
            rng=self.rng,
            on_exit=self._exited,
        )
        self.agent = agent
        self.boots += 1
        agent.startService()
        self.state = "up"
        if self.on_started is not None:
            self.on_started(self, agent)

    def stop(self) -> None:
        """Stop the agent (the fleet is ending)."""
        agent, self.agent = self.agent, None
        self.state = "stopped"
        if agent is not None and agent.running:
            agent.stopService()

    def request_session(self, code: str | None = None) -> bool:
        """Ask for a session (Connection Request, scenario); False when the device is down."""
        if self.agent is None or not self.agent.running or self.agent.exited:
            return False
        self.agent.scheduler.request(code)
        return True

    def reboot(self) -> bool:
        """A power cycle: the device boots again (a new boot: "1 BOOT"); False when down."""
        agent = self.agent
        if agent is None or not agent.running:
            return False
        agent.device.reboot()
        self._exited()
        return True

    def factory_reset(self) -> bool:
        """The reset button: factory values, "0 BOOTSTRAP", then a reboot; False when down."""
        agent = self.agent
        if agent is None or not agent.running:
            return False
        agent.model.factory_reset()
        agent.events.clear()
        agent.events.add(BOOTSTRAP)
        agent.device.factory_reset()
        return self.reboot()

    def drift(self, name: str, value: str) -> bool:
        """The device changes ``name`` itself (notified as the ACS asked); False when down."""
        agent = self.agent
        if agent is None or not agent.running or not name:
            return False
        name = name if name.startswith(agent.model.root) else agent.model.root + name
        agent.model.set_local({name: value})
        return True

    def advance_counters(self, rng: random.Random) -> bool:
        """The device's traffic counters grow by seeded steps (notified as the ACS asked);
        False when down or without counters."""
        agent = self.agent
        if agent is None or not agent.running:
            return False
        values = advance(agent.model.value, agent.model.root, rng)
        if values:
            agent.model.set_local(values)
        return bool(values)

    def _exited(self) -> None:
        """A reboot that restarts the daemon: like a supervisor, start it again."""
        self.state = "rebooting"
        agent, self.agent = self.agent, None
        if agent is not None and agent.running:
            agent.stopService()
        self.start()

    # -- timing ------------------------------------------------------------------

    def session_started(self) -> None:
        self.state = "in-session"
        self._session_start = time.perf_counter()

    def session_ended(self, failure: str) -> None:
        self.sessions += 1
        self.metrics.session_done(time.perf_counter() - self._session_start, failure)
        if self.state == "in-session":
            self.state = "up"
        if self.on_session is not None:
            self.on_session(self, failure)

    def exchanged(self, direction: str, message: messages.Message | None) -> None:
        """The engine's exchange hook: time each POST from its sending to the ACS answer."""
        now = time.perf_counter()
        if direction == "CPE -> ACS":
            name = "(empty)" if message is None else message.name
            self._posted = (name, now)
            if isinstance(message, messages.Inform):
                self.metrics.events.update(e.code for e in message.events)
            return
        posted, self._posted = self._posted, None
        if posted is not None:
            self.metrics.rpc(posted[0], now - posted[1])
        if message is not None and not message.name.endswith("Response"):
            self.metrics.rpcs_from_acs[message.name] += 1
