"""The one type every part gives the reactor: the Twisted interfaces the agent uses, combined.

Twisted types its global reactor the same way (a make-believe interface extending the
common ones); ours adds UDP, UNIX sockets, threads and the name resolver. A zope Interface,
not a typing.Protocol, because Twisted's own APIs (Agent, endpoints) take zope interfaces.
Parts that need less take the narrower Twisted interface (IReactorTime for a clock).
"""

from __future__ import annotations

from typing import cast

from twisted.internet.interfaces import (
    IReactorCore,
    IReactorPluggableNameResolver,
    IReactorProcess,
    IReactorTCP,
    IReactorThreads,
    IReactorTime,
    IReactorUDP,
    IReactorUNIX,
)
from zope.interface.interface import InterfaceClass


class AgentReactor(
    IReactorCore,
    IReactorTime,
    IReactorTCP,
    IReactorUDP,
    IReactorUNIX,
    IReactorProcess,
    IReactorThreads,
    IReactorPluggableNameResolver,
):
    """What the agent asks of its reactor: time, TCP/UDP/UNIX, processes, threads, DNS."""


def agent_reactor(reactor: object) -> AgentReactor:
    """``reactor`` typed as an AgentReactor; TypeError naming what it lacks otherwise.

    For entry points and tests that hold a reactor typed loosely (Twisted's global one,
    a MemoryReactorClock standing in for it); the check is what makes the cast honest.
    """
    parts: tuple[InterfaceClass, ...] = AgentReactor.getBases()  # type: ignore[no-untyped-call]
    missing = [i.__name__ for i in parts if not i.providedBy(reactor)]
    if missing:
        raise TypeError(
            f"{type(reactor).__name__} is not a whole reactor: lacks {', '.join(missing)}"
        )
    return cast(AgentReactor, reactor)
