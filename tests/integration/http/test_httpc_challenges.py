"""Challenge parsing and scheme choice of the ACS client (H-6, H-10), plus log hygiene."""

from __future__ import annotations

from collections.abc import Callable

import pytest_twisted
from twisted.logger import LogLevel, formatEvent

from cwmpd.http.auth import Challenge, choose, parse_challenges
from cwmpd.session.http import AcsHttpClient
from support.httpc_servers import PASSWORD, DigestChecker, Served, basic_server
from support.logged import capturing

Serve = Callable[..., Served]
Client = Callable[..., AcsHttpClient]


def test_several_challenges_in_one_header() -> None:
    """Comma-separated challenges in one header are split, quoted commas kept."""
    header = (
        'Digest realm="a, b", nonce="n1", qop="auth,auth-int", algorithm=MD5, '
        'Basic realm="x", Digest realm="c", nonce="n2", algorithm=SHA-256'
    )
    got = parse_challenges([header, "Negotiate"])
    assert [c.scheme for c in got] == ["digest", "basic", "digest", "negotiate"]
    assert got[0].params == {
        "realm": "a, b",
        "nonce": "n1",
        "qop": "auth,auth-int",
        "algorithm": "MD5",
    }
    assert got[2].params["algorithm"] == "SHA-256"


def test_choice_prefers_sha256_then_md5_then_basic() -> None:
    """SHA-256 digest beats MD5 digest beats Basic; unusable digests are skipped."""
    basic = Challenge("basic", {"realm": "r"})
    md5 = Challenge("digest", {"nonce": "n", "algorithm": "MD5-sess"})
    sha = Challenge("digest", {"nonce": "n", "algorithm": "SHA-256"})
    auth_int_only = Challenge("digest", {"nonce": "n", "algorithm": "SHA-256", "qop": "auth-int"})
    sha512 = Challenge("digest", {"nonce": "n", "algorithm": "SHA-512-256"})
    assert choose([basic, md5, sha]) is sha
    assert choose([basic, md5]) is md5
    assert choose([auth_int_only, sha512, basic]) is basic
    assert choose([Challenge("negotiate", {})]) is None


@pytest_twisted.ensureDeferred
async def test_no_secret_in_logs(serve: Serve, client: Client) -> None:
    """Neither the password nor a digest response ever appears in log events, and
    Basic over plain http is logged as a warning."""
    with capturing() as log:
        digest_server = DigestChecker("MD5")
        await client(serve(digest_server).url).post(b"<x/>")
        await client(serve(basic_server()).url, allow_basic_over_http=True).post(b"<x/>")
    text = "\n".join(log.texts())
    assert PASSWORD not in text
    assert digest_server.accepted[0]["response"] not in text
    warned = [e for e in log.events if e.get("log_level") == LogLevel.warn]
    assert any("plain http" in (formatEvent(e) or "") for e in warned)
