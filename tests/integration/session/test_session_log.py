"""What the real ``cwmpd`` logs at info about its sessions, against the scripted ACS.

A session is one start line (its events) and one end line (RPCs answered, duration,
outcome); a failure says when the retry comes; Twisted's own chatter stays out of info.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import task
from twisted.logger import LogLevel, formatEvent

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.plugin.load import build_model
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import reactor
from support.logged import capturing

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d"
HOST = "Device.DeviceInfo.HostName"
TWISTED_NOISE = ("Starting factory", "Stopping factory", "Starting protocol", "log_legacy")


def _config(folder: Path, url: str) -> Path:
    path = folder / "cwmpd.toml"
    path.write_text(
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nport = 0\nudp_port = 0\n"  # listening: its factory is quiet too
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{folder / "state"}"\n'
        f'[control]\nsocket = "{folder}/control.sock"\n'
    )
    return path


async def _run_until(acs: ScriptedAcs, config: Path, sessions: int) -> list[str]:
    """cwmpd --log-level info until ``sessions`` sessions completed; its stderr lines."""
    env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cwmpd", "--log-level", "info", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        await acs.wait_for_sessions(sessions, timeout=30)
        await task.deferLater(reactor, 0.5, lambda: None)  # the end line follows the 204
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    return err.splitlines()


def _session_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if "cwmpd.session:" in line]


@pytest_twisted.ensureDeferred
async def test_a_session_is_one_start_and_one_end_line(tmp_path: Path) -> None:
    """Start (events) and end (RPCs answered, duration, ok) at info; no Twisted internals."""
    acs = ScriptedAcs()
    acs.queue(m.GetParameterValues(names=("Device.DeviceInfo.SoftwareVersion",)))
    acs.queue(m.GetParameterNames(path="Device.DeviceInfo.", next_level=True))
    url = await acs.listen(reactor)
    try:
        lines = await _run_until(acs, _config(tmp_path, url), 1)
    finally:
        await acs.stop()
    print("\n".join(lines))
    assert not [line for line in lines if any(noise in line for noise in TWISTED_NOISE)], lines
    assert all(re.match(rf"<\d>{STAMP} cwmpd", line) for line in lines), lines
    start, end = _session_lines(lines)
    assert start.startswith("<6>") and start.endswith(
        "cwmpd.session: session started: 0 BOOTSTRAP, 1 BOOT"
    )
    assert re.search(r"<6>.* cwmpd\.session: session ended: ok, 2 ACS requests answered in "
                     r"\d+\.\d\d s$", end), end  # fmt: skip


@pytest_twisted.ensureDeferred
async def test_a_failed_session_says_when_it_retries(tmp_path: Path) -> None:
    """A refused session is one warning with its reason, then the retry's count and time."""
    acs = ScriptedAcs()
    acs.queue_http_status(503)
    url = await acs.listen(reactor)
    try:
        lines = await _run_until(acs, _config(tmp_path, url), 1)
    finally:
        await acs.stop()
    print("\n".join(lines))
    session = _session_lines(lines)
    assert len(session) == 5, session  # started, failed, retry; started again, ended
    assert session[0].endswith("session started: 0 BOOTSTRAP, 1 BOOT")
    assert re.search(r"<4>.* session failed after \d+\.\d\d s \(0 ACS requests answered\): .*503",
                     session[1]), session[1]  # fmt: skip
    assert re.search(r"<6>.* retry 1 in \d+ s at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$",
                     session[2]), session[2]  # fmt: skip
    assert session[3].endswith("session started: 0 BOOTSTRAP, 1 BOOT (retry 1)")
    assert " session ended: ok, 0 ACS requests answered in " in session[4]


PLUGIN_PY = "from cwmpd.plugin.mapping import plugin_factory\n\ncreate = plugin_factory(__file__)\n"
REFUSE = "import sys; sys.exit('hostname refused by the device')"


@pytest_twisted.ensureDeferred
async def test_a_device_refusing_a_value_is_one_warning(tmp_path: Path) -> None:
    """A set command that exits non-zero: fault 9002 and one warning line, no critical traceback."""
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "plugin.py").write_text(PLUGIN_PY)
    (plugin / "mapping.toml").write_text(
        'root = "Device."\nmanagement_server = true\n'
        f'[params."{HOST}"]\ncommand = {json.dumps([sys.executable, "-c", "print(1)"])}\n'
        f"set = {json.dumps([sys.executable, '-c', REFUSE, '{value}'])}\n"
    )
    model, _ = build_model(
        [str(plugin)], state_dir=tmp_path / "s", factory_values={}, reactor=reactor
    )
    with capturing() as log, pytest.raises(CwmpFault) as fault:
        await model.set_parameter_values([ParameterValueStruct(HOST, "new", "xsd:string")], "")
    seen = log.events
    assert fault.value.code == 9002
    mine = [e for e in seen if str(e.get("log_namespace", "")).startswith("cwmpd")]
    texts = [formatEvent(e) for e in mine]
    assert mine and {e["log_level"] for e in mine} == {LogLevel.warn}, texts
    assert not [e for e in mine if "log_failure" in e], texts
    assert all("\n" not in t for t in texts), texts
    assert any(t.startswith("backend failed: commit: ") and "exited 1" in t for t in texts), texts
