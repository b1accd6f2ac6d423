"""The STUN client against a real STUN server: Debian's coturn (turnserver), on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator

import pytest
import pytest_twisted
from twisted.internet import defer

from cwmpd.connreq.guard import Credentials
from cwmpd.connreq.ratelimit import RateLimiter
from cwmpd.connreq.stun import StunClient, StunConfig
from cwmpd.connreq.udp import UdpConnectionRequestProtocol
from support.agent_harness import reactor
from support.web import port_number, stop

TURNSERVER = shutil.which("turnserver")


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    """Whether a STUN server answers a binding request on 127.0.0.1:port."""
    request = struct.pack("!HHI", 1, 0, 0x2112A442) + os.urandom(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.sendto(request, ("127.0.0.1", port))
        try:
            return s.recv(1024)[:2] == b"\x01\x01"
        except OSError:
            return False


@pytest.fixture
def coturn() -> Iterator[int]:
    """A STUN-only coturn on a free loopback port."""
    if TURNSERVER is None:
        if os.environ.get("CI"):
            pytest.fail("turnserver (Debian coturn) missing: .ci/run installs it")
        pytest.skip("turnserver (Debian package coturn) is not installed")
    port = _free_udp_port()
    proc = subprocess.Popen(
        [TURNSERVER, "--listening-ip=127.0.0.1", f"--listening-port={port}", "--stun-only",
         "--no-tls", "--no-dtls", "--no-cli", "--log-file=stdout"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 5
        while not _answers(port):
            assert time.monotonic() < deadline, "coturn did not start"
            assert proc.poll() is None, "coturn exited"
        yield port
    finally:
        proc.terminate()
        proc.wait(5)


@pytest_twisted.ensureDeferred
async def test_binding_through_coturn(coturn: int) -> None:
    """coturn answers the TR-111 binding request; the mapped address is our own (no NAT)."""
    got: defer.Deferred[tuple[str, bool]] = defer.Deferred()
    proto = UdpConnectionRequestProtocol(Credentials("u", "p"), RateLimiter(reactor), lambda: None)
    port = reactor.listenUDP(0, proto, interface="127.0.0.1", maxPacketSize=8192)
    local = ("127.0.0.1", port_number(port))
    client = StunClient(
        reactor, StunConfig("127.0.0.1", coturn), proto.send, lambda: local,
        lambda address, nat: got.callback((address, nat)) if not got.called else None,
    )  # fmt: skip
    proto.stun = client.datagram
    client.start()
    try:
        address, nat = await got.addTimeout(5, reactor)
    finally:
        client.stop()
        await stop(port)
    assert address == f"127.0.0.1:{local[1]}"
    assert nat is False
    assert client.mapped == local
