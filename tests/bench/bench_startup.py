"""Benchmark: launch of a real ``cwmpd`` to its first Inform on loopback, against a bare reactor.

Each run starts the daemon (simulated device, fresh state) against the scripted ACS in this
process and times launch -> the ACS seeing the Inform; the daemon's CPU seconds by then are
read from /proc. Baseline, measured in the same run: ``python3 -c "import
twisted.internet.reactor"`` from launch to exit. Medians of RUNS each, after one warm-up
run of each that compiles the bytecode into a private PYTHONPYCACHEPREFIX (an installed
system has its .pyc files; PYTHONDONTWRITEBYTECODE is dropped for the children). Prints the
ratio (target: at most 1.5; also best-to-best and in CPU seconds, which a loaded machine
disturbs less) and the cost of ``import cwmpd.service`` alone.
Run: python tests/bench/bench_startup.py
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from twisted.internet import defer, task

from cwmpd.reactors import AgentReactor, agent_reactor
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession

RUNS = 7
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of a process (/proc schedstat, ns resolution), in seconds."""
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return sum(int((t / "schedstat").read_text().split()[0]) for t in tasks) / 1e9


def baseline() -> tuple[float, float]:
    """(seconds, CPU seconds) from launch to exit of a Python that imports the reactor."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import twisted.internet.reactor"], check=True, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def import_service() -> float:
    """Seconds ``import cwmpd.service`` takes in a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter(); import cwmpd.service; print(time.perf_counter() - t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=ENV
    )
    return float(done.stdout)


async def first_inform(reactor: AgentReactor, folder: Path) -> tuple[float, float]:
    """(seconds, daemon CPU seconds) from launch to the first Inform reaching the ACS."""
    acs = ScriptedAcs()
    seen: list[tuple[float, float]] = []
    proc: list[subprocess.Popen[bytes]] = []

    def first(_session: AcsSession) -> None:
        if not seen:
            seen.append((time.perf_counter(), cpu_seconds(proc[0].pid)))

    acs.on_session(first)
    url = await acs.listen(reactor)
    config = folder / "cwmpd.toml"
    config.write_text(
        f'[acs]\nurl = "{url}"\n'
        "[connection_request]\nport = 0\nudp_port = 0\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{folder / "state"}"\n'
        f'[control]\nsocket = "{folder}/control.sock"\n'
    )
    start = time.perf_counter()
    proc.append(
        subprocess.Popen(
            [sys.executable, "-m", "cwmpd", "--config", str(config)],
            stderr=subprocess.DEVNULL,
            env=ENV,
        )
    )
    try:
        await acs.wait_for_informs(1, timeout=30)
        return seen[0][0] - start, seen[0][1]
    finally:
        proc[0].terminate()
        proc[0].wait(10)
        await acs.stop()


def main() -> None:
    """Measure both and print the ratio."""
    cache = tempfile.TemporaryDirectory()
    ENV["PYTHONPYCACHEPREFIX"] = cache.name
    baseline()  # warm-up: compiles the bytecode
    bases = [baseline() for _ in range(RUNS)]
    import_service()
    imported = statistics.median(import_service() for _ in range(3))
    runs: list[tuple[float, float]] = []

    async def run(reactor: AgentReactor) -> None:
        for _ in range(RUNS + 1):  # the first is the warm-up
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(await first_inform(reactor, Path(tmp)))
        del runs[0]

    try:
        task.react(lambda r: defer.ensureDeferred(run(agent_reactor(r))))
    except SystemExit as exc:
        if exc.code:
            raise
    cache.cleanup()
    wall, base = statistics.median(w for w, _ in runs), statistics.median(w for w, _ in bases)
    cpu, base_cpu = statistics.median(c for _, c in runs), statistics.median(c for _, c in bases)
    best, base_best = min(w for w, _ in runs), min(w for w, _ in bases)
    print(
        f"bench_startup: launch to first Inform {wall:.3f} s (best {best:.3f}), bare "
        f"'import twisted.internet.reactor' {base:.3f} s (best {base_best:.3f}): ratio "
        f"{wall / base:.2f}, best-to-best {best / base_best:.2f} (target <= 1.5); CPU "
        f"{cpu:.3f} vs {base_cpu:.3f} CPU-s: ratio {cpu / base_cpu:.2f}; import cwmpd.service "
        f"alone {imported:.3f} s; medians of {RUNS}, bytecode compiled"
    )


if __name__ == "__main__":
    main()
