"""UDP Lightweight Notifications (TR-069 Annex M): values under Notification 3..6 that changed
on the device, sent to the ACS in signed UDP datagrams (cwmpd.cwmp.lwnotif builds them).

Active lightweight changes (5, 6) go at once, coalesced within one reactor turn, and take
every pending passive one along; passive ones (3, 4) wait for the next active one or for the
ManagementServer.LightweightNotificationTrigger{Interval,Time} grid (0: no grid). Nothing is
sent, and nothing kept, unless LightweightNotificationProtocolsUsed lists "UDP". The
destination is UDPLightweightNotificationHost (the host of ManagementServer.URL when empty)
and UDPLightweightNotificationPort (7547 when 0). Like UDP itself, best effort: pending
values are not persisted, a failed send is logged and dropped.
"""

from __future__ import annotations

import ipaddress
import secrets
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IListeningPort
from twisted.internet.protocol import DatagramProtocol
from twisted.logger import Logger

from cwmpd.cwmp import types
from cwmpd.datamodel.model import DataModel
from cwmpd.reactors import AgentReactor
from cwmpd.session.periodic import anchor_seconds, next_periodic

_log = Logger(namespace="cwmpd.session")
DEFAULT_PORT = 7547
#: The ManagementServer parameters the notifier runs on.
KEYS = (
    "LightweightNotificationProtocolsUsed",
    "LightweightNotificationTriggerInterval",
    "LightweightNotificationTriggerTime",
)


class LightweightNotifier:
    """Sends the model's lightweight notifications; ``start()`` hooks it to the model."""

    def __init__(self, reactor: AgentReactor, model: DataModel) -> None:
        self._reactor = reactor
        self._model = model
        self._ms = sys.intern(f"{model.root}ManagementServer.")  # one for all devices
        self._pending: dict[str, str] = {}  # name -> newest value, in change order
        self._send_call: IDelayedCall | None = None
        self._trigger_call: IDelayedCall | None = None
        self._trigger: tuple[int, float] | None = None  # (interval, anchor)
        self._ports: dict[int, IListeningPort] = {}  # by IP version
        self._running = False
        self._hooked = False
        self.sent = 0  # datagrams sent (status, tests)

    @property
    def enabled(self) -> bool:
        """Whether LightweightNotificationProtocolsUsed lists UDP."""
        used = self._value("LightweightNotificationProtocolsUsed")
        return "UDP" in (p.strip() for p in used.split(","))

    def start(self) -> None:
        """Listen to the model's lightweight changes and ManagementServer changes."""
        self._running = True
        if not self._hooked:
            self._hooked = True
            self._model.on_lightweight_change(self.changed)
            self._model.subscribe(self._on_commit)
        self._configure()

    def stop(self) -> None:
        """Cancel what is armed and close the sockets; pending values are dropped."""
        self._running = False
        for call in (self._send_call, self._trigger_call):
            if call is not None and call.active():
                call.cancel()
        self._send_call = self._trigger_call = None
        self._pending.clear()
        for port in self._ports.values():
            port.stopListening()
        self._ports.clear()

    def changed(self, values: Mapping[str, str], active: bool) -> None:
        """Values under lightweight notification changed (the model's listener)."""
        if not (self._running and self.enabled):
            return
        for name, value in values.items():
            self._pending.pop(name, None)
            self._pending[name] = value
        if active:
            self._soon()

    # -- internals -------------------------------------------------------------

    def _value(self, rel: str) -> str:
        try:
            return self._model.value(self._ms + rel)
        except KeyError:
            return ""

    def _on_commit(self, values: Mapping[str, str], source: str) -> None:
        if any(self._ms + k in values for k in KEYS):
            self._configure()

    def _configure(self) -> None:
        """Re-arm the passive trigger grid from the current values."""
        if not self.enabled:
            self._pending.clear()
        try:
            interval = int(self._value("LightweightNotificationTriggerInterval") or "0")
        except ValueError:
            interval = 0
        try:
            when = types.parse_datetime(self._value("LightweightNotificationTriggerTime"))
        except ValueError:
            when = None
        now = self._reactor.seconds()
        trigger = None if interval <= 0 else (interval, anchor_seconds(when, now))
        unknown = when is None or when.year < 1000
        if trigger and self._trigger and trigger[0] == self._trigger[0] and unknown:
            trigger = self._trigger  # an Unknown Time keeps the phase it was given
        self._trigger = trigger
        self._arm_trigger()

    def _arm_trigger(self) -> None:
        if self._trigger_call is not None and self._trigger_call.active():
            self._trigger_call.cancel()
        self._trigger_call = None
        if not self._running or self._trigger is None:
            return
        now = self._reactor.seconds()
        at = next_periodic(now, self._trigger[0], self._trigger[1])
        self._trigger_call = self._reactor.callLater(at - now, self._triggered)

    def _triggered(self) -> None:
        self._trigger_call = None
        self._arm_trigger()
        if self._pending:
            self._soon()

    def _soon(self) -> None:
        if self._send_call is None or not self._send_call.active():
            self._send_call = self._reactor.callLater(0, self._send)

    def _send(self) -> None:
        self._send_call = None
        values, self._pending = self._pending, {}
        if values and self._running and self.enabled:
            d = Deferred.fromCoroutine(self._deliver(values))
            d.addErrback(lambda f: _log.failure("lightweight notification not sent", f))

    def _destination(self) -> tuple[str, int]:
        host = self._value("UDPLightweightNotificationHost").strip()
        if not host:
            host = urlsplit(self._value("URL")).hostname or ""
        try:
            port = int(self._value("UDPLightweightNotificationPort") or "0")
        except ValueError:
            port = 0
        return host.strip("[]"), port if 0 < port < 65536 else DEFAULT_PORT

    async def _deliver(self, values: Mapping[str, str]) -> None:
        host, port = self._destination()
        if not host:
            _log.warn("lightweight notification dropped: no UDPLightweightNotificationHost or URL")
            return
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = ipaddress.ip_address(await self._reactor.resolve(host))
        device = await self._model.device_id()
        from cwmpd.cwmp import lwnotif  # lazy: the datagram codec only once one is sent (Annex M)

        note = lwnotif.Notification(
            timestamp=int(self._reactor.seconds()),
            username=self._value("Username"),
            cnonce=secrets.token_hex(8),
            oui=device.oui,
            product_class=device.product_class,
            serial_number=device.serial_number,
            params=tuple(values.items()),
        )
        socket = self._socket(address.version)
        for data in lwnotif.split(note, self._value("Password"), host):
            socket.write(data, (str(address), port))  # type: ignore[attr-defined]
            self.sent += 1
        _log.info(
            "lightweight notification of {n} value(s) sent to {host}:{port}",
            n=len(values),
            host=host,
            port=port,
        )

    def _socket(self, version: int) -> IListeningPort:
        if version not in self._ports:
            # An ephemeral port to send from, on every interface: the route picks the source.
            interface = "::" if version == 6 else "0.0.0.0"  # noqa: S104
            self._ports[version] = self._reactor.listenUDP(0, DatagramProtocol(), interface, 8192)
        return self._ports[version]
