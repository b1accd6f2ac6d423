"""Loopback ACS stand-ins for the HTTP client tests: a recording resource, an
independent digest checker (hashlib + stdlib parsing) and Twisted's guard."""

from __future__ import annotations

import base64
import hashlib
import itertools
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.x509.oid import NameOID
from twisted.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
from twisted.cred.portal import IRealm, Portal
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import (
    IListeningPort,
    IOpenSSLContextFactory,
    IOpenSSLServerConnectionCreator,
    IProtocolFactory,
)
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.web.guard import DigestCredentialFactory, HTTPAuthSessionWrapper
from twisted.web.resource import IResource, Resource
from twisted.web.server import NOT_DONE_YET, Request
from zope.interface import implementer

from cwmpd.testing.pki import CertificateAuthority, IssuedCert
from support.web import listen_now, port_number, site

USER = "cpe-0001"
PASSWORD = "s3cret:with colon"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@dataclass(frozen=True)
class Pki:
    """A CA with server (127.0.0.1 + localhost), client and mismatched certificates,
    and an unrelated CA."""

    ca: CertificateAuthority
    server: IssuedCert
    localhost_only: IssuedCert
    client: IssuedCert
    other_ca: CertificateAuthority
    dir: Path


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    headers: dict[str, list[str]]
    body: bytes
    peer_port: int
    status: int = 0
    client_cert_cn: str | None = None
    transport: Any = None

    def header(self, name: str) -> str | None:
        """The first value of a header, or None."""
        values = self.headers.get(name.lower())
        return values[0] if values else None


