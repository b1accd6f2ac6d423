"""Connection slots for the HTTP Connection Request listener: a cap, a deadline, eviction.

* At most ``limit`` connections are open at once, far below the descriptor limit, so a
  flood cannot take the descriptors the ACS session, transfers, state writes and the
  control socket need (``descriptor_cap`` derives the limit from RLIMIT_NOFILE).
* A client must send each request within ``deadline`` seconds of connecting or of our
  last answer; a client trickling headers (or a body) one byte at a time is cut off.
* At the cap a new connection is let in and the oldest connection of the source holding
  the most is closed instead, so a flood from one address (or one IPv6 /64) only ever
  evicts its own connections and cannot hold every slot against the ACS.

Hand-written on ``twisted.protocols.policies.WrappingFactory``: Twisted's
``LimitConnectionsByPeer``/``TimeoutFactory`` refuse the newcomer and reset the timeout on
every byte, which is exactly what a slowloris client exploits.
"""

from __future__ import annotations

import ipaddress
import os
import resource
from collections import Counter
from typing import TYPE_CHECKING, Any

from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import connectionDone
from twisted.logger import Logger
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.python.failure import Failure

#: Descriptors kept for everything but the listener: the ACS session, transfers, state
#: writes, the control socket and its clients, the UDP socket, plugins' subprocess pipes.
RESERVE = 64
#: Twisted accepts up to ~100 connections in one go before the evicted ones are closed.
ACCEPT_BATCH = 100
_log = Logger()


def source_key(host: str) -> str:
    """Who a connection is from: the IPv4 address, or the /64 of an IPv6 one."""
    host = host.removeprefix("::ffff:")
    try:
        addr = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    if isinstance(addr, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


def open_descriptors() -> int:
    """Descriptors this process holds now (0 where /proc is missing)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


def descriptor_cap(configured: int) -> tuple[int, str]:
    """The connection limit to use, and a log line saying how it was derived."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = open_descriptors()
    if soft == resource.RLIM_INFINITY:
        return configured, f"at most {configured} connections"
    room = (soft - in_use - RESERVE - ACCEPT_BATCH) // 2
    cap = max(4, min(configured, room))
    why = (
        f"at most {cap} connections (RLIMIT_NOFILE {soft}, {in_use} open, {RESERVE} kept for "
        f"the ACS session, transfers, state and cwmpctl)"
    )
    return cap, why


class SlotProtocol(ProtocolWrapper):
    """One connection: its source, when it opened, and the deadline for its next request."""

    factory: SlotsFactory

    def __init__(self, factory: SlotsFactory, wrapped: Any, source: str) -> None:
        super().__init__(factory, wrapped)
        self.source = source
        self._deadline: Any = None

    def makeConnection(self, transport: Any) -> None:
        """Take a slot (evicting someone if full) and start the request deadline."""
        self._deadline = self.factory.clock.callLater(self.factory.deadline, self._too_slow)
        super().makeConnection(transport)  # type: ignore[no-untyped-call]

    def write(self, data: bytes) -> None:
        """An answer goes out: the client has ``deadline`` seconds for its next request."""
        self._restart()
        super().write(data)  # type: ignore[no-untyped-call]

    def writeSequence(self, data: Any) -> None:
        """As write()."""
        self._restart()
        super().writeSequence(data)  # type: ignore[no-untyped-call]

    def _restart(self) -> None:
        if self._deadline is not None and self._deadline.active():
            self._deadline.reset(self.factory.deadline)

    def _too_slow(self) -> None:
        self._deadline = None
        self.factory.timed_out += 1
        self.abort()

    def abort(self) -> None:
        """Close at once, without waiting for buffered output."""
        transport: Any = self.transport
        if transport is not None:
            transport.abortConnection()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Give the slot back."""
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._deadline = None
        super().connectionLost(reason)  # type: ignore[no-untyped-call]


if TYPE_CHECKING:
    _WrappingFactory = WrappingFactory[SlotProtocol]
else:  # Twisted before 23 (Debian 12 has 22.4): WrappingFactory is not generic at run time
    _WrappingFactory = WrappingFactory


class SlotsFactory(_WrappingFactory):
    """Wraps the Connection Request Site; see the module docstring for the rules."""

    protocol = SlotProtocol
    noisy = False

    def __init__(self, wrapped: Any, clock: IReactorTime, limit: int, deadline: float) -> None:
        super().__init__(wrapped)  # type: ignore[no-untyped-call]
        self.clock = clock
        self.limit = limit
        self.deadline = deadline
        self.evicted = 0
        self.timed_out = 0
        self._warned_at: float | None = None

    def buildProtocol(self, addr: Any) -> SlotProtocol:
        """A wrapped HTTP channel that knows its source."""
        source = source_key(str(getattr(addr, "host", addr)))
        return SlotProtocol(self, self.wrappedFactory.buildProtocol(addr), source)

    def registerProtocol(self, p: Any) -> None:
        """Admit ``p``; at the cap, close the oldest connection of the busiest source."""
        if len(self.protocols) >= self.limit:
            self._evict(p)
        self.protocols[p] = 1

    def unregisterProtocol(self, p: Any) -> None:
        """Forget ``p`` (it may have been evicted already)."""
        self.protocols.pop(p, None)

    def _evict(self, newcomer: SlotProtocol) -> None:
        counts = Counter(c.source for c in self.protocols)
        counts[newcomer.source] += 1
        top = max(counts.values())
        victim = next((c for c in self.protocols if counts[c.source] == top), None)
        if victim is None:  # the newcomer's own source is the busiest: its oldest goes
            victim = next(iter(self.protocols))
        del self.protocols[victim]
        self.evicted += 1
        now = self.clock.seconds()
        if self._warned_at is None or now - self._warned_at >= 60:
            _log.warn(
                "Connection Request listener full ({limit} connections): closing the oldest "
                "from {source} ({n} closed so far)",
                limit=self.limit,
                source=victim.source,
                n=self.evicted,
            )
            self._warned_at = now
        victim.abort()
