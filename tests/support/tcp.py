"""Raw TCP clients for tests: one hand-written Protocol instance on one connection."""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet import protocol
from twisted.internet.interfaces import IAddress, IConnector
from twisted.python.failure import Failure

from support.agent_harness import reactor


class _Once(protocol.ClientFactory):
    """Hands out the one protocol instance; tells ``failed`` when the connection fails."""

    def __init__(self, proto: protocol.Protocol, failed: Callable[[Failure], object] | None):
        self.proto = proto
        self.failed = failed

    def buildProtocol(self, addr: IAddress | None) -> protocol.Protocol:
        self.proto.factory = self
        return self.proto

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        if self.failed is not None:
            self.failed(reason)


def connect_tcp(
    proto: protocol.Protocol,
    port: int,
    source: str = "127.0.0.1",
    *,
    timeout: float = 30,
    failed: Callable[[Failure], object] | None = None,
) -> None:
    """Connect ``proto`` to 127.0.0.1:``port`` from address ``source``."""
    factory = _Once(proto, failed)
    reactor.connectTCP("127.0.0.1", port, factory, timeout=timeout, bindAddress=(source, 0))
