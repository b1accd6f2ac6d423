"""Benchmark: launch of a real ``cwmpd`` to its first Inform on loopback, against a bare reactor.

Each run starts the daemon (simulated device, fresh state) against the scripted ACS in this
process and times launch -> the ACS seeing the Inform; the daemon's CPU seconds by then are
read from /proc. Baseline, measured in the same run: ``python3 -c "import
twisted.internet.reactor"`` from launch to exit. Medians of RUNS each. Prints the ratio
(target: at most 1.5) and the cost of ``import cwmpd.service`` alone.
Run: python tests/bench/bench_startup.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from twisted.internet import defer, task

from cwmpd.testing.acs import ScriptedAcs

RUNS = 7
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def baseline() -> float:
    """Launch to exit of a Python that imports the reactor."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import twisted.internet.reactor"], check=True)
    return time.perf_counter() - start


def import_service() -> float:
    """Seconds ``import cwmpd.service`` takes in a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter(); import cwmpd.service; print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


async def first_inform(reactor: Any, folder: Path) -> tuple[float, float]:
    """(seconds, daemon CPU seconds) from launch to the first Inform reaching the ACS."""
    acs = ScriptedAcs()
    seen: list[tuple[float, float]] = []
    proc: list[subprocess.Popen[bytes]] = []
    acs.on_session(lambda _s: seen or seen.append((time.perf_counter(), cpu_seconds(proc[0].pid))))
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
            [sys.executable, "-m", "cwmpd", "--config", str(config)], stderr=subprocess.DEVNULL
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
    base = statistics.median(baseline() for _ in range(RUNS))
    imported = statistics.median(import_service() for _ in range(3))
    runs: list[tuple[float, float]] = []

    async def run(reactor: Any) -> None:
        for _ in range(RUNS):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(await first_inform(reactor, Path(tmp)))

    try:
        task.react(lambda r: defer.ensureDeferred(run(r)))
    except SystemExit as exc:
        if exc.code:
            raise
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    print(
        f"bench_startup: launch to first Inform {wall:.3f} s ({cpu:.2f} CPU-s), bare "
        f"'import twisted.internet.reactor' {base:.3f} s, ratio {wall / base:.2f} "
        f"(target <= 1.5); import cwmpd.service alone {imported:.3f} s; medians of {RUNS}"
    )


if __name__ == "__main__":
    main()
