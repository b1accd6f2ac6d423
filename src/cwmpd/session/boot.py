"""The agent's life rules: boot and bootstrap, Reboot and FactoryReset, a new ACS URL, and the
ManagementServer values the session scheduler runs on. agent.json keeps what they need.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from cwmpd import state
from cwmpd.config import ConfigError
from cwmpd.cwmp import types
from cwmpd.cwmp.eventcodes import BOOT, BOOTSTRAP, M_REBOOT
from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.api import DeviceHooks
from cwmpd.session.dispatch import AfterSession
from cwmpd.session.events import EventQueue
from cwmpd.session.heartbeat import MIN_INTERVAL, HeartbeatPolicy
from cwmpd.session.scheduler import SessionScheduler
from cwmpd.statedir import StateDir

_log = Logger(namespace="cwmpd.service")

#: ManagementServer parameters the scheduler runs on: a change to one reconfigures it.
SCHEDULER_KEYS = (
    "PeriodicInformEnable",
    "PeriodicInformInterval",
    "PeriodicInformTime",
    "CWMPRetryMinimumWaitInterval",
    "CWMPRetryIntervalMultiplier",
    "DefaultActiveNotificationThrottle",
    "HeartbeatPolicy.Enable",
    "HeartbeatPolicy.ReportingInterval",
    "HeartbeatPolicy.InitiationTime",
)


class StateDirInUse(ConfigError):
    """Another agent holds the lock of this device.state_dir."""


def lock_state_dir(files: StateDir, source: str) -> state.StateLock:
    """Make the state folder and lock it: one agent per folder. StateDirInUse when another
    agent holds it, ConfigError naming device.state_dir when it cannot be made."""
    where = f"{source}: device.state_dir {str(files.root)!r}"
    try:
        files.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return state.StateLock(files.root)
    except state.StateDirLocked as exc:
        raise StateDirInUse(f"{where}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{where}: {exc.strerror or exc}") from None


class AgentState:
    """agent.json: the boot id, the ACS URL of the last bootstrap, a Reboot owed on restart,
    the USP OnBoardRequests owed by a first boot."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, Any]:
        """What is saved; {} when nothing is (fresh state)."""
        value = state.read_json(self.path, {})
        return value if isinstance(value, dict) else {}

    def update(self, **changes: Any) -> None:
        """Save ``changes`` over what is saved."""
        current = self.read()
        current.update(changes)
        state.write_json(self.path, current)


def configure_scheduler(scheduler: SessionScheduler, model: DataModel) -> None:
    """Give the scheduler the ManagementServer values (defaults for unset or bad ones)."""
    value = model.value
    ms = f"{model.root}ManagementServer."

    def number(name: str, default: int) -> int:
        try:
            return int(value(ms + name))
        except (KeyError, ValueError):
            return default

    try:
        when = types.parse_datetime(value(ms + "PeriodicInformTime"))
    except (KeyError, ValueError):
        when = None
    if when is not None and when.year < 1000:
        when = None  # Unknown Time or relative time: the agent picks the phase (E-13)
    scheduler.configure(
        periodic_enable=types.is_true(value(ms + "PeriodicInformEnable")),
        interval=number("PeriodicInformInterval", 3600),
        periodic_time=when,
        retry_min_wait=number("CWMPRetryMinimumWaitInterval", 5),
        retry_multiplier=number("CWMPRetryIntervalMultiplier", 2000),
        throttle=number("DefaultActiveNotificationThrottle", 0),
    )
    configure_heartbeat(scheduler, model)


def configure_heartbeat(scheduler: SessionScheduler, model: DataModel) -> None:
    """Give the scheduler ManagementServer.HeartbeatPolicy (off where the model has none)."""
    hb = f"{model.root}ManagementServer.HeartbeatPolicy."
    try:
        enable = types.is_true(model.value(hb + "Enable"))
        interval = int(model.value(hb + "ReportingInterval"))
    except (KeyError, ValueError):
        enable, interval = False, 30
    try:
        when = types.parse_datetime(model.value(hb + "InitiationTime"))
    except (KeyError, ValueError):
        when = None
    if enable and interval < MIN_INTERVAL:
        _log.warn("HeartbeatPolicy.ReportingInterval {n} too short: heartbeats off", n=interval)
        enable = False
    scheduler.configure_heartbeat(HeartbeatPolicy(enable, interval, when))


