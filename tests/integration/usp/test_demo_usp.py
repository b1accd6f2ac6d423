"""``cwmpd demo --usp`` end to end: mosquitto, the agent (USP + CWMP) as a child process and
the scripted Controller; every step is printed and every request answered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.needs_tools("mosquitto")

STEPS = (
    "USP Boot! notification",
    "USP GetSupportedProtocol",
    "USP Get Device.DeviceInfo.",
    "USP Set Device.DeviceInfo.ProvisioningCode",
    "USP Add Device.IP.Interface.",
    "USP Add Subscription (ValueChange)",
    "USP ValueChange notification",
    "USP Operate Device.Reboot()",
)


def test_demo_usp_prints_each_step(tmp_path: Path) -> None:
    """The demo exits 0 with each step's answer printed, and the CWMP session ran too."""
    done = subprocess.run(
        [sys.executable, "-m", "cwmpd", "demo", "--usp", "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for step in STEPS:
        assert f"{step}\n    -> " in out, step
    assert "USP: agent os::cwmpd-demo is up" in out
    assert "CWMP: session with the ACS ended; its events: 0 BOOTSTRAP, 1 BOOT" in out
    assert out.rstrip().endswith("every request answered: demo --usp OK")
    # the subscriptions fire: a ValueChange of the Set, and Boot! after Reboot() with its
    # cause and command key, once the supervised agent is back
    change = out.split("USP ValueChange notification\n    -> ", 1)[1].split("\n", 1)[0]
    assert 'param_path: "Device.DeviceInfo.ProvisioningCode"' in change
    boot = out.split("USP Boot! notification after the reboot\n    -> ", 1)[1].split("\n")[0]
    assert 'event_name: "Boot!"' in boot and 'value: "RemoteReboot"' in boot, boot
    assert 'value: "demo-usp-reboot"' in boot
