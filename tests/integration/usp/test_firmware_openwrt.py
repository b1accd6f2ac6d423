"""The OpenWrt plugin's FirmwareImage: USP Download() verifies with ``sysupgrade -T``,
Activate() starts the detached ``sysupgrade`` (a fake one on PATH records each argv),
over a real mosquitto and a real HTTP file server; a refused image is one error."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.plugin.load import source_tree_plugins
from support.backend_helpers import fake_uci_store
from support.mosquitto import Broker
from support.web import stop
from support.xfer_servers import Behaviour, FileServer, listen

from .test_firmware import IMAGE, completions, operate, subscribe, until, values
from .test_usp_agent import controller_for, start_agent, usp_config

pytestmark = pytest.mark.needs_tools("mosquitto", "setsid")

FAKE_SYSUPGRADE = f"""#!{sys.executable}
import os, sys
with open(os.environ["FAKE_SYSUPGRADE_LOG"], "a") as f:
    f.write(" ".join(sys.argv[1:]) + f" sid={{os.getsid(0) == os.getpid()}}\\n")
if sys.argv[1] == "-T":
    with open(sys.argv[2], "rb") as f:
        sys.exit(0 if f.readline().strip() == b"OPENWRT-IMAGE" else 1)
"""


@pytest.fixture
def sysupgrade_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake uci store and a recording sysupgrade, first on PATH."""
    fake_uci_store(tmp_path, monkeypatch, {"dhcp": {"lan": {".type": "dhcp"}}})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "sysupgrade"
    script.write_text(FAKE_SYSUPGRADE)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    log = tmp_path / "sysupgrade.log"
    monkeypatch.setenv("FAKE_SYSUPGRADE_LOG", str(log))
    return log


def openwrt_config(tmp_path: Path, port: int) -> str:
    text = usp_config(tmp_path / "state", "http://127.0.0.1:9/acs", port, endpoint_id="os::fw")
    return text.replace('["simulated"]', f'["{source_tree_plugins() / "openwrt"}"]')


@pytest_twisted.ensureDeferred
async def test_download_runs_sysupgrade_test_and_activate_the_detached_flash(
    broker: Broker, tmp_path: Path, sysupgrade_log: Path
) -> None:
    files = await listen(
        FileServer(
            {
                "/openwrt.bin": Behaviour(b"OPENWRT-IMAGE\n" + b"x" * 2048),
                "/other.bin": Behaviour(b"not an openwrt image\n"),
            }
        )
    )
    controller = await controller_for(broker)
    agent = start_agent(openwrt_config(tmp_path, broker.port), None)
    spool = tmp_path / "state" / "spool"
    try:
        await controller.agent_connected()
        await subscribe(controller)
        download = IMAGE + "2.Download()"
        await operate(controller, download, {"URL": files.url("/other.bin")}, "refused")
        await until(lambda: completions(controller, download))
        (refused,) = completions(controller, download)
        assert "sysupgrade refused the image" in refused.oper_complete.cmd_failure.err_msg
        assert sysupgrade_log.read_text() == f"-T {spool}/usp-firmware-2.part sid=False\n"

        sysupgrade_log.unlink()
        await operate(controller, download, {"URL": files.url("/openwrt.bin")}, "good")
        await until(lambda: len(completions(controller, download)) == 2)
        good = completions(controller, download)[-1].oper_complete
        assert good.command_key == "good"
        assert good.WhichOneof("operation_resp") == "req_output_args", good
        assert sysupgrade_log.read_text() == f"-T {spool}/usp-firmware-2.part sid=False\n"
        got = await values(controller, IMAGE + "2.")
        assert (got[IMAGE + "2.Status"], got[IMAGE + "2.Name"]) == ("Available", "openwrt.bin")

        request = await operate(controller, IMAGE + "2.Activate()", {}, "flash")
        await until(lambda: sysupgrade_log.read_text().count("\n") == 2, 30)
        flashed = sysupgrade_log.read_text().splitlines()[1]
        assert flashed == f"{spool}/usp-firmware-2 sid=True"  # detached: its own session
        running = await values(controller, request)
        assert running[request + "Status"] == "Active"  # until the boot into the image
        assert completions(controller, IMAGE + "2.Activate()") == []
    finally:
        controller.stop()
        agent.stopService()
        await stop(files.port)
