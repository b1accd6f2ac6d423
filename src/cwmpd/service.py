"""makeService(config, reactor): the whole agent as a Twisted MultiService (the embedding API).

Wiring only: the data model, the session side (cwmpd.session.assembly: event queue, scheduler,
the agent's life, engine and runner), diagnostics, transfers, and the child services
(Connection Request listeners, control socket, value poller). The agent's life rules are
cwmpd.session.boot's; a session's course, runner's.

With ``[usp] enable`` the USP agent (cwmpd.uspagent.assembly, imported lazily: protobuf only
then) runs beside CWMP on the same model and boot; ManagementServer.EnableCWMP false keeps
the CWMP side (sessions, Connection Requests) stopped while USP runs on.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger

from cwmpd import state
from cwmpd.config import Config, ConfigError, load_config
from cwmpd.connreq.service import ConnectionRequests
from cwmpd.cwmp import types
from cwmpd.cwmp.eventcodes import CONNECTION_REQUEST
from cwmpd.datamodel.manageable import MANAGEABLE_TABLE, ManageableDevices, ManageableWatcher
from cwmpd.datamodel.model import DataModel
from cwmpd.datamodel.poll import ValuePoller
from cwmpd.http.encoding import GzipPolicy
from cwmpd.http.tls import TlsPolicy, check_tls_files, tls_policy_for
from cwmpd.plugin.api import DeviceHooks
from cwmpd.plugin.load import build_model, config_factory_values, usp_factory_values
from cwmpd.reactors import AgentReactor
from cwmpd.session.assembly import assemble
from cwmpd.session.boot import AgentLife, StateDirInUse, lock_state_dir
from cwmpd.session.dispatch import AfterSession, Dispatcher
from cwmpd.session.engine import Exchange, SessionEngine
from cwmpd.session.events import EventQueue
from cwmpd.session.http import AcsHttpClient
from cwmpd.session.lightweight import LightweightNotifier
from cwmpd.session.runner import SessionRunner
from cwmpd.session.scheduler import SessionScheduler
from cwmpd.statedir import StateDir
from cwmpd.transfers.autonomous import AutonomousTransfers
from cwmpd.transfers.manager import TransferManager
from cwmpd.transfers.setup import start_transfers

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cwmpd.diagnostics.suite import Diagnostics
    from cwmpd.diagnostics.usp import Runner as UspRunner
    from cwmpd.plugin.api import ExecEnvHandler
    from cwmpd.transfers.du.manager import DUManager
    from cwmpd.transfers.du.objects import SoftwareObjects
    from cwmpd.transfers.usp_firmware import FirmwareCommands
    from cwmpd.uspagent.assembly import HandlerFactory, UspAgent
    from cwmpd.uspagent.operate_async import Resumable

__all__ = ["CwmpAgent", "StateDirInUse", "makeService"]

_log = Logger(namespace="cwmpd.service")

#: Seconds between a USP Reboot()/FactoryReset() and its doing: the response goes out first.
USP_GRACE = 1.0

#: How the agent builds its model and device: ``cwmpd.plugin.load.build_model``'s signature.
ModelBuilder = Callable[..., tuple[DataModel, DeviceHooks]]


class CwmpAgent(MultiService):
    """The agent. ``on_exit`` ends the process when a reboot needs the daemon restarted."""

    # Set only when used: class-level defaults keep an agent's __dict__ within the 30 keys
    # CPython shares between instances (a fleet holds thousands of agents).
    _usp_handler: HandlerFactory | None = None
    _software_objects: SoftwareObjects | None = None
    _lock: state.StateLock | None = None
    connreq: ConnectionRequests | None = None
    usp: UspAgent | None = None
    firmware: FirmwareCommands | None = None  # USP FirmwareImage commands

    def __init__(
        self,
        config: Config,
        reactor: AgentReactor,
        *,
        rng: random.Random | None = None,
        on_exit: Callable[[], None] | None = None,
        on_exchange: Exchange | None = None,
        build: ModelBuilder = build_model,
        usp_handler: HandlerFactory | None = None,
    ) -> None:
        """``build`` makes the model and the device plugin (``cwmpd fleet`` shares their
        schema and plugin module between its devices); ``usp_handler`` makes the USP message
        handler (default: cwmpd.uspagent.assembly.default_handler)."""
        super().__init__()  # type: ignore[no-untyped-call]
        self._build = build
        self.config = config
        self.reactor = reactor
        self.rng = rng or random.SystemRandom()
        self.on_exit = on_exit or reactor.stop
        self.on_exchange = on_exchange
        self.files = StateDir(Path(config.device.state_dir))
        self.model: DataModel
        self.device: DeviceHooks
        self.diagnostics: Diagnostics | None = None
        self.events: EventQueue
        self.life: AgentLife
        self.scheduler: SessionScheduler
        self.engine: SessionEngine
        self.runner: SessionRunner
        self.dispatcher: Dispatcher
        self.transfers: TransferManager
        self.autonomous: AutonomousTransfers
        self._cwmp_on = True
        if usp_handler is not None:
            self._usp_handler = usp_handler
        self.lightweight: LightweightNotifier | None = None
        self.gzip = GzipPolicy()  # what the ACS takes, learnt for the agent's life
        self.software: DUManager | None = None

    @property
    def exited(self) -> bool:
        """True once a reboot has the daemon exit."""
        return self.life.exited

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
            self.config, self.files = new, StateDir(Path(new.device.state_dir))
            try:
                self.startService()
            except ConfigError:
                self._release_lock()
                self.config, self.files = old, StateDir(Path(old.device.state_dir))
                self.startService()
                raise

        return done.addCallback(restart)

    def _open_state_dir(self) -> None:
        """Lock device.state_dir (made if missing): one agent per state folder."""
        if self._lock is None:
            self._lock = lock_state_dir(self.files, self.config.source)

    def _release_lock(self) -> None:
        lock = self._lock
        if lock is not None:
            self._lock = None
            lock.release()

    def startService(self) -> None:
        """Load state, detect boot and bootstrap, start the scheduler and the children."""
        check_tls_files(self.config)
        self._open_state_dir()
        self.diagnostics = None
        self.software = None
        if self._software_objects is not None:
            self._software_objects = None
        self.model, self.device = self._build(
            self.config.device.plugins,
            state_dir=self.files.root,
            factory_values=lambda root: config_factory_values(self.config, root),
            reactor=self.reactor,
            diagnostics=self._make_diagnostics,
            **self._usp_model_values(),
            software=self._make_software,
        )
        side = assemble(
            self.model,
            self.device,
            self.files,
            self.reactor,
            self.rng,
            self.config.acs,
            run_session=self._run_session,
            http_factory=self._http_client,
            on_exit=self.on_exit,
            rebooted=self._rebooted,
            on_exchange=self.on_exchange,
        )
        self.events, self.scheduler, self.life = side.events, side.scheduler, side.life
        self.dispatcher, self.engine, self.runner = side.dispatcher, side.engine, side.runner
        self.lightweight = LightweightNotifier(self.reactor, self.model)  # Annex M
        self.lightweight.start()
        if self.config.device.poll_interval > 0:
            poller = ValuePoller(self.model, self.reactor, self.config.device.poll_interval)
            self._add_child(poller)
        if self.diagnostics is not None:
            self.diagnostics.attach(self.scheduler.request, self.model.instances_changed)
        manageable = self.model.table_backend(f"{self.model.root}{MANAGEABLE_TABLE}")
        if isinstance(manageable, ManageableDevices) and self.config.device.poll_interval > 0:
            interval = self.config.device.poll_interval
            self._add_child(ManageableWatcher(self.model, manageable, self.reactor, interval))
        self.transfers, self.autonomous = start_transfers(
            self.reactor,
            self.config,
            state_dir=self.files.root,
            events=self.events,
            device=self.device,
            model=self.model,
            request_session=lambda: self.scheduler.request(),
            reboot=self.life.reboot,
            dispatcher=self.dispatcher,
            engine=self.engine,
            runner=self.runner,
        )
        self._start_software()
        cwmp = self._cwmp_on = self.cwmp_enabled()
        if cwmp:
            self._add_connreq()
        else:
            self._drop_connreq()
            _log.info("ManagementServer.EnableCWMP is false: no CWMP sessions")
        self._add_control()
        self._add_usp()
        self.model.subscribe(self._enable_cwmp_changed)
        super().startService()  # type: ignore[no-untyped-call]
        if cwmp:
            self.scheduler.start()
        self.runner.resume()
        self.life.started()

    def cwmp_enabled(self) -> bool:
        """ManagementServer.EnableCWMP (true when the model has no such parameter)."""
        try:
            return types.is_true(self.model.value(self._enable_cwmp))
        except KeyError:
            return True

    @property
    def _enable_cwmp(self) -> str:
        return f"{self.model.root}ManagementServer.EnableCWMP"

    def _enable_cwmp_changed(self, changed: Mapping[str, str], source: str) -> None:
        """EnableCWMP set (over CWMP or USP): stop or start the CWMP sessions."""
        if self._enable_cwmp not in changed:
            return
        on = types.is_true(changed[self._enable_cwmp])
        if on == self._cwmp_on:
            return
        self._cwmp_on = on
        if on:
            _log.info("EnableCWMP set true: CWMP sessions resume")
            self.scheduler.start()
        else:
            _log.info("EnableCWMP set false: CWMP sessions stop")
            self.scheduler.stop()

    def _usp_model_values(self) -> dict[str, Mapping[str, str]]:
        """build_model's ``usp`` keyword when USP is on (a builder without USP never sees it)."""
        values = usp_factory_values(self.config)
        return {} if values is None else {"usp": values}

    def _add_usp(self) -> None:
        """The USP agent (``[usp] enable``) on this model, beside CWMP."""
        if self.usp is not None:
            self.usp = None
        if not self.config.usp.enable:
            return
        try:
            from cwmpd.uspagent import assembly  # lazy: protobuf is loaded only when USP is on
        except ImportError as exc:
            raise ConfigError(
                f"{self.config.source}: usp.enable needs protobuf (Debian: python3-protobuf; "
                f"pip install 'cwmpd[usp]'): {exc}"
            ) from exc

        operations = assembly.async_operations(
            self.model, self._usp_commands(), self._usp_firmware()
        )
        context = assembly.HandlerContext(
            self.model,
            self.reactor,
            reboot=self._usp_reboot,
            factory_reset=self._usp_reset,
            operations=operations,
            on_board=self._usp_on_board,
        )
        factory = self._usp_handler or assembly.default_handler
        self.usp = assembly.UspAgent(
            self.config.usp,
            self.model,
            self.reactor,
            factory(context),
            rng=self.rng,
            files=self.files,
            boot=self.life.boot,
            source=self.config.source,
            operations=operations,
            first_boot=assembly.FirstBoot(self.life.onboard_owed, self.life.onboard_settled),
            boot_raised=self.life.boot_raised,
        )
        self._add_child(self.usp)

    def _usp_commands(self) -> dict[str, UspRunner]:
        """The asynchronous USP commands of this device: its diagnostics tests."""
        if self.diagnostics is None:
            return {}
        from cwmpd.diagnostics.usp import usp_commands  # lazy: only with USP on

        return usp_commands(self.diagnostics, self.reactor)

    def _usp_firmware(self) -> Mapping[str, Resumable]:
        """FirmwareImage.{i}.Download() and Activate() when the device takes firmware."""
        from cwmpd.plugin.firmware_images import GENERIC  # lazy: only with USP on
        from cwmpd.transfers.usp_firmware import firmware_commands  # lazy: only with USP on

        def note_boot(cause: str, command_key: str, firmware_updated: bool) -> None:
            self.life.note_boot_cause(cause, command_key, firmware_updated=firmware_updated)

        backend = self.model.table_backend(GENERIC)
        self.firmware = firmware_commands(backend, self.transfers.queue, note_boot)
        if self.firmware is None:
            return {}
        started = Deferred.fromCoroutine(self.firmware.start())
        started.addErrback(lambda f: _log.failure("firmware images not read", f))
        return self.firmware.resumable

    def _usp_reboot(self, cause: str, command_key: str = "") -> None:
        """Device.Reboot() over USP: the same reboot as CWMP's, a second later so that the
        OperateResp is on its way first; the next Boot! carries ``cause`` and the key."""
        _log.info("reboot requested over USP ({cause})", cause=cause)
        self.life.note_boot_cause(cause, command_key)
        self.reactor.callLater(USP_GRACE, self.life.reboot)

    def _usp_on_board(self, controller: str) -> None:
        """SendOnBoardRequest() over USP: that Controller's OnBoardRequest."""
        if self.usp is not None:
            self.usp.on_board(controller)

    def _usp_reset(self) -> None:
        """Device.FactoryReset() over USP: the same factory reset and reboot as CWMP's."""
        _log.info("factory reset requested over USP")
        self.life.note_boot_cause("RemoteFactoryReset")
        self.reactor.callLater(
            USP_GRACE, self.life.carry_out, AfterSession(reboot=True, factory_reset=True)
        )

    def _run_session(self, retry_count: int) -> Deferred[bool]:
        """One session with what goes around it (the scheduler calls this)."""
        return self.runner.run(retry_count)

    def _add_child(self, child: Service) -> None:
        child.setServiceParent(self)  # type: ignore[no-untyped-call]

    def _add_connreq(self) -> None:
        """HTTP and UDP Connection Requests, STUN; their URLs ride in the session's Inform."""
        self._drop_connreq()
        if not self.config.connection_request.enable:
            return
        self.connreq = ConnectionRequests(
            self.reactor,
            self.config.connection_request,
            self.files,
            self.model,
            lambda: self.scheduler.request(CONNECTION_REQUEST),
            tls=lambda: tls_policy_for(TlsPolicy.from_config(self.config.acs)),
        )
        self.connreq.attach(self.runner)
        self._add_child(self.connreq)

    def _drop_connreq(self) -> None:
        if self.connreq is not None:
            self.connreq = None

    def _rebooted(self) -> None:
        self.transfers.start()
        if self.software is not None:
            self.software.start()
        self.scheduler.request()
        if self.usp is not None and self.life.boot is not None:
            self.usp.rebooted(self.life.boot)

    def _add_control(self) -> None:
        """The cwmpctl socket; an unusable path is logged, the agent runs on without it."""
        if not self.config.control.socket:
            return
        from cwmpd.control.commands import ControlCommands  # lazy: only with a control socket
        from cwmpd.control.socket import ControlService  # lazy: only with a control socket

        socket = self.config.control.socket
        self._add_child(ControlService(self.reactor, ControlCommands(self), socket))

    def _make_diagnostics(self, root: str) -> Diagnostics:
        """The diagnostics objects build_model declares when the device asks for them."""
        from cwmpd.diagnostics.suite import Diagnostics  # lazy: only devices that ask load it

        self.diagnostics = Diagnostics(self.reactor, root)
        return self.diagnostics

    def _make_software(self, root: str, handlers: Sequence[ExecEnvHandler]) -> SoftwareObjects:
        """Device.SoftwareModules.*, which build_model declares when the device has handlers."""
        from cwmpd.transfers.du.setup import software_objects  # lazy: only devices with them

        self._software_objects = software_objects(root, handlers, self.files.root)
        return self._software_objects

    def _start_software(self) -> None:
        """ChangeDUState, over the execution environments _make_software declared."""
        if self._software_objects is None:
            return
        from cwmpd.transfers.du.setup import start_software  # lazy: only devices with them

        self.software = start_software(
            self.reactor,
            self.config,
            self._software_objects,
            state_dir=self.files.root,
            events=self.events,
            model=self.model,
            request_session=lambda: self.scheduler.request(),
            dispatcher=self.dispatcher,
            engine=self.engine,
            runner=self.runner,
        )

    def stopService(self) -> Deferred[None] | None:
        """Stop scheduling; the children (listeners, control socket, poller) stop too."""
        self.scheduler.stop()
        self.transfers.stop()
        if self.lightweight is not None:
            self.lightweight.stop()
        if self.software is not None:
            self.software.stop()
        if self.diagnostics is not None:
            self.diagnostics.stop()
        if self.firmware is not None:
            self.firmware.stop()
            self.firmware = None
        result: Deferred[None] | None = super().stopService()  # type: ignore[no-untyped-call]
        for child in list(self):
            child.disownServiceParent()
        self._release_lock()
        return result

    def _http_client(self) -> AcsHttpClient:
        return AcsHttpClient.for_model(self.reactor, self.model, self.config.acs, self.gzip)


def makeService(config: Config, reactor: AgentReactor, **kwargs: Any) -> CwmpAgent:
    """The embedding API: a service that runs the agent described by ``config`` on ``reactor``."""
    return CwmpAgent(config, reactor, **kwargs)
