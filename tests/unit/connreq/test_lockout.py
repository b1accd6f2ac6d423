"""AuthLockout on a Clock, and the resource consulting it before any digest is checked."""

from __future__ import annotations

from pathlib import Path

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock

from cwmpd.connreq.guard import Credentials, DigestGuard
from cwmpd.connreq.http import ConnectionRequestResource
from cwmpd.connreq.lockout import AuthLockout, LockoutConfig
from cwmpd.connreq.nonces import NonceTable
from cwmpd.connreq.ratelimit import RateLimiter
from cwmpd.http import digest
from support.requests import PathRequest, as_request

CFG = LockoutConfig(max_failures=5, lockout=60, max_lockout=3600, max_total_failures=20)


def fail(lock: AuthLockout, source: str, n: int) -> None:
    for _ in range(n):
        lock.failed(source)


def test_five_failures_lock_a_source_with_doubling_lockouts() -> None:
    clock = Clock()
    lock = AuthLockout(clock, CFG)
    fail(lock, "192.0.2.7", 4)
    assert lock.locked("192.0.2.7") == ""
    lock.failed("192.0.2.7")
    assert "locked out for 60 s" in lock.locked("192.0.2.7")
    assert lock.locked("192.0.2.8") == ""  # others are not affected
    clock.advance(60)
    assert lock.locked("192.0.2.7") == ""
    fail(lock, "192.0.2.7", 5)
    assert "120 s" in lock.locked("192.0.2.7")
    for _ in range(10):  # the lockout grows to the maximum and stays there
        clock.advance(3600)
        fail(lock, "192.0.2.7", 5)
    assert "3600 s" in lock.locked("192.0.2.7")


def test_guesses_per_hour_from_one_source_are_few() -> None:
    """An attacker retrying as soon as each lockout ends: about 30 guesses in the first
    hour, 5 an hour after that (against ~72,000 an hour before lockouts existed)."""
    clock = Clock()
    lock = AuthLockout(clock, LockoutConfig(max_total_failures=10**9))
    guesses = 0
    while clock.seconds() < 3600:
        if lock.locked("a"):
            clock.advance(1)
            continue
        lock.failed("a")
        guesses += 1
    assert 25 <= guesses <= 35
    first_hour = guesses
    while clock.seconds() < 5 * 3600:
        if lock.locked("a"):
            clock.advance(1)
            continue
        lock.failed("a")
        guesses += 1
    assert guesses - first_hour <= 5 * 4 + 5


def test_quiet_hour_forgets_and_success_clears() -> None:
    clock = Clock()
    lock = AuthLockout(clock, CFG)
    fail(lock, "a", 4)
    clock.advance(3601)
    fail(lock, "a", 4)
    assert lock.locked("a") == ""
    lock.succeeded("a")
    fail(lock, "a", 4)
    assert lock.locked("a") == ""


def test_overall_budget_spares_known_sources() -> None:
    clock = Clock()
    lock = AuthLockout(clock, CFG)
    lock.succeeded("acs")
    for i in range(5):
        fail(lock, f"bot{i}", 4)  # 20 in all, none locked on its own
    assert "every new source" in lock.locked("newcomer")
    assert lock.locked("acs") == ""
    clock.advance(60)
    assert lock.locked("newcomer") == ""


def test_tables_are_bounded_and_reset_clears() -> None:
    lock = AuthLockout(Clock(), CFG, max_sources=8, max_trusted=2)
    for i in range(100):
        lock.failed(f"s{i}")
    assert len(lock._sources) == 8
    for name in ("a", "b", "c"):
        lock.succeeded(name)
    assert list(lock._trusted) == ["b", "c"]
    lock.reset()
    assert all(lock.locked(f"s{i}") == "" for i in range(100))


def _request(auth: str | None, host: str) -> PathRequest:
    req = PathRequest(b"/p")
    req.client = IPv4Address("TCP", host, 5000)
    if auth is not None:
        req.requestHeaders.setRawHeaders(b"authorization", [auth.encode()])
    return req


def _answer(guard: DigestGuard, pw: str) -> str:
    p = digest.parse_auth_params(digest.split_challenges(guard.challenges()[1])[1])
    resp = digest.response(
        algorithm="MD5", username="u", realm=p["realm"], password=pw, method="GET",
        uri="/p", nonce=p["nonce"], nc="00000001", cnonce="c", qop="auth",
    )  # fmt: skip
    return (
        f'Digest username="u", realm="{p["realm"]}", nonce="{p["nonce"]}", uri="/p", '
        f'algorithm=MD5, qop=auth, nc=00000001, cnonce="c", response="{resp}"'
    )


def test_resource_answers_503_without_checking_once_locked() -> None:
    """After max_auth_failures wrong digests the right one gets 503 too (no oracle); another
    address still gets 200; new credentials lift the lockout."""
    clock = Clock()
    guard = DigestGuard(NonceTable(clock))
    calls: list[int] = []
    res = ConnectionRequestResource(
        clock, "/p", guard, RateLimiter(clock), Credentials("u", "pw"), lambda: calls.append(1),
        AuthLockout(clock, CFG),
    )  # fmt: skip
    codes: list[int | None] = []
    for pw in ["w1", "w2", "w3", "w4", "w5", "pw"]:
        req = _request(_answer(guard, pw), "198.51.100.9")
        res.render(as_request(req))
        codes.append(req.responseCode)
    assert codes == [401, 401, 401, 401, 401, 503]
    other = _request(_answer(guard, "pw"), "198.51.100.10")
    res.render(as_request(other))
    assert other.responseCode == 200
    res.credentials = Credentials("u", "new")
    again = _request(_answer(guard, "new"), "198.51.100.9")
    res.render(as_request(again))
    assert again.responseCode == 200


def test_no_credentials_configured_counts_no_failures() -> None:
    """Before the ACS set ConnectionRequestUsername/Password there is nothing to guess: the
    ACS's own attempts (GenieACS with empty credentials) do not lock it out."""
    clock = Clock()
    guard = DigestGuard(NonceTable(clock))
    lock = AuthLockout(clock, CFG)
    res = ConnectionRequestResource(
        clock, "/p", guard, RateLimiter(clock), Credentials(), lambda: None, lock
    )
    for _ in range(10):
        res.render(as_request(_request(_answer(guard, ""), "198.51.100.9")))
    assert lock.locked("198.51.100.9") == ""


def test_trusted_sources_survive_a_restart(tmp_path: Path) -> None:
    """After a restart the ACS's address is still spared by the overall lockout."""
    state = tmp_path / "connreq-trusted.json"
    clock = Clock()
    AuthLockout(clock, CFG, trusted=state).succeeded("acs")
    lock = AuthLockout(clock, CFG, trusted=state)
    for i in range(5):
        fail(lock, f"bot{i}", 4)
    assert lock.locked("acs") == "" and lock.locked("newcomer") != ""
    state.write_text("{broken")
    assert AuthLockout(clock, CFG, trusted=state).locked("acs") == ""
