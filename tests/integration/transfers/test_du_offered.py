"""Where ChangeDUState is offered (only with an execution environment), and
AutonomousDUStateChangeComplete for units changed behind the agent's back, filtered by
ManagementServer.DUStateChangeComplPolicy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest_twisted

from cwmpd.config import parse_config
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.cwmp.xmlns import NS_CWMP_12
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, reactor
from support.waiting import sleep, wait_for

POLICY = "Device.ManagementServer.DUStateChangeComplPolicy."


def config(state_dir: Path, url: str, plugin: str) -> AgentRunner:
    """An in-process agent for ``plugin``."""
    text = (
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
        "[connection_request]\nenable = false\n"
        f'[device]\nplugins = ["{plugin}"]\nstate_dir = "{state_dir}"\n'
    )
    return AgentRunner(parse_config(text, "test.toml"))


@pytest_twisted.ensureDeferred
async def test_not_offered_without_an_execution_environment(tmp_path: Path) -> None:
    """The TR-098 simulated device has none: not in GetRPCMethods, and 9000."""
    acs = ScriptedAcs(ns=NS_CWMP_12)
    acs.queue(m.GetRPCMethods())
    acs.queue(m.ChangeDUState((m.DUOperation("Install", url="http://f/x.pkg"),), "k"))
    runner = config(tmp_path, await acs.listen(reactor), "simulated098")
    try:
        runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=20)
    finally:
        runner.stop()
        await acs.stop()
    methods, fault = session.responses
    assert isinstance(methods, m.GetRPCMethodsResponse)
    assert "ChangeDUState" not in methods.methods and "Download" in methods.methods
    assert isinstance(fault, m.Fault) and fault.code == 9000


@pytest_twisted.ensureDeferred
async def test_autonomous_changes_reported_by_policy(tmp_path: Path) -> None:
    """A unit installed behind the agent's back is reported once (event 12) when the policy
    says so; one removed while Uninstall is filtered out is not reported at all."""
    acs = ScriptedAcs(ns=NS_CWMP_12)
    acs.queue(
        m.SetParameterValues(
            (
                PV(POLICY + "Enable", "true", "boolean"),
                PV(POLICY + "OperationTypeFilter", "Install", "string"),
            ),
            "p",
        )
    )
    runner = config(tmp_path, await acs.listen(reactor), "simulated")
    packages = tmp_path / "plugins" / "simulated" / "packages.json"
    try:
        runner.start()
        await acs.wait_for_sessions(1, timeout=20)
        runner.stop()
        packages.write_text(json.dumps({"sideload": {"version": "0.9", "url": ""}}))
        runner.start()
        await wait_for(lambda: len(acs.completed_sessions) >= 2, 20, "the autonomous report")
        reported = acs.completed_sessions[1]
        assert "12 AUTONOMOUS DU STATE CHANGE COMPLETE" in reported.events
        (message,) = [
            r for r in reported.cpe_requests if isinstance(r, m.AutonomousDUStateChangeComplete)
        ]
        (result,) = message.results
        assert (result.operation, result.current_state, result.version) == (
            "Install",
            "Installed",
            "0.9",
        )
        assert result.deployment_unit_ref == "Device.SoftwareModules.DeploymentUnit.1"
        runner.stop()
        packages.write_text("{}")  # removed behind its back: Uninstall is filtered out
        runner.start()
        inventory = tmp_path / "software.json"
        await wait_for(lambda: not json.loads(inventory.read_text())["units"], 10, "the listing")
        await sleep(0.5)
    finally:
        runner.stop()
        await acs.stop()
    assert len(acs.sessions) == 2  # nothing more to report: no session
    assert json.loads((tmp_path / "du-autonomous.json").read_text()) == []
