"""LightweightNotifier on a Clock: when datagrams go, where, and what they carry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from twisted.internet.task import Clock

from cwmpd.cwmp import lwnotif
from cwmpd.cwmp.structs import DeviceId
from cwmpd.datamodel.model import DataModel
from cwmpd.session.lightweight import LightweightNotifier
from support.fakes import stand_in

MS = "Device.ManagementServer."
T0 = 1_700_000_000.0


class Port:
    """A UDP port that records what is written."""

    def __init__(self, sent: list[tuple[bytes, tuple[str, int]]]) -> None:
        self._sent = sent

    def write(self, data: bytes, addr: tuple[str, int]) -> None:
        """Record one datagram."""
        self._sent.append((data, addr))

    def stopListening(self) -> None:
        """Nothing to close."""


class UdpClock(Clock):
    """A Clock that also hands out recording UDP ports."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[bytes, tuple[str, int]]] = []
        self.listened: list[str] = []

    def listenUDP(self, port: int, protocol: object, interface: str = "", size: int = 0) -> Port:
        """A recording port."""
        self.listened.append(interface)
        return Port(self.sent)


@dataclass
class Model:
    """The few DataModel calls the notifier makes."""

    values: dict[str, str]
    root: str = "Device."
    listeners: list[Callable[[Mapping[str, str], bool], None]] = field(default_factory=list)
    subscribers: list[Callable[[Mapping[str, str], str], None]] = field(default_factory=list)

    def value(self, name: str) -> str:
        return self.values[name]

    def on_lightweight_change(self, cb: Callable[[Mapping[str, str], bool], None]) -> None:
        self.listeners.append(cb)

    def subscribe(self, cb: Callable[[Mapping[str, str], str], None]) -> None:
        self.subscribers.append(cb)

    async def device_id(self) -> DeviceId:
        return DeviceId("Sim", "00D09E", "SimRouter", "SIM-1")

    def change(self, values: Mapping[str, str], active: bool) -> None:
        for cb in self.listeners:
            cb(values, active)

    def set(self, **values: str) -> None:
        changed = {MS + k: v for k, v in values.items()}
        self.values.update(changed)
        for cb in self.subscribers:
            cb(changed, "acs")


def rig(**values: str) -> tuple[UdpClock, Model, LightweightNotifier]:
    """A started notifier; UDP on unless ``values`` say otherwise."""
    base = {
        "URL": "http://192.0.2.10:7547/acs",
        "Username": "u",
        "Password": "p",
        "LightweightNotificationProtocolsUsed": "UDP",
        "UDPLightweightNotificationHost": "",
        "UDPLightweightNotificationPort": "0",
        "LightweightNotificationTriggerInterval": "0",
        "LightweightNotificationTriggerTime": "0001-01-01T00:00:00Z",
    }
    base.update(values)
    clock = UdpClock()
    clock.advance(T0)
    model = Model({MS + k: v for k, v in base.items()})
    notifier = LightweightNotifier(stand_in(clock), cast(DataModel, cast(Any, model)))
    notifier.start()
    return clock, model, notifier


def names(data: bytes) -> list[str]:
    """The parameter names a datagram carries."""
    _, body = lwnotif.parse_datagram(data)
    return [p.split(b"</lwn:Name>")[0].decode() for p in body.split(b"<lwn:Name>")[1:]]


def test_passive_waits_active_sends_both_once() -> None:
    """Passive (3, 4) waits; active (5, 6) sends in the same turn, coalesced, to the ACS
    URL's host on port 7547 (Host empty, Port 0)."""
    clock, model, _ = rig()
    model.change({"Device.A": "1"}, False)
    clock.advance(100)
    assert clock.sent == []
    model.change({"Device.B": "2"}, True)
    model.change({"Device.C": "3"}, True)
    clock.advance(0)
    ((data, addr),) = clock.sent
    assert addr == ("192.0.2.10", 7547)
    assert names(data) == ["Device.A", "Device.B", "Device.C"]
    assert clock.listened == ["0.0.0.0"]  # noqa: S104


def test_disabled_keeps_and_sends_nothing() -> None:
    """LightweightNotificationProtocolsUsed empty: changes are not even kept."""
    clock, model, notifier = rig(LightweightNotificationProtocolsUsed="")
    model.change({"Device.A": "1"}, True)
    clock.advance(1)
    model.set(LightweightNotificationProtocolsUsed="UDP")
    model.change({"Device.B": "2"}, True)
    clock.advance(0)
    ((data, _),) = clock.sent
    assert names(data) == ["Device.B"] and notifier.sent == 1


def test_trigger_interval_sends_pending_passive_on_its_grid() -> None:
    """LightweightNotificationTriggerInterval 60 from TriggerTime: pending passive values go
    at the next grid point; an empty grid point sends nothing."""
    when = "2023-11-14T22:14:00Z"  # T0 - 20 s
    clock, model, _ = rig(
        LightweightNotificationTriggerInterval="60", LightweightNotificationTriggerTime=when
    )
    clock.advance(39)
    model.change({"Device.A": "1"}, False)
    assert clock.sent == []
    clock.advance(1)  # T0 + 40 = TriggerTime + 60
    assert [names(d) for d, _ in clock.sent] == [["Device.A"]]
    clock.advance(60)
    assert len(clock.sent) == 1


def test_configured_host_and_port_and_ipv6() -> None:
    """UDPLightweightNotificationHost/Port win over the URL; an IPv6 host gets a v6 socket."""
    clock, model, _ = rig(UDPLightweightNotificationHost="[2001:db8::1]")
    model.set(UDPLightweightNotificationPort="9999")
    model.change({"Device.A": "1"}, True)
    clock.advance(0)
    ((_, addr),) = clock.sent
    assert addr == ("2001:db8::1", 9999) and clock.listened == ["::"]


def test_stop_drops_pending_and_sends_nothing() -> None:
    """After stop() nothing goes, whatever changes."""
    clock, model, notifier = rig()
    model.change({"Device.A": "1"}, False)
    notifier.stop()
    model.change({"Device.B": "2"}, True)
    clock.advance(10)
    assert clock.sent == []
