"""The HTTP Connection Request listener's protocol stack (slots -> Site -> resource) over
StringTransport on a task.Clock: status codes, Digest, replays, budgets and lockout timing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from twisted.internet.error import CannotListenError
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import Logger, formatEvent

from cwmpd.connreq.http import ConnectionRequestServer, ListenerConfig
from cwmpd.connreq.lockout import LockoutConfig
from cwmpd.connreq.ratelimit import BucketConfig, RateLimitConfig
from support.fakes import (
    HttpConnection,
    Response,
    authorization,
    challenge,
    http_request,
    memory_reactor,
    observer,
    stand_in,
)

PATH = "/cr-5d1e"
USER, PASSWORD = "acs", "pw-9f2"
ACS, BOT = "198.51.100.1", "203.0.113.66"


@dataclass
class World:
    """A listener on a Clock (also its reactor), and the sessions it asked for."""

    clock: Clock
    server: ConnectionRequestServer
    calls: list[float] = field(default_factory=list)

    def connect(self, host: str = ACS) -> HttpConnection:
        return HttpConnection(self.server.slots, host)

    def get(self, host: str = ACS, path: str = PATH, **headers: str) -> Response:
        """One request on a new connection; its only response."""
        (resp,) = self.connect(host).send(http_request(path, headers))
        return resp

    def login(self, host: str = ACS, password: str = PASSWORD) -> Response:
        """Challenge, then answer it (SHA-256), each on its own connection."""
        p = challenge(self.get(host))
        return self.get(host, authorization=authorization(p, PATH, USER, password))


def world(**config: object) -> World:
    clock = Clock()
    settings: dict[str, Any] = {"path": PATH, "username": USER, "password": PASSWORD, **config}
    cfg = ListenerConfig(**settings)
    calls: list[float] = []
    server = ConnectionRequestServer(stand_in(clock), cfg, lambda: calls.append(clock.seconds()))
    return World(clock, server, calls)


def test_challenge_offers_sha256_then_md5_and_both_answers_work() -> None:
    """A bare GET gets 401 with a SHA-256 and an MD5 challenge sharing one nonce and opaque;
    each algorithm's answer gets 200 with an empty body; the session starts only after."""
    w = world()
    first = w.get()
    assert (first.code, first.body) == (401, b"")
    values = first.header("www-authenticate")
    assert len(values) == 2 and "SHA-256" in values[0] and "MD5" in values[1]
    sha, md5 = challenge(first, "SHA-256"), challenge(first, "MD5")
    assert sha["nonce"] == md5["nonce"] and sha["opaque"] == md5["opaque"]
    assert sha["qop"] == "auth" and sha["realm"] == "cwmpd" and "stale" not in sha
    ok = w.get(authorization=authorization(sha, PATH, USER, PASSWORD))
    assert (ok.code, ok.body, ok.header("content-length")) == (200, b"", ["0"])
    assert w.calls == []  # answered first; the session starts on the next reactor turn
    w.clock.advance(0)
    assert w.calls == [0.0]
    md5 = challenge(w.get(), "MD5")
    md5_ok = w.get(authorization=authorization(md5, PATH, USER, PASSWORD))
    assert md5_ok.code == 200
    w.clock.advance(0)
    assert len(w.calls) == 2


def test_replayed_nonce_count_is_refused_and_kills_the_nonce() -> None:
    """The same Authorization twice: 200 then 401. A higher nc on a live nonce is fine, but
    after a replay the nonce is revoked, so even a higher nc on it is refused."""
    w = world()
    p = challenge(w.get())
    one = authorization(p, PATH, USER, PASSWORD, nc="00000001")
    assert w.get(authorization=one).code == 200
    two = authorization(p, PATH, USER, PASSWORD, nc="00000002")
    assert w.get(authorization=two).code == 200
    replay = w.get(authorization=two)
    assert replay.code == 401 and "stale" not in challenge(replay)
    three = authorization(p, PATH, USER, PASSWORD, nc="00000003")
    assert w.get(authorization=three).code == 401
    w.clock.advance(0)
    assert len(w.calls) == 2


def test_expired_nonce_gets_stale_challenge_then_is_forgotten() -> None:
    """After nonce_lifetime the right answer gets 401 stale=true (no session); a nonce older
    than twice the lifetime is unknown: a plain 401, counted as a failure."""
    w = world(nonce_lifetime=60.0)
    p = challenge(w.get())
    w.clock.advance(60.5)
    stale = w.get(authorization=authorization(p, PATH, USER, PASSWORD))
    assert stale.code == 401 and challenge(stale)["stale"] == "true"
    fresh = challenge(stale)
    assert fresh["nonce"] != p["nonce"]
    assert w.get(authorization=authorization(fresh, PATH, USER, PASSWORD)).code == 200
    q = challenge(w.get())
    w.clock.advance(121)
    forgotten = w.get(authorization=authorization(q, PATH, USER, PASSWORD))
    assert forgotten.code == 401 and "stale" not in challenge(forgotten)
    w.clock.advance(0)
    assert len(w.calls) == 1


