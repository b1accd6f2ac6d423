"""Unit tests of the Connection Request building blocks: nonces, digest guard, rate limits,
path/URL helpers, and the resource's 200-before-session ordering."""

from __future__ import annotations

from pathlib import Path

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.logger import Logger

from cwmpd.connreq.guard import Credentials, DigestGuard, Outcome
from cwmpd.connreq.http import ConnectionRequestResource
from cwmpd.connreq.nonces import NonceStatus, NonceTable
from cwmpd.connreq.ratelimit import BucketConfig, Budget, RateLimitConfig, RateLimiter
from cwmpd.connreq.urls import connection_request_url, ensure_path, udp_connection_request_address
from cwmpd.http import digest
from cwmpd.statedir import StateDir
from support.logged import LogCapture
from support.requests import PathRequest, as_request

CREDS = Credentials("u", "pw")


def answer(guard: DigestGuard, uri: str = "/p", nc: str = "00000001", pw: str = "pw") -> str:
    """Authorization header answering a fresh challenge from ``guard`` with SHA-256."""
    p = digest.parse_auth_params(digest.split_challenges(guard.challenges()[0])[1])
    resp = digest.response(
        algorithm="SHA-256", username="u", realm=p["realm"], password=pw, method="GET",
        uri=uri, nonce=p["nonce"], nc=nc, cnonce="cn", qop="auth",
    )  # fmt: skip
    return digest.format_params(
        "Digest",
        {"username": "u", "realm": p["realm"], "nonce": p["nonce"], "uri": uri, "qop": "auth",
         "nc": nc, "cnonce": "cn", "response": resp, "algorithm": "SHA-256"},
        frozenset({"qop", "nc", "algorithm"}),
    )  # fmt: skip


def test_nonce_table_is_bounded_and_expires() -> None:
    """The table never holds more than its cap; nonces go stale, then are forgotten."""
    clock = Clock()
    table = NonceTable(clock, lifetime=10, max_entries=8)
    nonces = [table.issue() for _ in range(100)]
    assert len(table) == 8 and table.peek(nonces[0], 1) is NonceStatus.UNKNOWN
    last = nonces[-1]
    assert table.peek(last, 1) is NonceStatus.FRESH
    clock.advance(11)
    assert table.peek(last, 1) is NonceStatus.STALE
    clock.advance(10)
    assert table.peek(last, 1) is NonceStatus.UNKNOWN and len(table) == 0


def test_guard_accepts_once_and_refuses_replay() -> None:
    """A correct header is accepted once; the same nc again is a replay; a higher nc is fine."""
    guard = DigestGuard(NonceTable(Clock()))
    hdr = answer(guard)
    assert guard.verify("GET", "/p", hdr, CREDS).outcome is Outcome.OK
    assert guard.verify("GET", "/p", hdr, CREDS).reason == "replayed nonce count"
    hdr2 = answer(guard, nc="00000001")
    assert guard.verify("GET", "/p", hdr2, CREDS).outcome is Outcome.OK


def test_guard_refusals() -> None:
    """Wrong password, wrong uri, unknown nonce, Basic, and empty credentials are refused."""
    guard = DigestGuard(NonceTable(Clock()))
    assert guard.verify("GET", "/p", answer(guard, pw="x"), CREDS).outcome is Outcome.REFUSED
    assert guard.verify("GET", "/q", answer(guard), CREDS).outcome is Outcome.REFUSED
    assert guard.verify("GET", "/p", answer(guard), Credentials()).outcome is Outcome.REFUSED
    assert guard.verify("GET", "/p", "Basic dTpwdw==", CREDS).outcome is Outcome.REFUSED
    assert guard.verify("GET", "/p", 'Digest nonce="', CREDS).outcome is Outcome.REFUSED
    other = DigestGuard(NonceTable(Clock()))
    assert guard.verify("GET", "/p", answer(other), CREDS).reason == "unknown nonce"
    assert guard.verify("GET", "/p", None, CREDS).outcome is Outcome.CHALLENGE


