"""Benchmark: Connection Request listener latency on loopback.

Run: python tests/bench/bench_connreq.py

Baseline: the bare HTTP round trip of the same listener (a GET answered 401 with a challenge).
Measured: a full authenticated Connection Request (challenge, digest GET, 200) until on_request
runs; and, through the whole agent (simulated device) against the scripted ACS, from the
Connection Request GET until the Inform arrives at the ACS.
"""

from __future__ import annotations

import http.client
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from twisted.internet import reactor as _reactor
from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.threads import blockingCallFromThread

from cwmpd.config import parse_config
from cwmpd.connreq.http import ConnectionRequestServer, ListenerConfig
from cwmpd.connreq.ratelimit import BucketConfig, RateLimitConfig, RateLimiter
from cwmpd.http import digest
from cwmpd.reactors import agent_reactor
from cwmpd.service import CwmpAgent, makeService
from cwmpd.testing.acs import ScriptedAcs

reactor = agent_reactor(_reactor)

N = 200
PATH, USER, PASSWORD = "/bench-path", "acs", "pw"
UNLIMITED = BucketConfig(burst=1_000_000, rate=1_000_000)


def stats(samples: list[float]) -> tuple[float, float]:
    """Median and p99 in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def challenge(conn: http.client.HTTPConnection, path: str = PATH) -> dict[str, str]:
    """One bare round trip: GET without credentials, answered 401; returns the challenge."""
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 401, resp.status
    return digest.parse_auth_params(digest.split_challenges(resp.headers["WWW-Authenticate"])[1])


def authorization(p: dict[str, str], path: str = PATH) -> str:
    """The digest answer to challenge ``p``."""
    resp = digest.response(
        algorithm=p["algorithm"], username=USER, realm=p["realm"], password=PASSWORD,
        method="GET", uri=path, nonce=p["nonce"], nc="00000001", cnonce="c", qop="auth",
    )  # fmt: skip
    params = {"username": USER, "realm": p["realm"], "nonce": p["nonce"], "uri": path,
              "algorithm": p["algorithm"], "qop": "auth", "nc": "00000001", "cnonce": "c",
              "response": resp, "opaque": p["opaque"]}  # fmt: skip
    return digest.format_params("Digest", params, frozenset({"algorithm", "qop", "nc"}))


def measure_bare(port: int) -> list[float]:
    """Bare HTTP round trips (401 challenge) over one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    out = []
    for _ in range(N):
        t0 = time.perf_counter()
        challenge(conn)
        out.append(time.perf_counter() - t0)
    conn.close()
    return out


def measure_full(port: int, fired: threading.Event) -> list[float]:
    """Challenge + authenticated GET + 200, until on_request has run."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    out = []
    for _ in range(N):
        fired.clear()
        t0 = time.perf_counter()
        hdr = authorization(challenge(conn))
        conn.request("GET", PATH, headers={"Authorization": hdr})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200, resp.status
        assert fired.wait(5)
        out.append(time.perf_counter() - t0)
    conn.close()
    return out


def measure_connection_request_to_inform(port: int) -> list[float] | None:
    """Connection Request GET until the Inform reaches the ACS, through the whole agent.

    Runs in the worker thread: the agent (simulated device) and the scripted ACS are set up
    in the reactor thread; each request waits for the previous session to end. ``port`` (the
    bare listener's) is unused: the agent has its own listener, found in its Inform.
    """
    informs: list[threading.Event] = []
    ended = threading.Event()
    folder = Path(tempfile.mkdtemp(prefix="cwmpd-bench-"))

    async def setup() -> tuple[str, CwmpAgent]:
        acs = ScriptedAcs()
        acs.on_session(lambda s: informs[-1].set() if informs else None)
        acs.on_session_end(lambda s: ended.set())
        url = await acs.listen(reactor)
        config = parse_config(
            f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
            f"[connection_request]\nport = 0\nudp_enable = false\n"
            f'username = "{USER}"\npassword = "{PASSWORD}"\n'
            f'[device]\nplugins = ["simulated"]\nstate_dir = "{folder}"\n'
            f'[control]\nsocket = ""\n'
        )
        agent = makeService(config, reactor)
        agent.startService()
        await acs.wait_for_sessions(1, timeout=10)
        assert agent.connreq is not None
        # The agent's listener allows 1 accepted request a second and 5 challenges per source
        # in a burst (DoS protection, C-7); the benchmark measures latency, not the limiter.
        unlimited = RateLimitConfig(UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED)
        agent.connreq.http.resource._limiter = RateLimiter(reactor, unlimited)
        return acs.sessions[0].parameters["Device.ManagementServer.ConnectionRequestURL"], agent

    def start() -> Deferred[tuple[str, CwmpAgent]]:
        return ensureDeferred(setup())

    # Twisted types f as Callable[..., R] | Callable[..., Deferred[R]]: mypy cannot pick R
    started: tuple[str, CwmpAgent] = blockingCallFromThread(reactor, start)  # type: ignore[arg-type]
    cr_url, agent = started
    parts = urlsplit(cr_url)
    path = parts.path
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    out = []
    try:
        for _ in range(N):
            ended.clear()
            informs.append(threading.Event())
            t0 = time.perf_counter()
            hdr = authorization(challenge(conn, path), path)
            conn.request("GET", path, headers={"Authorization": hdr})
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200, resp.status
            assert informs[-1].wait(5), "no Inform"
            out.append(time.perf_counter() - t0)
            assert ended.wait(5), "session did not end"
    finally:
        conn.close()
        blockingCallFromThread(reactor, agent.stopService)
    return out


def report(name: str, samples: list[float], baseline: float) -> None:
    """Print one line: median, p99 and the ratio of medians to the baseline."""
    med, p99 = stats(samples)
    print(f"{name:<42} median {med:7.3f} ms  p99 {p99:7.3f} ms  x{med / baseline:5.2f}")


def main() -> None:
    """Run the measurements in a thread while the reactor serves the listener."""
    fired = threading.Event()
    rate = RateLimitConfig(UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED)
    cfg = ListenerConfig(PATH, "127.0.0.1", 0, USER, PASSWORD, rate=rate)
    server = ConnectionRequestServer(reactor, cfg, fired.set)
    port = server.listen()
    results: dict[str, list[float] | None] = {}

    def work(step: Callable[[], None]) -> None:
        try:
            step()
        finally:
            reactor.callFromThread(reactor.stop)

    def steps() -> None:
        results["bare"] = measure_bare(port)
        results["full"] = measure_full(port, fired)
        results["inform"] = measure_connection_request_to_inform(port)

    reactor.callWhenRunning(
        lambda: threading.Thread(target=work, args=(steps,), daemon=True).start()
    )
    reactor.run()
    bare, full, inform = results.get("bare"), results.get("full"), results.get("inform")
    assert bare and full, "benchmark did not complete"
    base = stats(bare)[0]
    print(f"Connection Request listener, loopback, {N} requests each")
    report("bare HTTP round trip (401 challenge)", bare, base)
    report("authenticated CR until on_request", full, base)
    if inform:
        report("CR GET until Inform at the ACS", inform, base)
    else:
        raise SystemExit("CR GET until Inform at the ACS: not measured")


if __name__ == "__main__":
    main()
