"""Fault injection: a seeded share of the devices slow to answer, cutting their sessions
after the Inform, or answering every ACS request with 9002 Internal error."""

from __future__ import annotations

from dataclasses import dataclass

from twisted.internet.defer import Deferred, fail
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater

from cwmpd.cwmp import messages, soap
from cwmpd.fleet.identity import device_rng
from cwmpd.http.errors import AcsHttpError
from cwmpd.session.engine import HttpClient
from cwmpd.session.http import HttpResponse


class SessionCut(AcsHttpError):
    """The injected cut of a session (the device drops its connection mid-way)."""


@dataclass(frozen=True)
class DeviceFaults:
    """What one device does wrong."""

    slow_seconds: float = 0.0
    cut: bool = False
    internal_error: bool = False


@dataclass(frozen=True)
class Faults:
    """Shares of the fleet (0..1) with each fault; which devices is drawn from the seed."""

    slow: float = 0.0
    slow_seconds: float = 2.0
    cut: float = 0.0
    internal_error: float = 0.0

    def of(self, seed: int, n: int) -> DeviceFaults | None:
        """Device n's faults, None for a well-behaved device."""
        rng = device_rng(seed, n, "faults")
        draws = rng.random(), rng.random(), rng.random()
        mine = DeviceFaults(
            self.slow_seconds if draws[0] < self.slow else 0.0,
            draws[1] < self.cut,
            draws[2] < self.internal_error,
        )
        return None if mine == DeviceFaults() else mine


class FaultyClient:
    """The ACS HTTP client of a faulty device: same protocol, the faults added."""

    def __init__(self, inner: HttpClient, faults: DeviceFaults, clock: IReactorTime) -> None:
        self._inner = inner
        self._faults = faults
        self._clock = clock
        self._posts = 0

    def post(self, body: bytes | None) -> Deferred[HttpResponse]:
        """POST, slowly, as a 9002 Fault, or not at all (cut after the Inform)."""
        self._posts += 1
        if self._faults.cut and self._posts == 2:
            return fail(SessionCut("session cut by fault injection"))
        if self._faults.internal_error and body:
            body = internal_error(body)
        if self._faults.slow_seconds:
            later: Deferred[None] = deferLater(self._clock, self._faults.slow_seconds)
            return later.addCallback(lambda _: self._inner.post(body))
        return self._inner.post(body)

    def close(self) -> Deferred[None]:
        """Close the real client."""
        return self._inner.close()

    @property
    def local_address(self) -> str | None:
        """The real client's."""
        return self._inner.local_address


def internal_error(body: bytes) -> bytes:
    """A response to an ACS request turned into Fault 9002 (same namespace and cwmp:ID)."""
    try:
        env = soap.parse(body)
    except soap.BadEnvelope:
        return body
    if not env.body.name.endswith("Response"):
        return body  # the CPE's own requests (Inform, TransferComplete) go as they are
    fault = messages.Fault(9002, "Internal error (fault injection)")
    return soap.serialize(soap.Envelope(fault, env.ns, env.id))
