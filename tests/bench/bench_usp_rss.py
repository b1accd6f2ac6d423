"""Benchmark: idle resident memory of the daemon with USP enabled against the same daemon
with only CWMP (TR-369 issue 14: report the difference in MiB).

Both run as subprocesses (simulated device) against the scripted ACS; the USP one also
connects to a mosquitto started here and answers one request of the scripted Controller.
VmRSS is read from /proc once the first CWMP session has completed (and, with USP, the
Agent's MQTTConnect Record and one answer have arrived) and the daemon has idled 1 s.
Run: python tests/bench/bench_usp_rss.py (needs mosquitto on PATH).
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from twisted.internet import defer, task

from cwmpd.reactors import AgentReactor, agent_reactor
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.usp_controller import ScriptedController

CONTROLLER = "proto::bench-controller"


def rss_kib(pid: int) -> int:
    """VmRSS of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """mosquitto on a free loopback port, once it accepts connections."""
    port = free_port()
    conf = folder / "mosquitto.conf"
    user = f"user {getpass.getuser()}\n" if os.geteuid() == 0 else ""
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n{user}")
    proc = subprocess.Popen(
        ["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            if time.monotonic() > deadline:
                proc.terminate()
                raise
            time.sleep(0.05)


async def daemon_rss(reactor: AgentReactor, folder: Path, broker_port: int | None) -> int:
    """RSS of the idle daemon after its first session (and its USP start, with a broker)."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    text = (
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{folder / "state"}"\n'
        '[control]\nsocket = ""\n'
    )
    controller: ScriptedController | None = None
    if broker_port is not None:
        text += (
            '[usp]\nenable = true\nendpoint_id = "os::bench"\n[[usp.controllers]]\n'
            f'endpoint_id = "{CONTROLLER}"\nurl = "mqtt://127.0.0.1:{broker_port}"\n'
            'controller_topic = "/usp/controller"\nagent_topic = "/usp/agent"\n'
        )
        controller = ScriptedController(CONTROLLER, agent_topic="/usp/agent")
        await controller.connect(reactor, f"mqtt://127.0.0.1:{broker_port}")
    config = folder / "cwmpd.toml"
    config.write_text(text)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cwmpd", "--config", str(config)], stderr=subprocess.DEVNULL
    )
    try:
        await acs.wait_for_sessions(1, timeout=30)
        if controller is not None:
            await controller.agent_connected()
            await controller.get_supported_protocol()
        await task.deferLater(reactor, 1.0, lambda: None)
        return rss_kib(proc.pid)
    finally:
        if controller is not None:
            controller.stop()
        proc.terminate()
        proc.wait(10)
        await acs.stop()


def main() -> None:
    """Measure both daemons and print the difference."""
    if shutil.which("mosquitto") is None:
        print("bench_usp_rss: needs mosquitto on PATH (Debian: mosquitto)", file=sys.stderr)
        sys.exit(1)
    result: dict[str, int] = {}

    async def run(reactor: AgentReactor) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            broker, port = start_broker(folder)
            try:
                (folder / "cwmp").mkdir()
                (folder / "usp").mkdir()
                result["cwmp"] = await daemon_rss(reactor, folder / "cwmp", None)
                result["usp"] = await daemon_rss(reactor, folder / "usp", port)
            finally:
                broker.terminate()
                broker.wait(10)

    try:
        task.react(lambda r: defer.ensureDeferred(run(agent_reactor(r))))
    except SystemExit as exc:
        if exc.code:
            raise
    cwmp, usp = result["cwmp"], result["usp"]
    print(
        f"bench_usp_rss: idle daemon, CWMP only {cwmp / 1024:.1f} MiB, CWMP + USP over MQTT "
        f"{usp / 1024:.1f} MiB: USP costs {(usp - cwmp) / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    main()
