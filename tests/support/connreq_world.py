"""The attacker's side of the Connection Request security tests: a real agent on loopback,
signed and forged UDP datagrams, raw HTTP requests from chosen loopback source addresses."""

from __future__ import annotations

import re
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from twisted.internet import defer, protocol
from twisted.python.failure import Failure

from cwmpd.config import Config, parse_config
from cwmpd.connreq.udp import signature
from cwmpd.http import digest
from cwmpd.service import CwmpAgent
from cwmpd.testing.acs import ScriptedAcs
from cwmpd.testing.acs_record import AcsSession
from support.agent_harness import AgentRunner, reactor
from support.tcp import connect_tcp
from support.waiting import sleep

CR_USER, CR_PASS = "acs-cr", "cr-secret-7"
URL_KEY = "Device.ManagementServer.ConnectionRequestURL"


def config(tmp_path: Path, url: str, extra: str = "") -> Config:
    """The agent's config: Connection Requests on ephemeral ports, 127.0.0.1 only."""
    return parse_config(
        f'[acs]\nurl = "{url}"\nperiodic_inform_interval = 0\n'
        f'[connection_request]\naddress = "127.0.0.1"\nport = 0\nudp_port = 0\n'
        f'username = "{CR_USER}"\npassword = "{CR_PASS}"\n{extra}\n'
        f'[device]\nplugins = ["simulated"]\nstate_dir = "{tmp_path}"\n'
        f'[control]\nsocket = "{tmp_path}/control.sock"\n'
    )


@dataclass
class World:
    """A running agent, its ACS and the Connection Request endpoints it published."""

    acs: ScriptedAcs
    runner: AgentRunner
    first: AcsSession
    tmp_path: Path

    @property
    def agent(self) -> CwmpAgent:
        """The running agent."""
        assert self.runner.agent is not None
        return self.runner.agent

    @property
    def cr_url(self) -> str:
        """ConnectionRequestURL from the bootstrap Inform."""
        return self.first.parameters[URL_KEY]

    @property
    def http_port(self) -> int:
        """The HTTP Connection Request port."""
        return int(urlsplit(self.cr_url).port or 0)

    @property
    def path(self) -> str:
        """The secret path."""
        return urlsplit(self.cr_url).path

    @property
    def udp_port(self) -> int:
        """The UDP Connection Request port."""
        assert self.agent.connreq is not None and self.agent.connreq.udp_port
        return self.agent.connreq.udp_port

    async def restart(self) -> None:
        """Stop the agent and start it again on the same state (a daemon restart)."""
        stopping = self.agent.stopService()
        if stopping is not None:
            await stopping
        self.runner.agent = None
        self.runner.start()

    async def stop(self) -> None:
        """Stop agent and ACS."""
        self.runner.stop()
        await self.acs.stop()


async def start(tmp_path: Path, extra: str = "") -> World:
    """Agent + ACS; returns after the bootstrap session."""
    acs = ScriptedAcs()
    url = await acs.listen(reactor)
    runner = AgentRunner(config(tmp_path, url, extra))
    runner.start()
    (first,) = await acs.wait_for_sessions(1, timeout=10)
    return World(acs, runner, first, tmp_path)


# -- UDP ---------------------------------------------------------------------------


