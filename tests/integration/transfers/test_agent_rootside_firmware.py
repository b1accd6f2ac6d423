"""Firmware on Debian, end to end: the linux plugin stages the image and writes the request,
the real root-side helper (debian/helpers/cwmpd-helper, run here in place of systemd's
cwmpd-firmware.path) runs a fake applier and writes the result, then "reboots": the test
gives the device a new boot id and stops the daemon, its supervisor starts it again, and
the TransferComplete carries the applier's outcome. Every path lives in tmp_path.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import task

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import NS_CWMP_12
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import reactor
from support.agent_xfer import (
    Behaviour,
    FileServer,
    Served,
    Supervisor,
    download,
    serve_files,
    transfer_completes,
)
from support.processes import output_and_code
from support.waiting import wait_for
from support.web import stop

REPO = Path(__file__).resolve().parents[3]
HELPER = REPO / "debian" / "helpers" / "cwmpd-helper"
IMAGE = b"DEBIAN-FIRMWARE 2.0\n" + bytes(range(256)) * 64
PAGE = b"<p>queued behind the firmware</p>\n"
KEY = "fw-deb"

pytestmark = pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2 (ip -j)")

APPLIERS = {
    "ok": (
        '#!/bin/sh\ncp "$1" "{out}/flashed"\necho "writing partition B"\n'
        'echo "flashed $(wc -c <"$1") bytes"\n'
    ),
    "refused": (
        '#!/bin/sh\necho "checking signature"\n'
        'echo "signature check failed: unknown key" >&2\nexit 65\n'
    ),
}


@dataclass
class Device:
    """The tmp folders standing in for /run/cwmpd, /var/lib/cwmpd, /etc/cwmpd/firmware.d."""

    root: Path

    def __post_init__(self) -> None:
        for sub in ("run", "lib", "hooks", "plugin"):
            (self.root / sub).mkdir(parents=True)
        self.new_boot("boot-1")

    run = property(lambda self: self.root / "run")
    lib = property(lambda self: self.root / "lib")
    request = property(lambda self: self.root / "run" / "firmware-request")
    result = property(lambda self: self.root / "lib" / "firmware" / "result")
    rebooted = property(lambda self: self.root / "rebooted")

    def new_boot(self, boot_id: str) -> None:
        """What a reboot changes: the kernel's boot id."""
        (self.root / "boot_id").write_text(boot_id + "\n")

    def plugin(self) -> Path:
        """A copy of plugins/linux whose mapping.toml points at the tmp folders."""
        folder = self.root / "plugin" / "linux"
        shutil.copytree(REPO / "plugins" / "linux", folder)
        mapping = folder / "mapping.toml"
        text = mapping.read_text()
        text = re.sub(r"(?m)^boot_id_file = .*$", f'boot_id_file = "{self.root}/boot_id"', text)
        text = re.sub(
            r"(?m)^reboot = .*$", f'reboot = ["/usr/bin/touch", "{self.run}/reboot-request"]', text
        )
        for key, path in (
            ("image", self.lib / "firmware" / "image"),
            ("request", self.request),
            ("result", self.result),
        ):
            # (A plugin without a [firmware] table has no firmware handler: nothing to move.
            # [firmware] comes first; [packages] has keys of the same names.)
            text, n = re.subn(rf'(?m)^{key} = "/.*"$', f'{key} = "{path}"', text, count=1)
            assert n == int("[firmware]" in text), key
        mapping.write_text(text)
        return folder

    def applier(self, kind: str) -> None:
        """The integrator's hook: a real script, root-owned rules checked by the helper."""
        hook = self.root / "hooks" / "10-apply"
        hook.write_text(APPLIERS[kind].replace("{out}", str(self.root)))
        hook.chmod(0o755)

    def helper_env(self) -> dict[str, str]:
        """The unit's environment (/etc/default/cwmpd-helper) for the tmp folders."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "CWMPD_RUN_DIR": str(self.run),
            "CWMPD_FIRMWARE_IMAGE": str(self.lib / "firmware" / "image"),
            "CWMPD_FIRMWARE_RESULT": str(self.result),
            "CWMPD_FIRMWARE_HOOKS": str(self.root / "hooks"),
            "CWMPD_HOOK_OWNER": str(os.getuid()),
            "CWMPD_REBOOT_COMMAND": f"touch {self.rebooted}",
        }

    async def run_helper(self) -> tuple[bytes, int]:
        """``cwmpd-helper firmware`` as cwmpd-firmware.service runs it; (stderr, status)."""
        _out, err, code = await output_and_code(
            "/bin/sh", [str(HELPER), "firmware"], env=self.helper_env()
        )
        return err, code


def config(tmp: Path, acs_url: str, plugin: Path) -> Path:
    """The daemon's config: the tmp copy of the linux plugin, no listeners."""
    path = tmp / "cwmpd.toml"
    path.write_text(
        f'[acs]\nurl = "{acs_url}"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["{plugin}"]\nstate_dir = "{tmp / "state"}"\npoll_interval = 0\n'
        f'[control]\nsocket = "{tmp}/control.sock"\n'
    )
    return path


