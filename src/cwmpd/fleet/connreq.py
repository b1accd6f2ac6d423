"""One HTTP listener for every device's Connection Requests: ``/<serial>/``, digest each.

Each device's credentials are its own ConnectionRequestUsername/Password, read from its
model at each request, so the ACS may change them; the digest check is the agent's own
(cwmpd.connreq.guard) over one nonce table for the whole fleet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ServerEndpoint
from twisted.internet.interfaces import IListeningPort, IReactorTCP, IReactorTime
from twisted.web.resource import Resource
from twisted.web.server import Request, Site

from cwmpd.connreq.guard import Credentials, DigestGuard, Outcome
from cwmpd.connreq.nonces import NonceTable
from cwmpd.cwmp.eventcodes import CONNECTION_REQUEST
from cwmpd.fleet.device import FleetDevice
from cwmpd.fleet.metrics import Metrics


def device_path(key: str) -> str:
    """The path of device ``key`` on the fleet's listener."""
    return f"/{key}/"


def credentials(device: FleetDevice) -> Credentials:
    """The device's ConnectionRequestUsername/Password now (empty while it is down)."""
    agent = device.agent
    if agent is None or not agent.running:
        return Credentials()
    ms = f"{agent.model.root}ManagementServer."
    return Credentials(
        agent.model.value(ms + "ConnectionRequestUsername"),
        agent.model.value(ms + "ConnectionRequestPassword"),
    )


class FleetConnectionRequests(Resource):
    """GET /<key>/ with the device's digest: 200 and a session of that device only."""

    isLeaf = True

    def __init__(
        self,
        clock: IReactorTime,
        devices: Mapping[str, FleetDevice],
        metrics: Metrics,
        on_accepted: Callable[[FleetDevice], None] | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._clock = clock
        self._devices = devices
        self._metrics = metrics
        self._on_accepted = on_accepted
        self._guard = DigestGuard(NonceTable(clock, max_entries=16384))
        self.port: IListeningPort | None = None
        #: True when a UDP Connection Request's session is about to be asked for the
        #: device: this one joins it (cwmpd.fleet.connreq_udp; GenieACS sends both).
        self.joins_burst: Callable[[FleetDevice], bool] | None = None

    def render(self, request: Request) -> bytes:
        """Find the device by path, check the digest against its credentials, answer."""
        count = self._metrics.connection_requests
        if request.method != b"GET":
            count["refused: method"] += 1
            request.setResponseCode(405)
            return b""
        segments = request.path.decode("latin-1").strip("/").split("/")
        device = self._devices.get(segments[0]) if len(segments) == 1 else None
        if device is None:
            count["refused: no such device"] += 1
            request.setResponseCode(404)
            return b""
        auth = request.getHeader(b"authorization")
        verdict = self._guard.verify(
            "GET",
            request.uri.decode("latin-1"),
            None if auth is None else auth.decode("latin-1"),
            credentials(device),
        )
        if verdict.outcome is Outcome.OK:
            if self.joins_burst is not None and self.joins_burst(device):
                count["accepted, joins a UDP request's session"] += 1
                request.setResponseCode(200)
                return b""
            if not device.request_session(CONNECTION_REQUEST):
                count["refused: device down"] += 1
                request.setResponseCode(503)
                return b""
            count["accepted"] += 1
            if self._on_accepted is not None:
                self._on_accepted(device)
            request.setResponseCode(200)
            return b""
        if verdict.outcome is Outcome.REFUSED:
            count["refused: digest"] += 1
        else:
            count["challenged"] += 1
        request.setResponseCode(401)
        request.responseHeaders.setRawHeaders(
            b"www-authenticate",
            [c.encode("ascii") for c in self._guard.challenges(verdict.outcome is Outcome.STALE)],
        )
        return b""

    def listen(
        self, reactor: IReactorTCP, port: int, interface: str = "127.0.0.1"
    ) -> Deferred[int]:
        """Listen on ``interface:port`` (0: any free port); fires with the port."""
        endpoint = TCP4ServerEndpoint(reactor, port, backlog=1024, interface=interface)  # type: ignore[no-untyped-call]
        d: Deferred[IListeningPort] = endpoint.listen(Site(self))  # type: ignore[no-untyped-call]

        def listening(p: IListeningPort) -> int:
            self.port = p
            return int(p.getHost().port)  # type: ignore[attr-defined]

        return d.addCallback(listening)

    def stop(self) -> Deferred[None] | None:
        """Stop listening."""
        port, self.port = self._port_and_clear()
        return None if port is None else port.stopListening()

    def _port_and_clear(self) -> tuple[IListeningPort | None, None]:
        return self.port, None
