"""A fleet against the scripted ACS: bootstraps, one device's Connection Request, firmware."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from conformance.xsd import validate_envelope
from cwmpd.cwmp import messages as m
from cwmpd.fleet.connreq import device_path
from cwmpd.testing.acs_fleet import FleetAcs
from cwmpd.testing.acs_record import AcsSession
from support.agent_harness import reactor
from support.fleet import digest_get, settle, start_fleet, stop, wait_for

IMAGE = b"CWMPD-SIMULATED-FIRMWARE version=2.0.0\n" + b"\0" * 2048


@pytest_twisted.ensureDeferred
async def test_200_devices_bootstrap_once_and_a_connection_request_reaches_one(
    spec: Path,
) -> None:
    """200 devices: one BOOTSTRAP session each, distinct serials, every POST schema-valid;
    then a digest Connection Request on device 137's path starts a session of 137 only."""
    acs = FleetAcs()
    fleet = await start_fleet(acs, devices=200, cr_port=0)
    try:
        sessions = await acs.wait_for_sessions(200, timeout=60)
        await settle(fleet)
        serials = [s.inform.device_id.serial_number for s in acs.sessions]
        assert len(acs.sessions) == 200
        assert sorted(serials) == [f"FLEET{n:06d}" for n in range(200)]
        assert all("0 BOOTSTRAP" in s.events for s in sessions)
        checked = 0
        for session in acs.sessions:
            for body in session.raw_requests:
                if body.strip():
                    assert validate_envelope(spec, body) == [], body[:300]
                    checked += 1
        assert checked >= 200

        device = fleet.devices["FLEET000137"]
        url = fleet.cr_base + device_path("FLEET000137")
        mine = acs.by_serial["FLEET000137"][0].parameters
        assert mine["Device.ManagementServer.ConnectionRequestURL"] == url
        wrong = await digest_get(url, device.identity.cr_username, "not-the-password")
        assert wrong == 401
        other = fleet.devices["FLEET000136"].identity
        assert await digest_get(url, other.cr_username, other.cr_password) == 401
        ok = await digest_get(url, device.identity.cr_username, device.identity.cr_password)
        assert ok == 200
        more = await acs.wait_for_sessions(201, timeout=20)
        await settle(fleet)
        assert len(acs.sessions) == 201
        last = more[200]
        assert last.inform.device_id.serial_number == "FLEET000137"
        assert "6 CONNECTION REQUEST" in last.events
        assert fleet.metrics.connection_requests["accepted"] == 1
    finally:
        await stop(fleet, acs)


@pytest_twisted.ensureDeferred
async def test_firmware_wave_over_50_devices_gives_50_transfer_completes() -> None:
    """The ACS's Download to each of 50 devices: fetched, staged, rebooted, reported once."""
    acs = FleetAcs()
    await acs.listen(reactor)
    image_url = acs.serve_file("/fw.bin", IMAGE)

    def firmware(session: AcsSession) -> None:
        if "0 BOOTSTRAP" in session.events:
            key = "fw-" + session.inform.device_id.serial_number
            download = m.Download(key, "1 Firmware Upgrade Image", image_url, "", "", len(IMAGE))
            acs.queue_in(session, download)

    acs.on_session(firmware)
    fleet = await start_fleet(acs, devices=50)
    try:
        await wait_for(lambda: len(completes(acs)) >= 50, 60, "50 TransferCompletes")
        await settle(fleet)
        done = completes(acs)
        assert len(done) == 50
        assert {tc.command_key for tc in done} == {f"fw-FLEET{n:06d}" for n in range(50)}
        assert all(tc.fault_code == 0 for tc in done)
        after = [s for s in acs.sessions if "M Download" in s.events]
        assert len(after) == 50
        assert {s.parameters.get("Device.DeviceInfo.SoftwareVersion") for s in after} == {"2.0.0"}
        assert all("1 BOOT" in s.events for s in after)
    finally:
        await stop(fleet, acs)


def completes(acs: FleetAcs) -> list[m.TransferComplete]:
    """Every TransferComplete the ACS received."""
    return [tc for s in acs.sessions for tc in s.transfer_completes]
