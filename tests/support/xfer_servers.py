"""A loopback file server for transfer tests: files, 404s, cuts, lies about sizes, auth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from twisted.internet import reactor
from twisted.internet.interfaces import IListeningPort, ITCPTransport
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from cwmpd.testing.acs_auth import Authenticator
from support.web import serve

USER = "fileuser"
PASSWORD = "file-secret"


@dataclass
class Behaviour:
    """How one path answers: its bytes, a status, a lie about the length, a cut, auth."""

    data: bytes = b""
    status: int = 200
    declared_length: int | None = None  # Content-Length to announce (None: the real one)
    cut_after: int | None = None  # abort the connection after this many body bytes
    auth: Authenticator | None = None
    stall: bool = False  # send headers and a few bytes, then nothing
    location: str = ""  # a Location header to send (with a 3xx status: a redirect)


@dataclass
class FileServer(Resource):
    """Serves Behaviours by path; records each request's method, path and body."""

    files: dict[str, Behaviour] = field(default_factory=dict)
    log: list[tuple[str, str, bytes]] = field(default_factory=list)
    isLeaf = True

    def __post_init__(self) -> None:
        Resource.__init__(self)  # type: ignore[no-untyped-call]

    def render(self, request: Request) -> Any:
        """Answer one request according to the path's Behaviour."""
        path = request.path.decode()
        body = request.content.read() if request.content is not None else b""
        self.log.append((request.method.decode(), path, body))
        b = self.files.get(path)
        if b is None:
            request.setResponseCode(404)
            return b"not found"
        if b.auth is not None:
            header = request.getHeader(b"authorization")
            result = b.auth.check(
                request.method.decode(), request.uri.decode(), header.decode() if header else None
            )
            if not result.ok:
                request.setResponseCode(401)
                request.setHeader(b"www-authenticate", result.challenge.encode())  # type: ignore[no-untyped-call]
                return b""
        request.setResponseCode(b.status)
        if b.location:
            request.setHeader(b"location", b.location.encode())  # type: ignore[no-untyped-call]
        if request.method == b"PUT":
            b.data = body
            return b""
        data = b.data
        if b.declared_length is not None or b.cut_after is not None or b.stall:
            length = b.declared_length if b.declared_length is not None else len(data)
            request.setHeader(b"content-length", str(length).encode())  # type: ignore[no-untyped-call]
            sent = data[: b.cut_after] if b.cut_after is not None else data[:10]
            request.write(sent)  # type: ignore[no-untyped-call]
            if not b.stall:
                reactor.callLater(0.01, ITCPTransport(request.channel.transport).abortConnection)
            return NOT_DONE_YET
        return data


@dataclass
class Listening:
    """A listening FileServer and its base URL."""

    server: FileServer
    port: IListeningPort
    base: str

    def url(self, path: str) -> str:
        """Full URL of ``path``."""
        return self.base + path


async def listen(server: FileServer, tls: Any = None, host: str = "127.0.0.1") -> Listening:
    """Listen on a free loopback port (TLS when ``tls`` is server options)."""
    served = await serve(server, tls, host)
    return Listening(server, served.port, served.base)
