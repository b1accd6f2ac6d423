"""ChangeDUState through the real daemon (simulated device), the scripted ACS and a real HTTP
file server: install, update and uninstall each end in exactly one DUStateChangeComplete,
a batch reports every operation's result in order, Device.SoftwareModules follows, and
GetRPCMethods lists ChangeDUState."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from conformance.xsd import validate_envelope
from cwmpd.cwmp import messages as m
from support.agent_du import carried, du_completes, du_rig
from support.agent_xfer import Behaviour, FileServer, Rig, running
from support.control_client import command, inform_when_ready
from support.waiting import wait_for

UUID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
SM = "Device.SoftwareModules."


async def one_complete(rig: Rig, op: m.DUOperation, key: str) -> m.OpResult:
    """Queue ChangeDUState(op), wait for its DUStateChangeComplete, check it came once (a
    later session carries none) and with "11 DU STATE CHANGE COMPLETE" + "M ChangeDUState"."""
    acs = rig.acs
    acs.queue(m.ChangeDUState((op,), key))
    answer = await inform_when_ready(rig.daemon.config.parent / "control.sock")
    assert answer["ok"], answer
    await wait_for(lambda: du_completes(acs, key), 20, f"the DUStateChangeComplete of {key}")
    (session,) = [s for s in acs.sessions if carried(s, key)]
    assert {"11 DU STATE CHANGE COMPLETE", "M ChangeDUState"} <= set(session.events)
    assert session.command_keys["M ChangeDUState"] == key
    await wait_for(lambda: session.ended, 10, "the end of that session")
    done = len(acs.completed_sessions)
    await inform_when_ready(rig.daemon.config.parent / "control.sock")
    await acs.wait_for_sessions(done + 1, timeout=10)
    assert len(du_completes(acs, key)) == 1
    assert "11 DU STATE CHANGE COMPLETE" not in acs.completed_sessions[-1].events
    (result,) = du_completes(acs, key)[0].results
    return result


async def get(rig: Rig, name: str) -> str:
    """One value through the control socket."""
    answer = await command(rig.daemon.config.parent / "control.sock", "get", name)
    assert answer["ok"], answer
    return str(answer["result"][0]["value"])


@pytest_twisted.ensureDeferred
async def test_install_update_uninstall(tmp_path: Path) -> None:
    """Each operation ends in one DUStateChangeComplete; SoftwareModules shows the unit."""
    server = FileServer(
        {
            "/hello.pkg": Behaviour(b"Version: 1.2\npayload\n"),
            "/v2/hello.pkg": Behaviour(b"Version: 2.0\npayload\n"),
        }
    )
    rig = await du_rig(tmp_path, server)
    async with running(rig):
        await rig.acs.wait_for_sessions(1, timeout=15)
        rig.acs.queue(m.GetRPCMethods())
        url = rig.files.url("/hello.pkg")
        installed = await one_complete(
            rig,
            m.DUOperation("Install", url=url, uuid=UUID, execution_env_ref=SM + "ExecEnv.1"),
            "i1",
        )
        assert (installed.uuid, installed.version, installed.current_state) == (
            UUID,
            "1.2",
            "Installed",
        )
        assert (installed.fault_code, installed.resolved) == (0, True)
        assert installed.deployment_unit_ref == SM + "DeploymentUnit.1"
        assert installed.execution_unit_refs == SM + "ExecutionUnit.1"
        assert installed.start_time <= installed.complete_time != m.UNKNOWN_TIME
        assert await get(rig, SM + "DeploymentUnit.1.Name") == "hello"
        assert await get(rig, SM + "DeploymentUnit.1.UUID") == UUID
        assert await get(rig, SM + "DeploymentUnit.1.URL") == url
        assert await get(rig, SM + "ExecutionUnit.1.ExecutionEnvRef") == SM + "ExecEnv.1"
        assert await get(rig, SM + "ExecEnv.1.Name") == "simulated"
        methods = [
            r
            for s in rig.acs.sessions
            for r in s.responses
            if isinstance(r, m.GetRPCMethodsResponse)
        ]
        assert "ChangeDUState" in methods[0].methods

        updated = await one_complete(
            rig, m.DUOperation("Update", uuid=UUID, url=rig.files.url("/v2/hello.pkg")), "u1"
        )
        assert (updated.version, updated.current_state, updated.fault_code) == (
            "2.0",
            "Installed",
            0,
        )
        assert await get(rig, SM + "DeploymentUnit.1.Version") == "2.0"

        removed = await one_complete(rig, m.DUOperation("Uninstall", uuid=UUID), "r1")
        assert (removed.current_state, removed.fault_code, removed.uuid) == ("Uninstalled", 0, UUID)
        assert removed.execution_unit_refs == SM + "ExecutionUnit.1"
        assert await get(rig, SM + "DeploymentUnitNumberOfEntries") == "0"
        assert await get(rig, SM + "ExecutionUnitNumberOfEntries") == "0"
    assert [p for p, _ in server.log] == ["/hello.pkg", "/v2/hello.pkg"]


@pytest_twisted.ensureDeferred
async def test_batch_with_failures_reports_each(tmp_path: Path, spec: Path) -> None:
    """Install ok, Install from a 404, Uninstall of an unknown unit, Install into an unknown
    environment, Install ok: one DUStateChangeComplete with five results, in order, as the
    agent sent it valid against the cwmp-1-2 schema (so is the Inform with its events)."""
    server = FileServer({"/a.pkg": Behaviour(b"Version: 1\n"), "/b.pkg": Behaviour(b"x\n")})
    rig = await du_rig(tmp_path, server)
    async with running(rig):
        await rig.acs.wait_for_sessions(1, timeout=15)
        ops = (
            m.DUOperation("Install", url=rig.files.url("/a.pkg")),
            m.DUOperation("Install", url=rig.files.url("/missing.pkg")),
            m.DUOperation("Uninstall", uuid=UUID),
            m.DUOperation(
                "Install", url=rig.files.url("/b.pkg"), execution_env_ref=SM + "ExecEnv.9"
            ),
            m.DUOperation("Install", url=rig.files.url("/b.pkg")),
        )
        rig.acs.queue(m.ChangeDUState(ops, "batch"))
        await inform_when_ready(tmp_path / "control.sock")
        await wait_for(lambda: du_completes(rig.acs, "batch"), 20, "the DUStateChangeComplete")
        await wait_for(lambda: rig.acs.sessions[-1].ended, 10, "the end of that session")
        assert await get(rig, SM + "DeploymentUnitNumberOfEntries") == "2"
    (session,) = [s for s in rig.acs.sessions if carried(s, "batch")]
    assert any(b"DUStateChangeComplete>" in raw for raw in session.raw_requests)
    for raw in session.raw_requests:
        if raw.strip():
            assert validate_envelope(spec, raw) == []
    (complete,) = du_completes(rig.acs, "batch")
    a, missing, unknown, bad_ee, b = complete.results
    assert (a.fault_code, a.current_state, a.version) == (0, "Installed", "1")
    assert (missing.fault_code, missing.current_state) == (
        9016,
        "Failed",
    ) or missing.fault_code in (
        9015,
        9017,
    )
    assert (unknown.fault_code, unknown.current_state, unknown.uuid) == (9028, "Failed", UUID)
    assert (bad_ee.fault_code, bad_ee.current_state) == (9023, "Failed")
    assert (b.fault_code, b.current_state, b.version) == (0, "Installed", "")
    assert a.deployment_unit_ref != b.deployment_unit_ref
