"""An idle agent (nothing pending) holds only the timers that are really due, on a fake reactor.

The whole agent runs on MemoryReactorClock (listeners recorded, time injected); a tracer
records every callLater, so a timer that fires for nothing (a once-a-second date refresh,
a keep-alive...) shows up as a call that is not the periodic Inform or the value poll.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.base import DelayedCall
from twisted.internet.testing import MemoryReactorClock

from cwmpd.config import parse_config
from cwmpd.service import CwmpAgent, makeService
from support.fakes import stand_in

INTERVAL = 3600
POLL = 60


class FakeUdpPort:
    """What the agent uses of a UDP port: its address, and stopping."""

    def __init__(self, port: int) -> None:
        self._address = IPv4Address("UDP", "127.0.0.1", port or 40001)
        self.listening = True

    def getHost(self) -> IPv4Address:
        """The bound address."""
        return self._address

    def stopListening(self) -> None:
        """Stop."""
        self.listening = False


class TracingReactor(MemoryReactorClock):
    """MemoryReactorClock (plus UDP) that records what each callLater schedules."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.traced: list[tuple[float, str]] = []

    def listenTCP(self, port: int, factory: Any, backlog: int = 50, interface: str = "") -> Any:
        """A recorded listener whose factory is started, as a real port starts it."""
        factory.doStart()
        return super().listenTCP(port, factory, backlog, interface)  # type: ignore[no-untyped-call]

    def listenUNIX(self, address: str, factory: Any, backlog: int = 50, mode: int = 0o666,
                   wantPID: int = 0) -> Any:  # fmt: skip
        """A recorded UNIX listener whose factory is started, as a real port starts it."""
        factory.doStart()
        return super().listenUNIX(address, factory, backlog, mode, wantPID)  # type: ignore[no-untyped-call]

    def listenUDP(
        self, port: int, protocol: Any, interface: str = "", maxPacketSize: int = 8192
    ) -> FakeUdpPort:
        """A recorded UDP listener."""
        return FakeUdpPort(port)

    def callLater(self, delay: float, callable: Any, *args: Any, **kw: Any) -> Any:
        """Record (delay, what) and schedule."""
        name = getattr(callable, "__qualname__", None) or repr(callable)
        name = repr(getattr(callable, "__self__", None)) if name.endswith("__call__") else name
        self.traced.append((delay, name))
        return super().callLater(delay, callable, *args, **kw)


def _agent(tmp_path: Path, reactor: TracingReactor) -> CwmpAgent:
    config = parse_config(
        f'[acs]\nurl = "http://127.0.0.1:9/acs"\nperiodic_inform_interval = {INTERVAL}\n'
        "[connection_request]\nport = 0\nudp_port = 0\n"
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{tmp_path / "state"}"\n'
        f"poll_interval = {POLL}\n"
        f'[control]\nsocket = "{tmp_path / "control.sock"}"\n',
        "idle.toml",
    )
    return makeService(config, stand_in(reactor), rng=random.Random(3))


def _idle_agent(tmp_path: Path) -> tuple[CwmpAgent, TracingReactor]:
    """An agent whose BOOTSTRAP/BOOT were delivered before: restarted with nothing queued."""
    first = _agent(tmp_path, TracingReactor())
    first.startService()
    first.events.clear()  # as if the bootstrap session had been delivered
    first.stopService()
    reactor = TracingReactor()
    agent = _agent(tmp_path, reactor)
    agent.startService()
    assert agent.events.queued() == []
    return agent, reactor


def _calls(reactor: TracingReactor) -> list[DelayedCall]:
    """The pending delayed calls (the Clock's own DelayedCall objects, which name their func)."""
    calls = []
    for call in reactor.getDelayedCalls():
        assert isinstance(call, DelayedCall)
        calls.append(call)
    return calls


def _pending(reactor: TracingReactor) -> list[tuple[float, str]]:
    now = reactor.seconds()
    return sorted(
        (round(c.getTime() - now), getattr(c.func, "__qualname__", repr(c.func)))
        for c in _calls(reactor)
    )


def test_idle_agent_has_only_the_timers_that_are_due(tmp_path: Path) -> None:
    """Pending: the periodic Inform at its interval, the value poll at its interval; no more."""
    agent, reactor = _idle_agent(tmp_path)
    try:
        pending = _pending(reactor)
        periodic = [p for p in pending if "periodic" in p[1]]
        others = [p for p in pending if p not in periodic and "LoopingCall" not in p[1]]
        assert len(periodic) == 1 and 0 < periodic[0][0] <= INTERVAL, pending
        assert others == [], pending
        assert all(delay == POLL for delay, name in pending if "LoopingCall" in name), pending
    finally:
        agent.stopService()


def test_idle_agent_does_not_wake_up_for_nothing(tmp_path: Path) -> None:
    """Over ten idle minutes the only timers that fire are the value polls."""
    agent, reactor = _idle_agent(tmp_path)
    try:
        due = next(c.getTime() for c in _calls(reactor) if "periodic" in str(c.func))
        reactor.traced.clear()
        span = min(600.0, due - reactor.seconds() - 1)
        for _ in range(int(span)):
            reactor.advance(1)
        fired = {name for _, name in reactor.traced}
        assert all(name.startswith("LoopingCall<60>(ValuePoller") for name in fired), fired
        assert len(reactor.traced) <= span / POLL + 1, reactor.traced
    finally:
        agent.stopService()
