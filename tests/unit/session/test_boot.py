"""session/boot.py: boot and bootstrap detection, Reboot and FactoryReset, a new ACS URL, the
scheduler mapping, with a real event queue and agent.json and small device/model fakes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from twisted.internet.task import Clock

from cwmpd.config import ConfigError
from cwmpd.cwmp.eventcodes import BOOT, BOOTSTRAP, M_REBOOT, VALUE_CHANGE
from cwmpd.session.boot import (
    AgentLife,
    AgentState,
    StateDirInUse,
    configure_heartbeat,
    configure_scheduler,
    lock_state_dir,
)
from cwmpd.session.dispatch import AfterSession
from cwmpd.session.events import EventQueue
from cwmpd.session.heartbeat import HeartbeatPolicy
from cwmpd.statedir import StateDir

MS = "Device.ManagementServer."


@dataclass
class Model:
    """The few DataModel calls the life rules make."""

    root: str = "Device."
    values: dict[str, str] = field(default_factory=lambda: {MS + "URL": "http://acs/"})
    boots: int = 0
    resets: int = 0

    def value(self, name: str) -> str:
        return self.values[name]

    def on_boot(self) -> None:
        self.boots += 1

    def factory_reset(self) -> None:
        self.resets += 1
        self.values[MS + "URL"] = "http://factory/"


@dataclass
class Device:
    """A device whose boot id the test sets; reboot() says whether the daemon must exit."""

    boot: str = "b1"
    exits_on_reboot: bool = True
    reboots: int = 0
    resets: int = 0

    def boot_id(self) -> str:
        return self.boot

    def reboot(self) -> bool:
        self.reboots += 1
        return self.exits_on_reboot

    def factory_reset(self) -> None:
        self.resets += 1


@dataclass
class Scheduler:
    """Records what the life rules ask of the scheduler."""

    requests: int = 0
    stopped: int = 0
    configured: list[dict[str, Any]] = field(default_factory=list)
    heartbeats: list[HeartbeatPolicy] = field(default_factory=list)

    def request(self, code: str | None = None) -> None:
        self.requests += 1

    def stop(self) -> None:
        self.stopped += 1

    def configure(self, **settings: Any) -> None:
        self.configured.append(settings)

    def configure_heartbeat(self, policy: HeartbeatPolicy) -> None:
        self.heartbeats.append(policy)


@dataclass
class World:
    life: AgentLife
    model: Model
    device: Device
    events: EventQueue
    saved: AgentState
    scheduler: Scheduler
    clock: Clock
    exits: list[int]
    rebooted: list[int]


def _world(tmp_path: Path, device: Device | None = None, model: Model | None = None) -> World:
    files = StateDir(tmp_path)
    model = model or Model()
    device = device or Device()
    events = EventQueue(files.events)
    saved = AgentState(files.agent)
    scheduler, clock = Scheduler(), Clock()
    exits: list[int] = []
    rebooted: list[int] = []
    life = AgentLife(
        model,  # type: ignore[arg-type]
        device,  # type: ignore[arg-type]
        events,
        saved,
        clock,
        scheduler,  # type: ignore[arg-type]
        on_exit=lambda: exits.append(1),
        rebooted=lambda: rebooted.append(1),
    )
    return World(life, model, device, events, saved, scheduler, clock, exits, rebooted)


def _codes(events: EventQueue) -> list[str]:
    return [e.code for e in events.queued()]


def test_fresh_state_bootstraps_and_boots_then_a_restart_is_quiet(tmp_path: Path) -> None:
    """Fresh state: 0 BOOTSTRAP + 1 BOOT, saved; the same boot and URL again: nothing new."""
    w = _world(tmp_path)
    w.life.detect_boot()
    assert sorted(_codes(w.events)) == [BOOTSTRAP, BOOT]
    assert w.saved.read() == {
        "acs_url": "http://acs/",
        "boot_id": "b1",
        "reboot_pending": False,
        "boot_cause": "",
        "boot_command_key": "",
        "boot_firmware_updated": False,
        "boot_unraised": ["LocalReboot", "", False],
        "usp_onboard": True,  # a first boot: USP OnBoardRequests owed
    }
    assert w.life.boot == ("LocalReboot", "", False)
    assert w.life.onboard_owed()
    w.life.onboard_settled()
    assert not w.life.onboard_owed()
    w.events.clear()
    unraised = _world(tmp_path)  # killed before USP queued the Boot!: raised again
    unraised.life.detect_boot()
    assert _codes(unraised.events) == [] and unraised.model.boots == 0
    assert unraised.life.boot == ("LocalReboot", "", False)
    unraised.life.boot_raised()
    again = _world(tmp_path)
    again.life.detect_boot()
    assert _codes(again.events) == [] and again.model.boots == 0
    assert again.life.boot is None  # a restart of the daemon is no new boot: no Boot!
    assert not again.life.onboard_owed()  # nor a first boot


def test_a_new_boot_or_url_owes_no_on_board_request(tmp_path: Path) -> None:
    """Only a first boot (fresh state, factory reset) owes USP OnBoardRequests."""
    _world(tmp_path).life.onboard_settled()  # saved state from an earlier run
    _world(tmp_path).life.detect_boot()
    w = _world(tmp_path, device=Device(boot="b2"))
    w.life.detect_boot()
    w.life.on_change({MS + "URL": "http://new/"}, "acs")
    assert w.life.boot is not None and not w.life.onboard_owed()


def test_a_new_boot_id_boots_and_a_new_url_bootstraps(tmp_path: Path) -> None:
    """Another boot id: 1 BOOT (and the model's on_boot); another ACS URL: 0 BOOTSTRAP."""
    _world(tmp_path).life.detect_boot()
    EventQueue(StateDir(tmp_path).events).clear()
    w = _world(tmp_path, device=Device(boot="b2"))
    w.life.detect_boot()
    assert _codes(w.events) == [BOOT] and w.model.boots == 1
    EventQueue(StateDir(tmp_path).events).clear()
    moved = Model(values={MS + "URL": "http://other/"})
    w = _world(tmp_path, device=Device(boot="b2"), model=moved)
    w.life.detect_boot()
    assert _codes(w.events) == [BOOTSTRAP]


def test_an_acknowledged_reboot_survives_a_kill(tmp_path: Path) -> None:
    """M Reboot is persisted before it is queued; the restarted agent carries it out."""
    w = _world(tmp_path)
    w.life.detect_boot()
    w.life.add_event(M_REBOOT, "key-1")
    assert w.saved.read()["reboot_pending"] is True
    restarted = _world(tmp_path)  # same boot id: the kill came before the reboot
    restarted.life.started()
    restarted.clock.advance(0)
    assert restarted.device.reboots == 1 and restarted.exits == [1]
    assert restarted.scheduler.stopped == 1 and restarted.life.exited


def test_a_reboot_without_restart_is_a_new_boot(tmp_path: Path) -> None:
    """The device rebooted with the daemon running on: 1 BOOT, then ``rebooted``."""
    device = Device(exits_on_reboot=False)
    w = _world(tmp_path, device=device)
    w.life.detect_boot()
    w.events.clear()
    device.boot = "b2"
    w.life.carry_out(AfterSession(reboot=True))
    assert _codes(w.events) == [BOOT] and w.rebooted == [1] and not w.life.exited


def test_factory_reset_clears_the_queue_bootstraps_and_reboots(tmp_path: Path) -> None:
    """FactoryReset: model and device reset, queue cleared but for 0 BOOTSTRAP, reboot."""
    w = _world(tmp_path)
    w.life.detect_boot()
    w.events.add(VALUE_CHANGE)
    w.life.carry_out(AfterSession(factory_reset=True, reboot=True))
    assert _codes(w.events) == [BOOTSTRAP]
    assert (w.model.resets, w.device.resets, w.device.reboots) == (1, 1, 1)
    assert w.saved.read()["acs_url"] == "http://factory/"
    assert w.life.onboard_owed()  # a first boot again for USP


def test_a_changed_url_bootstraps_and_scheduler_values_reconfigure(tmp_path: Path) -> None:
    """A new ManagementServer.URL: 0 BOOTSTRAP, saved, a session; a scheduler key: configure."""
    w = _world(tmp_path)
    w.life.on_change({MS + "URL": "http://new/"}, "acs")
    assert _codes(w.events) == [BOOTSTRAP] and w.scheduler.requests == 1
    assert w.saved.read()["acs_url"] == "http://new/"
    assert w.scheduler.configured == []
    w.model.values[MS + "PeriodicInformEnable"] = "1"
    w.life.on_change({MS + "PeriodicInformEnable": "1"}, "acs")
    assert w.scheduler.configured[-1]["periodic_enable"] is True


def test_scheduler_mapping_defaults_and_unknown_time() -> None:
    """Unset or bad values take the defaults; an Unknown Time leaves the phase to the agent."""
    model = Model(
        values={
            MS + "PeriodicInformEnable": "false",
            MS + "PeriodicInformInterval": "not a number",
            MS + "PeriodicInformTime": "0001-01-01T00:00:00Z",
            MS + "CWMPRetryIntervalMultiplier": "3000",
        }
    )
    scheduler = Scheduler()
    configure_scheduler(scheduler, model)  # type: ignore[arg-type]
    assert scheduler.configured == [
        {
            "periodic_enable": False,
            "interval": 3600,
            "periodic_time": None,
            "retry_min_wait": 5,
            "retry_multiplier": 3000,
            "throttle": 0,
        }
    ]


def test_heartbeat_policy_mapping() -> None:
    """HeartbeatPolicy values reach the scheduler; a model without them, or an interval
    under Annex O's 20 s, leaves heartbeats off; a change reconfigures them."""
    hb = MS + "HeartbeatPolicy."
    model = Model(
        values={
            hb + "Enable": "true",
            hb + "ReportingInterval": "60",
            hb + "InitiationTime": "2026-01-01T00:00:00Z",
        }
    )
    scheduler = Scheduler()
    configure_heartbeat(scheduler, model)  # type: ignore[arg-type]
    assert scheduler.heartbeats == [HeartbeatPolicy(True, 60, datetime(2026, 1, 1, tzinfo=UTC))]
    model.values[hb + "ReportingInterval"] = "10"
    configure_heartbeat(scheduler, model)  # type: ignore[arg-type]
    assert scheduler.heartbeats[-1].enable is False
    bare = Scheduler()
    configure_heartbeat(bare, Model(values={}))  # type: ignore[arg-type]
    assert bare.heartbeats == [HeartbeatPolicy(False, 30, None)]


def test_one_agent_per_state_dir(tmp_path: Path) -> None:
    """The second lock on a folder is StateDirInUse; a folder that cannot be made names it."""
    files = StateDir(tmp_path / "state")
    lock = lock_state_dir(files, "a.toml")
    try:
        with pytest.raises(StateDirInUse, match=r"a\.toml: device\.state_dir"):
            lock_state_dir(files, "a.toml")
    finally:
        lock.release()
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match=r"device\.state_dir") as caught:
        lock_state_dir(StateDir(tmp_path / "file" / "state"), "b.toml")
    assert not isinstance(caught.value, StateDirInUse)


