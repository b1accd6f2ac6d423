"""Failed firmware downloads through the whole agent: each cause reaches the ACS as its fault."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.config import TransfersConfig
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import NS_CWMP_10, NS_CWMP_12
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.pki import CertificateAuthority, make_ca, make_cert, server_tls_options
from support.agent_harness import AgentRunner, agent_config, reactor
from support.agent_xfer import Behaviour, FileServer, Served, download, firmware, serve_files
from support.web import stop

IMAGE = firmware("2.0.0", 8192)
SW = "Device.DeviceInfo.SoftwareVersion"


@dataclass
class World:
    """The ACS (also a file server), a plain file server, a CA and a TLS server elsewhere."""

    acs: ScriptedAcs
    files: Served
    ca: CertificateAuthority
    tmp: Path
    ports: list[Served]

    async def tls_files(self, server: FileServer, hosts: list[str]) -> Served:
        """A file server over TLS whose certificate names only ``hosts``."""
        cert = make_cert(self.ca, hosts, self.tmp, "files")
        served = await serve_files(server, server_tls_options(cert.pem_path))
        self.ports.append(served)
        return served


Case = Callable[[World], Awaitable[m.Download]]


async def not_found(w: World) -> m.Download:
    """A path the file server does not have."""
    return download("k", w.files.url("/missing.bin"), len(IMAGE))


async def short_file(w: World) -> m.Download:
    """The file has fewer bytes than FileSize says."""
    return download("k", w.acs.serve_file("/short.bin", IMAGE[:100]), len(IMAGE))


async def long_file(w: World) -> m.Download:
    """The file has more bytes than FileSize says."""
    return download("k", w.acs.serve_file("/long.bin", IMAGE + b"x"), len(IMAGE))


async def bad_image(w: World) -> m.Download:
    """Whole, but not an image the device accepts."""
    data = b"NOT-FIRMWARE\n" + IMAGE[13:]
    return download("k", w.acs.serve_file("/bad.bin", data), len(data))


async def wrong_password(w: World) -> m.Download:
    """The file server wants digest credentials the Download does not carry."""
    url = w.acs.serve_file("/auth.bin", IMAGE, auth=("fwuser", "right"))
    return download("k", url, len(IMAGE), username="fwuser", password="wrong")


async def tls_mismatch(w: World) -> m.Download:
    """The https file server's certificate (from the trusted CA) names another host."""
    server = FileServer({"/fw.bin": Behaviour(IMAGE)})
    served = await w.tls_files(server, ["files.example"])
    return download("k", served.url("/fw.bin"), len(IMAGE))


async def cut_mid_transfer(w: World) -> m.Download:
    """The file server sends half the body and drops the connection."""
    w.files.server.files["/cut.bin"] = Behaviour(IMAGE, cut_after=len(IMAGE) // 2)
    return download("k", w.files.url("/cut.bin"), len(IMAGE))


async def no_space(w: World) -> m.Download:
    """The image is bigger than the spool quota (FileSize unknown, so only the fetch sees it)."""
    return download("k", w.acs.serve_file("/big.bin", IMAGE), 0)


CASES: list[tuple[Case, int, int]] = [
    (not_found, 9016, 0),
    (short_file, 9017, 0),
    (long_file, 9017, 0),
    (bad_image, 9018, 0),
    (wrong_password, 9012, 0),
    (tls_mismatch, 9015, 0),
    (cut_mid_transfer, 9017, 0),
    (no_space, 9010, 4096),
]


@pytest.mark.parametrize("ns", [NS_CWMP_12, NS_CWMP_10], ids=["cwmp-1-2", "cwmp-1-0"])
@pytest.mark.parametrize(("case", "code", "quota"), CASES, ids=[c[0].__name__ for c in CASES])
@pytest_twisted.ensureDeferred
async def test_failed_download_reports_its_fault(
    tmp_path: Path, case: Case, code: int, quota: int, ns: str
) -> None:
    """Status 1, then one TransferComplete with the cause's fault; no reboot, no spool left.

    An ACS speaking cwmp-1-0 gets the code narrowed to what that schema allows (9010, 9012).
    """
    if ns == NS_CWMP_10 and code not in (9010, 9012):
        code = 9010
    acs = ScriptedAcs(ns=ns)
    ca = make_ca(tmp_path)
    cert = make_cert(ca, ["127.0.0.1"], tmp_path, "acs")
    url = await acs.listen(reactor, tls=server_tls_options(cert.pem_path))
    files = await serve_files(FileServer())
    world = World(acs, files, ca, tmp_path, [files])
    rpc = await case(world)
    acs.queue(rpc)
    state = tmp_path / "state"
    settings = agent_config(state, url, acs=f'ca_file = "{ca.cert_path}"')
    if quota:
        settings = replace(settings, transfers=TransfersConfig(spool_quota=quota))
    runner = AgentRunner(settings)
    try:
        runner.start()
        first, second = await acs.wait_for_sessions(2, timeout=20)
        assert runner.agent is not None
        runner.agent.scheduler.request()
        _, _, third = await acs.wait_for_sessions(3, timeout=10)
    finally:
        runner.stop()
        await acs.stop()
        for served in world.ports:
            await stop(served.port)
    assert first.responses == [m.DownloadResponse(status=1)]
    assert runner.exits == 0
    assert sorted(second.events) == ["7 TRANSFER COMPLETE", "M Download"]
    assert second.parameters[SW] == "1.0.0"
    (tc,) = second.transfer_completes
    assert tc.command_key == "k"
    assert tc.fault_code == code, tc.fault_string
    assert tc.fault_string
    assert tc.start_time <= tc.complete_time
    assert not tc.start_time.startswith("0001")
    assert third.transfer_completes == [] and third.events == []
    assert list((state / "spool").glob("*")) == []
