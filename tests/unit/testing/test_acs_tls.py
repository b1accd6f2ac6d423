"""The scripted ACS over real TLS with a throwaway CA."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet import reactor, ssl
from twisted.web.client import Agent, BrowserLikePolicyForHTTPS

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import Envelope, parse, serialize
from cwmpd.cwmp.structs import DeviceId, EventStruct
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.pki import make_ca, make_cert, server_tls_options
from support.acs_client import Client


@pytest_twisted.ensureDeferred
async def test_listen_with_tls_serves_https(tmp_path: Path) -> None:
    """listen(tls=...) gives an https URL that a client trusting the CA can use."""
    ca = make_ca(tmp_path)
    cert = make_cert(ca, ["127.0.0.1"])
    acs = ScriptedAcs()
    url = await acs.listen(reactor, tls=server_tls_options(cert.pem_path))
    try:
        assert url.startswith("https://127.0.0.1:")
        client = Client(url)
        trust = ssl.Certificate.loadPEM(ca.cert_path.read_bytes())
        client.agent = Agent(reactor, contextFactory=BrowserLikePolicyForHTTPS(trustRoot=trust))  # type: ignore[no-untyped-call]
        inform = m.Inform(
            device_id=DeviceId("cwmpd", "00D09E", "Simulated", "SIM0001"),
            events=(EventStruct("1 BOOT"),),
            max_envelopes=1,
            current_time="2026-01-01T00:00:00Z",
            retry_count=0,
            parameters=(),
        )
        r = await client.post(serialize(Envelope(inform, id="t1")))
        assert r.code == 200 and parse(r.body).body == m.InformResponse(max_envelopes=1)
        assert (await client.post(None)).code == 204
        assert acs.sessions[0].completed
    finally:
        await acs.stop()