@pytest.mark.parametrize(
    ("asked", "cause", "key"),
    [
        ("usp", "RemoteReboot", "ck-7"),
        ("acs-reboot", "RemoteReboot", ""),
        ("acs-reset", "RemoteFactoryReset", ""),
        ("device", "LocalReboot", ""),
    ],
)
def test_the_next_boot_knows_why_it_happened(
    tmp_path: Path, asked: str, cause: str, key: str
) -> None:
    """USP's Device.Boot! Cause: a noted cause survives the restart into the next boot
    (once: the boot after that is a LocalReboot again)."""
    w = _world(tmp_path)
    w.life.detect_boot()
    if asked == "usp":
        w.life.note_boot_cause("RemoteReboot", "ck-7")
        w.life.carry_out(AfterSession(reboot=True))  # noted first: the USP cause stays
    elif asked == "acs-reboot":
        w.life.carry_out(AfterSession(reboot=True))
    elif asked == "acs-reset":
        w.life.carry_out(AfterSession(factory_reset=True, reboot=True))
    booted = _world(tmp_path, device=Device(boot="b2"))
    booted.life.detect_boot()
    assert booted.life.boot == (cause, key, False)
    again = _world(tmp_path, device=Device(boot="b3"))
    again.life.detect_boot()
    assert again.life.boot == ("LocalReboot", "", False)


def test_an_activated_firmware_marks_the_next_boot_only(tmp_path: Path) -> None:
    """note_boot_cause(firmware_updated=True) (a USP Activate()): the next boot's Boot!
    says FirmwareUpdated, whatever cause was noted first; the boot after that does not."""
    w = _world(tmp_path)
    w.life.detect_boot()
    w.life.note_boot_cause("RemoteReboot", "ck-1")
    w.life.note_boot_cause("RemoteReboot", "fw-1", firmware_updated=True)
    booted = _world(tmp_path, device=Device(boot="b2"))
    booted.life.detect_boot()
    assert booted.life.boot == ("RemoteReboot", "ck-1", True)
    again = _world(tmp_path, device=Device(boot="b3"))
    again.life.detect_boot()
    assert again.life.boot == ("LocalReboot", "", False)
