"""A tiny hand-written CWMP HTTP client that drives the scripted ACS (tests of cwmpd.testing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from io import BytesIO

from twisted.internet import reactor
from twisted.web.client import Agent, FileBodyProducer, readBody
from twisted.web.http_headers import Headers
from twisted.web.iweb import IBodyProducer

from cwmpd.http import digest
from cwmpd.testing.acs import ScriptedAcs


def digest_answer(
    challenge: str,
    *,
    password: str = "secret",  # noqa: S107
    uri: str = "/acs",
    nc: str = "00000001",
    cnonce: str = "c0ffee",
    username: str = "cpe",
    method: str = "POST",
) -> str:
    """A client's Authorization header for ``challenge`` (the agent's math, by hand)."""
    scheme, rest = digest.split_challenges(challenge)
    assert scheme == "digest"
    p = digest.parse_auth_params(rest)
    resp = digest.response(
        algorithm=p["algorithm"],
        username=username,
        realm=p["realm"],
        password=password,
        method=method,
        uri=uri,
        nonce=p["nonce"],
        nc=nc,
        cnonce=cnonce,
        qop="auth",
    )
    params = {
        "username": username,
        "realm": p["realm"],
        "nonce": p["nonce"],
        "uri": uri,
        "algorithm": p["algorithm"],
        "qop": "auth",
        "nc": nc,
        "cnonce": cnonce,
        "response": resp,
        "opaque": p["opaque"],
    }
    return digest.format_params("Digest", params, frozenset({"algorithm", "qop", "nc"}))


@dataclass(frozen=True)
class Response:
    """What came back for one POST."""

    code: int
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of a response header, or None."""
        values = self.headers.getRawHeaders(name)
        return values[0] if values else None


class Client:
    """Posts envelopes (or nothing) and keeps the ACS's session cookie, like a CPE."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookie: str | None = None
        self.agent = Agent(reactor)  # type: ignore[no-untyped-call]

    async def post(
        self, body: bytes | None, *, url: str | None = None, authorization: str | None = None
    ) -> Response:
        """POST ``body`` (None = empty POST) with the cookie and Authorization if any."""
        headers = Headers()
        if body is not None:
            headers.addRawHeader("content-type", "text/xml; charset=utf-8")
            headers.addRawHeader("soapaction", "")
        if self.cookie:
            headers.addRawHeader("cookie", self.cookie)
        if authorization:
            headers.addRawHeader("authorization", authorization)
        producer: IBodyProducer | None = FileBodyProducer(BytesIO(body)) if body else None  # type: ignore[no-untyped-call]
        response = await self.agent.request(b"POST", (url or self.url).encode(), headers, producer)
        data = await readBody(response)
        set_cookie = response.headers.getRawHeaders("set-cookie")
        if set_cookie:
            self.cookie = set_cookie[0].split(";")[0]
        return Response(response.code, response.headers, data)

    async def get(self, url: str, *, authorization: str | None = None) -> Response:
        """GET a served file."""
        headers = Headers()
        if authorization:
            headers.addRawHeader("authorization", authorization)
        response = await self.agent.request(b"GET", url.encode(), headers)
        return Response(response.code, response.headers, await readBody(response))


Start = Callable[[ScriptedAcs], Awaitable[Client]]
