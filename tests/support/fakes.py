"""In-memory fakes for the protocol tests: HTTP over StringTransport, datagram transports,
Digest answers, a reactor whose clock is a ``task.Clock``, and partial reactors typed whole."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IProtocol, IProtocolFactory
from twisted.internet.task import Clock, LoopingCall
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.logger import ILogObserver
from zope.interface import directlyProvides, providedBy

from cwmpd.http import digest
from cwmpd.reactors import AgentReactor

Address = tuple[str, int]


class Transport(StringTransport):
    """A StringTransport that records an abort (the real one only loses the connection)."""

    def __init__(self, peer: IPv4Address) -> None:
        super().__init__(peerAddress=peer)  # type: ignore[no-untyped-call]
        self.aborted = False

    def abortConnection(self) -> None:
        """Record the abort, then lose the connection."""
        self.aborted = True
        super().abortConnection()  # type: ignore[no-untyped-call]


def stand_in(double: object) -> AgentReactor:
    """``double`` (a Clock, a MemoryReactorClock, a small fake) where the code asks for a whole
    AgentReactor; the tests using it drive only the parts it provides.

    Not checked like ``cwmpd.reactors.agent_reactor``: a double lacks parts by design, and a
    part the code turns out to use fails the test (AttributeError), never passes it.
    """
    return cast(AgentReactor, double)  # a test double, whole only as far as the test goes


def memory_reactor() -> MemoryReactorClock:
    """A MemoryReactorClock (its constructor is untyped)."""
    return MemoryReactorClock()  # type: ignore[no-untyped-call]


def observer(events: list[dict[str, Any]]) -> ILogObserver:
    """A log observer appending each event to ``events``."""
    return cast(ILogObserver, events.append)


@dataclass
class Response:
    """One parsed HTTP/1.1 response."""

    code: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        return self.headers.get(name.lower(), [])


_STATUS = re.compile(rb"HTTP/1\.[01] (\d{3})[^\r\n]*\r\n")


def parse_responses(data: bytes) -> list[Response]:
    """Split the bytes a server wrote into responses (bodies framed by Content-Length)."""
    out: list[Response] = []
    while data:
        m = _STATUS.match(data)
        if m is None:
            raise AssertionError(f"not an HTTP response: {data[:80]!r}")
        head, sep, rest = (b"\r\n" + data[m.end() :]).partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError(f"unterminated response head: {data[:200]!r}")
        headers: dict[str, list[str]] = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        length = int(headers.get("content-length", ["0"])[0])
        out.append(Response(int(m.group(1)), headers, rest[:length]))
        data = rest[length:]
    return out


def http_request(
    path: str, headers: dict[str, str] | None = None, method: str = "GET", body: bytes = b""
) -> bytes:
    """One raw HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 192.0.2.1:7547"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class HttpConnection:
    """One client connection to a server factory, over a StringTransport."""

    def __init__(self, factory: IProtocolFactory, host: str = "198.51.100.1") -> None:
        addr = IPv4Address("TCP", host, 40000)
        self.transport = Transport(addr)
        protocol: IProtocol | None = factory.buildProtocol(addr)
        assert protocol is not None
        self.protocol = protocol
        protocol.makeConnection(self.transport)

    def send(self, raw: bytes) -> list[Response]:
        """Deliver ``raw``; the responses written since the last call."""
        self.protocol.dataReceived(raw)
        return self.take()

    def take(self) -> list[Response]:
        """The responses written since the last call."""
        written: bytes = self.transport.value()  # type: ignore[no-untyped-call]
        self.transport.clear()  # type: ignore[no-untyped-call]
        return parse_responses(written)


def challenge(resp: Response, algorithm: str = "SHA-256") -> dict[str, str]:
    """The parameters of the Digest challenge for ``algorithm`` in a 401 response."""
    for value in resp.header("www-authenticate"):
        scheme, rest = digest.split_challenges(value)
        params = digest.parse_auth_params(rest)
        if scheme == "digest" and params.get("algorithm") == algorithm:
            return params
    raise AssertionError(f"no {algorithm} Digest challenge in {resp.headers}")


def authorization(
    params: dict[str, str],
    uri: str,
    username: str,
    password: str,
    *,
    nc: str = "00000001",
    cnonce: str = "0a4f113b",
    method: str = "GET",
) -> str:
    """An Authorization header answering challenge ``params`` for ``method uri``."""
    resp = digest.response(
        algorithm=params["algorithm"], username=username, realm=params["realm"],
        password=password, method=method, uri=uri, nonce=params["nonce"], nc=nc,
        cnonce=cnonce, qop="auth",
    )  # fmt: skip
    fields = {
        "username": username, "realm": params["realm"], "nonce": params["nonce"], "uri": uri,
        "algorithm": params["algorithm"], "qop": "auth", "nc": nc, "cnonce": cnonce,
        "response": resp, "opaque": params["opaque"],
    }  # fmt: skip
    return digest.format_params("Digest", fields, frozenset({"algorithm", "qop", "nc"}))


@dataclass
class DatagramTransport:
    """The write side of a UDP socket: records what was sent where."""

    host: Address = ("10.0.0.2", 7547)
    sent: list[tuple[bytes, Address]] = field(default_factory=list)

    def write(self, data: bytes, addr: Address) -> None:
        """Record one datagram."""
        self.sent.append((data, addr))

    def getHost(self) -> Any:
        """The bound address, as a UDP port reports it."""
        return IPv4Address("UDP", *self.host)


class ClockedReactor:
    """The real reactor for I/O, a ``task.Clock`` for time.

    ``callLater`` and ``seconds`` go to ``clock``; everything else (listenTCP, connectTCP,
    listenUNIX, resolvers...) to ``real``. While ``pump`` runs, calls due now (delay 0) run
    promptly; time itself moves only when a test calls ``clock.advance``.
    """

    def __init__(self, real: Any, clock: Clock | None = None) -> None:
        self.real = real
        self.clock = clock if clock is not None else Clock()
        directlyProvides(self, providedBy(real))  # what it delegates, it provides
        self._pump = LoopingCall(self.clock.advance, 0)
        self._pump.clock = real

    def callLater(self, delay: float, f: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Schedule on the fake clock."""
        return self.clock.callLater(delay, f, *args, **kw)

    def seconds(self) -> float:
        """The fake clock's time."""
        return self.clock.seconds()

    def getDelayedCalls(self) -> Any:
        """The fake clock's pending calls."""
        return self.clock.getDelayedCalls()

    def pump(self, interval: float = 0.002) -> None:
        """Start running due calls every ``interval`` real seconds."""
        if not self._pump.running:
            self._pump.start(interval, now=True)

    def stop_pump(self) -> None:
        """Stop running due calls."""
        if self._pump.running:
            self._pump.stop()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)
