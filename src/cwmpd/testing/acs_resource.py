"""The scripted ACS's Twisted web tree: the CWMP endpoint, served files, Twisted's guard.

Plain ``twisted.web`` resources; nothing here is hand-rolled HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
from twisted.cred.portal import IRealm, Portal
from twisted.web import guard
from twisted.web.iweb import IRequest
from twisted.web.resource import IResource, Resource
from twisted.web.server import Request
from zope.interface import implementer

from cwmpd.testing.acs_auth import Authenticator

PostHandler = Callable[[Request], bytes | int]


class AcsEndpoint(Resource):
    """The CWMP URL: every POST goes to the ACS's handler, other methods get 405."""

    isLeaf = True

    def __init__(self, handler: PostHandler) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._handler = handler

    def render_POST(self, request: Request) -> bytes | int:
        """Hand the POST to the scripted ACS."""
        return self._handler(request)

    def render_GET(self, request: Request) -> bytes:
        """The ACS speaks CWMP over POST only."""
        request.setResponseCode(405)
        request.responseHeaders.setRawHeaders(b"allow", [b"POST"])
        return b"POST only\n"


class FileResource(Resource):
    """A static file for transfer tests, optionally behind Basic or Digest auth."""

    isLeaf = True

    def __init__(self, data: bytes, auth: Authenticator | None, log: list[str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._data = data
        self._auth = auth
        self._log = log

    def render_GET(self, request: Request) -> bytes:
        """Serve the bytes, or 401 with a challenge when credentials are missing or wrong."""
        path = request.path.decode("latin-1")
        if self._auth is not None:
            header = request.getHeader(b"authorization")
            result = self._auth.check(
                request.method.decode("ascii"),
                request.uri.decode("latin-1"),
                header.decode("latin-1") if header else None,
            )
            if not result.ok:
                self._log.append(f"401 {path}: {result.reason}")
                request.setResponseCode(401)
                request.responseHeaders.setRawHeaders(
                    b"www-authenticate", [result.challenge.encode()]
                )
                return b""
        self._log.append(f"200 {path}")
        request.responseHeaders.setRawHeaders(b"content-type", [b"application/octet-stream"])
        return self._data


class AcsRoot(Resource):
    """Routes served file paths to their files and every other path to the CWMP endpoint."""

    def __init__(self, acs: IResource, files: dict[bytes, Resource]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._acs = acs
        self._files = files

    def getChildWithDefault(self, path: bytes, request: IRequest) -> Any:
        """Pick the file at this exact path, else the ACS (which ignores the rest of the path)."""
        found = self._files.get(request.path)
        return found if found is not None else self._acs


@implementer(IRealm)
class _EndpointRealm:
    """Hands every authenticated user the same CWMP endpoint."""

    def __init__(self, endpoint: IResource) -> None:
        self._endpoint = endpoint

    def requestAvatar(
        self, avatarId: object, mind: object, *interfaces: Any
    ) -> tuple[Any, IResource, Callable[[], None]]:
        """Return the endpoint for IResource; Twisted's guard asks for nothing else."""
        if IResource not in interfaces:
            raise NotImplementedError("only IResource avatars")
        return IResource, self._endpoint, lambda: None


def twisted_digest(endpoint: IResource, username: str, password: str, realm: str) -> IResource:
    """Wrap the endpoint in Twisted's own Digest (MD5) guard: an independent oracle."""
    checker = InMemoryUsernamePasswordDatabaseDontUse()
    checker.addUser(username.encode(), password.encode())
    portal = Portal(_EndpointRealm(endpoint), [checker])
    factory = guard.DigestCredentialFactory(b"md5", realm.encode())  # type: ignore[no-untyped-call]
    wrapper: IResource = guard.HTTPAuthSessionWrapper(  # type: ignore[no-untyped-call]
        portal, [factory]
    )
    return wrapper
