"""makeService(config, reactor): the whole agent as a Twisted MultiService (the embedding API).

Wires the data model, the persistent event queue, the session engine, the scheduler and the
Connection Request listener together, and carries out what a session asked for once it ends
(S-25: Reboot, FactoryReset, apply-after-session hooks).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from twisted.application.service import MultiService
from twisted.internet.defer import Deferred, DeferredList, succeed
from twisted.logger import Logger

from cwmpd import state
from cwmpd.config import Config, ConfigError, load_config
from cwmpd.connreq.service import ConnectionRequests
from cwmpd.cwmp import types
from cwmpd.cwmp.messages import Inform
from cwmpd.datamodel.budget import ResponseLimits
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.poll import ValuePoller
from cwmpd.http.tls import TlsConfigError, TlsPolicy, tls_policy_for
from cwmpd.plugin.api import DevicePlugin
from cwmpd.plugin.load import build_model, management_server_values
from cwmpd.session.dispatch import Dispatcher
from cwmpd.session.engine import Exchange, SessionEngine
from cwmpd.session.events import EventQueue
from cwmpd.session.http import AcsHttpClient
from cwmpd.session.scheduler import SessionScheduler
from cwmpd.transfers.autonomous import AutonomousTransfers
from cwmpd.transfers.manager import TransferManager
from cwmpd.transfers.setup import build_transfers

_log = Logger(namespace="cwmpd.service")

_SCHEDULER_KEYS = (
    "PeriodicInformEnable",
    "PeriodicInformInterval",
    "PeriodicInformTime",
    "CWMPRetryMinimumWaitInterval",
    "CWMPRetryIntervalMultiplier",
    "DefaultActiveNotificationThrottle",
)


#: How the agent builds its model and device: ``cwmpd.plugin.load.build_model``'s signature.
ModelBuilder = Callable[..., tuple[DataModel, DevicePlugin]]


class StateDirInUse(ConfigError):
    """Another agent holds the lock of this device.state_dir."""


def check_tls_files(config: Config) -> None:
    """Load acs.ca_file and acs.client_cert now: a bad one is a ConfigError naming its key."""
    for key in ("ca_file", "client_cert"):
        path = getattr(config.acs, key)
        if not path:
            continue
        try:
            tls_policy_for(TlsPolicy(**{key: path}))
        except TlsConfigError as exc:
            raise ConfigError(f"{config.source}: acs.{key}: {exc}") from exc


def factory_values(config: Config, root: str) -> dict[str, str]:
    """ManagementServer factory values taken from the config file (DESIGN.md contract)."""
    return management_server_values(
        root,
        url=config.acs.url,
        username=config.acs.username,
        password=config.acs.password,
        periodic_inform_interval=config.acs.periodic_inform_interval,
        connection_request_username=config.connection_request.username,
        connection_request_password=config.connection_request.password,
    )


class CwmpAgent(MultiService):
    """The agent. ``on_exit`` ends the process when a reboot needs the daemon restarted."""

    def __init__(
        self,
        config: Config,
        reactor: Any,
        *,
        rng: random.Random | None = None,
        on_exit: Callable[[], None] | None = None,
        on_exchange: Exchange | None = None,
        build: ModelBuilder = build_model,
    ) -> None:
        """``build`` makes the model and the device plugin (``cwmpd fleet`` shares their
        schema and plugin module between its devices)."""
        super().__init__()  # type: ignore[no-untyped-call]
        self._build = build
        self.config = config
        self.reactor = reactor
        self.rng = rng or random.SystemRandom()
        self.on_exit = on_exit or reactor.stop
        self.on_exchange = on_exchange
        self.state_dir = Path(config.device.state_dir)
        self.model: DataModel
        self.device: DevicePlugin
        self.events: EventQueue
        self.scheduler: SessionScheduler
        self.engine: SessionEngine
        self.dispatcher: Dispatcher
        self.transfers: TransferManager
        self.autonomous: AutonomousTransfers
        self.exited = False
        self.connreq: ConnectionRequests | None = None
        self.control: Any = None
        self.poller: ValuePoller | None = None
        self._preparing_inform = False
        self._lock: state.StateLock | None = None

    # -- start-up ------------------------------------------------------------

    def reload(self) -> Deferred[None]:
        """Re-read the config file and restart every part in-process; state is kept.

        A bad file raises ConfigError and leaves the running agent as it was; a new
        state_dir that cannot be used fails the Deferred and restarts on the old config.
        """
        new = load_config(self.config.source)
        check_tls_files(new)
        _log.info("reloading {source}", source=self.config.source)
        stopping = self.stopService()
        done: Deferred[None] = stopping if stopping is not None else succeed(None)
        old = self.config

        def restart(_: object) -> None:
            self.config, self.state_dir = new, Path(new.device.state_dir)
            try:
                self.startService()
            except ConfigError:
                self._release_lock()
                self.config, self.state_dir = old, Path(old.device.state_dir)
                self.startService()
                raise

        return done.addCallback(restart)

    def _open_state_dir(self) -> None:
        """Make the state folder and lock it; ConfigError naming device.state_dir otherwise."""
        where = f"{self.config.source}: device.state_dir {str(self.state_dir)!r}"
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            if self._lock is None:
                self._lock = state.StateLock(self.state_dir)
        except state.StateDirLocked as exc:
            raise StateDirInUse(f"{where}: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{where}: {exc.strerror or exc}") from None

    def _release_lock(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def startService(self) -> None:
        """Load state, detect boot and bootstrap, start the scheduler (and listeners)."""
        self.connreq, self.control, self.poller = None, None, None
        check_tls_files(self.config)
        self._open_state_dir()
        self.model, self.device = self._build(
            self.config.device.plugins,
            state_dir=self.state_dir,
            factory_values=lambda root: factory_values(self.config, root),
            clock=self.reactor,
        )
        self.events = EventQueue(self.state_dir / "events.json")
        self._detect_boot()
        self.dispatcher = Dispatcher(
            self.model,
            add_event=self._add_event,
            schedule_inform=self._schedule_inform,
            limits=ResponseLimits(
                self.config.acs.max_response, self.config.acs.max_response_values
            ),
        )
        self.engine = SessionEngine(
            model=self.model,
            events=self.events,
            dispatcher=self.dispatcher,
            http_factory=self._http_client,
            clock=self.reactor,
            max_body=self.config.acs.max_body,
            on_exchange=self._exchanged,
        )
        self.scheduler = SessionScheduler(self.reactor, self.rng, self._run_session, self.events)
        self._configure_scheduler()
        self.model.subscribe(self._on_change)
        self.model.on_value_change(self._on_value_change)
        if self.config.device.poll_interval > 0:
            self.poller = ValuePoller(
                self.model, self.reactor, interval=self.config.device.poll_interval
            )
            self.poller.start()
        self._wire_diagnostics()
        if self.config.connection_request.enable:
            self.connreq = ConnectionRequests(
                self.reactor,
                self.config.connection_request,
                self.state_dir,
                self.model,
                lambda: self.scheduler.request("6 CONNECTION REQUEST"),
            )
            self.connreq.start()
        self._start_transfers()
        self._start_control()
        super().startService()  # type: ignore[no-untyped-call]
        self.scheduler.start()
        if self.model.pending_active_changes():  # owed from before a crash (E-9)
            self._on_value_change(True)
        if self._agent_state().get("reboot_pending"):  # acknowledged, then killed before it
            _log.info("carrying out the Reboot accepted before the restart")
            self.reactor.callLater(0, self._reboot)

    def _start_transfers(self) -> None:
        """Download/Upload/ScheduleDownload and their exactly-once TransferComplete."""
        self.transfers, self.autonomous = build_transfers(
            self.reactor,
            self.config,
            state_dir=self.state_dir,
            events=self.events,
            device=self.device,
            model=self.model,
            request_session=lambda: self.scheduler.request(),
            reboot=self._reboot,
        )
        self.transfers.register(self.dispatcher)
        self.engine.add_request_source(self.transfers.request_source)
        self.engine.add_request_source(self.autonomous)
        self.transfers.start()  # before the scheduler: completions go into the first Inform

    def _start_control(self) -> None:
        """The cwmpctl socket; an unusable path is logged, the agent runs on without it."""
        if not self.config.control.socket:
            return
        from cwmpd.control.commands import ControlCommands
        from cwmpd.control.socket import ControlService

        control = ControlService(self.reactor, ControlCommands(self), self.config.control.socket)
        try:
            control.startService()
        except Exception as exc:
            _log.error(
                "control socket {path} unavailable ({error}); cwmpctl will not reach this agent",
                path=self.config.control.socket,
                error=str(exc),
            )
            return
        self.control = control

    def _wire_diagnostics(self) -> None:
        diagnostics = getattr(self.device, "diagnostics", None)
        if diagnostics is None:
            return
        diagnostics.on_complete = lambda: self.scheduler.request("8 DIAGNOSTICS COMPLETE")
        refresh = getattr(self.model, "instances_changed", None)
        if refresh is not None:
            diagnostics.on_rows_changed = refresh

    def stopService(self) -> Deferred[None] | None:
        """Stop scheduling; child services (listeners) stop too."""
        self.scheduler.stop()
        self.transfers.stop()
        if self.poller is not None:
            self.poller.stop()
        diagnostics = getattr(self.device, "diagnostics", None)
        if diagnostics is not None:
            diagnostics.stop()
        stopped: list[Deferred[None]] = []
        if self.connreq is not None:
            stopped.append(self.connreq.stop())
        if self.control is not None:
            done = self.control.stopService()
            if done is not None:
                stopped.append(done)
            self.control = None
        result: Deferred[None] | None = super().stopService()  # type: ignore[no-untyped-call]
        if result is not None:
            stopped.append(result)
        self._release_lock()
        return DeferredList(stopped).addCallback(lambda _: None) if stopped else None

    def _ms(self, name: str) -> str:
        return f"{self.model.root}ManagementServer.{name}"

    def _agent_state(self) -> dict[str, Any]:
        value = state.read_json(self.state_dir / "agent.json", {})
        return value if isinstance(value, dict) else {}

    def _save_agent_state(self, **changes: Any) -> None:
        current = self._agent_state()
        current.update(changes)
        state.write_json(self.state_dir / "agent.json", current)

    def _detect_boot(self) -> None:
        """0 BOOTSTRAP on fresh state or a new ACS URL; 1 BOOT when the boot id changed."""
        saved = self._agent_state()
        url = self.model.value(self._ms("URL"))
        boot_id = self.device.boot_id()
        if not saved or saved.get("acs_url") != url:
            _log.info("bootstrap: {why}", why="fresh state" if not saved else "new ACS URL")
            self.events.add("0 BOOTSTRAP")
        if saved.get("boot_id") != boot_id:
            self.events.on_boot()
            self.model.on_boot()  # owed value changes go with 4 VALUE CHANGE (E-17)
            self.events.add("1 BOOT")
        rebooted = {"reboot_pending": False} if saved.get("boot_id") != boot_id else {}
        self._save_agent_state(acs_url=url, boot_id=boot_id, **rebooted)

    # -- sessions ------------------------------------------------------------

    def _http_client(self) -> AcsHttpClient:
        return AcsHttpClient(
            self.reactor,
            self.model.value(self._ms("URL")),
            self.model.value(self._ms("Username")),
            self.model.value(self._ms("Password")),
            TlsPolicy.from_config(self.config.acs),
            allow_basic_over_http=self.config.acs.allow_basic_over_http,
            timeout=self.config.acs.timeout,
            max_body=self.config.acs.max_body,
        )

    def _exchanged(self, direction: str, message: Any) -> None:
        if isinstance(message, Inform):
            self.scheduler.inform_sent()  # a Connection Request from now on needs a new session
        if self.on_exchange is not None:
            self.on_exchange(direction, message)

    def _run_session(self, retry_count: int) -> Deferred[bool]:
        return Deferred.fromCoroutine(self._session(retry_count))

    async def _session(self, retry_count: int) -> bool:
        self.scheduler.inform_pending(e.code for e in self.events.queued())
        self.transfers.before_session()  # TransferCompletes only with their Inform events
        if self.connreq is not None:
            # Values published now ride in this session's Inform: no extra session for them.
            self._preparing_inform = True
            try:
                self.connreq.before_session(self.model.value(self._ms("URL")))
            finally:
                self._preparing_inform = False
        ok = await self.engine.run(retry_count)
        if self.connreq is not None:
            self.connreq.local_address_is(self.engine.local_address)
        await self._after_session()
        return ok

    async def _after_session(self) -> None:
        after = self.dispatcher.after
        self.dispatcher.new_session()
        try:
            await self.model.end_of_session()
        except Exception:
            _log.failure("apply-after-session hooks failed")
        if after.factory_reset:
            _log.info("factory reset requested by the ACS")
            self.model.factory_reset()
            self.events.clear()
            self.events.add("0 BOOTSTRAP")
            self.device.factory_reset()
            self._save_agent_state(acs_url=self.model.value(self._ms("URL")))
            self._reboot()
        elif after.reboot:
            _log.info("reboot requested by the ACS")
            self._reboot()
        if not self.exited:
            self.transfers.after_session()

    def _reboot(self) -> None:
        if self.device.reboot():
            self.exited = True
            self.scheduler.stop()
            self.reactor.callLater(0, self.on_exit)
            return
        # The device rebooted without the daemon restarting: a new boot all the same.
        self._detect_boot()
        self.transfers.start()
        self.scheduler.request()

    def _add_event(self, code: str, command_key: str = "") -> object:
        if code == "M Reboot":  # persisted first: a kill before the reboot still reboots
            self._save_agent_state(reboot_pending=True)
        return self.events.add(code, command_key)

    def _schedule_inform(self, delay: int, command_key: str) -> None:
        self.scheduler.schedule_inform(delay, command_key)

    # -- reacting to parameter changes -----------------------------------------

    def _on_change(self, changed: Mapping[str, str], source: str) -> None:
        url_key = self._ms("URL")
        if url_key in changed:
            _log.info("ACS URL changed; next session bootstraps")
            self.events.add("0 BOOTSTRAP")
            self._save_agent_state(acs_url=changed[url_key])
            self.scheduler.request()
        if any(self._ms(k) in changed for k in _SCHEDULER_KEYS):
            self._configure_scheduler()

    def _on_value_change(self, active: bool) -> None:
        """A notified value changed: an active one asks for a session (E-9, E-15 throttle)."""
        if active and not self._preparing_inform:
            self.scheduler.request("4 VALUE CHANGE", active_notification=True)

    def _configure_scheduler(self) -> None:
        value = self.model.value

        def number(name: str, default: int) -> int:
            try:
                return int(value(self._ms(name)))
            except (KeyError, ValueError):
                return default

        try:
            when = types.parse_datetime(value(self._ms("PeriodicInformTime")))
        except (KeyError, ValueError):
            when = None
        if when is not None and when.year < 1000:
            when = None  # Unknown Time or relative time: the agent picks the phase (E-13)
        self.scheduler.configure(
            periodic_enable=value(self._ms("PeriodicInformEnable")) in ("true", "1"),
            interval=number("PeriodicInformInterval", 3600),
            periodic_time=when,
            retry_min_wait=number("CWMPRetryMinimumWaitInterval", 5),
            retry_multiplier=number("CWMPRetryIntervalMultiplier", 2000),
            throttle=number("DefaultActiveNotificationThrottle", 0),
        )


def makeService(config: Config, reactor: Any, **kwargs: Any) -> CwmpAgent:
    """The embedding API: a service that runs the agent described by ``config`` on ``reactor``."""
    return CwmpAgent(config, reactor, **kwargs)
