"""A small request must not make the agent build a huge response (memory exhaustion).

GetParameterValues / GetParameterAttributes naming the whole tree many times used to
build the whole tree once per name. The daemon runs as a subprocess against the scripted
ACS; its peak RSS is reset (/proc/PID/clear_refs) before the hostile session and read
after it. The RPC must get fault 9004, the memory stay bounded, the session and the
daemon go on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor
from support.control_client import command
from support.daemon import daemon_config
from support.waiting import wait_for

MB = 1024 * 1024
DI = "Device.DeviceInfo."


def _status(pid: int, key: str) -> int:
    """A /proc/PID/status figure (VmRSS, VmHWM) in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def _reset_peak(pid: int) -> int:
    """Reset the peak RSS (VmHWM) to the current RSS; returns the current RSS."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status(pid, "VmRSS")


# (case, request, bound on the peak RSS growth). The 100,000-name request is refused on
# its name count before the model is touched; what it still costs is parsing 2.4 MB of
# XML into elements, which acs.max_body bounds (not the response budget).
HOSTILE = [
    ("gpv_10000_empty", lambda: m.GetParameterValues(names=("",) * 10_000), 8),
    ("gpv_20000_device", lambda: m.GetParameterValues(names=("Device.",) * 20_000), 16),
    ("gpv_100000_device", lambda: m.GetParameterValues(names=("Device.",) * 100_000), 64),
    ("gpa_10000_empty", lambda: m.GetParameterAttributes(names=("",) * 10_000), 8),
]


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(("name", "make", "bound"), HOSTILE, ids=[h[0] for h in HOSTILE])
@pytest_twisted.ensureDeferred
async def test_whole_tree_many_times_gets_9004_in_bounded_memory(
    tmp_path: Path, name: str, make: Any, bound: int
) -> None:
    """9004 Resources exceeded, peak RSS growth under ``bound`` MB; the session completes with
    the next RPC answered, and the daemon reaches its ACS again afterwards."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    sock = tmp_path / "control.sock"
    daemon = subprocess.Popen(
        [sys.executable, "-m", "cwmpd", "--config", str(daemon_config(tmp_path, url))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        await acs.wait_for_sessions(1, timeout=30)
        before = _reset_peak(daemon.pid)
        acs.queue(make())
        acs.queue(m.GetParameterValues(names=("Device.DeviceInfo.SoftwareVersion",)))
        await wait_for(sock.exists, 10, "the control socket")
        assert (await command(sock, "inform")).get("ok", True)
        _, second = await acs.wait_for_sessions(2, timeout=120)
        growth = _status(daemon.pid, "VmHWM") - before
        assert daemon.poll() is None, "the daemon died"
        await command(sock, "inform")
        await acs.wait_for_sessions(3, timeout=30)
    finally:
        daemon.kill()
        daemon.wait(10)
        await acs.stop()
    hostile, follow_up = second.responses
    answer = f"{len(hostile)} bytes" if isinstance(hostile, bytes) else str(hostile)[:200]
    summary = f"{name}: RSS growth {growth / MB:.1f} MB, answer {answer}"
    assert isinstance(hostile, m.Fault), summary
    assert hostile.code == 9004, summary
    assert growth < bound * MB, summary
    assert isinstance(follow_up, m.GetParameterValuesResponse)
    assert follow_up.parameters[0].value == "1.0.0"
    print(summary)


LIMITED = [
    ("gpn_over_max_values", "max_response_values = 10", m.GetParameterNames("", False), "values"),
    ("gpv_over_max_bytes", "max_response = 32768", m.GetParameterValues(names=("",) * 20), "bytes"),
    (
        "gpa_over_max_names",
        "max_response_values = 10",
        m.GetParameterAttributes(names=("Device.DeviceInfo.SoftwareVersion",) * 11),
        "names",
    ),
]


@pytest.mark.parametrize(("name", "line", "rpc", "what"), LIMITED, ids=[c[0] for c in LIMITED])
@pytest_twisted.ensureDeferred
async def test_configured_limits_apply_to_gpn_gpv_gpa(
    tmp_path: Path, name: str, line: str, rpc: m.Message, what: str
) -> None:
    """acs.max_response / acs.max_response_values: beyond them 9004 naming the limit; the
    same session then answers a small request."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    acs.queue(rpc)
    # Under the 10-value limit (DeviceInfo. as a whole is 18 values with its table counters).
    acs.queue(m.GetParameterValues(names=(DI + "SoftwareVersion", DI + "UpTime")))
    runner = AgentRunner(agent_config(tmp_path / "state", url, acs=line))
    try:
        runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=15)
    finally:
        runner.stop()
        await acs.stop()
    refused, small = session.responses
    assert isinstance(refused, m.Fault) and refused.code == 9004, refused
    assert what in refused.string
    assert isinstance(small, m.GetParameterValuesResponse) and small.parameters
    assert session.completed
