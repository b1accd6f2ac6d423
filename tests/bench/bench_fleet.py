"""Benchmark: ``cwmpd fleet`` memory per device, session rate and time to first session.

Each fleet runs as a subprocess (``python -m cwmpd fleet``) against the many-session
scripted ACS in this process, at an unbounded ramp; each device's first session is
Inform, GPV of 20 parameters, SPV of 1, end. Once every device has completed it, the
fleet's VmRSS is read from /proc and it gets SIGINT (a Ctrl-C: it stops cleanly and writes
its report). Three fleets: 100 and 2,000 devices with no periodic informs for (a) and
(c), 2,000 busy ones for (b). Prints: (a) memory per device, RSS(2,000) - RSS(100) over
1,900 (target under 50 KB), against one ``cwmpd`` process per device (bench_rss's daemon
figure, ~30 MB); (b) the fleet's sessions per CPU-second against a bare Twisted client
replaying the fleet's own recorded POSTs to the same ACS (its best of three runs; target:
at least half), both at the same full load: 100 sessions in flight at once (the fleet's
2,000 devices inform every 2-6 s, more than it serves, with ``--max-sessions 100``; counted
from the fleet's "every device has had its first session" line, so the boot storm and its
last collection are left out); (c) time to bring the 2,000 devices through their first
session, per device.
Run: python tests/bench/bench_fleet.py
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from twisted.internet import defer, task
from twisted.internet.utils import getProcessOutput

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.testing.acs_fleet import FleetAcs
from cwmpd.testing.acs_record import AcsSession

SMALL, LARGE = 100, 2000
STEADY = b"every device has had its first session"
WIDTH = 100  # sessions in flight at once, in the replay and in the busy fleet
GPV = (
    "Device.DeviceInfo.Manufacturer",
    "Device.DeviceInfo.ManufacturerOUI",
    "Device.DeviceInfo.ProductClass",
    "Device.DeviceInfo.SerialNumber",
    "Device.DeviceInfo.HardwareVersion",
    "Device.DeviceInfo.SoftwareVersion",
    "Device.DeviceInfo.UpTime",
    "Device.DeviceInfo.ProvisioningCode",
    "Device.ManagementServer.URL",
    "Device.ManagementServer.PeriodicInformEnable",
    "Device.ManagementServer.PeriodicInformInterval",
    "Device.ManagementServer.ParameterKey",
    "Device.ManagementServer.ConnectionRequestURL",
    "Device.IP.Interface.1.Enable",
    "Device.IP.Interface.1.Name",
    "Device.IP.Interface.1.Status",
    "Device.IP.Interface.1.IPv4Address.1.IPAddress",
    "Device.IP.Interface.1.IPv4Address.1.SubnetMask",
    "Device.IP.InterfaceNumberOfEntries",
    "Device.RootDataModelVersion",
)


REPLAY = r"""
import json, sys, time
from twisted.internet import defer, task
from twisted.internet.utils import getProcessOutput
from twisted.web.client import Agent, HTTPConnectionPool, readBody
from twisted.web.http_headers import Headers

url, count, width, bodies = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
posts = [b.encode("latin-1") for b in json.load(open(bodies))]
serial = b"FLEET000000"

async def session(reactor, n):
    pool = HTTPConnectionPool(reactor, persistent=True)
    agent = Agent(reactor, pool=pool)
    cookie = None
    for i, body in enumerate(posts):
        if i == 0:
            body = body.replace(serial, b"REPLAY%06d" % n)
        headers = {b"content-type": [b"text/xml; charset=utf-8"]}
        if cookie:
            headers[b"cookie"] = [cookie]
        resp = await agent.request(b"POST", url.encode(), Headers(headers), _Body(body))
        got = resp.headers.getRawHeaders(b"set-cookie")
        if got:
            cookie = got[0].split(b";")[0]
        await readBody(resp)
    await pool.closeCachedConnections()

class _Body:
    def __init__(self, data):
        self.data, self.length = data, len(data)
    def startProducing(self, consumer):
        consumer.write(self.data)
        return defer.succeed(None)
    def stopProducing(self): pass
    def pauseProducing(self): pass
    def resumeProducing(self): pass

async def main(reactor):
    started = time.process_time()
    todo = iter(range(count))
    async def worker():
        for n in todo:
            await session(reactor, n)
    await defer.gatherResults([defer.ensureDeferred(worker()) for _ in range(width)])
    print(json.dumps({"cpu": time.process_time() - started, "sessions": count}))

task.react(lambda r: defer.ensureDeferred(main(r)))
"""


async def replay_rate(reactor: Any, bodies: list[bytes], folder: Path) -> float:
    """Sessions per CPU-second of a bare Twisted client POSTing the fleet's recorded bodies."""
    acs = FleetAcs()
    url = await acs.listen(reactor)
    recorded = folder / "bodies.json"
    recorded.write_text(json.dumps([b.decode("latin-1") for b in bodies]))
    script = folder / "replay.py"
    script.write_text(REPLAY)
    argv = ["-W", "ignore", str(script), url, str(LARGE), str(WIDTH), str(recorded)]
    try:
        out = await getProcessOutput(sys.executable, argv, env=dict(os.environ), reactor=reactor)  # type: ignore[no-untyped-call]
    finally:
        await acs.stop()
    done = [s for s in acs.sessions if s.completed]
    if len(done) != LARGE or any(s.errors for s in done):
        raise RuntimeError(f"replay: {len(done)} sessions completed of {LARGE}")
    data = json.loads(out)
    return float(data["sessions"]) / float(data["cpu"])


