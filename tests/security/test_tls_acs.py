"""The ACS connection refuses every bad server certificate, then reaches a good ACS.

A real TLS server on loopback presents a bad certificate (issued by the CA the agent
trusts unless the case says otherwise); the agent must refuse it before any HTTP is
sent, log one line per attempt, retry, and complete a session once the same port
presents a good certificate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted
from twisted.logger import LogLevel, globalLogPublisher

from cwmpd.http.urls import where
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.pki import SwitchableServerTls, make_cert
from support.agent_harness import AgentRunner, agent_config, reactor
from support.logged import LogCapture
from support.tls_world import BAD_CERTS, FAST_RETRY, BadCert, Pki
from support.waiting import wait_for


async def _run(tmp_path: Path, host: str, bad_pem: Path, pki: Pki) -> tuple[LogCapture, int, str]:
    """Serve ``bad_pem`` until the agent gave up once, then a good certificate; returns
    the captured log, the RetryCount of the session that got through and the ACS URL."""
    log = LogCapture()
    server = SwitchableServerTls(bad_pem)
    acs = ScriptedAcs()
    url = await acs.listen(reactor, tls=server, host=host)
    extra = f'ca_file = "{pki.ca.cert_path}"'
    runner = AgentRunner(agent_config(tmp_path / "state", url, acs=extra))
    globalLogPublisher.addObserver(log)
    try:
        agent = runner.start()
        agent.model.set_local(FAST_RETRY)
        await wait_for(
            lambda: any("session failed" in line for line in log.lines()), 10, "a failed session"
        )
        assert acs.requests == [], "HTTP was sent to a server with a bad certificate"
        refused = len(log.lines())
        server.use(pki.good().pem_path)
        (session,) = await acs.wait_for_sessions(1, timeout=15)
        assert session.completed
        assert runner.agent is not None and runner.agent.running
        # and the daemon keeps reaching its ACS
        runner.agent.scheduler.request()
        await acs.wait_for_sessions(2, timeout=10)
    finally:
        globalLogPublisher.removeObserver(log)
        runner.stop()
        await acs.stop()
    assert refused >= 1
    return log, session.inform.retry_count, url


@pytest.mark.parametrize("case", BAD_CERTS, ids=[c.name for c in BAD_CERTS])
@pytest_twisted.ensureDeferred
async def test_acs_with_bad_certificate_is_refused(tmp_path: Path, case: BadCert) -> None:
    """Refused with one warning line per attempt naming the reason; no traceback."""
    pki = Pki.create(tmp_path)
    log, retries, url = await _run(tmp_path, case.host, case.issue(pki).pem_path, pki)
    ours = where(url)  # a session of another test's agent, still winding down, is not ours
    lines = [
        line
        for line in log.lines()
        if not line.startswith("session failed") or f"{ours}:" in line or f"{ours} " in line
    ]
    assert not log.lines(LogLevel.critical), log.lines(LogLevel.critical)
    failed = [line for line in lines if line.startswith("session failed")]
    assert len(failed) == retries, lines  # one line per refused attempt
    assert all(line == failed[0] for line in failed)
    assert "TLS" in failed[0] and case.reason in failed[0], failed[0]
    assert [line for line in lines if line not in failed] == []
    assert retries >= 1


@pytest_twisted.ensureDeferred
async def test_cn_fallback_is_off_by_default_and_warns_when_on(tmp_path: Path) -> None:
    """acs.tls_allow_cn_match = true accepts a legacy CN-only certificate naming the host
    (with a warning), and still refuses one whose CN names another host."""
    pki = Pki.create(tmp_path)
    legacy = make_cert(pki.ca, [], tmp_path, "legacy", common_name="127.0.0.1")
    other = make_cert(pki.ca, [], tmp_path, "other", common_name="evil.example")
    server = SwitchableServerTls(legacy.pem_path)
    acs = ScriptedAcs()
    url = await acs.listen(reactor, tls=server)
    extra = f'ca_file = "{pki.ca.cert_path}"\ntls_allow_cn_match = true\n'
    log = LogCapture()
    runner = AgentRunner(agent_config(tmp_path / "state", url, acs=extra))
    globalLogPublisher.addObserver(log)
    try:
        agent = runner.start()
        agent.model.set_local(FAST_RETRY)
        (first,) = await acs.wait_for_sessions(1, timeout=15)
        assert first.inform.retry_count == 0
        warned = [line for line in log.lines() if "commonName" in line]
        assert warned and "127.0.0.1" in warned[0], log.lines()
        server.use(other.pem_path)
        agent.scheduler.request()
        await wait_for(
            lambda: any("session failed" in line for line in log.lines()), 10, "a failed session"
        )
        assert len(acs.sessions) == 1
        failed = [line for line in log.lines() if line.startswith("session failed")]
        assert "does not match" in failed[0], failed
    finally:
        globalLogPublisher.removeObserver(log)
        runner.stop()
        await acs.stop()


@pytest.mark.parametrize("usage", ["none", "both"])
@pytest_twisted.ensureDeferred
async def test_good_certificate_without_or_with_extra_eku_is_accepted(
    tmp_path: Path, usage: str
) -> None:
    """The server EKU is required only when the certificate has an EKU extension."""
    pki = Pki.create(tmp_path)
    cert = make_cert(pki.ca, ["127.0.0.1"], tmp_path, "acs", usage=usage)  # type: ignore[arg-type]
    acs = ScriptedAcs()
    url = await acs.listen(reactor, tls=SwitchableServerTls(cert.pem_path))
    runner = AgentRunner(
        agent_config(tmp_path / "state", url, acs=f'ca_file = "{pki.ca.cert_path}"')
    )
    try:
        runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=15)
    finally:
        runner.stop()
        await acs.stop()
    assert session.completed and session.inform.retry_count == 0
