"""UDPEchoConfig (TR-143 A.1 / TR-181): a UDP echo server answering one source address.

The server is a Twisted ``DatagramProtocol``; only the TR-143 rules are hand-written: the
source filter, the counters, and the UDP Echo Plus header (A.1.4), which nothing provides.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from twisted.internet import defer
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import IListeningPort, IReactorTime
from twisted.internet.protocol import DatagramProtocol
from twisted.logger import Logger

from cwmpd.backends.base import BackendError, Transaction, unsupported_table
from cwmpd.cwmp.faults import CwmpFault, SetParameterValuesFault
from cwmpd.cwmp.types import is_true
from cwmpd.diagnostics.hosts import is_ip
from cwmpd.diagnostics.http_test import UNKNOWN_TIME, stamp
from cwmpd.reactors import AgentReactor

_log = Logger()
UDP_HEADER = 8
ECHO_PLUS_HEADER = struct.Struct("!IIIII")
_U32 = 0xFFFFFFFF
SETTINGS = {
    "Enable": "false",
    "Interface": "",
    "SourceIPAddress": "",
    "UDPPort": "0",
    "EchoPlusEnabled": "false",
}
RESULTS = ("PacketsReceived", "PacketsResponded", "BytesReceived", "BytesResponded")
TIMES = ("TimeFirstPacketReceived", "TimeLastPacketReceived")


def echo_plus(data: bytes, resp_sn: int, received_us: int, reply_us: int, failures: int) -> bytes:
    """The Echo Plus reply: TestGenSN kept, the responder's four fields written (A.1.4)."""
    gen_sn = data[:4]
    fields = ECHO_PLUS_HEADER.pack(0, resp_sn & _U32, received_us & _U32, reply_us & _U32, failures)
    return gen_sn + fields[4:] + data[ECHO_PLUS_HEADER.size :]


def echo_names(prefix: str) -> list[str]:
    """Every parameter name of the UDPEchoConfig object at ``prefix``."""
    return [prefix + r for r in (*SETTINGS, "EchoPlusSupported", *RESULTS, *TIMES)]


def _same_address(a: str, b: str) -> bool:
    try:
        x, y = ipaddress.ip_address(a.split("%")[0]), ipaddress.ip_address(b.split("%")[0])
    except ValueError:
        return False
    if isinstance(x, ipaddress.IPv6Address) and x.ipv4_mapped is not None:
        x = x.ipv4_mapped
    return x == y


@dataclass
class EchoStats:
    """The TR-181 counters since the server was last enabled (times from the clock)."""

    packets_received: int = 0
    packets_responded: int = 0
    bytes_received: int = 0
    bytes_responded: int = 0
    failures: int = 0
    first: float | None = None
    last: float | None = None

    def values(self) -> dict[str, str]:
        """The read-only UDPEchoConfig parameters (relative names)."""
        return {
            "PacketsReceived": str(self.packets_received),
            "PacketsResponded": str(self.packets_responded),
            "BytesReceived": str(self.bytes_received),
            "BytesResponded": str(self.bytes_responded),
            "TimeFirstPacketReceived": UNKNOWN_TIME if self.first is None else stamp(self.first),
            "TimeLastPacketReceived": UNKNOWN_TIME if self.last is None else stamp(self.last),
        }


class UdpEchoProtocol(DatagramProtocol):
    """Echoes datagrams from ``source`` only; everything else is dropped uncounted."""

    def __init__(self, clock: IReactorTime, source: str, echo_plus: bool, stats: EchoStats) -> None:
        self._clock = clock
        self._source = source
        self._plus = echo_plus
        self.stats = stats

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        """Count a packet from the configured source and send it back (Echo Plus if on)."""
        if not _same_address(addr[0], self._source):
            return
        now = self._clock.seconds()
        s = self.stats
        s.packets_received += 1
        s.bytes_received += len(datagram) + UDP_HEADER
        s.first = now if s.first is None else s.first
        s.last = now
        reply = datagram
        if self._plus and len(datagram) >= ECHO_PLUS_HEADER.size:
            us = round(now * 1_000_000)
            reply_us = round(self._clock.seconds() * 1_000_000)
            reply = echo_plus(datagram, s.packets_responded + 1, us, reply_us, s.failures)
        try:
            assert self.transport is not None
            self.transport.write(reply, addr)
        except OSError as exc:
            s.failures += 1
            _log.warn("UDP echo reply to {addr} failed: {error}", addr=addr, error=exc)
            return
        s.packets_responded += 1
        s.bytes_responded += len(reply) + UDP_HEADER


def bind_address(source: str) -> str:
    """Where to listen: loopback for a loopback source (it can only arrive there), else all."""
    ip = ipaddress.ip_address(source)
    if ip.is_loopback:
        return "::1" if ip.version == 6 else "127.0.0.1"
    return "::" if ip.version == 6 else ""


