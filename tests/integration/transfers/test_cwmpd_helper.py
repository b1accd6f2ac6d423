"""debian/helpers/cwmpd-helper on its own: the root side's refusals and its result file.

Run as the units run it (``cwmpd-helper firmware|reboot``) with the unit's environment
pointing at tmp folders; the reboot command is a script that records the call.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

HELPER = Path(__file__).resolve().parents[3] / "debian" / "helpers" / "cwmpd-helper"


class Root:
    """The tmp folders of one helper run."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        for sub in ("run", "lib", "hooks"):
            (tmp / sub).mkdir()
        self.image = tmp / "lib" / "image"
        self.request = tmp / "run" / "firmware-request"
        self.result = tmp / "lib" / "result"
        self.rebooted = tmp / "rebooted"

    def hook(self, name: str, body: str, mode: int = 0o755) -> Path:
        path = self.tmp / "hooks" / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(mode)
        return path

    def run(self, action: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "CWMPD_RUN_DIR": str(self.tmp / "run"),
            "CWMPD_FIRMWARE_IMAGE": str(self.image),
            "CWMPD_FIRMWARE_RESULT": str(self.result),
            "CWMPD_FIRMWARE_HOOKS": str(self.tmp / "hooks"),
            "CWMPD_HOOK_OWNER": str(os.getuid()),
            "CWMPD_REBOOT_COMMAND": f"touch {self.rebooted}",
        }
        return subprocess.run(
            ["/bin/sh", str(HELPER), action], env=env, capture_output=True, text=True, timeout=30
        )

    def answer(self) -> dict[str, str]:
        lines = self.result.read_text().splitlines()
        return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def root(tmp_path: Path) -> Root:
    return Root(tmp_path)


def test_hooks_run_in_order_and_the_result_answers_the_request(root: Root) -> None:
    root.image.write_bytes(b"firmware")
    root.request.write_bytes(b"transfer=transfer-3\nsha256=abc\n")
    root.hook("20-second", 'echo "second saw $(cat "$1")"\n')
    root.hook("10-first", f'echo first >>"{root.tmp}/order"\n')
    done = root.run("firmware")
    assert done.returncode == 0, done.stderr
    assert root.answer() == {
        "request": hashlib.sha256(b"transfer=transfer-3\nsha256=abc\n").hexdigest(),
        "status": "0",
        "message": "second saw firmware",
    }
    assert (root.tmp / "order").read_text() == "first\n"
    assert not root.request.exists() and root.rebooted.exists()
    assert oct(root.result.stat().st_mode & 0o777) == "0o644"


def test_unsafe_hooks_are_ignored_and_no_hook_is_a_failure(root: Root) -> None:
    root.image.write_bytes(b"firmware")
    root.hook("10-writable", f'touch "{root.tmp}/ran"\n', mode=0o775)
    done = root.run("firmware")
    assert done.returncode == 1
    assert root.answer()["status"] == "1"
    assert root.answer()["message"] == f"no firmware hook in {root.tmp}/hooks"
    assert "ignoring unsafe hook" in done.stderr
    assert not (root.tmp / "ran").exists() and not root.rebooted.exists()


def test_a_symlinked_image_is_refused_without_running_hooks(root: Root) -> None:
    secret = root.tmp / "secret"
    secret.write_text("root only\n")
    root.image.symlink_to(secret)
    root.hook("10-apply", f'cp "$1" "{root.tmp}/copied"\n')
    done = root.run("firmware")
    assert done.returncode == 65
    assert root.answer()["message"] == f"no firmware image at {root.image}"
    assert not (root.tmp / "copied").exists() and not root.rebooted.exists()


def test_a_failing_hook_stops_the_rest_and_its_last_line_is_the_message(root: Root) -> None:
    root.image.write_bytes(b"firmware")
    root.hook("10-fail", 'echo "step 1"\nprintf "flash \\033[1merror\\033[0m\\n" >&2\nexit 3\n')
    root.hook("20-never", f'touch "{root.tmp}/ran"\n')
    done = root.run("firmware")
    assert done.returncode == 3
    assert root.answer() == {"request": "", "status": "3", "message": "flash [1merror[0m"}
    assert not (root.tmp / "ran").exists() and not root.rebooted.exists()


def test_reboot_takes_the_request_and_runs_the_reboot_command(root: Root) -> None:
    (root.tmp / "run" / "reboot-request").touch()
    done = root.run("reboot")
    assert done.returncode == 0, done.stderr
    assert root.rebooted.exists() and not (root.tmp / "run" / "reboot-request").exists()
    assert root.run("anything-else").returncode == 2
