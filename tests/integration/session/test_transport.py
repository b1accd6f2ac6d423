"""The agent's HTTP(S) to the ACS end to end: cookies, Basic/Digest, redirects, TLS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import task

from cwmpd.cwmp import messages as m
from cwmpd.service import CwmpAgent
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.pki import make_ca, make_cert, server_tls_options
from support.agent_harness import AgentRunner, agent_config, reactor

MS = "Device.ManagementServer."


async def wait_until_failed(agent: CwmpAgent, timeout: float = 10.0) -> None:
    """Wait until the agent's first session has failed (its retry count went up)."""
    for _ in range(int(timeout / 0.05)):
        if agent.scheduler.retry_count >= 1:
            return
        await task.deferLater(reactor, 0.05, lambda: None)
    raise AssertionError("the session did not fail")


async def one_session(tmp_path: Path, server: ScriptedAcs, tls: Any = None, **cfg: str) -> Any:
    """Run the agent until one session completes; return it."""
    url = await server.listen(reactor, tls=tls)
    runner = AgentRunner(agent_config(tmp_path, url, **cfg))
    try:
        runner.start()
        (session,) = await server.wait_for_sessions(1, timeout=15)
    finally:
        runner.stop()
        await server.stop()
    return session


async def failed_session(tmp_path: Path, server: ScriptedAcs, tls: Any = None, **cfg: str) -> None:
    """Run the agent until its first session fails; no session may complete."""
    url = await server.listen(reactor, tls=tls)
    runner = AgentRunner(agent_config(tmp_path, url, **cfg))
    try:
        agent = runner.start()
        await wait_until_failed(agent)
    finally:
        runner.stop()
        await server.stop()
    assert server.completed_sessions == []


@pytest_twisted.ensureDeferred
async def test_cookies_returned_for_the_whole_session(tmp_path: Path) -> None:
    """An ACS that requires its session cookie on every POST gets it (H-5)."""
    acs = ScriptedAcs(require_cookie=True)
    for _ in range(3):
        acs.queue(m.GetParameterValues(names=(MS + "URL",)))
    session = await one_session(tmp_path, acs)
    assert len(session.responses) == 3
    assert all(isinstance(r, m.GetParameterValuesResponse) for r in session.responses)
    assert session.cookies_seen[0] is None
    assert all(c for c in session.cookies_seen[1:])


CREDS = 'username = "cpe"\npassword = "pw-1"'


@pytest.mark.parametrize(
    ("auth", "algorithm"),
    [
        ("digest", "MD5"),
        ("digest", "MD5-sess"),
        ("digest", "SHA-256"),
        ("twisted-digest", "MD5"),
    ],
)
@pytest_twisted.ensureDeferred
async def test_digest_challenges_answered(tmp_path: Path, auth: str, algorithm: str) -> None:
    """Digest in each algorithm, and Twisted's own digest guard as an oracle, accept the agent."""
    acs = ScriptedAcs(auth=auth, username="cpe", password="pw-1", digest_algorithm=algorithm)
    acs.queue(m.GetParameterValues(names=(MS + "URL",)))
    session = await one_session(tmp_path, acs, acs=CREDS)
    assert isinstance(session.responses[0], m.GetParameterValuesResponse)
    assert all(a and a.startswith("Digest ") for a in session.authorization_seen[1:])


@pytest_twisted.ensureDeferred
async def test_wrong_password_fails_the_session(tmp_path: Path) -> None:
    """A wrong password fails the session (no endless 401 loop) and schedules a retry."""
    acs = ScriptedAcs(auth="digest", username="cpe", password="right")
    await failed_session(tmp_path, acs, acs=CREDS)
    assert 1 <= len([r for r in acs.requests if r.status == 401]) <= 2


