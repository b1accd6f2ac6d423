"""UDP lightweight notifications (TR-069 Annex M) from the real agent over loopback UDP:
the ACS turns them on (SPV) and sets Notification 3 and 5 (SPA); a device-side change of the
active one sends one signed datagram carrying both, valid against the Annex M XSD."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted
from twisted.internet.defer import Deferred
from twisted.internet.protocol import DatagramProtocol

from conformance.xsd import validate_lwnotif
from cwmpd.cwmp import lwnotif
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.soap import NS_CWMP_10, NS_CWMP_12
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.testing.acs import ScriptedAcs
from support.agent_harness import AgentRunner, agent_config, reactor

MS = "Device.ManagementServer."
ACTIVE = MS + "UDPConnectionRequestAddress"  # agent-stored, changed locally by the agent
PASSIVE = MS + "NATDetected"


class Collector(DatagramProtocol):
    """Keeps every datagram; ``wait(n)`` fires once n have come."""

    def __init__(self) -> None:
        self.grams: list[bytes] = []
        self._waiting: list[tuple[int, Deferred[list[bytes]]]] = []

    def datagramReceived(self, datagram: bytes, addr: object) -> None:
        """Keep it; wake the waiters it completes."""
        self.grams.append(datagram)
        for n, d in list(self._waiting):
            if len(self.grams) >= n:
                self._waiting.remove((n, d))
                d.callback(self.grams[:n])

    def wait(self, n: int) -> Deferred[list[bytes]]:
        """The first ``n`` datagrams, within 10 s."""
        d: Deferred[list[bytes]] = Deferred()
        self._waiting.append((n, d))
        if len(self.grams) >= n:
            self._waiting.remove((n, d))
            d.callback(self.grams[:n])
        return d.addTimeout(10, reactor)


def spa(name: str, value: int) -> SPA:
    """Set Notification ``value`` on ``name``, leave the AccessList."""
    return SPA(name, True, value, False, ())


@pytest_twisted.ensureDeferred
async def test_active_lightweight_change_sends_a_valid_signed_datagram(
    tmp_path: Path, spec: Path
) -> None:
    """Passive (3) waits, active (5) sends at once with the passive value along; the payload
    validates, the Signature is the HMAC-SHA1 of it keyed with ManagementServer.Password."""
    collector = Collector()
    udp = reactor.listenUDP(0, collector, "127.0.0.1", 8192)
    port = udp.getHost().port  # type: ignore[attr-defined]
    acs = ScriptedAcs(ns=NS_CWMP_12)
    acs.queue(
        m.SetParameterValues(
            parameters=(
                PV(MS + "LightweightNotificationProtocolsUsed", "UDP", "xsd:string"),
                PV(MS + "UDPLightweightNotificationHost", "127.0.0.1", "xsd:string"),
                PV(MS + "UDPLightweightNotificationPort", str(port), "xsd:unsignedInt"),
                PV(MS + "Password", "lw-secret", "xsd:string"),
            ),
            parameter_key="lw",
        )
    )
    acs.queue(m.SetParameterAttributes(parameters=(spa(ACTIVE, 5), spa(PASSIVE, 3))))
    acs.queue(m.GetParameterAttributes(names=(ACTIVE, PASSIVE)))
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url))
    try:
        agent = runner.start()
        (session,) = await acs.wait_for_sessions(1, timeout=30)
        agent.model.set_local({PASSIVE: "true"})
        assert collector.grams == [] and agent.lightweight is not None
        agent.model.set_local({ACTIVE: "192.0.2.7:7547"})
        (gram,) = await collector.wait(1)
    finally:
        runner.stop()
        await acs.stop()
        stopped = udp.stopListening()
        if stopped is not None:
            await stopped
    attrs = session.responses[2]
    assert isinstance(attrs, m.GetParameterAttributesResponse)
    assert [a.notification for a in attrs.parameters] == [5, 3]
    head, body = lwnotif.parse_datagram(gram)
    assert validate_lwnotif(spec, body) == []
    assert head["signature"] == lwnotif.signature(body, "lw-secret")
    assert b"<lwn:Name>" + ACTIVE.encode() + b"</lwn:Name><lwn:Value>192.0.2.7:7547<" in body
    assert b"<lwn:Name>" + PASSIVE.encode() + b"</lwn:Name><lwn:Value>true<" in body
    assert b"<lwn:SerialNumber>" in body and b"<lwn:OUI>" in body


@pytest_twisted.ensureDeferred
async def test_lightweight_values_in_cwmp_1_0(tmp_path: Path) -> None:
    """cwmp-1-0 has Notification 0..2 only: asking for 5 there is 9003; a stored 6 reads
    back as its Inform part, 1."""
    acs = ScriptedAcs(ns=NS_CWMP_10)
    acs.queue(m.SetParameterAttributes(parameters=(spa(ACTIVE, 5),)))
    acs.queue(m.GetParameterAttributes(names=(ACTIVE,)))
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url))
    try:
        agent = runner.start()
        await acs.wait_for_sessions(1, timeout=30)
        await agent.model.set_parameter_attributes([spa(ACTIVE, 6)])
        acs.queue(m.GetParameterAttributes(names=(ACTIVE,)))
        agent.scheduler.request("6 CONNECTION REQUEST")
        first, second = await acs.wait_for_sessions(2, timeout=30)
    finally:
        runner.stop()
        await acs.stop()
    refused, before = first.responses
    assert isinstance(refused, m.Fault) and refused.code == 9003
    assert isinstance(before, m.GetParameterAttributesResponse)
    assert before.parameters[0].notification == 0
    (after,) = second.responses
    assert isinstance(after, m.GetParameterAttributesResponse)
    assert after.parameters[0].notification == 1