def test_refusals_by_method_path_headers_and_digest_fields() -> None:
    """405 (with Allow) for POST, 404 for another path, 400 for two Authorization headers or
    a non-ASCII target, 401 for Basic and for a digest whose uri is another target."""
    w = world()
    post = w.connect().send(http_request(PATH, method="POST", body=b"x"))[0]
    assert (post.code, post.header("allow")) == (405, ["GET"])
    assert w.get(path="/").code == 404
    assert w.get(path=PATH + "x").code == 404
    p = challenge(w.get())
    good = authorization(p, PATH, USER, PASSWORD)
    twice = http_request(PATH).replace(
        b"\r\n\r\n", f"\r\nAuthorization: {good}\r\nAuthorization: {good}\r\n\r\n".encode()
    )
    ours = w.connect().send(twice)[0]
    assert (ours.code, ours.header("content-length")) == (400, ["0"])  # the resource said it
    raw = b"GET " + PATH.encode() + b"?\xff HTTP/1.1\r\nHost: x\r\n\r\n"
    assert w.connect().send(raw)[0].code == 400  # by Twisted or by the resource
    basic = w.get(authorization="Basic YWNzOnB3LTlmMg==")
    assert basic.code == 401 and basic.header("www-authenticate")
    elsewhere = authorization(challenge(w.get()), "/other", USER, PASSWORD)
    assert w.get(authorization=elsewhere).code == 401
    w.clock.advance(0)
    assert w.calls == []


def test_pipelined_requests_are_answered_in_order_on_one_connection() -> None:
    """Three requests in one segment: three answers, in request order, connection kept."""
    w = world()
    conn = w.connect()
    raw = http_request(PATH) + http_request(PATH, method="DELETE") + http_request("/nope")
    codes = [r.code for r in conn.send(raw)]
    assert codes == [401, 405, 404]
    assert not conn.transport.disconnecting


def test_a_request_body_is_ignored() -> None:
    """A GET with a 64 KiB body is answered like one without."""
    w = world()
    resp = w.connect().send(http_request(PATH, body=b"A" * 65536))
    assert [r.code for r in resp] == [401]
    assert w.server.site.getContentFile(10**9).getvalue() == b""


def test_refused_budget_runs_out_refills_on_the_clock_and_spares_challenges() -> None:
    """20 wrong-path requests, then 503; one token back per 0.2 s. The ACS still gets its
    challenge meanwhile (another bucket); the 503s are logged once, then summed up."""
    w = world()
    events: list[dict[str, Any]] = []
    w.server.resource.log = Logger(observer=observer(events))
    conn = w.connect(BOT)
    codes = [r.code for r in conn.send(http_request("/scan") * 25)]
    assert codes == [404] * 20 + [503] * 5
    busy = [formatEvent(e) for e in events if "503" in formatEvent(e)]
    assert len(busy) == 1 and "rate limit reached" in busy[0]
    assert w.get(ACS).code == 401
    assert "5 requests got 503" in formatEvent(events[-1])
    w.clock.advance(0.2)
    assert [r.code for r in conn.send(http_request("/scan") * 2)] == [404, 503]


def test_challenges_per_source_run_out_before_the_shared_budget() -> None:
    """One address gets 5 challenges, then 503 (2 a second after); another still gets one."""
    w = world()
    conn = w.connect(BOT)
    assert [r.code for r in conn.send(http_request(PATH) * 7)] == [401] * 5 + [503] * 2
    assert w.get(ACS).code == 401
    w.clock.advance(0.5)
    assert [r.code for r in conn.send(http_request(PATH) * 2)] == [401, 503]


def test_accepted_budget_limits_sessions_and_refills() -> None:
    """Authenticated requests beyond the accepted burst get 503 and start no session."""
    w = world(rate=RateLimitConfig(accepted=BucketConfig(burst=2, rate=1)))
    p = challenge(w.get())
    codes = [
        w.get(authorization=authorization(p, PATH, USER, PASSWORD, nc=f"{n:08x}")).code
        for n in range(1, 5)
    ]
    assert codes == [200, 200, 503, 503]
    w.clock.advance(0)
    assert w.calls == [0.0, 0.0]
    w.clock.advance(1)
    assert w.get(authorization=authorization(p, PATH, USER, PASSWORD, nc="00000005")).code == 200
    w.clock.advance(0)
    assert w.calls == [0.0, 0.0, 1.0]


