"""The daemon SIGKILLed at each step of a ChangeDUState Install, under a supervisor that
restarts it like systemd, still sends exactly one DUStateChangeComplete, with the unit
installed once; and so when killed from outside while the package is being fetched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from support.agent_du import carried, du_completes, du_rig
from support.agent_xfer import Behaviour, FileServer, Rig, running
from support.control_client import command, inform_when_ready
from support.waiting import wait_for

UUID = "7d444840-9dc0-11d1-b245-5ffdce74fad2"
KEY = "du-kill9"
PACKAGE = b"Version: 3.1\n" + bytes(range(256)) * 256


def jobs(rig: Rig) -> list[object]:
    """The persisted ChangeDUState jobs."""
    try:
        return list(json.loads((rig.state / "du-jobs.json").read_text())["jobs"])
    except FileNotFoundError:
        return []


async def install_once(rig: Rig, *, kill_while_fetching: bool = False) -> m.OpResult:
    """Install, see it through to exactly one DUStateChangeComplete and a quiet session."""
    acs, daemon = rig.acs, rig.daemon
    sock = daemon.config.parent / "control.sock"
    senders: list[int] = []
    acs.on_exchange(
        lambda s, e: (
            senders.append(daemon.starts)
            if isinstance(e.received, m.DUStateChangeComplete)
            else None
        )
    )
    await acs.wait_for_sessions(1, timeout=15)
    acs.queue(
        m.ChangeDUState((m.DUOperation("Install", url=rig.files.url("/app.pkg"), uuid=UUID),), KEY)
    )
    await inform_when_ready(sock)
    if kill_while_fetching:
        await wait_for(lambda: rig.files.server.held, 15, "the fetch")
        starts = daemon.starts
        daemon.kill()
        await wait_for(lambda: daemon.starts > starts, 10, "the restart")
    await wait_for(lambda: du_completes(acs, KEY), 30, "a DUStateChangeComplete")
    (session,) = [s for s in acs.sessions if carried(s, KEY)]
    assert {"11 DU STATE CHANGE COMPLETE", "M ChangeDUState"} <= set(session.events)
    sender = senders[0]
    await wait_for(lambda: session.ended or daemon.starts > sender, 10, "the end of that session")
    await wait_for(lambda: jobs(rig) == [], 10, "the job to be forgotten")
    done = len(acs.completed_sessions)
    assert (await inform_when_ready(sock))["ok"]
    await acs.wait_for_sessions(done + 1, timeout=10)
    last = acs.completed_sessions[-1]
    assert not carried(last, KEY)
    assert not {"11 DU STATE CHANGE COMPLETE", "M ChangeDUState"} & set(last.events)
    answer = await command(sock, "get", "Device.SoftwareModules.DeploymentUnitNumberOfEntries")
    assert answer["result"][0]["value"] == "1"
    (complete,) = du_completes(acs, KEY)
    (result,) = complete.results
    return result


@pytest.mark.parametrize(
    "point", ["fetching", "applying", "installed", "done", "queued", "removed"]
)
@pytest_twisted.ensureDeferred
async def test_kill9_at_each_step(tmp_path: Path, point: str) -> None:
    """One crash at ``point``: one DUStateChangeComplete, success, the unit installed once."""
    rig = await du_rig(tmp_path, FileServer({"/app.pkg": Behaviour(PACKAGE)}), crash_at=point)
    async with running(rig):
        result = await install_once(rig)
    assert (tmp_path / "crashed").read_text().split()[1] == point
    assert rig.daemon.kills == 1
    assert (result.fault_code, result.current_state, result.uuid) == (0, "Installed", UUID)
    assert result.version == "3.1"
    packages = json.loads((rig.state / "plugins" / "simulated" / "packages.json").read_text())
    assert list(packages) == ["app"]


@pytest_twisted.ensureDeferred
async def test_kill9_from_outside_while_fetching(tmp_path: Path) -> None:
    """SIGKILL while the file server trickles the package: fetched again, one complete."""
    server = FileServer({"/app.pkg": Behaviour(PACKAGE, trickle=1)})
    rig = await du_rig(tmp_path, server)
    async with running(rig):
        result = await install_once(rig, kill_while_fetching=True)
    assert rig.daemon.kills == 1
    assert [p for p, _ in server.log] == ["/app.pkg", "/app.pkg"]
    assert (result.fault_code, result.current_state, result.version) == (0, "Installed", "3.1")
