"""Benchmark: a 256 MiB loopback download with cwmpd's fetcher vs ``curl -o`` (same server,
same run). Both results are made durable (the fetcher fsyncs its spool file before a
transfer counts as fetched; curl's file is fsynced after curl exits), so both pay for the
disk. Prints the throughput ratio (target >= 0.7) and the fetcher's peak RSS growth
(target < 8 MiB), measured in a child process from /proc/self/status VmHWM.
Run: .venv/bin/python tests/bench/bench_download.py [size_mib]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 3
CHILD = r"""
import sys, time
from pathlib import Path

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0

from twisted.internet import reactor
from twisted.internet.defer import Deferred
from cwmpd.http.tls import TlsPolicy
from cwmpd.transfers.http import FileServerClient

url, dest = sys.argv[1], Path(sys.argv[2])
before = hwm()
result = {}

async def main():
    client = FileServerClient(reactor, TlsPolicy(), "", "")
    t0 = time.perf_counter()
    size = await client.get(url, dest, expected=0, space=1 << 40)
    result["seconds"] = time.perf_counter() - t0
    result["size"] = size
    await client.close()

d = Deferred.fromCoroutine(main())
d.addErrback(lambda f: result.setdefault("error", f.getTraceback()))
d.addBoth(lambda _: reactor.stop())
reactor.run()
if "error" in result:
    print(result["error"], file=sys.stderr)
    sys.exit(1)
print(result["seconds"], result["size"], hwm() - before)
"""

SERVER = r"""
import sys
from twisted.internet import reactor
from twisted.web.server import Site
from twisted.web.static import File
port = reactor.listenTCP(0, Site(File(sys.argv[1])), interface="127.0.0.1")
print(port.getHost().port, flush=True)
reactor.run()
"""


def main() -> int:
    """Run both downloads and print the ratios."""
    size_mib = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    curl = shutil.which("curl")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "www").mkdir()
        image = root / "www" / "image.bin"
        with open(image, "wb") as f:
            f.truncate(size_mib << 20)  # sparse: the disk is not what is measured
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(root / "www")], stdout=subprocess.PIPE, text=True
        )
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            url = f"http://127.0.0.1:{port}/image.bin"
            if curl:  # one warm-up fetch so neither side pays for a cold server/page cache
                subprocess.run([curl, "-s", "-o", os.devnull, url], check=True)
            curl_times: list[float] = []
            runs: list[tuple[float, int, int]] = []
            for _ in range(ROUNDS):  # alternate, so disk and cache noise falls on both
                if curl:
                    t0 = time.perf_counter()
                    subprocess.run([curl, "-s", "-o", str(root / "curl.bin"), url], check=True)
                    with open(root / "curl.bin", "rb") as done:  # durable, as the fetcher's is
                        os.fsync(done.fileno())
                    curl_times.append(time.perf_counter() - t0)
                    (root / "curl.bin").unlink()
                fields = subprocess.run(
                    [sys.executable, "-c", CHILD, url, str(root / "cwmpd.bin")],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.split()
                runs.append((float(fields[0]), int(fields[1]), int(fields[2])))
                (root / "cwmpd.bin").unlink()
        finally:
            server.terminate()
            server.wait()
    seconds = statistics.median(r[0] for r in runs)
    size = runs[0][1]
    growth = max(r[2] for r in runs)
    assert all(r[1] == size_mib << 20 for r in runs), f"fetched {[r[1] for r in runs]} bytes"
    curl_s = statistics.median(curl_times) if curl_times else 0.0
    mib_s = size / seconds / (1 << 20)
    print(
        f"bench_download: {size_mib} MiB over loopback (twisted.web static server), "
        f"median of {ROUNDS} alternating rounds"
    )
    print(f"  cwmpd fetcher : {seconds:6.2f} s  {mib_s:8.1f} MiB/s")
    if curl:
        print(f"  curl -o       : {curl_s:6.2f} s  {size / curl_s / (1 << 20):8.1f} MiB/s")
        print(f"  throughput ratio cwmpd/curl: {curl_s / seconds:.2f} (target >= 0.7)")
    else:
        print("  curl not installed: no baseline")
    print(f"  peak RSS growth during the fetch: {growth / (1 << 20):.2f} MiB (target < 8 MiB)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
