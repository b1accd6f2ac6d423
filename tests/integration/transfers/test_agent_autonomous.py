"""AutonomousTransferComplete end to end: cwmpctl reports, the policy filters, ACS gets it once."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor
from support.processes import cwmpctl

POLICY = "Device.ManagementServer.AutonomousTransferCompletePolicy."


@pytest_twisted.ensureDeferred
async def test_policy_then_exactly_one_report(tmp_path: Path) -> None:
    """Disabled policy: nothing sent. Enabled for downloads: event 10 + one ATC, then none."""
    acs = ScriptedAcs(ns=None)  # answer in the Inform's namespace
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url))
    sock = tmp_path / "control.sock"
    report = ("transfer-complete", "download", "http://fw.example/img", "1 Firmware Upgrade Image",
              "--size", "42", "--start", "2026-01-01T00:00:00Z")  # fmt: skip
    try:
        runner.start()
        await acs.wait_for_sessions(1, timeout=10)
        code, out, err = await cwmpctl(sock, *report)
        assert code == 0, err
        assert "not reported" in out
        acs.queue(
            m.SetParameterValues(
                parameters=(
                    ParameterValueStruct(POLICY + "Enable", "true", "boolean"),
                    ParameterValueStruct(POLICY + "TransferTypeFilter", "Download", "string"),
                ),
                parameter_key="atc-on",
            )
        )
        code, _, err = await cwmpctl(sock, "inform")
        assert code == 0, err
        await acs.wait_for_sessions(2, timeout=10)
        code, out, err = await cwmpctl(sock, *report)
        assert (code, out.strip()) == (0, "reported to the ACS"), err
        sessions = await acs.wait_for_sessions(3, timeout=10)
        code, _, err = await cwmpctl(sock, "transfer-complete", "upload", "http://x/y",
                                     "2 Vendor Log File")  # fmt: skip
        assert code == 0, err  # filtered: uploads are not wanted
        code, _, err = await cwmpctl(sock, "inform")
        sessions = await acs.wait_for_sessions(4, timeout=10)
    finally:
        runner.stop()
        await acs.stop()
    third, fourth = sessions[2], sessions[3]
    assert "10 AUTONOMOUS TRANSFER COMPLETE" in third.events
    (atc,) = [r for r in third.cpe_requests if isinstance(r, m.AutonomousTransferComplete)]
    assert (atc.transfer_url, atc.file_size, atc.fault_code) == ("http://fw.example/img", 42, 0)
    assert atc.start_time == "2026-01-01T00:00:00Z"
    assert third.inform_envelope.ns != "urn:dslforum-org:cwmp-1-0"
    assert fourth.cpe_requests == []
    assert "10 AUTONOMOUS TRANSFER COMPLETE" not in fourth.events
