"""The test ACS's Basic and Digest server checks (pure: headers in, verdicts out)."""

from __future__ import annotations

import base64
import itertools

import pytest

from cwmpd.testing.acs_auth import BasicAuthenticator, DigestAuthenticator
from support.acs_client import digest_answer


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _digest(algorithm: str = "MD5") -> DigestAuthenticator:
    counter = itertools.count()
    return DigestAuthenticator(
        "cpe", "secret", algorithm=algorithm, nonce_source=lambda: f"nonce{next(counter)}"
    )


def test_basic_accepts_only_the_right_pair() -> None:
    """Basic accepts the configured credentials and challenges anything else."""
    auth = BasicAuthenticator("cpe", "secret")
    assert auth.check("POST", "/acs", _basic("cpe", "secret")).ok
    for header in (
        None,
        _basic("cpe", "wrong"),
        _basic("other", "secret"),
        "Basic !!!",
        "Digest x=1",
    ):
        result = auth.check("POST", "/acs", header)
        assert not result.ok
        assert result.challenge.startswith("Basic realm=")


@pytest.mark.parametrize("algorithm", ["MD5", "MD5-sess", "SHA-256"])
def test_digest_accepts_a_correctdigest_answer(algorithm: str) -> None:
    """A response computed from the challenge with the right password is accepted."""
    auth = _digest(algorithm)
    first = auth.check("POST", "/acs", None)
    assert not first.ok
    assert f"algorithm={algorithm}" in first.challenge
    assert 'qop="auth"' in first.challenge
    assert auth.check("POST", "/acs", digest_answer(first.challenge)).ok


def test_digest_rejects_wrong_password_uri_and_replay() -> None:
    """Wrong password, a uri other than the request's, and a replayed nc are refused."""
    auth = _digest()
    challenge = auth.check("POST", "/acs", None).challenge
    assert not auth.check("POST", "/acs", digest_answer(challenge, password="nope")).ok
    assert not auth.check("POST", "/acs", digest_answer(challenge, uri="/other")).ok
    good = digest_answer(challenge)
    assert auth.check("POST", "/acs", good).ok
    replay = auth.check("POST", "/acs", good)
    assert not replay.ok
    assert replay.reason == "nonce count replayed"
    assert auth.check("POST", "/acs", digest_answer(challenge, nc="00000002")).ok


def test_digest_rejects_unknown_nonce_and_other_algorithm() -> None:
    """A nonce the server never issued, or an algorithm it did not offer, is refused."""
    auth = _digest("SHA-256")
    challenge = auth.check("POST", "/acs", None).challenge
    forged = challenge.replace("nonce0", "nonce99")
    assert auth.check("POST", "/acs", digest_answer(forged)).reason == "unknown nonce"
    md5 = challenge.replace("algorithm=SHA-256", "algorithm=MD5")
    assert "algorithm" in auth.check("POST", "/acs", digest_answer(md5)).reason


def test_new_session_makes_old_nonces_stale() -> None:
    """After a session ends, its nonce gets a fresh challenge marked stale."""
    auth = _digest()
    challenge = auth.check("POST", "/acs", None).challenge
    assert auth.check("POST", "/acs", digest_answer(challenge)).ok
    auth.new_session()
    again = auth.check("POST", "/acs", digest_answer(challenge, nc="00000002"))
    assert not again.ok
    assert "stale=true" in again.challenge
    assert auth.check("POST", "/acs", digest_answer(again.challenge)).ok


def test_unsupported_algorithm_is_refused_up_front() -> None:
    """Configuring an algorithm the digest math lacks is a clear error."""
    with pytest.raises(ValueError, match="SHA-512"):
        DigestAuthenticator("a", "b", algorithm="SHA-512")
