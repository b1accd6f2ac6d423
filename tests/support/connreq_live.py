"""Helpers for the Connection Request loopback tests: a live listener and raw HTTP clients."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from twisted.internet import defer, protocol
from twisted.python.failure import Failure

from cwmpd.connreq.http import ConnectionRequestServer, ListenerConfig
from support.agent_harness import reactor
from support.tcp import connect_tcp

PATH = "/cr-7f3a9c"
USER = "acs-user"
PASSWORD = "s3cret-pw"


@dataclass
class Live:
    """A running listener, its URL and the on_request calls it made."""

    server: ConnectionRequestServer
    calls: list[int] = field(default_factory=list)

    @property
    def port(self) -> int:
        """The bound port."""
        return self.server.port

    @property
    def url(self) -> str:
        """The Connection Request URL."""
        return f"http://127.0.0.1:{self.port}{PATH}"


def start(config: ListenerConfig) -> Live:
    """Start a listener on 127.0.0.1, port 0, recording on_request calls."""
    live = Live(server=None)  # type: ignore[arg-type]
    live.server = ConnectionRequestServer(reactor, config, lambda: live.calls.append(1))
    live.server.listen()
    return live


class _Pipeline(protocol.Protocol):
    """Sends requests pipelined on one connection and collects the status codes."""

    def __init__(self, payloads: list[bytes], done: defer.Deferred[list[int]]) -> None:
        self.payloads = payloads
        self.done = done
        self.buf = b""

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(b"".join(self.payloads))

    def dataReceived(self, data: bytes) -> None:
        self.buf += data
        if len(re.findall(rb"HTTP/1\.1 (\d{3})", self.buf)) >= len(self.payloads):
            assert self.transport is not None
            self.transport.loseConnection()

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        codes = [int(c) for c in re.findall(rb"HTTP/1\.1 (\d{3})", self.buf)]
        if not self.done.called:
            self.done.callback(codes)


def send_raw(
    port: int, payloads: list[bytes], source: str = "127.0.0.1"
) -> defer.Deferred[list[int]]:
    """Send ``payloads`` pipelined on one connection from ``source``; fires with the codes."""
    done: defer.Deferred[list[int]] = defer.Deferred()
    connect_tcp(_Pipeline(payloads, done), port, source)
    return done


def get(path: str, headers: dict[str, str] | None = None, method: str = "GET") -> bytes:
    """One raw HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