@dataclass
class Reply:
    """What to answer: status, headers, body; ``close`` closes the connection after it;
    ``hang`` never answers; ``drop`` closes the connection without answering."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    close: bool = False
    hang: bool = False
    drop: bool = False
    chunked: bool = False


Script = Callable[[Seen], Reply]


def seen_of(request: Request) -> Seen:
    """Capture a twisted.web request."""
    headers = {
        k.decode().lower(): [v.decode("latin-1") for v in vs]
        for k, vs in request.requestHeaders.getAllRawHeaders()
    }
    body = request.content.read() if request.content is not None else b""
    peer = request.getClientAddress()  # type: ignore[no-untyped-call]
    assert isinstance(peer, IPv4Address)
    seen = Seen(request.uri.decode(), headers, body, peer.port)
    seen.transport = request.channel.transport
    peer_cert = getattr(request.channel.transport, "getPeerCertificate", None)
    cert = peer_cert() if peer_cert is not None else None
    if cert is not None:
        names = cert.to_cryptography().subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        seen.client_cert_cn = str(names[0].value)
    return seen


class Recorder(Resource):
    """Records every request and answers per ``script`` (default: 200 "ok")."""

    isLeaf = True

    def __init__(self, script: Script | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.seen: list[Seen] = []
        self.script: Script = script or (lambda s: Reply(body=b"ok"))

    def render(self, request: Request) -> Any:
        """Record, then answer as scripted."""
        seen = seen_of(request)
        self.seen.append(seen)
        reply = self.script(seen)
        seen.status = reply.status
        return answer(request, reply)

    @property
    def ports(self) -> list[int]:
        """Client ports of the requests, in order (one per TCP connection)."""
        return [s.peer_port for s in self.seen]


def answer(request: Request, reply: Reply) -> Any:
    """Write ``reply`` to ``request`` (asynchronously, so closing works)."""
    if reply.hang:
        return NOT_DONE_YET
    transport = request.channel.transport
    assert transport is not None
    if reply.drop:
        transport.loseConnection()
        return NOT_DONE_YET
    request.setResponseCode(reply.status)
    for k, v in reply.headers:
        request.responseHeaders.addRawHeader(k.encode(), v.encode("latin-1"))
    if reply.close:
        request.setHeader(b"connection", b"close")  # type: ignore[no-untyped-call]
    if not reply.chunked:
        request.setHeader(b"content-length", str(len(reply.body)).encode())  # type: ignore[no-untyped-call]
    for i in range(0, len(reply.body), 1000):
        request.write(reply.body[i : i + 1000])  # type: ignore[no-untyped-call]
    request.finish()  # type: ignore[no-untyped-call]
    if reply.close:
        transport.loseConnection()
    return NOT_DONE_YET


def hexdigest(algorithm: str, text: str) -> str:
    """Independent hash for the oracle."""
    name = "sha256" if algorithm.upper().startswith("SHA-256") else "md5"
    return hashlib.new(name, text.encode()).hexdigest()


class DigestChecker(Recorder):
    """A digest-only ACS checked with hashlib: qop=auth (or legacy without qop),
    per-nonce nc must grow, a nonce goes stale after ``nonce_uses`` requests."""

    def __init__(
        self,
        algorithm: str = "SHA-256",
        *,
        qop: bool = True,
        password: str = PASSWORD,
        nonce_uses: int = 1000,
        close_on_401: bool = False,
        close_after_ok: int = 0,
        offer_also: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.algorithm = algorithm
        self.qop = qop
        self.password = password
        self.nonce_uses = nonce_uses
        self.close_on_401 = close_on_401
        self.close_after_ok = close_after_ok
        self.offer_also = offer_also
        self._counter = itertools.count(1)
        self.nonces: dict[str, list[int]] = {}
        self.accepted: list[dict[str, str]] = []
        self.script = self._check

    def _challenge(self, stale: bool = False) -> Reply:
        nonce = f"nonce{next(self._counter)}x"
        self.nonces[nonce] = []
        parts = ['realm="acs"', f'nonce="{nonce}"', f"algorithm={self.algorithm}"]
        if self.qop:
            parts.append('qop="auth"')
        parts.append('opaque="opq"')
        if stale:
            parts.append("stale=true")
        values = [*self.offer_also, "Digest " + ", ".join(parts)]
        headers = [("WWW-Authenticate", v) for v in values]
        return Reply(401, headers, b"denied", close=self.close_on_401)

    def _check(self, seen: Seen) -> Reply:
        auth = seen.header("authorization")
        if not auth or not auth.lower().startswith("digest "):
            return self._challenge()
        f = urllib.request.parse_keqv_list(urllib.request.parse_http_list(auth[7:]))
        nonce = f.get("nonce", "")
        if nonce not in self.nonces or f.get("uri") != seen.path or f.get("opaque") != "opq":
            return self._challenge()
        ha1 = hexdigest(self.algorithm, f"{f['username']}:acs:{self.password}")
        if self.algorithm.upper().endswith("-SESS"):
            ha1 = hexdigest(self.algorithm, f"{ha1}:{nonce}:{f['cnonce']}")
        ha2 = hexdigest(self.algorithm, f"POST:{seen.path}")
        if self.qop:
            nc = int(f["nc"], 16)
            tail = f"{nonce}:{f['nc']}:{f['cnonce']}:{f['qop']}:{ha2}"
        else:
            nc = len(self.nonces[nonce]) + 1
            tail = f"{nonce}:{ha2}"
        expected = hexdigest(self.algorithm, f"{ha1}:{tail}")
        used = self.nonces[nonce]
        if f["username"] != USER or f.get("response") != expected or (used and nc <= used[-1]):
            return self._challenge()
        if len(used) >= self.nonce_uses:
            return self._challenge(stale=True)
        used.append(nc)
        self.accepted.append(f)
        return Reply(200, body=b"<ok/>", close=len(self.accepted) == self.close_after_ok)


@implementer(IRealm)
class _Realm:
    def __init__(self, resource: Resource) -> None:
        self.resource = resource

    def requestAvatar(self, avatar_id: Any, mind: Any, *interfaces: Any) -> Any:
        if IResource in interfaces:
            return IResource, self.resource, lambda: None
        raise NotImplementedError


def twisted_guard(algorithm: bytes, inner: Resource, password: str = PASSWORD) -> IResource:
    """Twisted's own digest server (the oracle for MD5 and MD5-sess) in front of ``inner``."""
    checker = InMemoryUsernamePasswordDatabaseDontUse(**{USER: password.encode()})
    portal = Portal(_Realm(inner), [checker])
    factory = DigestCredentialFactory(algorithm, b"acs")  # type: ignore[no-untyped-call]
    guarded: IResource = HTTPAuthSessionWrapper(portal, [factory])  # type: ignore[no-untyped-call]
    return guarded


@dataclass
class Served:
    """A listening loopback server."""

    port: IListeningPort
    url: str


def listen(
    resource: IResource,
    tls: IOpenSSLServerConnectionCreator | IOpenSSLContextFactory | None = None,
    path: str = "/acs",
) -> Served:
    """Serve ``resource`` on 127.0.0.1 (plain or TLS) at an ephemeral port."""
    factory: IProtocolFactory = site(resource)
    if tls is not None:
        factory = TLSMemoryBIOFactory(tls, False, factory)
    port = listen_now(factory)
    scheme = "https" if tls is not None else "http"
    return Served(port, f"{scheme}://127.0.0.1:{port_number(port)}{path}")


def basic_server() -> Recorder:
    """Answers 401 Basic unless the right Basic credentials come."""

    def script(s: Seen) -> Reply:
        if s.header("authorization") == BASIC:
            return Reply(200, body=b"in")
        return Reply(401, [("WWW-Authenticate", 'Basic realm="acs"')])

    return Recorder(script)
