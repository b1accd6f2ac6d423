"""The twistd dropin: ``twistd cwmpd`` is found, documents --config and refuses bad configs."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

TWISTD = [sys.executable, "-c", "from twisted.scripts.twistd import run; run()"]
# Twisted 22.4 (Debian 12) prints usage errors but exits 0; later releases exit non-zero.
USAGE_EXIT_OK = tuple(int(n) for n in version("twisted").split(".")[:2]) <= (22, 4)


def twistd(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run twistd from this interpreter (so it sees src/twisted/plugins)."""
    return subprocess.run(
        [*TWISTD, *args], capture_output=True, text=True, check=False, cwd=cwd, timeout=60
    )


def test_twistd_lists_and_documents_cwmpd(tmp_path: Path) -> None:
    """``twistd cwmpd --help`` shows the plugin's own --config option."""
    done = twistd("cwmpd", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "--config=" in done.stdout and "TOML config file" in done.stdout


def test_twistd_cwmpd_refuses_missing_or_bad_config(tmp_path: Path) -> None:
    """No --config, or an unreadable one, ends twistd with one clear line and non-zero."""
    done = twistd("-n", "cwmpd", cwd=tmp_path)
    assert "--config FILE is required" in done.stdout + done.stderr
    assert USAGE_EXIT_OK or done.returncode != 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[acs]\nurl = "ftp://nope"\n')
    done = twistd("-n", "--pidfile=", "cwmpd", "--config", str(bad), cwd=tmp_path)
    assert "acs.url must be an http" in done.stdout + done.stderr
    assert USAGE_EXIT_OK or done.returncode != 0
