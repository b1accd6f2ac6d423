"""The linux plugin through the whole agent: this machine's model, answered and XSD-valid."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import pytest_twisted

from conformance.xsd import validate_envelope
from cwmpd.config import parse_config
from cwmpd.cwmp import messages as m
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, reactor

pytestmark = pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2 (ip -j)")


@pytest_twisted.ensureDeferred
async def test_whole_linux_model_in_a_session(tmp_path: Path, spec: Path) -> None:
    """Inform (DeviceId from the host), GPN of everything and GPV of Device. all succeed,
    every GPN parameter has a value, and every message validates against the schemas."""
    acs = ScriptedAcs()
    acs.queue(m.GetParameterNames(path="", next_level=False))
    acs.queue(m.GetParameterValues(names=("Device.",)))
    url = await acs.listen(reactor)
    runner = AgentRunner(
        parse_config(
            f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
            "[connection_request]\nenable = false\n"
            f'[device]\nplugins = ["linux"]\nstate_dir = "{tmp_path}"\n[control]\nsocket = ""\n'
        )
    )
    try:
        runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=30)
    finally:
        runner.stop()
        await acs.stop()
    gpn, gpv = session.responses
    assert isinstance(gpn, m.GetParameterNamesResponse)
    assert isinstance(gpv, m.GetParameterValuesResponse)
    names = {p.name for p in gpn.parameters if not p.name.endswith(".")}
    assert names == {p.name for p in gpv.parameters}
    assert session.events == ["0 BOOTSTRAP", "1 BOOT"]
    assert session.inform.device_id.serial_number
    for body in session.raw_requests:
        if body.strip():
            assert validate_envelope(spec, body) == []
