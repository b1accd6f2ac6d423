"""Benchmark: CPU seconds an idle ``cwmpd`` spends when nothing is due, against a bare reactor.

The daemon (simulated device, Connection Request listener on, periodic Inform every hour,
value polling at its default) runs as a subprocess; once its bootstrap session with the
scripted ACS has ended, its CPU time is read from /proc (schedstat) at the start and the end of a
WINDOW-second window, while a bare ``reactor.run()`` process idles over the same window.
Both are scaled to 5 minutes (the target is stated per 5 minutes: 0.05 CPU-s) and the ratio
daemon / target is printed. Run: python tests/bench/bench_idle.py [WINDOW]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from twisted.internet import defer, task

from cwmpd.reactors import AgentReactor, agent_reactor
from cwmpd.testing.acs import ScriptedAcs

WINDOW = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
TARGET = 0.05  # CPU-s per 5 minutes
BARE = "from twisted.internet import reactor\nreactor.run()\n"


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of a process in ns resolution (/proc schedstat), in seconds;
    utime+stime only count 10 ms ticks, too coarse for an idle minute."""
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return sum(int((t / "schedstat").read_text().split()[0]) for t in tasks) / 1e9


async def idle_cpu(reactor: AgentReactor, folder: Path) -> tuple[float, float]:
    """(daemon, bare reactor) CPU seconds over WINDOW seconds with nothing due."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    config = folder / "cwmpd.toml"
    config.write_text(
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 3600\n'
        "[connection_request]\nport = 0\nudp_port = 0\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{folder / "state"}"\n'
        f'[control]\nsocket = "{folder}/control.sock"\n'
    )
    daemon = subprocess.Popen(
        [sys.executable, "-m", "cwmpd", "--config", str(config)], stderr=subprocess.DEVNULL
    )
    bare = subprocess.Popen([sys.executable, "-c", BARE])
    try:
        await acs.wait_for_sessions(1, timeout=30)
        await task.deferLater(reactor, 2, lambda: None)  # the session's own tail settles
        start = cpu_seconds(daemon.pid), cpu_seconds(bare.pid)
        await task.deferLater(reactor, WINDOW, lambda: None)
        end = cpu_seconds(daemon.pid), cpu_seconds(bare.pid)
        return end[0] - start[0], end[1] - start[1]
    finally:
        for proc in (daemon, bare):
            proc.terminate()
            proc.wait(10)
        await acs.stop()


def main() -> None:
    """Measure and print CPU-s per 5 minutes, the bare baseline and the ratio to the target."""
    result: dict[str, tuple[float, float]] = {}

    async def run(reactor: AgentReactor) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            result["cpu"] = await idle_cpu(reactor, Path(tmp))

    try:
        task.react(lambda r: defer.ensureDeferred(run(agent_reactor(r))))
    except SystemExit as exc:
        if exc.code:
            raise
    daemon, bare = result["cpu"]
    scale = 300.0 / WINDOW
    print(
        f"bench_idle: idle daemon {daemon:.4f} CPU-s in {WINDOW:.0f} s = {daemon * scale:.4f} "
        f"CPU-s per 5 min (measured over {WINDOW:.0f} s, scaled x{scale:g}), bare reactor "
        f"{bare * scale:.4f} CPU-s per 5 min; "
        f"ratio to target {daemon * scale / TARGET:.2f} (target <= 1.0, i.e. {TARGET} CPU-s)"
    )


if __name__ == "__main__":
    main()
