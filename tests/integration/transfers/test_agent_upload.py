"""Upload through the whole agent: the vendor configuration file is PUT to a loopback server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_twisted
from twisted.web.resource import Resource
from twisted.web.server import Request

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import NS_CWMP_12
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor
from support.web import listen_local, port_number, site, stop


class Recorder(Resource):
    """Takes PUTs: records (method, path, content type, body), answers 201."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.seen: list[tuple[str, str, str, bytes]] = []

    def render_PUT(self, request: Request) -> bytes:
        body = request.content.read() if request.content is not None else b""
        ctype = (request.getHeader(b"content-type") or b"").decode()
        self.seen.append(("PUT", request.path.decode(), ctype, body))
        request.setResponseCode(201)
        return b""


@pytest.mark.parametrize("server", ["listening", "refusing"])
@pytest_twisted.ensureDeferred
async def test_vendor_configuration_upload(tmp_path: Path, server: str) -> None:
    """A listening server gets one PUT of the JSON snapshot and TransferComplete 0; a refused
    connection is 9015 (cannot contact the file server) with nothing sent."""
    recorder = Recorder()
    port = await listen_local(site(recorder))
    put_url = f"http://127.0.0.1:{port_number(port)}/up/config.json"
    if server == "refusing":
        await stop(port)
    acs = ScriptedAcs(ns=NS_CWMP_12, use_cwmp_version="1.4")
    url = await acs.listen(reactor)
    acs.queue(m.Upload(command_key="ul-1", file_type="1 Vendor Configuration File", url=put_url))
    runner = AgentRunner(agent_config(tmp_path / "state", url))
    try:
        runner.start()
        first, second = await acs.wait_for_sessions(2, timeout=20)
    finally:
        runner.stop()
        await acs.stop()
        if server == "listening":
            await stop(port)
    assert first.responses == [m.UploadResponse(status=1)]
    (tc,) = second.transfer_completes
    if server == "listening":
        assert (tc.command_key, tc.fault_code) == ("ul-1", 0), tc.fault_string
        ((method, path, ctype, body),) = recorder.seen
        assert (method, path, ctype) == ("PUT", "/up/config.json", "application/json")
        snapshot = json.loads(body)
        assert snapshot["Device.DeviceInfo.SoftwareVersion"] == "1.0.0"
    else:
        assert tc.fault_code == 9015, tc.fault_string
        assert tc.fault_string.startswith("cannot contact the file server")
        assert recorder.seen == []