async def boot(dev: Device, daemon: Supervisor) -> None:
    """The reboot the helper asked for: a new boot id, the agent stopped (SIGTERM, as systemd
    does), its supervisor starting it again."""
    dev.new_boot("boot-2")
    runs = len(daemon.exits)
    os.kill(daemon.pid, signal.SIGTERM)
    await wait_for(lambda: len(daemon.exits) > runs, 10, "the agent to stop")


@pytest.mark.parametrize("case", ["applied", "refused-live", "refused-across-a-boot"])
@pytest_twisted.ensureDeferred
async def test_firmware_through_the_root_side_helper(tmp_path: Path, case: str) -> None:
    """Download -> staged image + request -> helper runs the applier, writes the result ->
    (reboot) -> one TransferComplete with the applier's outcome and message."""
    dev = Device(tmp_path / "dev")
    dev.applier("ok" if case == "applied" else "refused")
    acs = ScriptedAcs(ns=NS_CWMP_12, use_cwmp_version="1.4")  # 9018 is not narrowed
    url = await acs.listen(reactor)
    files: Served = await serve_files(
        FileServer({"/fw.img": Behaviour(IMAGE), "/page.html": Behaviour(PAGE)})
    )
    acs.queue(download(KEY, files.url("/fw.img"), len(IMAGE)))
    acs.queue(
        m.Download("web", "2 Web Content", files.url("/page.html"), "", "", len(PAGE), "p", 0)
    )
    daemon = Supervisor(config(tmp_path, url, dev.plugin()), tmp_path / "state")
    daemon.start()
    helper: tuple[bytes, int] = (b"", -1)
    try:
        (first,) = await acs.wait_for_sessions(1, timeout=30)
        assert first.responses == [m.DownloadResponse(status=1)] * 2
        await wait_for(dev.request.exists, 20, "the firmware request")
        staged = dev.lib / "firmware" / "image"
        assert staged.read_bytes() == IMAGE
        assert b"sha256=" in dev.request.read_bytes()
        if case == "refused-across-a-boot":  # the agent never gets to read the result
            os.kill(daemon.pid, signal.SIGSTOP)
        helper = await dev.run_helper()
        assert not dev.request.exists()  # taken by the helper
        assert [path for path, _ in files.server.log] == ["/fw.img"]  # the rest waits
        if case == "applied":
            await wait_for(dev.rebooted.exists, 5, "the helper's reboot")
            await boot(dev, daemon)
        elif case == "refused-across-a-boot":  # power cut, then a boot
            dev.new_boot("boot-2")
            os.kill(daemon.pid, signal.SIGKILL)
            await wait_for(lambda: daemon.exits, 10, "the kill")
        await wait_for(lambda: len(transfer_completes(acs)) == 2, 30, "both TransferCompletes")
        await wait_for(lambda: acs.sessions[-1].ended, 10, "the end of that session")
        await task.deferLater(reactor, 0.3, lambda: None)  # time for anything more to arrive
    except BaseException:
        print(daemon.stderr.decode(errors="replace")[-6000:])
        print(helper[0].decode(errors="replace"))
        raise
    finally:
        await daemon.stop()
        await acs.stop()
        await stop(files.port)
    (tc,) = transfer_completes(acs, KEY)
    (web,) = transfer_completes(acs, "web")
    assert (web.fault_code, files.server.log[-1]) == (0, ("/page.html", 200))
    session = next(s for s in acs.sessions if tc in s.transfer_completes)
    assert {"7 TRANSFER COMPLETE", "M Download"} <= set(session.events)
    # Booted: "1 BOOT" came in a session up to the one with the TransferComplete (which may
    # be the next one when the judgement finished after the boot session's Inform).
    booted = any("1 BOOT" in s.events for s in acs.sessions[1 : session.index + 1])
    result = dev.result.read_text()
    if case == "applied":
        assert helper[1] == 0, helper
        assert (tc.command_key, tc.fault_code, tc.fault_string) == (KEY, 0, "")
        assert (tmp_path / "dev" / "flashed").read_bytes() == IMAGE  # the applier saw the image
        assert "status=0\n" in result and f"message=flashed {len(IMAGE)} bytes\n" in result
        assert booted
    else:
        assert helper[1] == 65, helper
        assert not dev.rebooted.exists()  # a refused image does not reboot the device
        assert (tc.command_key, tc.fault_code) == (KEY, 9018)
        assert tc.fault_string == "signature check failed: unknown key"
        assert booted == (case == "refused-across-a-boot")
    assert not staged.exists()  # the staged copy is dropped once judged
    assert b"Traceback" not in daemon.stderr
