"""Firmware downloads (and uploads) refuse every bad file-server certificate: the Download gets its
TransferComplete fault, the image is neither fetched nor applied, the agent goes on.

The ACS itself has a good certificate from the trusted CA; the file server is a second
real TLS server on loopback presenting the bad one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted
from twisted.logger import LogLevel, globalLogPublisher
from twisted.web.resource import Resource
from twisted.web.server import Request

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import NS_CWMP_12
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.pki import SwitchableServerTls, make_cert
from support.agent_harness import AgentRunner, agent_config, reactor
from support.logged import LogCapture
from support.tls_world import BAD_CERTS, BadCert, Pki
from support.web import serve, stop

SW = "Device.DeviceInfo.SoftwareVersion"
FW_TYPE = "1 Firmware Upgrade Image"


def _image(version: str) -> bytes:
    head = f"CWMPD-SIMULATED-FIRMWARE version={version}\n".encode()
    return head + bytes(i % 251 for i in range(4096 - len(head)))


@pytest.mark.parametrize("case", BAD_CERTS, ids=[c.name for c in BAD_CERTS])
@pytest_twisted.ensureDeferred
async def test_download_from_bad_certificate_is_refused(tmp_path: Path, case: BadCert) -> None:
    """TransferComplete 9015 naming the TLS reason; nothing served, nothing applied."""
    pki = Pki.create(tmp_path)
    acs = ScriptedAcs(ns=NS_CWMP_12)
    url = await acs.listen(reactor, tls=SwitchableServerTls(pki.good().pem_path))
    files = ScriptedAcs()
    await files.listen(reactor, tls=SwitchableServerTls(case.issue(pki).pem_path), host=case.host)
    image = _image("2.0.0")
    file_url = files.serve_file("/fw/image.bin", image)
    assert file_url.startswith(f"https://{case.host}:")
    acs.queue(m.Download(command_key="fw", file_type=FW_TYPE, url=file_url, file_size=len(image)))
    runner = AgentRunner(
        agent_config(tmp_path / "state", url, acs=f'ca_file = "{pki.ca.cert_path}"')
    )
    log = LogCapture()
    globalLogPublisher.addObserver(log)
    try:
        runner.start()
        first, second = await acs.wait_for_sessions(2, timeout=20)
        assert runner.agent is not None and runner.agent.running
        runner.agent.scheduler.request()
        _, _, third = await acs.wait_for_sessions(3, timeout=10)
    finally:
        globalLogPublisher.removeObserver(log)
        runner.stop()
        await acs.stop()
        await files.stop()
    assert first.responses == [m.DownloadResponse(status=1)]
    assert [line for line in files.file_log if line.startswith("200 ")] == []
    assert runner.exits == 0  # not applied: no reboot
    (tc,) = second.transfer_completes
    assert tc.command_key == "fw"
    assert tc.fault_code == 9015, tc.fault_string
    assert "TLS" in tc.fault_string and case.reason in tc.fault_string, tc.fault_string
    assert second.parameters[SW] == "1.0.0" == third.parameters[SW]
    assert third.completed and third.transfer_completes == []
    assert not log.lines(LogLevel.critical), log.lines(LogLevel.critical)


class _Recorder(Resource):
    """Records every request that reached the HTTP layer; answers 204."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.seen: list[bytes] = []

    def render(self, request: Request) -> bytes:
        """Record the method and answer 204."""
        self.seen.append(request.method)
        request.setResponseCode(204)
        return b""


@pytest.mark.parametrize("upload_host", ["good", "no_san"])
@pytest_twisted.ensureDeferred
async def test_upload_to_bad_certificate_is_refused(tmp_path: Path, upload_host: str) -> None:
    """Uploads go through the same policy: a CN-only certificate gets TransferComplete
    9015 and no byte of the configuration file; a good one gets the PUT."""
    pki = Pki.create(tmp_path)
    acs = ScriptedAcs(ns=NS_CWMP_12)
    url = await acs.listen(reactor, tls=SwitchableServerTls(pki.good().pem_path))
    if upload_host == "good":
        cert = pki.good()
    else:
        cert = make_cert(pki.ca, [], tmp_path, "bad", common_name="127.0.0.1")
    recorder = _Recorder()
    served = await serve(recorder, SwitchableServerTls(cert.pem_path))
    port = served.port
    put_url = served.url("/up/config")
    acs.queue(m.Upload(command_key="ul", file_type="1 Vendor Configuration File", url=put_url))
    runner = AgentRunner(
        agent_config(tmp_path / "state", url, acs=f'ca_file = "{pki.ca.cert_path}"')
    )
    try:
        runner.start()
        _, second = await acs.wait_for_sessions(2, timeout=20)
    finally:
        runner.stop()
        await acs.stop()
        await stop(port)
    (tc,) = second.transfer_completes
    if upload_host == "good":
        assert (tc.fault_code, recorder.seen) == (0, [b"PUT"]), tc.fault_string
    else:
        assert recorder.seen == []
        assert tc.fault_code == 9015 and "no subjectAltName" in tc.fault_string, tc.fault_string
