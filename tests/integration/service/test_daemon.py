"""Daemon hygiene through the real ``cwmpd`` and ``cwmpctl`` subprocesses (no ACS needed).

One agent per state_dir, SIGHUP reloads, syslog falls back to stderr, fatal start-up errors
follow --log-format, and every start-up refusal is one line naming the config key.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CWMPD = [sys.executable, "-m", "cwmpd"]
CWMPCTL = [sys.executable, "-m", "cwmpd.ctl"]


def write_config(
    folder: Path, *, state: Path | None = None, acs: str = "", name: str = "a"
) -> Path:
    """A config for the simulated device, an unreachable ACS and a control socket of its own."""
    path = folder / f"{name}.toml"
    path.write_text(
        f'[acs]\nurl = "http://127.0.0.1:9/acs"\nperiodic_inform_interval = 0\n{acs}\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{state or folder / "state"}"\n'
        f'[control]\nsocket = "{folder / name}.sock"\n'
    )
    return path


def spawn(config: Path, *extra: str) -> subprocess.Popen[str]:
    """Start cwmpd in the background (stderr captured)."""
    return subprocess.Popen(
        [*CWMPD, *extra, "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run cwmpd expecting it to refuse to start."""
    return subprocess.run(
        [*CWMPD, *extra, "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def ctl(sock: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run cwmpctl against ``sock``."""
    return subprocess.run(
        [*CWMPCTL, "--socket", str(sock), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def wait_for_socket(sock: Path, proc: subprocess.Popen[str], timeout: float = 20) -> None:
    """Wait until the daemon answers on its control socket."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"cwmpd exited {proc.returncode}: {proc.communicate()[1]}")
        if sock.exists() and ctl(sock, "status").returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError("cwmpd never answered on its control socket")


def stop(proc: subprocess.Popen[str]) -> str:
    """Terminate the daemon; its stderr."""
    if proc.poll() is None:
        proc.terminate()
    _, err = proc.communicate(timeout=20)
    return err


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path, Path]]:
    """A running cwmpd: (process, config file, control socket)."""
    config = write_config(tmp_path)
    proc = spawn(config)
    try:
        wait_for_socket(tmp_path / "a.sock", proc)
        yield proc, config, tmp_path / "a.sock"
    finally:
        stop(proc)


def test_second_agent_on_the_same_state_dir_is_refused(
    tmp_path: Path, daemon: tuple[subprocess.Popen[str], Path, Path]
) -> None:
    """Two agents on one state_dir would corrupt each other's queue: the second one stops."""
    first, _, sock = daemon
    second = run(write_config(tmp_path, state=tmp_path / "state", name="b"))
    assert second.returncode == 1, second.stderr
    lines = second.stderr.splitlines()
    assert len(lines) == 1, second.stderr
    assert "device.state_dir" in lines[0] and str(tmp_path / "state") in lines[0]
    assert "another cwmpd" in lines[0]
    assert first.poll() is None and ctl(sock, "status").returncode == 0


def test_sighup_reloads_the_config(daemon: tuple[subprocess.Popen[str], Path, Path]) -> None:
    """SIGHUP is a reload (like cwmpctl reload): the daemon lives on with the new file."""
    proc, config, sock = daemon
    config.write_text(config.read_text().replace("127.0.0.1:9/acs", "127.0.0.1:10/other"))
    os.kill(proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + 20
    out = ""
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"cwmpd died on SIGHUP ({proc.returncode})"
        out = ctl(sock, "get", "Device.ManagementServer.URL").stdout
        if "127.0.0.1:10/other" in out:
            break
        time.sleep(0.1)
    assert out == "Device.ManagementServer.URL = http://127.0.0.1:10/other\n"
    config.write_text("[acs\n")
    os.kill(proc.pid, signal.SIGHUP)
    time.sleep(1)
    assert proc.poll() is None
    err = stop(proc)
    assert "reload refused" in err and "not valid TOML" in err
    assert "Traceback" not in err


@pytest.mark.skipif(os.path.exists("/dev/log"), reason="this machine has a syslog socket")
def test_syslog_target_without_dev_log_falls_back_to_stderr(tmp_path: Path) -> None:
    """--log-target syslog with no /dev/log: one warning, then the log goes to stderr."""
    config = write_config(tmp_path)
    proc = spawn(config, "--log-target", "syslog")
    try:
        wait_for_socket(tmp_path / "a.sock", proc)
    finally:
        err = stop(proc)
    lines = err.splitlines()
    assert "/dev/log" in lines[0] and "stderr" in lines[0], err
    assert sum("/dev/log" in line for line in lines) == 1
    assert any("bootstrap: fresh state" in line for line in lines[1:]), err


def test_fatal_start_up_errors_follow_the_log_format(tmp_path: Path) -> None:
    """A config error is one line: '<2>' prefixed in text, one JSON object with json."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[acs]\nurl = "ftp://nope"\n')
    text = run(bad)
    assert text.returncode == 2
    (line,) = text.stderr.splitlines()
    assert line.startswith("<2>") and line.endswith(
        f"cwmpd: {bad}: acs.url must be an http:// or https:// URL, got 'ftp://nope'"
    )
    as_json = run(bad, "--log-format", "json")
    assert as_json.returncode == 2
    (line,) = as_json.stderr.splitlines()
    record = json.loads(line)
    assert record["level"] == "critical" and "acs.url must be" in record["message"]
    assert isinstance(record["time"], float)


def test_journald_stderr_has_no_timestamps(tmp_path: Path) -> None:
    """Under journald (JOURNAL_STREAM set) the text lines carry no time of their own."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[acs]\nurl = "ftp://nope"\n')
    env = dict(os.environ, JOURNAL_STREAM="8:1234")
    done = subprocess.run(
        [*CWMPD, "--config", str(bad)], capture_output=True, text=True, check=False, env=env
    )
    assert done.stderr.startswith(f"<2>cwmpd: {bad}: acs.url"), done.stderr


def test_non_pem_ca_file_is_refused_at_start(tmp_path: Path) -> None:
    """acs.ca_file that holds no PEM certificate stops the start, naming the key."""
    ca = tmp_path / "ca.txt"
    ca.write_text("this is not a certificate\n")
    done = run(write_config(tmp_path, acs=f'ca_file = "{ca}"'))
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert "acs.ca_file" in line and str(ca) in line and "PEM" in line, line


def test_state_dir_errors_name_the_key_and_the_path(tmp_path: Path) -> None:
    """A state_dir that cannot be made is one line naming device.state_dir and the path."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    state = blocker / "state"
    done = run(write_config(tmp_path, state=state))
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert "device.state_dir" in line and str(state) in line, line
    assert "Traceback" not in done.stderr
