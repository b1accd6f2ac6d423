"""UDP Connection Request (TR-069 Annex G) against a forger and a replayer, whole agent on
loopback: the forged, stale or replayed datagram starts no session, and the genuine request
that follows still does."""

from __future__ import annotations

import time
from pathlib import Path

import pytest_twisted

from support.connreq_world import World, send_udp, start, udp_text
from support.waiting import sleep


async def genuine_gets_a_session(world: World, ts: int, id_: int) -> None:
    """A freshly signed request starts exactly one more session with 6 CONNECTION REQUEST."""
    before = len(world.acs.sessions)
    send_udp(world.udp_port, udp_text(world.udp_port, str(ts), str(id_)))
    sessions = await world.acs.wait_for_informs(before + 1, timeout=5)
    assert "6 CONNECTION REQUEST" in sessions[before].events  # (+4 VALUE CHANGE: new port)


async def no_session(world: World, within: float = 1.0) -> None:
    """No session starts within ``within`` seconds."""
    before = len(world.acs.sessions)
    await sleep(within)
    assert len(world.acs.sessions) == before, "a refused datagram started a session"


@pytest_twisted.ensureDeferred
async def test_digit_shift_between_ts_and_id_is_refused(tmp_path: Path) -> None:
    """sig covers ts||id||un||cn: ts*10+4 with id minus its leading 4 keeps it valid. The
    forgery is refused, and does not lock out the genuine requests that follow."""
    world = await start(tmp_path)
    try:
        now = int(time.time())
        cn = "796b0d1ed36070af"
        captured = udp_text(world.udp_port, str(now), "473795294", cn=cn)
        send_udp(world.udp_port, captured)
        await world.acs.wait_for_informs(2, timeout=5)
        sig = captured.split(b"sig=")[1][:40].decode()
        forged = udp_text(world.udp_port, f"{now}4", "73795294", sig=sig, cn=cn)
        send_udp(world.udp_port, forged)
        await no_session(world)
        await genuine_gets_a_session(world, now + 1, 12345678)
        assert world.agent.running
    finally:
        await world.stop()


@pytest_twisted.ensureDeferred
async def test_year_old_timestamp_is_refused_on_a_fresh_daemon(tmp_path: Path) -> None:
    """A validly signed request from a year ago (captured then) starts nothing."""
    world = await start(tmp_path)
    try:
        old = int(time.time()) - 365 * 86400
        send_udp(world.udp_port, udp_text(world.udp_port, str(old), "91"))
        await no_session(world)
        await genuine_gets_a_session(world, int(time.time()), 92)
    finally:
        await world.stop()


@pytest_twisted.ensureDeferred
async def test_far_future_timestamp_neither_accepted_nor_locking(tmp_path: Path) -> None:
    """A validly signed ts a day ahead (ACS clock or forgery) is refused and leaves the replay
    state alone: the genuine request of now still gets through."""
    world = await start(tmp_path)
    try:
        send_udp(world.udp_port, udp_text(world.udp_port, str(int(time.time()) + 86400), "7"))
        await no_session(world)
        await genuine_gets_a_session(world, int(time.time()), 8)
    finally:
        await world.stop()


@pytest_twisted.ensureDeferred
async def test_exact_replay_after_a_restart_is_refused(tmp_path: Path) -> None:
    """The replay state (last ts and id) survives a restart of the daemon."""
    world = await start(tmp_path)
    try:
        now = int(time.time())
        captured = udp_text(world.udp_port, str(now), "5551212")
        send_udp(world.udp_port, captured)
        await world.acs.wait_for_informs(2, timeout=5)
        await sleep(0.3)
        old_port = world.udp_port
        await world.restart()  # a daemon restart: no BOOT, same state dir
        await sleep(0.3)
        send_udp(
            world.udp_port, captured.replace(str(old_port).encode(), str(world.udp_port).encode())
        )
        await no_session(world)
        await genuine_gets_a_session(world, now + 1, 5551213)
    finally:
        await world.stop()
