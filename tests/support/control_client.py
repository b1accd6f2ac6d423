"""A cwmpctl-like client of the daemon's control socket: one JSON command line, one answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from twisted.internet import protocol, task
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import UNIXClientEndpoint, connectProtocol
from twisted.internet.error import ConnectError
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure

from support.agent_harness import reactor


class _Answer(LineReceiver):
    """Fires ``answer`` with the first line; with the failure if the socket closes first."""

    delimiter = b"\n"

    def __init__(self) -> None:
        self.answer: Deferred[bytes] = Deferred()

    def lineReceived(self, line: bytes) -> None:
        if not self.answer.called:
            self.answer.callback(line)

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        if not self.answer.called:
            self.answer.errback(reason)


async def command(
    socket_path: Path, name: str, *args: str, connect_timeout: float = 30
) -> dict[str, Any]:
    """Send ``{"command": name, "args": args}`` and return the daemon's JSON answer."""
    proto = _Answer()
    endpoint = UNIXClientEndpoint(  # type: ignore[no-untyped-call]
        reactor, str(socket_path), timeout=connect_timeout
    )
    await connectProtocol(endpoint, proto)  # type: ignore[no-untyped-call]
    try:
        line = json.dumps({"command": name, "args": list(args)}).encode()
        proto.sendLine(line)  # type: ignore[no-untyped-call]
        answer = await proto.answer
    finally:
        if proto.transport is not None:
            proto.transport.loseConnection()
    result: dict[str, Any] = json.loads(answer)
    return result


async def inform_when_ready(socket_path: Path, timeout: float = 10) -> dict[str, Any]:
    """``cwmpctl inform``, retried while the (re)starting daemon's socket does not accept yet."""
    for _ in range(int(timeout / 0.05)):
        try:
            return await command(socket_path, "inform")
        except (ConnectError, OSError):
            await task.deferLater(reactor, 0.05, lambda: None)
    raise AssertionError(f"control socket {socket_path} never accepted")