class AgentLife:
    """Boot, bootstrap, Reboot and FactoryReset of one agent run.

    ``on_exit`` ends the process when a reboot needs the daemon restarted; ``rebooted`` is
    called when the device rebooted with the daemon running on (a new boot all the same).
    """

    def __init__(
        self,
        model: DataModel,
        device: DeviceHooks,
        events: EventQueue,
        saved: AgentState,
        clock: IReactorTime,
        scheduler: SessionScheduler,
        *,
        on_exit: Callable[[], None],
        rebooted: Callable[[], None],
    ) -> None:
        self.model = model
        self.device = device
        self.events = events
        self.saved = saved
        self._clock = clock
        self.scheduler = scheduler
        self._on_exit = on_exit
        self._rebooted = rebooted
        self.exited = False
        self._url = sys.intern(f"{model.root}ManagementServer.URL")  # one for all devices
        #: (cause, command key, firmware updated) of this run's new boot for USP's
        #: Device.Boot! (TR-181 Cause: LocalReboot, RemoteReboot, RemoteFactoryReset ...);
        #: None: no new boot, or its Boot! is out already (``boot_raised``).
        self.boot: tuple[str, str, bool] | None = None

    def detect_boot(self) -> None:
        """0 BOOTSTRAP on fresh state or a new ACS URL; 1 BOOT when the boot id changed."""
        saved = self.saved.read()
        url = self.model.value(self._url)
        boot_id = self.device.boot_id()
        first: dict[str, object] = {}
        if not saved or saved.get("acs_url") != url:
            _log.info("bootstrap: {why}", why="fresh state" if not saved else "new ACS URL")
            self.events.add(BOOTSTRAP)
        if not saved:  # a first boot: USP's OnBoardRequest is owed (cwmpd.uspagent.onboard)
            first = {"usp_onboard": True}
        if saved.get("boot_id") != boot_id:
            self.events.on_boot()
            self.model.on_boot()  # owed value changes go with 4 VALUE CHANGE (E-17)
            self.events.add(BOOT)
        rebooted: dict[str, object] = {}
        if saved.get("boot_id") != boot_id:
            cause = str(saved.get("boot_cause") or "LocalReboot")
            key = str(saved.get("boot_command_key") or "")
            self.boot = (cause, key, bool(saved.get("boot_firmware_updated")))
            rebooted = {
                "reboot_pending": False,
                "boot_cause": "",
                "boot_command_key": "",
                "boot_firmware_updated": False,
                "boot_unraised": list(self.boot),  # until USP has its Boot! queued
            }
        else:
            unraised = saved.get("boot_unraised")  # a kill came before the Boot! was queued
            if isinstance(unraised, list) and len(unraised) == 3:
                self.boot = (str(unraised[0]), str(unraised[1]), bool(unraised[2]))
        self.saved.update(acs_url=url, boot_id=boot_id, **rebooted, **first)

    def onboard_owed(self) -> bool:
        """Whether this is a first boot (fresh state, factory reset) whose USP
        OnBoardRequests are not queued yet."""
        return bool(self.saved.read().get("usp_onboard"))

    def onboard_settled(self) -> None:
        """The first boot's OnBoardRequests are queued (persisted): none is owed now."""
        self.saved.update(usp_onboard=False)

    def boot_raised(self) -> None:
        """USP's Device.Boot! of this boot is queued: a restart on this boot raises none."""
        if self.saved.read().get("boot_unraised"):
            self.saved.update(boot_unraised=None)

    def note_boot_cause(
        self, cause: str, command_key: str = "", *, firmware_updated: bool = False
    ) -> None:
        """Why the coming reboot happens, kept for the next boot's Device.Boot! (the first
        noted wins: a USP Reboot() is not turned into a plain ACS reboot); an activated
        firmware image marks the boot FirmwareUpdated whatever the cause noted first."""
        saved = self.saved.read()
        changes: dict[str, object] = {}
        if not saved.get("boot_cause"):
            changes.update(boot_cause=cause, boot_command_key=command_key)
        if firmware_updated and not saved.get("boot_firmware_updated"):
            changes.update(boot_firmware_updated=True)
        if changes:
            self.saved.update(**changes)

    def started(self) -> None:
        """The agent runs: carry out a Reboot acknowledged before a kill stopped it."""
        if self.saved.read().get("reboot_pending"):
            _log.info("carrying out the Reboot accepted before the restart")
            self._clock.callLater(0, self.reboot)

    def add_event(self, code: str, command_key: str = "") -> object:
        """Queue an event the session's RPCs asked for; a Reboot is persisted first."""
        if code == M_REBOOT:  # persisted first: a kill before the reboot still reboots
            self.saved.update(reboot_pending=True)
        return self.events.add(code, command_key)

    def carry_out(self, after: AfterSession) -> None:
        """What the ended session asked for: FactoryReset, else Reboot (S-25)."""
        if after.factory_reset:
            _log.info("factory reset requested by the ACS")
            self.note_boot_cause("RemoteFactoryReset")
            self.model.factory_reset()
            self.events.clear()
            self.events.add(BOOTSTRAP)
            self.device.factory_reset()
            self.saved.update(acs_url=self.model.value(self._url), usp_onboard=True)
            self.reboot()
        elif after.reboot:
            _log.info("reboot requested by the ACS")
            self.note_boot_cause("RemoteReboot")
            self.reboot()

    def reboot(self) -> None:
        """Have the device reboot; the daemon exits when the device needs it restarted."""
        if self.device.reboot():
            self.exited = True
            self.scheduler.stop()
            self._clock.callLater(0, self._on_exit)
            return
        # The device rebooted without the daemon restarting: a new boot all the same.
        self.detect_boot()
        self._rebooted()

    def on_change(self, changed: Mapping[str, str], source: str) -> None:
        """A new ACS URL bootstraps; a scheduler parameter reconfigures the scheduler."""
        if self._url in changed:
            _log.info("ACS URL changed; next session bootstraps")
            self.events.add(BOOTSTRAP)
            self.saved.update(acs_url=changed[self._url])
            self.scheduler.request()
        ms = f"{self.model.root}ManagementServer."
        if any(ms + k in changed for k in SCHEDULER_KEYS):
            configure_scheduler(self.scheduler, self.model)
