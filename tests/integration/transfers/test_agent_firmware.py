"""Firmware upgrade through the whole agent: Download, fetch, apply, reboot, TransferComplete."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.pki import make_ca, make_cert, server_tls_options
from support.agent_harness import AgentRunner, agent_config, reactor
from support.agent_xfer import download, firmware, transfer_completes

SW = "Device.DeviceInfo.SoftwareVersion"


def _time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https-digest"])
@pytest_twisted.ensureDeferred
async def test_firmware_upgrade_end_to_end(tmp_path: Path, secure: bool) -> None:
    """The ACS's image is fetched, applied and booted; the next session reports it once."""
    image = firmware("2.0.0")
    extra = ""
    if secure:
        ca = make_ca(tmp_path)
        cert = make_cert(ca, ["127.0.0.1"], tmp_path)
        acs = ScriptedAcs()
        url = await acs.listen(reactor, tls=server_tls_options(cert.pem_path))
        extra = f'ca_file = "{ca.cert_path}"'
        file_url = acs.serve_file("/fw/image.bin", image, auth=("fwuser", "fw-pass"))
        rpc = download("fw-42", file_url, len(image), username="fwuser", password="fw-pass")
    else:
        acs = ScriptedAcs()
        url = await acs.listen(reactor)
        file_url = acs.serve_file("/fw/image.bin", image)
        rpc = download("fw-42", file_url, len(image))
    assert file_url.startswith("https://" if secure else "http://")
    acs.queue(rpc)
    runner = AgentRunner(agent_config(tmp_path / "state", url, acs=extra))
    before = reactor.seconds()
    try:
        runner.start()
        first, second = await acs.wait_for_sessions(2, timeout=20)
        assert runner.agent is not None
        runner.agent.scheduler.request()
        await acs.wait_for_sessions(3, timeout=10)
        assert runner.agent is not None
        runner.agent.scheduler.request()
        sessions = await acs.wait_for_sessions(4, timeout=10)
    finally:
        runner.stop()
        await acs.stop()
    after = reactor.seconds()
    assert first.events == ["0 BOOTSTRAP", "1 BOOT"]
    assert first.parameters[SW] == "1.0.0"
    assert first.responses == [m.DownloadResponse(status=1)]
    assert runner.exits == 1  # the simulated reboot restarted the daemon once
    served = [line for line in acs.file_log if line.startswith("200 ")]
    assert served == ["200 /fw/image.bin"]
    if secure:  # the unauthenticated first try was challenged, then digest succeeded
        assert any(line.startswith("401 /fw/image.bin") for line in acs.file_log)
    assert sorted(second.events) == sorted(["1 BOOT", "7 TRANSFER COMPLETE", "M Download"])
    assert second.command_keys["M Download"] == "fw-42"
    assert second.parameters[SW] == "2.0.0"
    (tc,) = second.transfer_completes
    assert (tc.command_key, tc.fault_code, tc.fault_string) == ("fw-42", 0, "")
    start, complete = _time(tc.start_time), _time(tc.complete_time)
    assert int(before) - 1 <= start.timestamp() <= complete.timestamp() <= after + 1
    for later in sessions[2:]:
        assert later.transfer_completes == []
        assert "7 TRANSFER COMPLETE" not in later.events
        assert later.parameters[SW] == "2.0.0"
    assert len(transfer_completes(acs, "fw-42")) == 1
