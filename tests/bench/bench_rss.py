"""Benchmark: the daemon's resident memory after one full session, against a bare baseline.

The daemon (simulated device) runs as a subprocess against the scripted ACS; once its first
session has completed, its VmRSS is read from /proc. Baseline, measured in the same run: a
bare Python that only imports the Twisted reactor, twisted.web.client, lxml and OpenSSL.
Prints the ratio (target: at most 1.25). Run: python tests/bench/bench_rss.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from twisted.internet import defer, task

from cwmpd.cwmp import messages as m
from cwmpd.reactors import AgentReactor, agent_reactor
from cwmpd.testing.acs import ScriptedAcs

BASELINE = (
    "from twisted.internet import reactor\n"
    "import twisted.web.client, lxml.etree, OpenSSL.SSL\n"
    "print(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1])\n"
)


def rss_kib(pid: int) -> int:
    """VmRSS of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def daemon_rss(reactor: AgentReactor, folder: Path) -> int:
    """RSS of the daemon after one session with a few RPCs."""
    acs = ScriptedAcs()
    acs.queue(m.GetParameterNames(path="", next_level=False))
    acs.queue(m.GetParameterValues(names=("Device.",)))
    url = await acs.listen(reactor)
    config = folder / "cwmpd.toml"
    config.write_text(
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{folder / "state"}"\n'
        f'[control]\nsocket = "{folder}/control.sock"\n'
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "cwmpd", "--config", str(config)], stderr=subprocess.DEVNULL
    )
    try:
        await acs.wait_for_sessions(1, timeout=30)
        await task.deferLater(reactor, 0.5, lambda: None)
        return rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
        await acs.stop()


def main() -> None:
    """Measure both and print the ratio."""
    base = int(
        subprocess.run(
            [sys.executable, "-c", BASELINE], capture_output=True, text=True, check=True
        ).stdout
    )
    result: dict[str, int] = {}

    async def run(reactor: AgentReactor) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            result["rss"] = await daemon_rss(reactor, Path(tmp))

    try:
        task.react(lambda r: defer.ensureDeferred(run(agent_reactor(r))))
    except SystemExit as exc:
        if exc.code:
            raise
    rss = result["rss"]
    print(
        f"bench_rss: daemon after one session {rss / 1024:.1f} MiB, bare imports "
        f"{base / 1024:.1f} MiB, ratio {rss / base:.2f} (target <= 1.25)"
    )


if __name__ == "__main__":
    main()
