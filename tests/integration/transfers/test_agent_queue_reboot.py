"""Transfers queued behind a firmware Download survive its reboot and run after it.

The real daemon (``python -m cwmpd`` through crashpoint.py, no crash point) runs the
simulated device under a supervisor: the firmware's reboot is a daemon exit and restart.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from support.agent_xfer import (
    Behaviour,
    FileServer,
    download,
    firmware,
    read_state,
    running,
    transfer_completes,
    xfer_rig,
)
from support.control_client import inform_when_ready
from support.waiting import wait_for

IMAGE = firmware("2.0.0", 16 * 1024)
WEB = b"<html>portal v2</html>\n" * 50
SW = "Device.DeviceInfo.SoftwareVersion"


def _web(key: str, url: str) -> m.Download:
    return m.Download(key, "2 Web Content", url, "", "", len(WEB), "portal.html", 0)


@pytest_twisted.ensureDeferred
async def test_download_queued_behind_firmware_runs_after_the_reboot(tmp_path: Path) -> None:
    """Firmware then web content in one session: the firmware reboots the device, the web
    content is fetched after the boot, and each gets exactly one successful TransferComplete."""
    rig = await xfer_rig(
        tmp_path, FileServer({"/fw.bin": Behaviour(IMAGE), "/portal.html": Behaviour(WEB)})
    )
    acs, files, daemon, state = rig.acs, rig.files, rig.daemon, rig.state
    acs.queue(download("fw-1", files.url("/fw.bin"), len(IMAGE)))
    acs.queue(_web("web-2", files.url("/portal.html")))
    async with running(rig):
        (first,) = await acs.wait_for_sessions(1, timeout=15)
        assert first.responses == [m.DownloadResponse(status=1)] * 2
        await wait_for(
            lambda: {tc.command_key for tc in transfer_completes(acs)} == {"fw-1", "web-2"},
            30,
            "both TransferCompletes",
        )
        await wait_for(
            lambda: (read_state(state / "transfers.json") or {}).get("transfers") == [],
            10,
            "the queue to empty",
        )
        await wait_for(lambda: all(s.ended for s in acs.sessions), 10, "sessions to end")
        done = len(acs.sessions)
        answer = await inform_when_ready(tmp_path / "control.sock")
        assert answer["ok"], answer
        await wait_for(lambda: len(acs.completed_sessions) > done, 10, "one more session")
    outcomes = {tc.command_key: (tc.fault_code, tc.fault_string) for tc in transfer_completes(acs)}
    assert outcomes == {"fw-1": (0, ""), "web-2": (0, "")}
    assert len(transfer_completes(acs)) == 2  # one each, never repeated
    assert daemon.exits[0].code == 0 and daemon.starts == 2  # one reboot, then the final stop
    assert files.server.log == [("/fw.bin", 200), ("/portal.html", 200)]
    assert (state / "files" / "web" / "portal.html").read_bytes() == WEB
    assert acs.sessions[1].parameters[SW] == "2.0.0"
    assert acs.completed_sessions[-1].transfer_completes == []


@pytest.mark.parametrize("cut", ["before-the-answer", "mid-body"])
@pytest_twisted.ensureDeferred
async def test_download_cut_by_a_clean_shutdown_resumes_after_it(tmp_path: Path, cut: str) -> None:
    """SIGTERM (systemd stopping the agent for a reboot) mid-fetch is no transfer outcome:
    the next start fetches the file again and the one TransferComplete says success."""
    how = {"hang": 1} if cut == "before-the-answer" else {"trickle": 1}
    rig = await xfer_rig(tmp_path, FileServer({"/portal.html": Behaviour(WEB, **how)}))
    acs, files, daemon, state = rig.acs, rig.files, rig.daemon, rig.state
    acs.queue(_web("web-1", files.url("/portal.html")))
    async with running(rig):
        await acs.wait_for_sessions(1, timeout=15)
        await wait_for(lambda: files.server.held, 10, "the first GET to hang")
        os.kill(daemon.pid, signal.SIGTERM)
        await wait_for(lambda: daemon.exits, 10, "the clean stop")
        await wait_for(lambda: transfer_completes(acs), 20, "a TransferComplete")
        await wait_for(
            lambda: (read_state(state / "transfers.json") or {}).get("transfers") == [],
            10,
            "the queue to empty",
        )
    assert daemon.exits[0].signal is None  # a clean exit, not a kill
    assert daemon.exits[0].transfers == ["fetching"]  # left for the next start to resume
    (tc,) = transfer_completes(acs)
    assert (tc.command_key, tc.fault_code, tc.fault_string) == ("web-1", 0, "")
    assert files.server.log == [("/portal.html", 200)] * 2
    assert b"Traceback" not in daemon.stderr
