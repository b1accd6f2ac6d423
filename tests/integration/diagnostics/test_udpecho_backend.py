"""UDPEchoConfig backend pieces: the Echo Plus header, source matching, bind failures."""

from __future__ import annotations

import socket
import struct

import pytest
import pytest_twisted

from cwmpd.backends.base import BackendError
from cwmpd.cwmp.faults import CwmpFault
from cwmpd.diagnostics.udpecho import UdpEchoConfig, bind_address, echo_plus
from support.agent_harness import reactor

PRE = "Device.IP.Diagnostics.UDPEchoConfig."


def test_echo_plus_keeps_gen_sn_and_payload_and_wraps_times_to_32_bits() -> None:
    """Bytes 0-3 and 20+ are the sender's; the rest are SN, µs stamps mod 2^32, failures."""
    packet = struct.pack("!IIIII", 0xDEADBEEF, 1, 2, 3, 4) + b"tail"
    reply = echo_plus(packet, 5, 2**32 + 10, 2**32 + 20, 1)
    assert struct.unpack("!IIIII", reply[:20]) == (0xDEADBEEF, 5, 10, 20, 1)
    assert reply[20:] == b"tail"


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.9.9.9", "127.0.0.1"),
        ("::1", "::1"),
        ("192.0.2.1", ""),
        ("2001:db8::1", "::"),
    ],
)
def test_loopback_sources_are_served_on_loopback_only(source: str, where: str) -> None:
    """A loopback source can only arrive on lo, so the server binds no wider than that."""
    assert bind_address(source) == where


def _names(values: dict[str, str]) -> dict[str, str]:
    return {PRE + k: v for k, v in values.items()}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_twisted.ensureDeferred
async def test_port_in_use_fails_the_commit_and_keeps_the_previous_server() -> None:
    """Moving to a busy port raises BackendError; abort leaves the old server where it was."""
    echo = UdpEchoConfig(reactor, PRE)
    old_port = _free_port()
    start = await echo.begin(
        _names({"Enable": "true", "SourceIPAddress": "127.0.0.1", "UDPPort": str(old_port)})
    )
    await start.commit()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
            busy.bind(("127.0.0.1", 0))
            move = await echo.begin(_names({"UDPPort": str(busy.getsockname()[1])}))
            with pytest.raises(BackendError, match="cannot listen"):
                await move.commit()
            await move.abort()
        listening = echo.port
        got = await echo.get_many([PRE + "UDPPort", PRE + "Enable"])
    finally:
        await echo.stop()
    assert listening == old_port
    assert got == {PRE + "UDPPort": str(old_port), PRE + "Enable": "true"}
    assert echo.port == 0


@pytest_twisted.ensureDeferred
async def test_unknown_or_read_only_names_are_refused_at_stage() -> None:
    """Counters cannot be written; a bad SourceIPAddress with Enable faults 9007 on it."""
    echo = UdpEchoConfig(reactor, PRE)
    with pytest.raises(BackendError, match="not writable"):
        await echo.begin({PRE + "PacketsReceived": "1"})
    with pytest.raises(CwmpFault) as exc:
        await echo.begin(_names({"Enable": "true", "SourceIPAddress": "nope", "UDPPort": "7"}))
    assert [(f.name, f.code) for f in exc.value.set_faults] == [(PRE + "SourceIPAddress", 9007)]
