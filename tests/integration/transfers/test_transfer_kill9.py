"""The daemon SIGKILLed at each step of a firmware upgrade still sends exactly one
TransferComplete: a supervisor restarts it like systemd, the ACS counts what arrives."""

from __future__ import annotations

import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.testing.acs_record import AcsSession, Exchange
from support.agent_xfer import (
    Behaviour,
    FileServer,
    Rig,
    download,
    firmware,
    running,
    transfer_completes,
    transfer_states,
    xfer_rig,
)
from support.control_client import inform_when_ready
from support.waiting import wait_for

KEY = "fw-kill9"
IMAGE = firmware("2.0.0", 64 * 1024)
SW = "Device.DeviceInfo.SoftwareVersion"
TC_EVENTS = ["1 BOOT", "7 TRANSFER COMPLETE", "M Download"]


Kill = Callable[[Rig], Awaitable[None]]


async def run(tmp_path: Path, kill: Kill, *, crash_at: str = "", **kw: object) -> Rig:
    """Download, ``kill`` the daemon at its step, then see the flow through to the end.

    Returns once exactly one TransferComplete for KEY came, a later session (asked for
    through the control socket) carried none, and the daemon has been stopped.
    """
    trickle = int(kw.pop("trickle", 0))  # type: ignore[call-overload]
    server = FileServer({"/fw.bin": Behaviour(IMAGE, trickle=trickle)})
    rig = await xfer_rig(tmp_path, server, crash_at)
    acs, files, daemon = rig.acs, rig.files, rig.daemon
    acs.queue(download(KEY, files.url("/fw.bin"), len(IMAGE), **kw))
    senders: list[int] = []  # which daemon run sent each TransferComplete

    def note_sender(session: AcsSession, exchange: Exchange) -> None:
        if isinstance(exchange.received, m.TransferComplete):
            senders.append(daemon.starts)

    acs.on_exchange(note_sender)
    async with running(rig, log_tail=4000):
        (first,) = await acs.wait_for_sessions(1, timeout=15)
        assert first.responses == [m.DownloadResponse(status=1)]
        await kill(rig)
        await wait_for(lambda: transfer_completes(acs, KEY), 25, "a TransferComplete")
        (tc_session,) = [s for s in acs.sessions if s.transfer_completes]
        sender = senders[0]  # the run that sent it: it finishes the session, or dies
        await wait_for(
            lambda: tc_session.ended or daemon.starts > sender, 10, "the end of that session"
        )
        await wait_for(lambda: rig.records() == [], 5, "the record to be forgotten")
        done = len(acs.completed_sessions)
        answer = await inform_when_ready(tmp_path / "control.sock")
        assert answer["ok"], answer
        await acs.wait_for_sessions(done + 1, timeout=10)
    assert len(transfer_completes(acs, KEY)) == 1
    assert acs.completed_sessions[-1].transfer_completes == []
    assert not {"7 TRANSFER COMPLETE", "M Download"} & set(acs.completed_sessions[-1].events)
    return rig


def only_tc(rig: Rig) -> tuple[AcsSession, m.TransferComplete]:
    """The session that carried the TransferComplete, and it."""
    (session,) = [s for s in rig.acs.sessions if s.transfer_completes]
    (tc,) = session.transfer_completes
    return session, tc


def assert_upgraded(rig: Rig) -> AcsSession:
    """The one TransferComplete says success, in a 1 BOOT session running 2.0.0."""
    session, tc = only_tc(rig)
    assert (tc.command_key, tc.fault_code) == (KEY, 0), tc.fault_string
    assert tc.start_time <= tc.complete_time and not tc.start_time.startswith("0001")
    assert sorted(session.events) == TC_EVENTS
    assert session.parameters[SW] == "2.0.0"
    return session


async def kill_fetch(rig: Rig, attempt: int) -> None:
    """Kill the daemon once fetch number ``attempt`` is under way (its GET is held)."""
    await wait_for(lambda: len(rig.files.server.held) == attempt, 10, f"GET {attempt}")
    expected = [("fetching", attempt)]
    await wait_for(
        lambda: [(r["state"], r["attempts"]) for r in rig.records()] == expected,
        5,
        f"fetch attempt {attempt} persisted",
    )
    rig.daemon.kill()
    await wait_for(lambda: len(rig.daemon.exits) == attempt, 5, "the kill")


def killed(rig: Rig) -> list[int]:
    """Indexes of the daemon runs that ended by SIGKILL (not counting the final stop)."""
    return [i for i, e in enumerate(rig.daemon.exits[:-1]) if e.signal == signal.SIGKILL]


@pytest_twisted.ensureDeferred
async def test_killed_while_queued(tmp_path: Path) -> None:
    """Killed after Download was answered, before its DelaySeconds ran out: fetched later, 0."""

    async def kill(rig: Rig) -> None:
        assert transfer_states(rig.state) == ["queued"]
        assert rig.gets() == 0
        rig.daemon.kill()

    rig = await run(tmp_path, kill, delay_seconds=2)
    assert killed(rig) == [0] and rig.daemon.exits[0].transfers == ["queued"]
    assert rig.gets() == 1
    assert_upgraded(rig)