def rss_kib(pid: int) -> int:
    """VmRSS of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def script(acs: FleetAcs, session: AcsSession) -> None:
    """Every session: GPV of 20 parameters, SPV of 1."""
    acs.queue_in(session, m.GetParameterValues(names=GPV))
    pvs = (ParameterValueStruct("Device.DeviceInfo.ProvisioningCode", "BENCH", "string"),)
    acs.queue_in(session, m.SetParameterValues(parameters=pvs, parameter_key="bench"))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def fleet_run(
    reactor: Any, devices: int, folder: Path, window: float = 0.0
) -> dict[str, Any]:
    """Run a fleet of ``devices``; its RSS after the first sessions, timing, its report;
    with a ``window``, its sessions per CPU-second over that many seconds of periodic
    informs (every 2-6 s: more than it serves) once it says every device has had its first
    session."""
    acs = FleetAcs()
    acs.on_session(lambda s: script(acs, s))
    url = await acs.listen(reactor)
    report = folder / f"fleet-{devices}.json"
    said = folder / f"fleet-{devices}.out"
    argv = [sys.executable, "-m", "cwmpd", "fleet", "--acs", url, "--devices", str(devices)]
    periodic = ["--periodic", "0"]
    if window:  # more than it serves, 100 in a session at once: the replay's load
        periodic = ["--periodic", "4", "--jitter", "0.5", "--max-sessions", str(WIDTH)]
    argv += ["--ramp", "0", *periodic, "--report", str(report), "--no-progress"]
    started = time.monotonic()
    with said.open("wb") as out:
        child = subprocess.Popen(argv, stdout=out)
    try:
        await acs.wait_for_sessions(devices, timeout=600)
        took = time.monotonic() - started
        await task.deferLater(reactor, 0.5)  # the last devices see their 204
        rss = rss_kib(child.pid)
        rate = 0.0
        if window:
            for _ in range(600):  # its last freeze (a full collection) is behind it
                if STEADY in said.read_bytes() or child.poll() is not None:
                    break
                await task.deferLater(reactor, 0.1)
            else:
                raise RuntimeError("the fleet never said every device had its first session")
            count, cpu = len(acs.completed_sessions), cpu_seconds(child.pid)
            await task.deferLater(reactor, window)
            count = len(acs.completed_sessions) - count
            rate = count / max(1e-9, cpu_seconds(child.pid) - cpu)
        child.send_signal(signal.SIGINT)
        while child.poll() is None:
            await task.deferLater(reactor, 0.05)
    finally:
        if child.poll() is None:
            child.kill()
        await acs.stop()
    data = json.loads(report.read_text())
    first = acs.sessions[0].raw_requests
    return {
        "rss_kib": rss,
        "took": took,
        "report": data,
        "exit": child.returncode,
        "bodies": first,
        "rate": rate,
    }


async def main(reactor: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        small = await fleet_run(reactor, SMALL, Path(tmp))
        large = await fleet_run(reactor, LARGE, Path(tmp))
        busy = await fleet_run(reactor, LARGE, Path(tmp), window=20.0)
        replays = [await replay_rate(reactor, small["bodies"], Path(tmp)) for _ in range(3)]
    replay = max(replays)  # its best of three: the baseline at its fastest
    per_device_kb = (large["rss_kib"] - small["rss_kib"]) * 1024 / 1000 / (LARGE - SMALL)
    rep = busy["report"]
    print(
        f"fleet RSS: {SMALL} devices {small['rss_kib']} KiB, {LARGE} devices {large['rss_kib']} KiB"
    )
    print(
        f"(a) memory per device: {per_device_kb:.0f} KB (target < 50 KB); one cwmpd process "
        f"per device costs ~30,000 KB (bench_rss): ratio {per_device_kb / 30000:.4f}"
    )
    fleet_rate = float(busy["rate"])
    print(
        f"(b) sessions per CPU-second at full load: fleet {fleet_rate:.0f} (periodic informs "
        f"over 20 s after the first sessions; {rep['sessions_per_cpu_second']} over its whole "
        "run, start-up and boot storm included), "
        f"bare Twisted replay of the same POSTs {replay:.0f} (best of "
        f"{', '.join(f'{r:.0f}' for r in replays)}): ratio {fleet_rate / replay:.2f} "
        "(target >= 0.5)"
    )
    print(
        f"(c) {LARGE} devices through their first session at an unbounded ramp: "
        f"{large['took']:.1f} s, {large['took'] / LARGE * 1000:.1f} ms per device"
    )
    s = rep["metrics"]["session_latency"]
    print(f"session latency ms: p50 {s['p50_ms']} p99 {s['p99_ms']} max {s['max_ms']}")
    got = rep["metrics"]
    ok, failed, why = got["sessions_ok"], got["sessions_failed"], got["failures"]
    print(f"busy {LARGE}-device run: {ok} sessions ok, {failed} failed {why}")
    print(f"Ctrl-C exit codes {small['exit']}, {large['exit']}, {busy['exit']}; reports written")
    if os.environ.get("BENCH_FLEET_STRICT") and per_device_kb >= 50:
        raise SystemExit(1)


if __name__ == "__main__":
    task.react(lambda reactor: defer.ensureDeferred(main(reactor)))
