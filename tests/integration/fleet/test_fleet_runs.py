"""Runs of a fleet: a state folder makes the second run BOOT; shards make one fleet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from cwmpd.fleet.device import FleetDevice
from cwmpd.fleet.identity import Shard
from cwmpd.fleet.report import merge_files
from cwmpd.testing.acs_fleet import FleetAcs
from support.agent_harness import reactor
from support.fleet import read_report, settle, start_fleet, stop, wait_for


async def one_run(
    tmp_path: Path, name: str, port: int = 0, **options: Any
) -> tuple[FleetAcs, Path]:
    """A fleet run until every device's first session (ACS on ``port``); its report."""
    acs = FleetAcs()
    await acs.listen(reactor, port=port)
    report = tmp_path / f"{name}.json"
    fleet = await start_fleet(acs, report=str(report), **options)
    try:
        await acs.wait_for_sessions(len(fleet.identities), timeout=30)
        await settle(fleet)
    finally:
        await stop(fleet, acs)
    return acs, report


@pytest_twisted.ensureDeferred
async def test_same_seed_and_state_dir_bootstrap_then_boot(tmp_path: Path) -> None:
    """Run 1 bootstraps every device; run 2 on the same folder boots the same devices."""
    state = tmp_path / "state"
    options: dict[str, Any] = {"devices": 12, "seed": 7, "state_dir": str(state), "prefix": "SEED"}
    first, _ = await one_run(tmp_path, "one", **options)
    port = int((first.base_url or "").rsplit(":", 1)[1])  # the same ACS URL: no new bootstrap
    second, report = await one_run(tmp_path, "two", port, **options)
    assert all("0 BOOTSTRAP" in s.events for s in first.sessions)
    assert not any("0 BOOTSTRAP" in s.events for s in second.sessions)
    assert all("1 BOOT" in s.events for s in second.sessions)

    def ids(acs: FleetAcs) -> set[tuple[str, str, str]]:
        return {
            (d.serial_number, d.oui, d.product_class)
            for d in (s.inform.device_id for s in acs.sessions)
        }

    assert ids(first) == ids(second)
    assert len(ids(first)) == 12
    assert read_report(report)["metrics"]["events"]["1 BOOT"] == 12


@pytest_twisted.ensureDeferred
async def test_two_shards_merge_to_the_one_process_fleet(tmp_path: Path) -> None:
    """Shards 0/2 and 1/2 hold the devices of one process between them, none twice."""
    options = {"devices": 16, "seed": 3}
    whole_acs, whole = await one_run(tmp_path, "whole", **options)
    _, a = await one_run(tmp_path, "a", shard=Shard(0, 2), **options)
    _, b = await one_run(tmp_path, "b", shard=Shard(1, 2), **options)
    merged = merge_files([a, b])
    one = read_report(whole)
    assert sorted(map(tuple, merged.devices)) == sorted(map(tuple, one["devices"]))
    assert len(merged.devices) == 16
    assert merged.metrics.sessions_ok == one["metrics"]["sessions_ok"] == 16
    assert merged.shards == ["0/2", "1/2"]
    assert {s.inform.device_id.serial_number for s in whole_acs.sessions} == {
        d[1] for d in merged.devices
    }
    try:
        merge_files([a, a])
    except ValueError as exc:
        assert "share devices" in str(exc)
    else:
        raise AssertionError("a report merged with itself")


@pytest_twisted.ensureDeferred
async def test_max_sessions_bounds_the_devices_in_a_session_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """30 devices started at once with ``max_sessions=3``: never more than 3 in a session
    (the others wait their turn), and every one has its session all the same."""
    now = [0]
    peak = [0]
    started, ended = FleetDevice.session_started, FleetDevice.session_ended

    def start(self: FleetDevice) -> None:
        now[0] += 1
        peak[0] = max(peak[0], now[0])
        started(self)

    def end(self: FleetDevice, failure: str) -> None:
        now[0] -= 1
        ended(self, failure)

    monkeypatch.setattr(FleetDevice, "session_started", start)
    monkeypatch.setattr(FleetDevice, "session_ended", end)
    acs = FleetAcs()
    fleet = await start_fleet(acs, devices=30, max_sessions=3)
    try:
        await wait_for(lambda: len(acs.completed_sessions) == 30, 60, "30 sessions")
        await settle(fleet)
        assert peak[0] == 3
        assert fleet.metrics.sessions_ok == 30
        assert sorted(d.sessions for d in fleet.devices.values()) == [1] * 30
    finally:
        await stop(fleet, acs)
