"""UDPEchoConfig through the whole agent: the ACS enables it, loopback clients probe it."""

from __future__ import annotations

import socket
import struct
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest_twisted
from twisted.internet import defer
from twisted.internet.protocol import DatagramProtocol

from cwmpd.cwmp import messages as m
from support.agent_harness import reactor
from support.diag_agent import AgentRun, spv, values_of

ECHO = "Device.IP.Diagnostics.UDPEchoConfig."


class Client(DatagramProtocol):
    """A UDP client bound to one loopback address, keeping every reply."""

    def __init__(self) -> None:
        self.replies: list[bytes] = []
        self._waiting: list[tuple[int, defer.Deferred[None]]] = []

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        """Keep the reply; wake whoever waits for this many."""
        self.replies.append(datagram)
        self._wake()

    def replies_count(self, n: int) -> defer.Deferred[None]:
        """Fires once ``n`` replies arrived (times out after 5 s)."""
        d: defer.Deferred[None] = defer.Deferred()
        self._waiting.append((n, d))
        self._wake()
        return d.addTimeout(5, reactor)

    def _wake(self) -> None:
        for n, d in list(self._waiting):
            if len(self.replies) >= n:
                self._waiting.remove((n, d))
                d.callback(None)


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(address: str) -> tuple[Client, Any]:
    proto = Client()
    return proto, reactor.listenUDP(0, proto, interface=address, maxPacketSize=8192)


async def _enabled(tmp_path: Path, **extra: str) -> tuple[AgentRun, int]:
    """The agent with the echo server enabled for source 127.0.0.1 in its first session."""
    port = free_udp_port()
    run = AgentRun(tmp_path)
    settings = {"Enable": "true", "SourceIPAddress": "127.0.0.1", "UDPPort": str(port)}
    run.acs.queue(spv(ECHO, settings | extra))
    await run.start()
    (first,) = await run.sessions(1)
    assert first.responses == [m.SetParameterValuesResponse(status=0)]
    return run, port


@pytest_twisted.ensureDeferred
async def test_echo_answers_only_its_source_and_counts_what_it_did(tmp_path: Path) -> None:
    """127.0.0.1 gets its 3 packets back verbatim; 127.0.0.2 gets nothing; GPV counts 3."""
    run, port = await _enabled(tmp_path)
    good, good_port = _client("127.0.0.1")
    stranger, stranger_port = _client("127.0.0.2")
    payloads = [b"a" * 10, b"b" * 100, b"c" * 1000]
    try:
        stranger.transport.write(b"ignored", ("127.0.0.1", port))  # type: ignore[union-attr]
        for p in payloads:
            good.transport.write(p, ("127.0.0.1", port))  # type: ignore[union-attr]
        await good.replies_count(3)
        run.acs.queue(m.GetParameterValues(names=(ECHO,)))
        run.new_session()
        second = (await run.sessions(2))[1]
    finally:
        await run.stop()
        await good_port.stopListening()
        await stranger_port.stopListening()
    assert good.replies == payloads
    assert stranger.replies == []
    got = values_of(second.responses[0])
    assert got[ECHO + "Enable"] == "true"
    assert got[ECHO + "EchoPlusSupported"] == "true"
    assert (got[ECHO + "PacketsReceived"], got[ECHO + "PacketsResponded"]) == ("3", "3")
    wire = str(sum(len(p) + 8 for p in payloads))  # payload and UDP header
    assert (got[ECHO + "BytesReceived"], got[ECHO + "BytesResponded"]) == (wire, wire)
    first, last = (
        datetime.fromisoformat(got[ECHO + n].replace("Z", "+00:00"))
        for n in ("TimeFirstPacketReceived", "TimeLastPacketReceived")
    )
    assert datetime.now().year == first.year and first <= last


@pytest_twisted.ensureDeferred
async def test_echo_plus_fills_the_responder_fields(tmp_path: Path) -> None:
    """Echo Plus: TestGenSN kept, TestRespSN 1 then 2, timestamps ordered, payload kept."""
    run, port = await _enabled(tmp_path, EchoPlusEnabled="true")
    client, listening = _client("127.0.0.1")
    try:
        for gen in (7, 8):
            packet = struct.pack("!IIIII", gen, 0, 0, 0, 0) + b"payload"
            client.transport.write(packet, ("127.0.0.1", port))  # type: ignore[union-attr]
        await client.replies_count(2)
    finally:
        await run.stop()
        await listening.stopListening()
    fields = [struct.unpack("!IIIII", r[:20]) for r in client.replies]
    assert [(f[0], f[1], f[4]) for f in fields] == [(7, 1, 0), (8, 2, 0)]
    assert all(f[2] <= f[3] for f in fields)
    assert all(r[20:] == b"payload" for r in client.replies)


@pytest_twisted.ensureDeferred
async def test_disabling_closes_the_port(tmp_path: Path) -> None:
    """Enable false in a later session: the port is free again (another socket can bind it)."""
    run, port = await _enabled(tmp_path)
    try:
        run.acs.queue(spv(ECHO, {"Enable": "false"}))
        run.new_session()
        second = (await run.sessions(2))[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", port))
    finally:
        await run.stop()
    assert second.responses == [m.SetParameterValuesResponse(status=0)]


@pytest_twisted.ensureDeferred
async def test_enabling_without_a_source_address_faults(tmp_path: Path) -> None:
    """Enable true with no SourceIPAddress: 9003 with 9007 on Enable; nothing listens."""
    run = AgentRun(tmp_path)
    run.acs.queue(spv(ECHO, {"Enable": "true", "UDPPort": "7"}))
    try:
        await run.start()
        (first,) = await run.sessions(1)
        echo_port = run.diagnostics().udp_echo.port
    finally:
        await run.stop()
    fault = first.responses[0]
    assert isinstance(fault, m.Fault), fault
    assert [(f.name, f.code) for f in fault.set_faults] == [(ECHO + "Enable", 9007)]
    assert echo_port == 0


@pytest_twisted.ensureDeferred
async def test_a_bad_port_written_with_enable_is_the_faulted_name(tmp_path: Path) -> None:
    """UDPPort 0 written together with Enable true: the 9007 names UDPPort."""
    run = AgentRun(tmp_path)
    run.acs.queue(spv(ECHO, {"Enable": "true", "SourceIPAddress": "127.0.0.1", "UDPPort": "0"}))
    try:
        await run.start()
        (first,) = await run.sessions(1)
    finally:
        await run.stop()
    fault = first.responses[0]
    assert isinstance(fault, m.Fault), fault
    assert [(f.name, f.code) for f in fault.set_faults] == [(ECHO + "UDPPort", 9007)]


@pytest_twisted.ensureDeferred
async def test_switching_echo_plus_on_restarts_on_the_same_port(tmp_path: Path) -> None:
    """EchoPlusEnabled true in a later session: Status 0, the same port now answers Echo Plus."""
    run, port = await _enabled(tmp_path)
    client, listening = _client("127.0.0.1")
    try:
        run.acs.queue(spv(ECHO, {"EchoPlusEnabled": "true"}))
        run.new_session()
        second = (await run.sessions(2))[1]
        packet = struct.pack("!IIIII", 9, 0, 0, 0, 0)
        client.transport.write(packet, ("127.0.0.1", port))  # type: ignore[union-attr]
        await client.replies_count(1)
    finally:
        await run.stop()
        await listening.stopListening()
    assert second.responses == [m.SetParameterValuesResponse(status=0)]
    assert struct.unpack("!II", client.replies[0][:8]) == (9, 1)