class UdpEchoConfig:
    """The UDPEchoConfig object as a backend: writing Enable starts or stops the server."""

    def __init__(self, reactor: AgentReactor, prefix: str) -> None:
        self.prefix = prefix
        self._reactor = reactor
        self.settings = dict(SETTINGS)
        self.stats = EchoStats()
        self._port: IListeningPort | None = None

    def names(self) -> list[str]:
        """Every parameter name this object serves."""
        return echo_names(self.prefix)

    @property
    def port(self) -> int:
        """The UDP port actually listened on (0 when disabled)."""
        return 0 if self._port is None else int(self._port.getHost().port)  # type: ignore[attr-defined]

    async def get_many(self, names: Sequence[str]) -> Mapping[str, str]:
        """Settings, EchoPlusSupported and the counters."""
        values = {**self.settings, "EchoPlusSupported": "true", **self.stats.values()}
        return {n: values[n[len(self.prefix) :]] for n in names if n[len(self.prefix) :] in values}

    async def begin(self, changes: Mapping[str, str]) -> Transaction:
        """Stage settings; enabling without a usable source address or port faults 9007."""
        rels = {n[len(self.prefix) :]: v for n, v in changes.items()}
        unknown = [r for r in rels if r not in SETTINGS]
        if unknown:
            raise BackendError(f"not writable here: {unknown}")
        merged = {**self.settings, **rels}
        problem = _check(merged)
        if problem is not None:
            culprit, reason = problem
            name = culprit if culprit in rels else "Enable"
            fault = SetParameterValuesFault(self.prefix + name, 9007, reason)
            raise CwmpFault(9003, set_faults=(fault,))
        return _EchoWrite(self, merged)

    async def _configure(self, settings: Mapping[str, str]) -> None:
        """Apply ``settings``: (re)start the server when enabled, with fresh counters."""
        old = self.settings
        self.settings = dict(settings)
        if old == self.settings:
            return
        await self.stop()
        if not is_true(self.settings["Enable"]):
            return
        source = self.settings["SourceIPAddress"]
        proto = UdpEchoProtocol(
            self._reactor, source, is_true(self.settings["EchoPlusEnabled"]), EchoStats()
        )
        try:
            self._port = self._reactor.listenUDP(
                int(self.settings["UDPPort"]),
                proto,
                interface=bind_address(source),
                maxPacketSize=8192,  # Twisted's default; its interface declares no default
            )
        except CannotListenError as exc:
            await self._restore(old)
            raise BackendError(f"UDP echo cannot listen: {exc}") from exc
        self.stats = proto.stats

    async def _restore(self, old: Mapping[str, str]) -> None:
        """Back to ``old`` after a failed start (its server restarted if it was enabled)."""
        self.settings = {}
        try:
            await self._configure(old)
        except BackendError:
            self.settings = {**old, "Enable": "false"}
            _log.error("UDP echo server could not be restarted with its previous settings")

    def stop(self) -> defer.Deferred[None]:
        """Stop listening; fires once the socket is closed (counters stay readable)."""
        port, self._port = self._port, None
        if port is None:
            return defer.succeed(None)
        return defer.maybeDeferred(port.stopListening).addCallback(lambda _: None)

    async def list_instances(self, table: str) -> Sequence[int]:
        """No tables here."""
        raise unsupported_table(table)

    async def add_instance(self, table: str, values: Mapping[str, str]) -> int:
        """No tables here."""
        raise unsupported_table(table)

    async def delete_instance(self, instance: str) -> None:
        """No tables here."""
        raise unsupported_table(instance)

    async def apply_after_session(self) -> None:
        """Changes apply at commit; nothing waits for the session end."""


def _check(settings: Mapping[str, str]) -> tuple[str, str] | None:
    """The parameter that keeps an enabled server from running, and why."""
    if not is_true(settings["Enable"]):
        return None
    if not is_ip(settings["SourceIPAddress"]):
        return "SourceIPAddress", "an IP address is needed to enable the UDP echo server"
    if not 0 < int(settings["UDPPort"] or "0") < 65536:
        return "UDPPort", "a port 1-65535 is needed to enable the UDP echo server"
    return None


class _EchoWrite:
    """A staged UDPEchoConfig write; commit applies at once, abort restores."""

    def __init__(self, obj: UdpEchoConfig, settings: Mapping[str, str]) -> None:
        self._obj = obj
        self._settings = dict(settings)
        self._saved: dict[str, str] | None = None

    async def commit(self) -> bool:
        """Start, restart or stop the server now."""
        self._saved = dict(self._obj.settings)
        await self._obj._configure(self._settings)
        return False

    async def abort(self) -> None:
        """Put the previous settings (and server) back."""
        if self._saved is not None:
            await self._obj._configure(self._saved)
