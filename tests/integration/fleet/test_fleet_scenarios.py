"""Scenario steps: reboot and factory-reset waves over a seeded share of the devices;
the command line stops cleanly at --duration and writes the report, which merges."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest_twisted
from twisted.internet.utils import getProcessOutputAndValue, getProcessValue

from cwmpd.cwmp import messages as m
from cwmpd.fleet.faults import Faults
from cwmpd.fleet.options import Step
from cwmpd.fleet.scenarios import chosen
from cwmpd.testing.acs_fleet import FleetAcs
from support.agent_harness import reactor
from support.fleet import settle, start_fleet, stop, wait_for


@pytest_twisted.ensureDeferred
async def test_reboot_then_factory_reset_waves() -> None:
    """Half the devices reboot (1 BOOT, same identity), a quarter then reset (0 BOOTSTRAP)."""
    acs = FleetAcs()
    steps = (Step(0.8, "reboot", 0.5), Step(1.6, "factory-reset", 0.25))
    fleet = await start_fleet(acs, devices=12, seed=4, steps=steps)
    try:
        await wait_for(lambda: len(acs.completed_sessions) >= 12 + 6 + 3, 30, "the waves")
        await settle(fleet)
        keys = sorted(fleet.devices)
        rebooted, reset = chosen(keys, 0.5, 4, 0), chosen(keys, 0.25, 4, 1)
        assert fleet.scenarios.done == [("reboot", 6), ("factory-reset", 3)]
        later = acs.sessions[12:]
        boots = [s for s in later if s.events == ["1 BOOT"]]
        assert sorted(s.inform.device_id.serial_number for s in boots) == rebooted
        again = [s for s in later if "0 BOOTSTRAP" in s.events]
        assert sorted(s.inform.device_id.serial_number for s in again) == reset
        assert len(acs.sessions) == 12 + 6 + 3
    finally:
        await stop(fleet, acs)


@pytest_twisted.ensureDeferred
async def test_command_line_duration_report_and_merge(tmp_path: Path) -> None:
    """`cwmpd fleet ... --duration` ends by itself with the report; `report` merges two."""
    acs = FleetAcs()
    url = await acs.listen(reactor)
    reports = []
    try:
        for shard in ("0/2", "1/2"):
            out = tmp_path / f"r{shard[0]}.json"
            argv = ["-m", "cwmpd", "fleet", "--acs", url, "--devices", "6", "--ramp", "0"]
            argv += ["--periodic", "0", "--duration", "2", "--shard", shard, "--report", str(out)]
            said, _, code = await getProcessOutputAndValue(
                sys.executable, argv, env=os.environ, reactor=reactor
            )  # type: ignore[no-untyped-call]
            assert code == 0
            assert b"cwmpd fleet: every device has had its first session (" in said
            reports.append(out)
        assert len(acs.sessions) == 6
        merged = tmp_path / "all.json"
        argv = ["-m", "cwmpd", "fleet", "report", *map(str, reports), "--out", str(merged)]
        assert await getProcessValue(sys.executable, argv, env=os.environ, reactor=reactor) == 0  # type: ignore[no-untyped-call]
        data = json.loads(merged.read_text())
        assert data["devices_total"] == 6
        assert data["metrics"]["sessions_ok"] == 6
    finally:
        await acs.stop()


@pytest_twisted.ensureDeferred
async def test_injected_faults_cut_sessions_and_9002() -> None:
    """Seeded faulty devices: cut ones fail their session after the Inform (counted by
    cause), 9002 ones answer the ACS's GPV with Fault 9002; the others are unaffected."""
    faults = Faults(cut=0.25, internal_error=0.25)
    acs = FleetAcs()
    acs.on_session(lambda s: acs.queue_in(s, m.GetParameterValues(names=("Device.DeviceInfo.",))))
    fleet = await start_fleet(acs, devices=16, seed=2, faults=faults)
    try:
        plan = {d.identity.serial: d.faults for d in fleet.devices.values()}
        cut = sorted(k for k, f in plan.items() if f is not None and f.cut)
        wrong = sorted(k for k, f in plan.items() if f is not None and f.internal_error)
        assert cut and wrong
        await wait_for(lambda: len(acs.completed_sessions) >= 16 - len(cut), 30, "the sessions")
        await wait_for(
            lambda: fleet.metrics.failures["session cut by fault injection"] >= len(cut), 10, "cuts"
        )
        await settle(fleet)
        assert fleet.metrics.failures == {"session cut by fault injection": len(cut)}
        done = {s.inform.device_id.serial_number: s for s in acs.completed_sessions}
        assert sorted(set(plan) - set(done)) == cut
        for serial, session in done.items():
            answer = session.acs_exchanges[0].received
            if serial in wrong:
                assert isinstance(answer, m.Fault) and answer.code == 9002
            else:
                assert isinstance(answer, m.GetParameterValuesResponse)
    finally:
        await stop(fleet, acs)
