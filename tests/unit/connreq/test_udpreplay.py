"""UdpReplayGuard: signature, digit-shift, clock window and persisted replay state (C-13, C-14)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from twisted.internet.task import Clock

from cwmpd.connreq.guard import Credentials
from cwmpd.connreq.udp import parse_udp_request
from cwmpd.connreq.udpreplay import (
    COPY,
    MIN_TRUSTED_TIME,
    UdpReplayGuard,
    UdpRequest,
    signature,
)
from cwmpd.http.tls import MIN_TRUSTED_TIME as TLS_MIN_TRUSTED_TIME

CREDS = Credentials("acsuser", "acspass123")
CAPTURE = "genieacs-1.2.16-e2e/udp-cr-datagram.txt"
NOW = 1796111993  # the capture's ts, 2026-12-01T07:59:53Z


def signed(ts: str, id_: str, cn: str = "cn") -> UdpRequest:
    return UdpRequest(
        ts, id_, CREDS.username, cn, signature(CREDS.password, ts, id_, "acsuser", cn)
    )


def clock_at(t: float) -> Clock:
    clock = Clock()
    clock.advance(t)
    return clock


def test_same_trust_rule_as_tls() -> None:
    assert MIN_TRUSTED_TIME == TLS_MIN_TRUSTED_TIME


@pytest.mark.spec
def test_the_genieacs_capture_is_accepted_once_and_its_copies_are_copies(spec: Path) -> None:
    """The captured datagram (CRLF, absolute URI) passes at its own time; the two identical
    copies GenieACS sends with it are recognised as copies, not as attacks."""
    req = parse_udp_request((spec / "captures" / CAPTURE).read_bytes())
    assert req is not None
    guard = UdpReplayGuard(clock_at(NOW + 1).seconds)
    assert guard.check(req, CREDS) == ""
    assert guard.check(req, CREDS) == COPY
    assert guard.check(req, CREDS) == COPY


@pytest.mark.spec
def test_the_capture_is_stale_an_hour_later(spec: Path) -> None:
    req = parse_udp_request((spec / "captures" / CAPTURE).read_bytes())
    assert req is not None
    guard = UdpReplayGuard(clock_at(NOW + 3600).seconds, window=300)
    assert "from our clock" in guard.check(req, CREDS)
    assert guard.last_ts == -1


@pytest.mark.parametrize("wall", [0.0, NOW])  # clock unset (1970) and set
def test_digit_shift_keeps_the_signature_but_is_refused(wall: float) -> None:
    """Moving the first digit of id onto ts (or back) keeps the HMAC valid; ts must be ten
    digits, so both directions are refused even without a trustworthy clock."""
    guard = UdpReplayGuard(clock_at(wall).seconds)
    genuine = signed(str(NOW), "473795294")
    up = UdpRequest(f"{NOW}4", "73795294", genuine.un, genuine.cn, genuine.sig)
    down = UdpRequest(str(NOW)[:-1], f"3{genuine.id}", genuine.un, genuine.cn, genuine.sig)
    assert guard.check(up, CREDS) == "ts is not a Unix time after 2025"
    assert guard.check(down, CREDS) == "ts is not a Unix time after 2025"
    assert guard.last_ts == -1  # refused: nothing remembered
    assert guard.check(genuine, CREDS) == ""


def test_leading_zeros_and_oversized_id_are_refused() -> None:
    guard = UdpReplayGuard(clock_at(NOW).seconds)
    assert guard.check(signed(str(NOW), "0123"), CREDS) == "ts or id not a plain decimal number"
    assert guard.check(signed(str(NOW), "4294967296"), CREDS) == "id is not an unsignedInt"
    assert guard.check(signed(str(NOW), "4294967295"), CREDS) == ""


def test_window_refuses_old_and_future_and_never_advances_state() -> None:
    clock = clock_at(NOW)
    guard = UdpReplayGuard(clock.seconds, window=300)
    assert "-31536000 s" in guard.check(signed(str(NOW - 31536000), "1"), CREDS)
    assert "+86400 s" in guard.check(signed(str(NOW + 86400), "2"), CREDS)
    assert guard.last_ts == -1
    assert guard.check(signed(str(NOW + 299), "3"), CREDS) == ""
    assert guard.check(signed(str(NOW - 10), "4"), CREDS).startswith("timestamp not newer")


def test_window_zero_or_unset_clock_only_applies_the_replay_rules() -> None:
    for guard in (UdpReplayGuard(clock_at(NOW).seconds, window=0), UdpReplayGuard(lambda: 5.0)):
        assert guard.check(signed(str(NOW + 86400), "1"), CREDS) == ""
        assert guard.check(signed(str(NOW + 86401), "1"), CREDS) == "repeated message id"


def test_state_survives_a_restart_and_is_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "connreq-udp.json"
    clock = clock_at(NOW)
    first = UdpReplayGuard(clock.seconds, state=path)
    req = signed(str(NOW), "77")
    assert first.check(req, CREDS) == ""
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    again = UdpReplayGuard(clock.seconds, state=path)
    assert again.check(req, CREDS) == "timestamp not newer than the last valid one"
    assert again.check(signed(str(NOW + 1), "77"), CREDS) == "repeated message id"
    assert again.check(signed(str(NOW + 1), "78"), CREDS) == ""


def test_future_or_corrupt_state_is_discarded(tmp_path: Path) -> None:
    path = tmp_path / "connreq-udp.json"
    path.write_text('{"id": "1", "ts": 4000000000}')
    guard = UdpReplayGuard(clock_at(NOW).seconds, state=path)
    assert guard.check(signed(str(NOW), "2"), CREDS) == ""
    path.write_text("{not json")
    assert UdpReplayGuard(clock_at(NOW).seconds, state=path).last_ts == -1


def test_wrong_signature_or_user_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "connreq-udp.json"
    guard = UdpReplayGuard(clock_at(NOW).seconds, state=path)
    good = signed(str(NOW), "5")
    bad = UdpRequest(good.ts, good.id, good.un, good.cn, "0" * 40)
    assert guard.check(bad, CREDS) == "wrong username or signature"
    assert guard.check(good, Credentials("other", CREDS.password)) == "wrong username or signature"
    assert not path.exists()
    assert guard.check(good, CREDS) == ""