@pytest_twisted.ensureDeferred
async def test_basic_refused_over_http_allowed_over_https(tmp_path: Path) -> None:
    """Basic credentials never go over plain http by default; over TLS they do."""
    acs = ScriptedAcs(auth="basic", username="cpe", password="pw-1")
    await failed_session(tmp_path / "http", acs, acs=CREDS)
    assert all(r.authorization is None for r in acs.requests)

    ca = make_ca(tmp_path)
    cert = make_cert(ca, ["127.0.0.1"], tmp_path)
    acs = ScriptedAcs(auth="basic", username="cpe", password="pw-1")
    acs.queue(m.GetRPCMethods())
    session = await one_session(
        tmp_path / "https",
        acs,
        tls=server_tls_options(cert.pem_path),
        acs=f'{CREDS}\nca_file = "{ca.cert_path}"',
    )
    assert isinstance(session.responses[0], m.GetRPCMethodsResponse)


@pytest.mark.parametrize("code", [302, 307])
@pytest_twisted.ensureDeferred
async def test_redirect_followed_for_the_session_only(tmp_path: Path, code: int) -> None:
    """302/307 re-POST the Inform to the new place; the URL parameter does not change."""
    acs = ScriptedAcs()
    acs.redirect_next(code, "/moved")
    acs.queue(m.GetParameterValues(names=(MS + "URL",)))
    session = await one_session(tmp_path, acs)
    (gpv,) = session.responses
    assert isinstance(gpv, m.GetParameterValuesResponse)
    assert gpv.parameters[0].value.endswith("/acs")
    assert set(session.paths) == {"/moved"}
    assert acs.requests[0].status == code


@pytest_twisted.ensureDeferred
async def test_tls_verified_against_the_configured_ca(tmp_path: Path) -> None:
    """A certificate from the configured CA for the URL's host is accepted."""
    ca = make_ca(tmp_path)
    cert = make_cert(ca, ["127.0.0.1"], tmp_path)
    acs = ScriptedAcs()
    session = await one_session(
        tmp_path, acs, tls=server_tls_options(cert.pem_path), acs=f'ca_file = "{ca.cert_path}"'
    )
    assert session.events == ["0 BOOTSTRAP", "1 BOOT"]


@pytest_twisted.ensureDeferred
async def test_tls_unknown_ca_refused(tmp_path: Path) -> None:
    """A server certificate from another CA fails the session before any POST."""
    ca, other = make_ca(tmp_path, "ca"), make_ca(tmp_path, "other")
    cert = make_cert(other, ["127.0.0.1"], tmp_path)
    acs = ScriptedAcs()
    await failed_session(
        tmp_path, acs, tls=server_tls_options(cert.pem_path), acs=f'ca_file = "{ca.cert_path}"'
    )
    assert acs.requests == []


@pytest_twisted.ensureDeferred
async def test_tls_hostname_mismatch_refused(tmp_path: Path) -> None:
    """A trusted certificate for another host name fails the session."""
    ca = make_ca(tmp_path)
    cert = make_cert(ca, ["acs.example.net"], tmp_path)
    acs = ScriptedAcs()
    await failed_session(
        tmp_path, acs, tls=server_tls_options(cert.pem_path), acs=f'ca_file = "{ca.cert_path}"'
    )
    assert acs.requests == []


@pytest_twisted.ensureDeferred
async def test_client_certificate_presented(tmp_path: Path) -> None:
    """With client_cert configured, a server that requires one accepts the agent; without, no."""
    ca = make_ca(tmp_path)
    server = make_cert(ca, ["127.0.0.1"], tmp_path)
    client = make_cert(ca, ["cpe"], tmp_path, "client", client=True)
    tls = server_tls_options(server.pem_path, ca_for_client_auth=ca.cert_path)
    acs = ScriptedAcs()
    session = await one_session(
        tmp_path / "with",
        acs,
        tls=tls,
        acs=f'ca_file = "{ca.cert_path}"\nclient_cert = "{client.pem_path}"',
    )
    assert session.events == ["0 BOOTSTRAP", "1 BOOT"]
    acs = ScriptedAcs()
    await failed_session(tmp_path / "without", acs, tls=tls, acs=f'ca_file = "{ca.cert_path}"')