@pytest_twisted.ensureDeferred
async def test_killed_mid_fetch(tmp_path: Path) -> None:
    """Killed while the file trickles in: the restarted daemon fetches it again, 0."""

    async def kill(rig: Rig) -> None:
        await wait_for(lambda: rig.files.server.held, 10, "the first GET")
        await wait_for(lambda: transfer_states(rig.state) == ["fetching"], 5, "state fetching")
        partial = rig.state / "spool"
        await wait_for(lambda: list(partial.glob("transfer-*")), 5, "a partial spool file")
        rig.daemon.kill()

    rig = await run(tmp_path, kill, trickle=1)
    assert killed(rig) == [0] and rig.daemon.exits[0].transfers == ["fetching"]
    assert rig.gets() == 2
    assert_upgraded(rig)


@pytest_twisted.ensureDeferred
async def test_killed_mid_fetch_every_time(tmp_path: Path) -> None:
    """Killed mid-fetch at each of its 3 attempts: no 4th try, TransferComplete 9010 once.

    Recovery restarts an interrupted fetch up to max_attempts (3) times, then gives up
    with 9010 (download failure) rather than retrying forever.
    """

    async def kill(rig: Rig) -> None:
        for attempt in (1, 2, 3):
            await kill_fetch(rig, attempt)

    rig = await run(tmp_path, kill, trickle=3)
    assert killed(rig) == [0, 1, 2]
    assert rig.gets() == 3
    session, tc = only_tc(rig)
    assert (tc.command_key, tc.fault_code) == (KEY, 9010)
    assert sorted(session.events) == ["7 TRANSFER COMPLETE", "M Download"]
    assert session.parameters[SW] == "1.0.0"
    assert list((rig.state / "spool").glob("*")) == []


@pytest.mark.parametrize("step", ["fetched", "applying"])
@pytest_twisted.ensureDeferred
async def test_killed_after_persist(tmp_path: Path, step: str) -> None:
    """Killed right after the record said fetched / applying (image not yet staged): 0."""

    async def kill(rig: Rig) -> None:
        await wait_for(lambda: rig.daemon.exits, 15, "the crash point")

    rig = await run(tmp_path, kill, crash_at=step)
    first = rig.daemon.exits[0]
    assert killed(rig) == [0] and first.transfers == [step]
    assert first.device["pending_version"] == "" and first.device["software_version"] == "1.0.0"
    assert rig.gets() == 1  # applied from the spooled file, not fetched again
    assert_upgraded(rig)


@pytest_twisted.ensureDeferred
async def test_killed_after_apply(tmp_path: Path) -> None:
    """Killed after the image was staged, before the reboot: the reboot is done on restart, 0."""

    async def kill(rig: Rig) -> None:
        await wait_for(lambda: rig.daemon.exits, 15, "the crash point")

    rig = await run(tmp_path, kill, crash_at="awaiting-boot")
    first = rig.daemon.exits[0]
    assert killed(rig) == [0] and first.transfers == ["awaiting-boot"]
    assert first.device["pending_version"] == "2.0.0"
    assert first.device["software_version"] == "1.0.0"
    assert rig.gets() == 1
    assert_upgraded(rig)


@pytest_twisted.ensureDeferred
async def test_killed_after_reboot_before_session(tmp_path: Path) -> None:
    """Killed after the reboot, its first Inform cut unanswered: the next run reports it, 0."""

    async def kill(rig: Rig) -> None:
        rig.acs.cut_connection_after(0)  # the next Inform: the first after the reboot
        await wait_for(lambda: any(r.status == 0 for r in rig.acs.requests), 15, "the cut")
        rig.daemon.kill()

    rig = await run(tmp_path, kill)
    reboot, kill9 = rig.daemon.exits[:2]
    assert (reboot.signal, reboot.code) == (None, 0)  # the simulated reboot: a clean exit
    assert kill9.signal == signal.SIGKILL and kill9.transfers == ["complete"]
    assert kill9.device["software_version"] == "2.0.0"
    cut = [s for s in rig.acs.sessions if s.failure is not None]
    assert len(cut) == 1 and sorted(cut[0].events) == TC_EVENTS
    assert cut[0].transfer_completes == []
    assert_upgraded(rig)


@pytest_twisted.ensureDeferred
async def test_killed_after_transfer_complete_response(tmp_path: Path) -> None:
    """Killed just after TransferCompleteResponse made it forget the transfer (before the
    session ended): the restarted daemon never sends it again, nor its events."""

    async def kill(rig: Rig) -> None:
        await wait_for(lambda: rig.daemon.exits, 20, "the crash point")

    rig = await run(tmp_path, kill, crash_at="removed")
    reboot, kill9 = rig.daemon.exits[:2]
    assert (reboot.signal, reboot.code) == (None, 0)
    assert kill9.signal == signal.SIGKILL and kill9.transfers == []
    session = assert_upgraded(rig)
    assert session.failure is not None  # the agent died before its empty POST
