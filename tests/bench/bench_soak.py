"""Soak benchmark: 10,000 sessions of one daemon against the scripted ACS, RSS along the way.

The daemon (simulated device) runs as a subprocess, as it does on a router; the scripted ACS
runs here, on loopback. Each session is Inform, a GetParameterValues of four parameters, a
SetParameterValues (the value alternates, so each one writes the store), then the ACS's 204.
As each session ends, the next one is asked for over the control socket (``cwmpctl inform``:
"2 PERIODIC", the one event a local user may ask for), so sessions run back to back through
the daemon's own scheduler, HTTP client and state files. The daemon's VmRSS is read from
/proc after 100, 1,000, 5,000 and 10,000 sessions. Baseline, measured in the same run: the
RSS after 1,000 sessions (warm caches, pools and allocator arenas); prints the growth from
there to 10,000 (target: under 1 MiB) and the ratio. State lives in /dev/shm when present,
so fsync cost does not hide a leak behind a slow disk.
Run: python tests/bench/bench_soak.py [SESSIONS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from twisted.internet import defer, task
from twisted.internet.endpoints import UNIXClientEndpoint, connectProtocol
from twisted.protocols.basic import LineReceiver

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.reactors import AgentReactor, agent_reactor
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession

SESSIONS = 10_000
SAMPLES = (100, 1_000, 5_000, 10_000)
#: Seconds the whole soak may take (about 50-90 s on 2 cores): past it, it fails.
TIMEOUT = 600
MS = "Device.ManagementServer."
NAMES = (
    "Device.DeviceInfo.SoftwareVersion",
    "Device.DeviceInfo.UpTime",
    MS + "URL",
    MS + "PeriodicInformInterval",
)


def rss_kib(pid: int) -> int:
    """VmRSS of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Control(LineReceiver):
    """A cwmpctl-like client on the control socket: one JSON request a line."""

    delimiter = b"\n"

    def __init__(self, refused: defer.Deferred[None]) -> None:
        self.errors: list[bytes] = []
        self.owed = False
        self._refused = refused

    def inform(self) -> None:
        """Ask the daemon for a session now."""
        request = {"command": "inform", "args": ["2 PERIODIC"]}
        self.sendLine(json.dumps(request).encode())  # type: ignore[no-untyped-call]

    def lineReceived(self, line: bytes) -> None:
        """A refusal ends the soak at once (no session would follow: it would hang)."""
        if not json.loads(line).get("ok"):
            self.errors.append(line)
            if not self._refused.called:
                self._refused.errback(RuntimeError(f"control socket refused: {line!r}"))


def queue_session(acs: ScriptedAcs, n: int) -> None:
    """The ACS requests of session ``n``: a GPV, then an SPV of an alternating value."""
    acs.queue(m.GetParameterValues(names=NAMES))
    value = ParameterValueStruct(MS + "PeriodicInformInterval", str(600 + n % 2), "unsignedInt")
    acs.queue(m.SetParameterValues((value,), f"soak-{n}"))


async def soak(reactor: AgentReactor, folder: Path, total: int) -> dict[int, int]:
    """Run ``total`` sessions; RSS (KiB) by session count, plus -1: failed sessions."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    config = folder / "cwmpd.toml"
    sock = folder / "control.sock"
    config.write_text(
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{folder / "state"}"\npoll_interval = 0\n'
        f'[control]\nsocket = "{sock}"\n'
    )
    samples: dict[int, int] = {}
    done: defer.Deferred[None] = defer.Deferred()
    control = Control(done)
    counts = {"completed": 0, "failed": 0}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cwmpd", "--config", str(config)], stderr=subprocess.DEVNULL
    )

    def ended(session: AcsSession) -> None:
        counts["completed" if session.completed else "failed"] += 1
        n = counts["completed"]
        if session.completed and n in SAMPLES:
            samples[n] = rss_kib(proc.pid)
        del acs.requests[:], acs.sessions[:-1]  # keep the ACS side flat
        if n >= total:
            if not done.called:
                done.callback(None)
            return
        queue_session(acs, n + 1)
        if control.connected:
            control.inform()
        else:
            control.owed = True  # the boot session ended before we connected

    acs.on_session_end(ended)
    queue_session(acs, 0)  # the boot session
    try:
        for _ in range(200):
            if sock.exists():
                break
            await task.deferLater(reactor, 0.05, lambda: None)
        await connectProtocol(UNIXClientEndpoint(reactor, str(sock)), control)  # type: ignore[no-untyped-call]
        if control.owed:
            control.inform()
        done.addTimeout(TIMEOUT, reactor)  # a soak that stalls fails, it never hangs CI
        await done
    finally:
        proc.terminate()
        proc.wait(10)
        await acs.stop()
    if control.errors:
        raise RuntimeError(f"control socket refused: {control.errors[0]!r}")
    samples[-1] = counts["failed"]
    return samples


def main() -> None:
    """Run the soak and print the figures."""
    total = int(sys.argv[1]) if len(sys.argv) > 1 else SESSIONS
    result: dict[int, int] = {}
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None

    async def run(reactor: AgentReactor) -> None:
        with tempfile.TemporaryDirectory(dir=shm) as tmp:
            result.update(await soak(reactor, Path(tmp), total))

    start = time.perf_counter()
    try:
        task.react(lambda r: defer.ensureDeferred(run(agent_reactor(r))))
    except SystemExit as exc:
        if exc.code:
            raise
    wall = time.perf_counter() - start
    failed = result.pop(-1)
    figures = ", ".join(f"{n}: {kib / 1024:.2f} MiB" for n, kib in sorted(result.items()))
    print(
        f"bench_soak: {total} sessions in {wall:.0f} s ({total / wall:.0f}/s), "
        f"{failed} failed; daemon RSS after {figures}"
    )
    if 1_000 in result and total in result:
        growth = result[total] - result[1_000]
        print(
            f"bench_soak: growth from 1,000 to {total} sessions {growth / 1024:+.2f} MiB "
            f"(target < 1 MiB), ratio {result[total] / result[1_000]:.3f}"
        )


if __name__ == "__main__":
    main()