def udp_text(port: int, ts: str, id_: str, *, sig: str | None = None, cn: str = "") -> bytes:
    """A datagram shaped like GenieACS 1.2.16's (capture udp-cr-datagram.txt), CRLF ends."""
    cn = cn or secrets.token_hex(8)
    sig = sig or signature(CR_PASS, int(ts), int(id_), CR_USER, cn)
    return (
        f"GET http://127.0.0.1:{port}?ts={ts}&id={id_}&un={CR_USER}&cn={cn}&sig={sig} HTTP/1.1"
        f"\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    ).encode()


def send_udp(port: int, *datagrams: bytes) -> None:
    """Send datagrams to the agent's UDP Connection Request port."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for data in datagrams:
            sock.sendto(data, ("127.0.0.1", port))


# -- HTTP ----------------------------------------------------------------------------

_STATUS = re.compile(rb"HTTP/1\.[01] (\d{3})")


class _OneShot(protocol.Protocol):
    """Sends one request, closes after the response head; fires (code, head)."""

    def __init__(self, payload: bytes, done: defer.Deferred[tuple[int, bytes]]) -> None:
        self.payload, self.done, self.buf = payload, done, b""

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(self.payload)

    def dataReceived(self, data: bytes) -> None:
        self.buf += data
        if b"\r\n\r\n" in self.buf:
            assert self.transport is not None
            self.transport.loseConnection()

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        match = _STATUS.match(self.buf)
        if not self.done.called:
            self.done.callback((int(match.group(1)) if match else 0, self.buf))


def request(
    port: int, payload: bytes, source: str = "127.0.0.1", timeout: float = 10
) -> defer.Deferred[tuple[int, bytes]]:
    """One request on its own connection from ``source``; fires (status or 0, response head)."""
    done: defer.Deferred[tuple[int, bytes]] = defer.Deferred()
    failed = lambda _reason: done.callback((0, b""))  # noqa: E731
    connect_tcp(_OneShot(payload, done), port, source, timeout=timeout, failed=failed)
    return done.addTimeout(timeout, reactor)


def get(path: str, authorization: str = "") -> bytes:
    """A raw Connection Request GET."""
    auth = f"Authorization: {authorization}\r\n" if authorization else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n".encode()


def nonce_of(head: bytes) -> str | None:
    """The nonce of the MD5 challenge in a 401's head."""
    match = re.search(rb'nonce="([0-9a-f]+)"', head)
    return match.group(1).decode() if match else None


def authorization(path: str, nonce: str, password: str, user: str = CR_USER) -> str:
    """An MD5 digest Authorization value as GenieACS sends it (capture cr-get-2-digest-md5)."""
    cnonce = secrets.token_hex(8)
    resp = digest.response(
        algorithm="MD5", username=user, realm="cwmpd", password=password, method="GET",
        uri=path, nonce=nonce, nc="00000001", cnonce=cnonce, qop="auth",
    )  # fmt: skip
    return (
        f'Digest username="{user}",realm="cwmpd",nonce="{nonce}",uri="{path}",algorithm=MD5,'
        f'qop=auth,nc=00000001,cnonce="{cnonce}",response="{resp}"'
    )


@dataclass
class Guessing:
    """What a password-guessing run saw."""

    checked: int = 0  # guesses answered 401 (the digest was verified and found wrong)
    busy: int = 0  # answered 503
    codes: list[int] = field(default_factory=list)  # one per guess sent
    right_code: int | None = None  # what the right password's guess got


async def challenge(port: int, path: str, source: str, patience: float = 2.0) -> str | None:
    """A fresh nonce, asked for from ``source``; a 503 (busy) is retried for ``patience`` s."""
    end = reactor.seconds() + patience
    while True:
        code, head = await request(port, get(path), source)
        if code == 401:
            return nonce_of(head)
        if code != 503 or reactor.seconds() > end:
            return None
        await sleep(0.05)


async def guess(
    port: int, path: str, passwords: list[str], source: str, nonce_sources: tuple[str, ...] = ()
) -> Guessing:
    """Try ``passwords`` in turn from ``source``, each on a fresh challenge fetched from the
    next of ``nonce_sources`` (default ``source``); without one, the last nonce is reused (a
    real attacker keeps trying)."""
    seen = Guessing()
    nonce = "0" * 32
    for i, password in enumerate(passwords):
        fetch_from = nonce_sources[i % len(nonce_sources)] if nonce_sources else source
        nonce = await challenge(port, path, fetch_from, 0.5) or nonce
        code, _ = await request(port, get(path, authorization(path, nonce, password)), source)
        seen.codes.append(code)
        seen.checked += code == 401
        seen.busy += code == 503
        if password == CR_PASS:
            seen.right_code = code
    return seen
