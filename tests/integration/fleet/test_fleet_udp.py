"""UDP Connection Requests (TR-069 Annex G) to fleet devices over one real UDP socket."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import protocol
from twisted.internet.task import deferLater

from cwmpd.connreq.udp import signature
from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.fleet.connreq import device_path
from cwmpd.fleet.identity import Variant
from cwmpd.fleet.run import Fleet
from cwmpd.testing.acs_fleet import FleetAcs
from cwmpd.testing.acs_record import AcsSession
from support.agent_harness import reactor
from support.fleet import digest_get, settle, start_fleet, stop

MS = "Device.ManagementServer."
ADDRESS = MS + "UDPConnectionRequestAddress"
#: After a valid request the session is asked for 0.5 s later (burst window), then runs.
QUIET = 1.5


class AcsUdp(protocol.DatagramProtocol):
    """The ACS's side: signs and sends UDP Connection Requests, records any reply."""

    def __init__(self) -> None:
        self.replies: list[bytes] = []
        self.ts = itertools.count(int(time.time()))
        self.ids = itertools.count(1000)

    def datagramReceived(self, datagram: bytes, addr: object) -> None:
        self.replies.append(datagram)

    def request(
        self, un: str, password: str, *, ts: int | None = None, id_: int | None = None
    ) -> bytes:
        """A datagram as an ACS builds it (fresh ts and id unless given)."""
        ts = next(self.ts) if ts is None else ts
        id_ = next(self.ids) if id_ is None else id_
        sig = signature(password, ts, id_, un, "c1")
        query = f"ts={ts}&id={id_}&un={un}&cn=c1&sig={sig}"
        return f"GET http://127.0.0.1?{query} HTTP/1.1\r\n\r\n".encode()

    def send(self, datagram: bytes, address: str) -> None:
        """Send to ``host:port`` (a device's UDPConnectionRequestAddress)."""
        host, _, port = address.rpartition(":")
        assert self.transport is not None
        self.transport.write(datagram, (host, int(port)))


@pytest.fixture
def udp_acs() -> Any:
    """An AcsUdp on an ephemeral loopback port."""
    sender = AcsUdp()
    port = reactor.listenUDP(0, sender, interface="127.0.0.1", maxPacketSize=8192)
    yield sender
    port.stopListening()


def creds(fleet: Fleet, serial: str) -> tuple[str, str]:
    """Device ``serial``'s ConnectionRequestUsername/Password now (as the ACS set them)."""
    agent = fleet.devices[serial].agent
    assert agent is not None
    root = agent.model.root
    return (
        agent.model.value(f"{root}ManagementServer.ConnectionRequestUsername"),
        agent.model.value(f"{root}ManagementServer.ConnectionRequestPassword"),
    )


async def quiet() -> None:
    """Long enough for a request that was accepted to have started its session."""
    await deferLater(reactor, QUIET)


def gpv_value(session: AcsSession, name: str) -> str:
    """``name``'s value in the session's GetParameterValuesResponse."""
    for x in session.exchanges:
        if isinstance(x.received, m.GetParameterValuesResponse):
            return {p.name: p.value for p in x.received.parameters}[name]
    raise AssertionError(f"no GetParameterValuesResponse in session {session.index}")


def ask_address(acs: FleetAcs) -> None:
    """In every bootstrap session the ACS reads the device's UDPConnectionRequestAddress."""

    def hook(session: AcsSession) -> None:
        if "0 BOOTSTRAP" in session.events:
            root = next(iter(session.parameters)).split(".", 1)[0] + "."
            name = f"{root}ManagementServer.UDPConnectionRequestAddress"
            acs.queue_in(session, m.GetParameterValues(names=(name,)))

    acs.on_session(hook)