def test_lockout_of_a_guessing_source_lasts_60_s_then_doubles() -> None:
    """5 wrong digests lock the source: even the right one gets 503 (no oracle) for 60 s
    while another address logs in; then it may try again; 5 more wrong lock it for 120 s."""
    w = world(lockout=LockoutConfig(max_failures=5, lockout=60, max_total_failures=100))

    def guess(times: int) -> list[int]:
        p = challenge(w.get(BOT))
        codes = []
        for _ in range(times):
            resp = w.get(BOT, authorization=authorization(p, PATH, USER, "wrong"))
            codes.append(resp.code)
            if resp.code == 401:
                p = challenge(resp)  # each refusal carries the next nonce
        return codes

    assert guess(5) == [401] * 5
    assert w.get(BOT).code == 503  # not even a challenge while locked
    assert w.get(BOT, path="/elsewhere").code == 503  # whatever the request
    assert w.login(ACS).code == 200
    w.clock.advance(59)
    assert w.get(BOT).code == 503
    w.clock.advance(1)
    assert w.get(BOT).code == 401
    assert guess(5) == [401] * 5
    w.clock.advance(119)
    assert w.get(BOT).code == 503
    w.clock.advance(1)
    assert w.login(BOT).code == 200


def test_new_credentials_lift_a_lockout_and_retire_the_old_password() -> None:
    w = world()
    p = challenge(w.get(BOT))
    for _ in range(5):
        p = challenge(w.get(BOT, authorization=authorization(p, PATH, USER, "x")))
    assert w.get(BOT).code == 503
    w.server.set_credentials(USER, "new-pw")
    assert w.get(BOT).code == 401
    assert w.login(BOT, PASSWORD).code == 401
    assert w.login(BOT, "new-pw").code == 200


def test_idle_keepalive_connection_is_cut_by_the_request_deadline() -> None:
    """After an answer the client has header_timeout seconds for its next request."""
    w = world(header_timeout=5.0, idle_timeout=30.0)
    conn = w.connect()
    assert [r.code for r in conn.send(http_request(PATH))] == [401]
    w.clock.advance(4.9)
    assert not conn.transport.aborted
    assert [r.code for r in conn.send(http_request(PATH))] == [401]
    w.clock.advance(4.9)
    assert not conn.transport.aborted
    w.clock.advance(0.2)
    assert conn.transport.aborted and w.server.slots.timed_out == 1


def test_listen_binds_both_families_or_falls_back_and_stop_closes() -> None:
    """Address "" binds "::" (IPv6+IPv4); where IPv6 is missing, ""; a set address as is."""
    reactor = memory_reactor()
    server = ConnectionRequestServer(reactor, ListenerConfig(path=PATH), lambda: None)
    with pytest.raises(RuntimeError):
        _ = server.port
    assert server.listen() == 7547
    (port, factory, backlog, interface), *_ = reactor.tcpServers
    assert (port, factory, backlog, interface) == (7547, server.slots, 50, "::")
    assert server.listen() == 7547 and len(reactor.tcpServers) == 1  # idempotent
    done: list[object] = []
    server.stop().addCallback(done.append)
    assert done == [None]
    with pytest.raises(RuntimeError):
        _ = server.port

    class NoIPv6(MemoryReactorClock):
        def listenTCP(self, port: Any, factory: Any, backlog: Any = 50, interface: Any = "") -> Any:
            if interface == "::":
                raise CannotListenError(interface, port, OSError("no IPv6"))  # type: ignore[no-untyped-call]
            return super().listenTCP(port, factory, backlog, interface)  # type: ignore[no-untyped-call]

    v4 = NoIPv6()  # type: ignore[no-untyped-call]
    ConnectionRequestServer(v4, ListenerConfig(path=PATH, port=0), lambda: None).listen()
    assert [s[3] for s in v4.tcpServers] == [""]
    fixed = memory_reactor()
    ConnectionRequestServer(
        fixed, ListenerConfig(path=PATH, address="192.0.2.1"), lambda: None
    ).listen()
    assert [s[3] for s in fixed.tcpServers] == ["192.0.2.1"]


def test_without_configured_credentials_every_login_is_refused_and_none_counts() -> None:
    """No ConnectionRequestUsername/Password: even an "empty" digest login gets 401, and
    the refusals lock nobody out (there is nothing to guess)."""
    w = world(username="", password="")
    p = challenge(w.get())
    for _ in range(10):
        resp = w.get(authorization=authorization(p, PATH, "", ""))
        assert resp.code == 401
        p = challenge(resp)
    w.clock.advance(0)
    assert w.calls == [] and w.get().code == 401
