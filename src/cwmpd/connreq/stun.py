"""TR-111 part 2 STUN client (C-16..C-19): keep the NAT binding of the UDP Connection
Request socket alive and learn its public address.

Hand-written: Twisted and the stdlib have no STUN client, and TR-111 needs its own
attributes, keep-alive window and 401-then-integrity behaviour on a shared socket.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from cwmpd.connreq import stunmsg
from cwmpd.connreq.urls import is_ip_literal, route_local_ip, udp_connection_request_address

Address = tuple[str, int]
# RFC 3489 section 9.3: retransmit after 100 ms, doubling to 1.6 s, give up after 9.5 s.
RETRANSMITS = (0.1, 0.2, 0.4, 0.8, 1.6, 1.6, 1.6, 1.6)
GIVE_UP = 9.5 - sum(RETRANSMITS)
DEFAULT_KEEPALIVE = 30.0


@dataclass(frozen=True)
class StunConfig:
    """ManagementServer.STUN*: server (host "" = the ACS URL's host), credentials, periods."""

    server_host: str
    server_port: int = 3478
    username: str = ""
    password: str = field(default="", repr=False)
    min_keepalive: int = 0  # STUNMinimumKeepAlivePeriod, seconds
    max_keepalive: int = -1  # STUNMaximumKeepAlivePeriod, seconds; -1 = no maximum

    @property
    def keepalive(self) -> float:
        """The keep-alive period: the minimum when set (binding kept most reliably) and
        never above the maximum; 30 s when neither is set."""
        period = float(self.min_keepalive) if self.min_keepalive > 0 else DEFAULT_KEEPALIVE
        if self.max_keepalive > 0:
            period = min(period, float(self.max_keepalive))
        return period


class StunClient:
    """Sends Binding Requests through ``send`` and reads responses given to ``datagram``."""

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        config: StunConfig,
        send: Callable[[bytes, Address], None],
        local_address: Callable[[], Address],
        on_address_change: Callable[[str, bool], None],
        resolve: Callable[[str], Deferred[str]] | None = None,
    ) -> None:
        self._clock = clock
        self.config = config
        self._send = send
        self._local_address = local_address
        self._on_change = on_address_change
        self._resolve = resolve
        self.mapped: Address | None = None
        self.nat_detected = False
        self.udp_connection_request_address: str | None = None
        self._use_integrity = False
        self._binding_change = False
        self._server: Address | None = None
        self._tid = b""
        self._packet = b""
        self._attempt = 0
        self._timer: Any = None
        self._running = False

    def start(self) -> None:
        """Start discovering and keeping the binding alive."""
        if not self._running:
            self._running = True
            self._next()

    def stop(self) -> None:
        """Stop sending; pending timers are cancelled."""
        self._running = False
        self._cancel()
        self._tid = b""

    def _cancel(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None

    def _later(self, delay: float, f: Callable[[], None]) -> None:
        self._cancel()
        self._timer = self._clock.callLater(delay, f)

    def _next(self) -> None:
        self._timer = None
        host = self.config.server_host
        d = succeed(host) if is_ip_literal(host) or self._resolve is None else self._resolve(host)
        d.addCallbacks(self._send_request, self._resolve_failed)

    def _resolve_failed(self, failure: Any) -> None:
        self.log.warn(
            "STUN server {host!r} not resolved: {f}", host=self.config.server_host, f=failure.value
        )
        if self._running:
            self._later(self.config.keepalive, self._next)

    def _send_request(self, ip: str) -> None:
        if not self._running:
            return
        self._server = (ip, self.config.server_port)
        attrs = [(stunmsg.CONNECTION_REQUEST_BINDING, stunmsg.TR111_BINDING)]
        if self._binding_change:
            attrs.append((stunmsg.BINDING_CHANGE, b""))
        key = None
        if self._use_integrity:
            attrs.append((stunmsg.USERNAME, self.config.username.encode()))
            key = self.config.password.encode()
        # A 128-bit RFC 3489 transaction id whose first word is RFC 5389's magic cookie: classic
        # servers see 16 random-looking bytes, and RFC 5389 servers (coturn) answer it too.
        self._tid = stunmsg.MAGIC_COOKIE.to_bytes(4, "big") + os.urandom(12)
        self._packet = stunmsg.encode(stunmsg.BINDING_REQUEST, self._tid, tuple(attrs), key)
        self._attempt = 0
        self._transmit()

    def _transmit(self) -> None:
        assert self._server is not None
        self._send(self._packet, self._server)
        if self._attempt < len(RETRANSMITS):
            delay = RETRANSMITS[self._attempt]
            self._attempt += 1
            self._later(delay, self._transmit)
        else:
            self._later(GIVE_UP, self._failed)

    def _failed(self) -> None:
        self.log.warn("STUN Binding Request to {server} got no answer", server=self._server)
        self._tid = b""
        self._later(self.config.keepalive, self._next)

    def datagram(self, data: bytes, addr: Address) -> None:
        """A datagram that looked like STUN arrived on the UDP Connection Request socket."""
        if not self._tid or (addr[0], addr[1]) != self._server:
            return
        try:
            msg = stunmsg.decode(data)
        except ValueError:
            return
        if msg.transaction_id != self._tid:
            return
        key = self.config.password.encode()
        if (
            self._use_integrity
            and msg.has(stunmsg.MESSAGE_INTEGRITY)
            and not stunmsg.check_integrity(data, key)
        ):
            return
        if msg.type == stunmsg.BINDING_ERROR_RESPONSE:
            self._error(stunmsg.error_code(msg))
        elif msg.type == stunmsg.BINDING_RESPONSE:
            self._response(msg)

    def _error(self, code: int | None) -> None:
        self._tid = b""
        if code == 401 and not self._use_integrity and self.config.username:
            self._use_integrity = True
            self._cancel()
            self._next()
            return
        self.log.warn("STUN server answered error {code}", code=code)
        self._later(self.config.keepalive, self._next)

    def _response(self, msg: stunmsg.StunMessage) -> None:
        self._tid = b""
        mapped = stunmsg.mapped_address(msg)
        if mapped is None:
            self.log.warn("STUN Binding Response without a mapped address")
            self._later(self.config.keepalive, self._next)
            return
        changed = self.mapped is not None and mapped != self.mapped
        was_change_request = self._binding_change
        self._binding_change = changed
        self.mapped = mapped
        self._update(mapped)
        if changed and not was_change_request:
            self._cancel()
            self._next()  # BINDING-CHANGE requests are exempt from the minimum period
        else:
            # a change seen in the answer to a change request is announced at the next
            # keep-alive, so a server flapping between addresses cannot make us spin
            self._later(self.config.keepalive, self._next)

    def _update(self, mapped: Address) -> None:
        local_host, local_port = self._local_address()
        if local_host in ("", "0.0.0.0", "::") and self._server is not None:  # noqa: S104
            local_host = route_local_ip(self._server[0])
        nat = (mapped[0], mapped[1]) != (local_host, local_port)
        address = udp_connection_request_address(*mapped)
        if (address, nat) != (self.udp_connection_request_address, self.nat_detected):
            self.udp_connection_request_address = address
            self.nat_detected = nat
            self._on_change(address, nat)