def test_failed_attempt_revokes_nonce() -> None:
    """After one wrong password the nonce is dead: the right password on it is refused."""
    guard = DigestGuard(NonceTable(Clock()))
    bad = answer(guard, pw="x")
    nonce = digest.parse_auth_params(bad.split(" ", 1)[1])["nonce"]
    guard.verify("GET", "/p", bad, CREDS)
    good = bad.replace(nonce, nonce)  # same nonce, recomputed below
    p = digest.parse_auth_params(good.split(" ", 1)[1])
    p["response"] = digest.response(
        algorithm="SHA-256", username="u", realm=p["realm"], password="pw", method="GET",
        uri="/p", nonce=nonce, nc="00000002", cnonce="cn", qop="auth",
    )  # fmt: skip
    p["nc"] = "00000002"
    hdr = digest.format_params("Digest", p, frozenset({"qop", "nc", "algorithm"}))
    assert guard.verify("GET", "/p", hdr, CREDS).reason == "unknown nonce"


def test_challenge_budget_refills_fast() -> None:
    """A drained challenge bucket gives a token back after 1/rate s; others are separate."""
    clock = Clock()
    limiter = RateLimiter(clock, RateLimitConfig(challenge=BucketConfig(burst=2, rate=20)))
    assert limiter.allow(Budget.CHALLENGE) and limiter.allow(Budget.CHALLENGE)
    assert not limiter.allow(Budget.CHALLENGE)
    assert limiter.allow(Budget.REFUSED) and limiter.allow(Budget.ACCEPTED)
    clock.advance(0.05)
    assert limiter.allow(Budget.CHALLENGE)
    assert not limiter.allow(Budget.CHALLENGE)


def test_ensure_path_random_persisted(tmp_path: Path) -> None:
    """An unconfigured path is random (128 bits), persisted and stable; configured wins."""
    first = ensure_path(StateDir(tmp_path).connreq, "")
    assert first.startswith("/") and len(first) == 33
    assert ensure_path(StateDir(tmp_path).connreq, "") == first
    assert ensure_path(StateDir(tmp_path / "other").connreq, "") != first
    assert ensure_path(StateDir(tmp_path).connreq, "/fixed") == "/fixed"
    (tmp_path / "connreq.json").write_text("{corrupt")
    assert ensure_path(StateDir(tmp_path).connreq, "") != first
    with pytest.raises(ValueError):
        ensure_path(StateDir(tmp_path).connreq, "no-slash")


def test_urls() -> None:
    """IPv6 literals go in brackets (zone ids as %25); the UDP address omits port 80."""
    assert connection_request_url("192.0.2.1", 7547, "/x") == "http://192.0.2.1:7547/x"
    assert connection_request_url("2001:db8::1", 7547, "/x") == "http://[2001:db8::1]:7547/x"
    assert connection_request_url("fe80::1%eth0", 80, "x") == "http://[fe80::1%25eth0]:80/x"
    assert udp_connection_request_address("203.0.113.1", 80) == "203.0.113.1"
    assert udp_connection_request_address("203.0.113.1", 7547) == "203.0.113.1:7547"


def test_200_is_written_before_on_request() -> None:
    """An authenticated request is answered 200 (empty body) before on_request runs."""
    clock = Clock()
    calls: list[int] = []
    guard = DigestGuard(NonceTable(clock))
    request = PathRequest(b"/p")
    resource = ConnectionRequestResource(
        clock, "/p", guard, RateLimiter(clock), CREDS, lambda: calls.append(request.finished)
    )
    request.requestHeaders.setRawHeaders(b"authorization", [answer(guard).encode()])
    body = resource.render(as_request(request))
    assert request.responseCode == 200
    assert (body, calls) == (b"", [])
    request.finish()  # type: ignore[no-untyped-call]
    clock.advance(0)
    assert calls == [1]


def test_failed_attempt_logged_with_source_without_secrets() -> None:
    """A refused attempt is logged with the client address, never the header or path."""
    clock = Clock()
    log = LogCapture()
    guard = DigestGuard(NonceTable(clock))
    resource = ConnectionRequestResource(
        clock, "/secret-path", guard, RateLimiter(clock), CREDS, lambda: None
    )
    resource.log = Logger(observer=log)
    request = PathRequest(b"/secret-path")
    request.client = IPv4Address("TCP", "192.168.1.1", 40000)
    bad = answer(guard, uri="/secret-path", pw="guess")
    request.requestHeaders.setRawHeaders(b"authorization", [bad.encode()])
    resource.render(as_request(request))
    assert request.responseCode == 401
    text = " ".join(log.texts())
    assert "192.168.1.1" in text and "wrong username or password" in text
    assert "guess" not in text and "secret-path" not in text and "pw" not in text
