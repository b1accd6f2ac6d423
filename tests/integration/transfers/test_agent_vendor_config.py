"""A vendor configuration file (Download "3 Vendor Configuration File") restores values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession
from support.agent_harness import AgentRunner, agent_config, reactor

INTERVAL = "Device.ManagementServer.PeriodicInformInterval"
CODE = "Device.DeviceInfo.ProvisioningCode"


def _download(key: str, url: str, size: int) -> m.Download:
    return m.Download(key, "3 Vendor Configuration File", url, "", "", size, "cfg.json", 0)


@pytest_twisted.ensureDeferred
async def test_vendor_configuration_file_is_applied(tmp_path: Path) -> None:
    """Writable values come back; read-only, unknown and empty secrets are left alone; a bad
    file is 9018; both outcomes reach the ACS in one TransferComplete each."""
    config = {
        INTERVAL: "1234",
        CODE: "restored-1",
        "Device.DeviceInfo.UpTime": "99",  # read-only: skipped
        "Device.NoSuch.Thing": "x",  # unknown now: skipped
        "Device.ManagementServer.Password": "",  # a snapshot's hidden value: not wiped
    }
    good = json.dumps(config).encode()
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    acs.queue(_download("cfg-ok", acs.serve_file("/cfg/good.json", good), len(good)))
    acs.queue(_download("cfg-bad", acs.serve_file("/cfg/bad.json", b"[1, 2]"), 6))

    def read_back(session: AcsSession) -> None:
        if "7 TRANSFER COMPLETE" in session.events:
            acs.queue(m.GetParameterValues(names=(INTERVAL, CODE)))

    acs.on_session(read_back)
    runner = AgentRunner(agent_config(tmp_path, url, acs='password = "keep-me"'))
    try:
        agent = runner.start()
        sessions = await acs.wait_for_sessions(2, timeout=15)
        if len(sessions[1].transfer_completes) < 2:
            sessions = await acs.wait_for_sessions(3, timeout=15)
        password = agent.model.value("Device.ManagementServer.Password")
    finally:
        runner.stop()
        await acs.stop()
    done = {tc.command_key: tc for s in sessions for tc in s.transfer_completes}
    assert done["cfg-ok"].fault_code == 0
    assert done["cfg-bad"].fault_code == 9010  # 9018 narrowed: the ACS speaks cwmp-1-0
    gpv = next(r for s in sessions[1:] for r in s.responses)
    assert isinstance(gpv, m.GetParameterValuesResponse)
    assert {p.name: p.value for p in gpv.parameters} == {INTERVAL: "1234", CODE: "restored-1"}
    assert password == "keep-me"
