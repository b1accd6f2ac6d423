"""The scripted ACS's HTTP authentication modes, over loopback with a real client."""

from __future__ import annotations

import base64

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import Envelope, parse, serialize
from cwmpd.cwmp.structs import DeviceId, EventStruct
from cwmpd.testing.acs import ScriptedAcs
from support.acs_client import Start, digest_answer

INFORM = serialize(
    Envelope(
        m.Inform(
            device_id=DeviceId("cwmpd", "00D09E", "Simulated", "SIM0001"),
            events=(EventStruct("2 PERIODIC"),),
            max_envelopes=1,
            current_time="2026-01-01T00:00:00Z",
            retry_count=0,
            parameters=(),
        ),
        id="1",
    )
)


def basic(user: str, password: str) -> str:
    """A Basic Authorization header."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest_twisted.ensureDeferred
async def test_basic_challenges_and_checks(start: Start) -> None:
    """Basic mode: no or wrong credentials get 401 + Basic challenge; right ones get in."""
    acs = ScriptedAcs(auth="basic", username="cpe", password="secret")
    client = await start(acs)
    r = await client.post(INFORM)
    assert r.code == 401
    assert (r.header("www-authenticate") or "").startswith("Basic realm=")
    assert (await client.post(INFORM, authorization=basic("cpe", "wrong"))).code == 401
    assert acs.sessions == []
    r = await client.post(INFORM, authorization=basic("cpe", "secret"))
    assert r.code == 200
    assert acs.sessions[0].authorization_seen == [basic("cpe", "secret")]


@pytest.mark.parametrize("algorithm", ["MD5", "MD5-sess", "SHA-256"])
@pytest_twisted.ensureDeferred
async def test_digest_session(start: Start, algorithm: str) -> None:
    """Digest mode: a whole session with a correct digest; each POST carries a new nc."""
    acs = ScriptedAcs(auth="digest", username="cpe", password="secret", digest_algorithm=algorithm)
    client = await start(acs)
    r = await client.post(INFORM)
    assert r.code == 401
    challenge = r.header("www-authenticate") or ""
    assert f"algorithm={algorithm}" in challenge
    r = await client.post(INFORM, authorization=digest_answer(challenge))
    assert r.code == 200
    r = await client.post(None, authorization=digest_answer(challenge, nc="00000002"))
    assert r.code == 204
    assert acs.sessions[0].completed


@pytest_twisted.ensureDeferred
async def test_digest_wrong_password_and_new_session_challenge(start: Start) -> None:
    """A wrong password gets 401; a nonce from a finished session is stale next time."""
    acs = ScriptedAcs(auth="digest", username="cpe", password="secret")
    client = await start(acs)
    challenge = (await client.post(INFORM)).header("www-authenticate") or ""
    bad = await client.post(INFORM, authorization=digest_answer(challenge, password="x"))
    assert bad.code == 401
    assert (await client.post(INFORM, authorization=digest_answer(challenge))).code == 200
    assert (await client.post(None, authorization=digest_answer(challenge, nc="2"))).code == 204
    again = await client.post(INFORM, authorization=digest_answer(challenge, nc="3"))
    assert again.code == 401
    assert "stale=true" in (again.header("www-authenticate") or "")
    assert [r.status for r in acs.requests] == [401, 401, 200, 204, 401]


@pytest_twisted.ensureDeferred
async def test_twisted_digest_oracle(start: Start) -> None:
    """twisted-digest: Twisted's own guard accepts a correct MD5 digest and refuses a wrong one."""
    acs = ScriptedAcs(auth="twisted-digest", username="cpe", password="secret")
    client = await start(acs)
    r = await client.post(INFORM)
    assert r.code == 401
    challenge = r.header("www-authenticate") or ""
    assert challenge.lower().startswith("digest ")
    wrong = await client.post(INFORM, authorization=digest_answer(challenge, password="x"))
    assert wrong.code == 401
    r = await client.post(INFORM, authorization=digest_answer(challenge, nc="00000002"))
    assert r.code == 200
    assert parse(r.body).body == m.InformResponse(max_envelopes=1)
    assert len(acs.sessions) == 1


def test_unknown_auth_mode_is_refused() -> None:
    """A typo in auth= is a clear error, not an open ACS."""
    with pytest.raises(ValueError, match="auth must be one of"):
        ScriptedAcs(auth="Digest")
