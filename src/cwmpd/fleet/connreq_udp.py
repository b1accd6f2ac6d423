"""One UDP socket for every fleet device's UDP Connection Requests (TR-069 Annex G).

A datagram is parsed, verified and rate limited by the single agent's own code
(cwmpd.connreq.udp, cwmpd.connreq.udpreplay), against the device whose
ConnectionRequestUsername is the message's ``un``: an index of usernames, kept current as
the ACS changes them, finds it in one lookup, so an unknown user, a bad signature, a stale
``ts`` or a replayed ``id`` costs one dict lookup and at most one HMAC. Each device has its
own replay state (kept in its state folder when the fleet is persistent) and its own
accepted budget, as a single agent has; the refused budget (it only bounds the log) is the
fleet's. A username that several devices share names no one: those requests are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.protocol import DatagramProtocol
from twisted.logger import Logger

from cwmpd.config import ConnectionRequestConfig
from cwmpd.connreq.ratelimit import Budget, RateLimitConfig, RateLimiter, TokenBucket
from cwmpd.connreq.udp import admit, parse_udp_request
from cwmpd.connreq.udpreplay import (
    COPY,
    NO_CREDENTIALS,
    NOT_NEWER,
    REPEATED_ID,
    WRONG_SIGNATURE,
    UdpReplayGuard,
)
from cwmpd.cwmp.eventcodes import CONNECTION_REQUEST
from cwmpd.datamodel.model import DataModel
from cwmpd.fleet.connreq import credentials
from cwmpd.fleet.device import FleetDevice
from cwmpd.fleet.metrics import Metrics
from cwmpd.statedir import StateDir

_AGENT = ConnectionRequestConfig()  # the single agent's defaults
_LIMITS = RateLimitConfig()
_KINDS = {
    COPY: "udp copy",
    NO_CREDENTIALS: "udp refused: no credentials",
    WRONG_SIGNATURE: "udp refused: signature",
    NOT_NEWER: "udp refused: replay",
    REPEATED_ID: "udp refused: replay",
}


def _kind(reason: str) -> str:
    """The metrics counter of a refusal (the guard's reasons carry numbers)."""
    known = _KINDS.get(reason)
    if known is not None:
        return known
    return "udp refused: stale ts" if "from our clock" in reason else "udp refused: ts or id"


class UsernameIndex:
    """ConnectionRequestUsername -> the device that has it; a shared name maps to no one."""

    def __init__(self) -> None:
        self._by_name: dict[str, FleetDevice] = {}
        self._shared: dict[str, set[FleetDevice]] = {}
        self._name_of: dict[str, str] = {}  # device key -> its indexed username

    def get(self, name: str) -> FleetDevice | None:
        """The one device called ``name``, or None (no device, or several)."""
        return self._by_name.get(name)

    def shared(self, name: str) -> bool:
        """True when several devices have username ``name``."""
        return name in self._shared

    def set(self, device: FleetDevice, name: str) -> None:
        """Device ``device`` has username ``name`` now ('' = none)."""
        key = device.identity.key
        old = self._name_of.get(key)
        if old == name:
            return
        if old is not None:
            self._remove(device, old)
            del self._name_of[key]
        if name:
            self._add(device, name)
            self._name_of[key] = name

    def _add(self, device: FleetDevice, name: str) -> None:
        shared = self._shared.get(name)
        if shared is not None:
            shared.add(device)
            return
        other = self._by_name.pop(name, None)
        if other is None:
            self._by_name[name] = device
        else:
            self._shared[name] = {other, device}

    def _remove(self, device: FleetDevice, name: str) -> None:
        shared = self._shared.get(name)
        if shared is None:
            if self._by_name.get(name) is device:
                del self._by_name[name]
            return
        shared.discard(device)
        if len(shared) == 1:
            del self._shared[name]
            self._by_name[name] = shared.pop()


class DeviceUdp:
    """One device's UDP state, made at its first request: replay guard, accepted budget."""

    __slots__ = ("accepted", "guard", "refused")

    def __init__(self, guard: UdpReplayGuard, accepted: TokenBucket, refused: RateLimiter) -> None:
        self.guard = guard
        self.accepted = accepted
        self.refused = refused

    def allow(self, budget: Budget) -> bool:
        """The device's own accepted budget; refusals draw from the fleet's (the log's)."""
        if budget is Budget.ACCEPTED:
            return self.accepted.take()
        return self.refused.allow(budget)


class FleetUdpConnectionRequests(DatagramProtocol):
    """The fleet's UDP Connection Request socket: a valid request to device n, signed with
    n's credentials, asks for one session of n ("6 CONNECTION REQUEST"); never replies."""

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        metrics: Metrics,
        *,
        persistent: bool = False,
        clock_window: float = _AGENT.udp_clock_window,
        limits: RateLimitConfig = _LIMITS,
        burst_window: float = _AGENT.burst_window,
    ) -> None:
        """``persistent``: each device keeps its last accepted ts/id in its state folder
        (a replay after a restart is refused too), as the single agent does. As the single
        agent, the session is asked for ``burst_window`` seconds after a valid request, so
        that the ACS's other copies (UDP, and the HTTP twin: ``joins_burst``) join it."""
        self._clock = clock
        self._metrics = metrics
        self._persistent = persistent
        self._window = clock_window
        self._limits = limits
        self._refused = RateLimiter(clock, limits)
        self.index = UsernameIndex()
        self._state: dict[str, DeviceUdp] = {}
        self._burst_window = burst_window
        self._burst: dict[str, IDelayedCall] = {}

    def watch(self, device: FleetDevice, model: DataModel) -> None:
        """Index ``device`` by its username in ``model`` (its agent's, at each start) and
        follow the ACS's (or a reset's) changes to it."""
        name = f"{model.root}ManagementServer.ConnectionRequestUsername"
        self.index.set(device, model.value(name))

        def changed(values: Mapping[str, str], source: str) -> None:
            if name in values:
                self.index.set(device, values[name])

        model.subscribe(changed)

    def _device_state(self, device: FleetDevice) -> DeviceUdp:
        key = device.identity.key
        state = self._state.get(key)
        if state is None:
            path: Path | None = StateDir(device.state_dir).connreq_udp if self._persistent else None
            guard = UdpReplayGuard(self._clock.seconds, self._window, path)
            state = DeviceUdp(guard, TokenBucket(self._clock, self._limits.accepted), self._refused)
            self._state[key] = state
        return state

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        """Find the device by ``un``, check as the single agent checks, ask its session."""
        if datagram[:1] in (b"\x00", b"\x01"):
            return  # STUN: the fleet's devices run no STUN client
        count = self._metrics.connection_requests
        req = parse_udp_request(datagram)
        device = None if req is None else self.index.get(req.un)
        if req is None or device is None:
            if req is None:
                reason, kind = "malformed message", "udp refused: malformed"
            elif self.index.shared(req.un):
                reason, kind = "username shared by several devices", "udp refused: shared username"
            else:
                reason, kind = "no device has this username", "udp refused: unknown username"
            admit(reason, self._refused, addr[0], self.log)
            count[kind] += 1
            return
        state = self._device_state(device)
        reason = state.guard.check(req, credentials(device))
        if not admit(reason, state, addr[0], self.log):
            count[_kind(reason) if reason else "udp refused: rate limited"] += 1
            return
        count["udp accepted"] += 1
        if not self.joins_burst(device):
            key = device.identity.key
            self._burst[key] = self._clock.callLater(self._burst_window, self._burst_over, device)

    def joins_burst(self, device: FleetDevice) -> bool:
        """True when a UDP request's session for ``device`` is about to be asked for: a
        Connection Request arriving now joins it (C-8) instead of bringing a second one."""
        call = self._burst.get(device.identity.key)
        return call is not None and call.active()

    def _burst_over(self, device: FleetDevice) -> None:
        self._burst.pop(device.identity.key, None)
        if not device.request_session(CONNECTION_REQUEST):
            self._metrics.connection_requests["udp: device down at its session"] += 1

    def stop(self) -> None:
        """Cancel the sessions not asked for yet (the fleet is stopping)."""
        bursts, self._burst = self._burst, {}
        for call in bursts.values():
            if call.active():
                call.cancel()
