"""UDP Connection Request (TR-069 Annex G, C-12..C-15): one GET in one datagram, HMAC-SHA1.

Hand-written: the message is a fixed single-datagram format that no HTTP parser in
Twisted or the stdlib accepts over UDP; the socket also carries STUN (demultiplexed here).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from twisted.internet.protocol import DatagramProtocol
from twisted.logger import Logger

from cwmpd.connreq.guard import Credentials
from cwmpd.connreq.ratelimit import Budget, RateLimiter
from cwmpd.connreq.udpreplay import COPY, UdpReplayGuard, UdpRequest, signature

__all__ = [
    "Budgets",
    "UdpConnectionRequestProtocol",
    "UdpRequest",
    "admit",
    "parse_udp_request",
    "signature",
]

MAX_DATAGRAM = 1500
_DIGITS = re.compile(r"[0-9]{1,20}")
_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
_FIELDS = ("ts", "id", "un", "cn", "sig")

Address = tuple[str, int]


def parse_udp_request(data: bytes) -> UdpRequest | None:
    """Parse ``GET http://host:port?ts=..&id=..&un=..&cn=..&sig=.. HTTP/1.1``; None if malformed."""
    if len(data) > MAX_DATAGRAM:
        return None
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return None
    parts = text.splitlines()[0].split(" ") if text else []
    if len(parts) != 3 or parts[0] != "GET" or parts[2] != "HTTP/1.1":
        return None
    try:
        url = urlsplit(parts[1])
        query = parse_qs(url.query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    if url.scheme != "http" or any(len(query.get(k, ())) != 1 for k in _FIELDS):
        return None
    ts, id_, un, cn, sig = (query[k][0] for k in _FIELDS)
    if not (_DIGITS.fullmatch(ts) and _DIGITS.fullmatch(id_) and _HEX40.fullmatch(sig)):
        return None
    return UdpRequest(ts, id_, un, cn, sig)


class Budgets(Protocol):
    """Where a UDP request's token is taken (RateLimiter, or a fleet device's own budgets)."""

    def allow(self, budget: Budget) -> bool:
        """Charge one request to ``budget``; False means drop it."""
        ...


def admit(reason: str, limiter: Budgets, source: str, log: Logger) -> bool:
    """Whether a UDP request that ``UdpReplayGuard.check`` judged ``reason`` ('' = valid)
    asks for a session: copies are dropped quietly, refusals logged within the refused
    budget, valid ones charged to the accepted budget (C-15)."""
    if reason == COPY:
        log.debug("UDP Connection Request from {source}: {reason}", source=source, reason=reason)
        return False
    if reason:
        if limiter.allow(Budget.REFUSED):
            log.warn(
                "UDP Connection Request dropped from {source}: {reason}",
                source=source,
                reason=reason,
            )
        return False
    if not limiter.allow(Budget.ACCEPTED):
        log.warn("UDP Connection Request from {source} rate limited", source=source)
        return False
    log.info("UDP Connection Request accepted from {source}", source=source)
    return True


class UdpConnectionRequestProtocol(DatagramProtocol):
    """The UDP Connection Request socket; never replies. STUN datagrams go to ``stun``."""

    log = Logger()

    def __init__(
        self,
        credentials: Credentials,
        limiter: RateLimiter,
        on_request: Callable[[], None],
        stun: Callable[[bytes, Address], None] | None = None,
        *,
        replay: UdpReplayGuard | None = None,
    ) -> None:
        self.credentials = credentials
        self._limiter = limiter
        self._on_request = on_request
        self.stun = stun
        self.replay = replay if replay is not None else UdpReplayGuard(time.time)

    def send(self, data: bytes, addr: Address) -> None:
        """Send a datagram from this socket (used by the STUN client)."""
        if self.transport is not None:
            self.transport.write(data, addr)

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        """Demultiplex: STUN (first byte 0x00/0x01) or a UDP Connection Request."""
        if datagram[:1] in (b"\x00", b"\x01"):
            if self.stun is not None:
                self.stun(datagram, addr)
            return
        req = parse_udp_request(datagram)
        reason = "malformed message" if req is None else self.replay.check(req, self.credentials)
        if admit(reason, self._limiter, addr[0], self.log):
            self._on_request()