def count_reads(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count each device's model reads from now on (to show a request scans no device)."""
    reads: Counter[str] = Counter()
    for key, device in fleet.devices.items():
        assert device.agent is not None
        model = device.agent.model
        real: Callable[[str], str] = model.value

        def counting(name: str, key: str = key, real: Callable[[str], str] = real) -> str:
            reads[key] += 1
            return real(name)

        monkeypatch.setattr(model, "value", counting)
    return reads


@pytest_twisted.ensureDeferred
async def test_udp_connection_requests_to_a_fleet_of_60(
    udp_acs: AcsUdp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """60 devices behind one UDP socket: each reports its address; device 37's request
    gives a session of 37 only; bad signature, stale ts, replayed id, copy, unknown or
    other device's username give none and read no other device; the ACS changes device
    12's credentials by SPV and only the new ones work; the HTTP twin joins the session."""
    acs = FleetAcs()
    ask_address(acs)
    fleet = await start_fleet(acs, devices=60, cr_port=0, cr_udp_port=0)
    try:
        await acs.wait_for_sessions(60, timeout=60)
        await settle(fleet)
        assert fleet.udp_address.startswith("127.0.0.1:")
        addresses = {s.inform.device_id.serial_number: gpv_value(s, ADDRESS) for s in acs.sessions}
        assert len(addresses) == 60 and set(addresses.values()) == {fleet.udp_address}
        usernames = {creds(fleet, key)[0] for key in fleet.devices}
        assert len(usernames) == 60  # the default credentials differ per device

        # A valid request to device 37: a session of 37, and no other.
        un, pw = creds(fleet, "FLEET000037")
        accepted = udp_acs.request(un, pw)
        udp_acs.send(accepted, addresses["FLEET000037"])
        sessions = await acs.wait_for_sessions(61, timeout=20)
        await settle(fleet)
        await quiet()
        assert len(acs.sessions) == 61
        assert sessions[60].inform.device_id.serial_number == "FLEET000037"
        assert "6 CONNECTION REQUEST" in sessions[60].events
        assert fleet.metrics.connection_requests["udp accepted"] == 1

        # Refused: nothing starts, and no device but 36 and 37 is even read.
        other_un = creds(fleet, "FLEET000036")[0]
        reads = count_reads(fleet, monkeypatch)
        last_id = int(accepted.split(b"&id=")[1].split(b"&")[0])
        good = udp_acs.request(un, pw)
        sig_at = good.index(b"&sig=") + 5
        flipped = b"0" if good[sig_at : sig_at + 1] != b"0" else b"1"
        for bad in (
            good[:sig_at] + flipped + good[sig_at + 1 :],  # bad signature
            udp_acs.request(un, pw, ts=int(time.time()) - 1000),  # stale ts
            udp_acs.request(un, pw, id_=last_id),  # replayed id, fresh ts
            accepted,  # the same datagram again
            udp_acs.request("cr-NOBODY", pw),  # unknown username
            udp_acs.request(other_un, pw),  # 36's username, 37's password
            b"GET / HTTP/1.1\r\n\r\n",  # malformed
        ):
            udp_acs.send(bad, fleet.udp_address)
        await quiet()
        assert len(acs.sessions) == 61
        assert set(reads) <= {"FLEET000036", "FLEET000037"}
        # Each request that names a device reads its username and password, no more.
        assert reads["FLEET000037"] <= 2 * 4 and reads["FLEET000036"] <= 2, reads
        cr = fleet.metrics.connection_requests
        assert cr["udp refused: signature"] == 2
        assert cr["udp refused: stale ts"] == 1
        assert cr["udp refused: replay"] == 1
        assert cr["udp copy"] == 1
        assert cr["udp refused: unknown username"] == 1
        assert cr["udp refused: malformed"] == 1
        monkeypatch.undo()

        # The ACS sets new credentials on device 12 (in a session its UDP request asks).
        old_un, old_pw = creds(fleet, "FLEET000012")
        new_un, new_pw = "acs-set-12", "new-secret-12"
        spv = m.SetParameterValues(
            parameters=(
                ParameterValueStruct(MS + "ConnectionRequestUsername", new_un),
                ParameterValueStruct(MS + "ConnectionRequestPassword", new_pw),
            ),
            parameter_key="udp-12",
        )
        acs.queue_for("FLEET000012", spv)
        udp_acs.send(udp_acs.request(old_un, old_pw), fleet.udp_address)
        sessions = await acs.wait_for_sessions(62, timeout=20)
        await settle(fleet)
        spv_session = sessions[61]
        assert spv_session.inform.device_id.serial_number == "FLEET000012"
        answers = [x.received for x in spv_session.exchanges if x.sent == spv]
        assert answers == [m.SetParameterValuesResponse(status=0)]
        assert creds(fleet, "FLEET000012") == (new_un, new_pw)
        refused = cr["udp refused: unknown username"], cr["udp refused: signature"]
        udp_acs.send(udp_acs.request(old_un, old_pw), fleet.udp_address)  # old ones
        udp_acs.send(udp_acs.request(old_un, new_pw), fleet.udp_address)  # old name
        udp_acs.send(udp_acs.request(new_un, old_pw), fleet.udp_address)  # old password
        await quiet()
        assert len(acs.sessions) == 62
        assert (cr["udp refused: unknown username"], cr["udp refused: signature"]) == (
            refused[0] + 2,
            refused[1] + 1,
        )
        udp_acs.send(udp_acs.request(new_un, new_pw), fleet.udp_address)
        sessions = await acs.wait_for_sessions(63, timeout=20)
        await settle(fleet)
        await quiet()
        assert len(acs.sessions) == 63
        assert sessions[62].inform.device_id.serial_number == "FLEET000012"
        assert "6 CONNECTION REQUEST" in sessions[62].events

        # GenieACS's pattern: UDP, then the HTTP twin at once: one session between them.
        un5, pw5 = creds(fleet, "FLEET000005")
        udp_acs.send(udp_acs.request(un5, pw5), fleet.udp_address)
        status = await digest_get(fleet.cr_base + device_path("FLEET000005"), un5, pw5)
        assert status == 200
        sessions = await acs.wait_for_sessions(64, timeout=20)
        await settle(fleet)
        await quiet()
        assert len(acs.sessions) == 64
        assert sessions[63].inform.device_id.serial_number == "FLEET000005"
        assert cr["accepted, joins a UDP request's session"] == 1
        assert udp_acs.replies == []  # the socket never answers
    finally:
        await stop(fleet, acs)


@pytest_twisted.ensureDeferred
async def test_replay_after_a_restart_is_refused(udp_acs: AcsUdp, tmp_path: Path) -> None:
    """With a state folder each device keeps its last accepted ts/id: the same request
    sent to the next run is refused, a newer one is taken (a TR-098 device too); each
    device has the single agent's rate limit of its own."""
    variants = (Variant("tr181", "simulated", 0.5), Variant("tr098", "simulated098", 0.5))
    options: dict[str, Any] = {
        "devices": 6,
        "cr_udp_port": 0,
        "state_dir": str(tmp_path / "fleet"),
        "variants": variants,
    }
    acs = FleetAcs()
    fleet = await start_fleet(acs, **options)
    sent: dict[str, bytes] = {}
    try:
        await acs.wait_for_sessions(6, timeout=30)
        await settle(fleet)
        roots = {d.agent.model.root for d in fleet.devices.values() if d.agent is not None}
        assert roots == {"Device.", "InternetGatewayDevice."}
        for key in fleet.devices:
            sent[key] = udp_acs.request(*creds(fleet, key))
            udp_acs.send(sent[key], fleet.udp_address)
        await acs.wait_for_sessions(12, timeout=20)
        await settle(fleet)
        for device in fleet.devices.values():
            assert device.agent is not None
            root = device.agent.model.root
            value = device.agent.model.value(f"{root}ManagementServer.UDPConnectionRequestAddress")
            assert value == fleet.udp_address
    finally:
        await stop(fleet, acs)

    acs = FleetAcs()
    fleet = await start_fleet(acs, **options)
    try:
        await acs.wait_for_sessions(6, timeout=30)
        await settle(fleet)
        assert all("1 BOOT" in s.events for s in acs.sessions)
        for datagram in sent.values():
            udp_acs.send(datagram, fleet.udp_address)
        await quiet()
        assert len(acs.sessions) == 6
        assert fleet.metrics.connection_requests["udp refused: replay"] == 6
        key = next(iter(fleet.devices))
        udp_acs.send(udp_acs.request(*creds(fleet, key)), fleet.udp_address)
        sessions = await acs.wait_for_sessions(7, timeout=20)
        assert sessions[6].inform.device_id.serial_number == key
        await settle(fleet)

        # The single agent's rate limit, per device: 10 at once, the rest dropped; the
        # ten join one session; another device still has its own budget.
        first, second = list(fleet.devices)[1:3]
        for _ in range(13):
            udp_acs.send(udp_acs.request(*creds(fleet, first)), fleet.udp_address)
        udp_acs.send(udp_acs.request(*creds(fleet, second)), fleet.udp_address)
        sessions = await acs.wait_for_sessions(9, timeout=20)
        await settle(fleet)
        await quiet()
        assert len(acs.sessions) == 9
        assert {s.inform.device_id.serial_number for s in sessions[7:]} == {first, second}
        cr = fleet.metrics.connection_requests
        assert cr["udp accepted"] == 1 + 10 + 1
        assert cr["udp refused: rate limited"] == 3
    finally:
        await stop(fleet, acs)
