"""Failed sessions are retried with RetryCount and undelivered events; events survive kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import task

from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor

FAST_RETRY = {"Device.ManagementServer.CWMPRetryMinimumWaitInterval": "1"}


@pytest.mark.parametrize(("cut_at", "retried_events"), [(0, ["0 BOOTSTRAP", "1 BOOT"]), (1, [])])
@pytest_twisted.ensureDeferred
async def test_cut_session_is_retried(
    tmp_path: Path, cut_at: int, retried_events: list[str]
) -> None:
    """A session cut mid-way is retried with RetryCount 1; only undelivered events come again."""
    acs = ScriptedAcs()
    acs.cut_connection_after(cut_at)
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url))
    try:
        agent = runner.start()
        agent.model.set_local(FAST_RETRY)  # before the first session: retry after 1-2 s
        first, second = await acs.wait_for_informs(2, timeout=15)
        await acs.wait_for_sessions(1, timeout=15)
    finally:
        runner.stop()
        await acs.stop()
    assert first.failure is not None and not first.completed
    assert first.inform.retry_count == 0
    assert first.events == ["0 BOOTSTRAP", "1 BOOT"]
    assert second.completed
    assert second.inform.retry_count == 1
    assert second.events == retried_events


def _spawn(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cwmpd", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest_twisted.ensureDeferred
async def test_events_survive_kill_9(tmp_path: Path) -> None:
    """Undelivered BOOTSTRAP and BOOT are still sent after the daemon is SIGKILLed and restarted."""
    acs = ScriptedAcs()
    acs.queue_http_status(503)
    url = await acs.listen(reactor)
    config = tmp_path / "cwmpd.toml"
    config.write_text(
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
        f"[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[control]\nsocket = "{tmp_path}/control.sock"\n'
    )
    daemon = _spawn(config)
    try:
        for _ in range(200):
            if acs.requests:
                break
            await task.deferLater(reactor, 0.05, lambda: None)
        assert acs.requests and acs.requests[0].status == 503
        os.kill(daemon.pid, signal.SIGKILL)
        assert daemon.wait(10) == -signal.SIGKILL
        assert acs.completed_sessions == []
        daemon = _spawn(config)
        (session,) = await acs.wait_for_sessions(1, timeout=20)
    finally:
        daemon.kill()
        daemon.wait(10)
        await acs.stop()
    assert session.events == ["0 BOOTSTRAP", "1 BOOT"]
    assert session.inform.retry_count == 0
