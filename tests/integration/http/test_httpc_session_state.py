"""ACS HTTP client session state on loopback: cookies (H-5) and redirects (H-9)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import pytest_twisted

from cwmpd.session.http import MAX_REDIRECTS, AcsHttpClient, TooManyRedirects
from support.httpc_servers import Recorder, Reply, Seen, Served

Serve = Callable[..., Served]
Client = Callable[..., AcsHttpClient]


def cookie_server() -> Recorder:
    """Sets two cookies (one with Path=/, one host-only default path) on the first answer."""

    def script(s: Seen) -> Reply:
        if len(rec.seen) == 1:
            cookies = [
                ("Set-Cookie", "JSESSIONID=abc123; Path=/; HttpOnly"),
                ("Set-Cookie", "lb=node-7"),
            ]
            return Reply(200, cookies, b"first")
        return Reply(200, body=b"later")

    rec = Recorder(script)
    return rec


def cookies_of(s: Seen) -> set[str]:
    """The cookie pairs a request carried."""
    header = s.header("cookie") or ""
    return {c.strip() for c in header.split(";") if c.strip()}


@pytest_twisted.ensureDeferred
async def test_cookies_returned_for_the_session_only(serve: Serve, client: Client) -> None:
    """Cookies set by the ACS come back on every later POST of the same client
    (both of them), and not on a new client (the next session)."""
    rec = cookie_server()
    url = serve(rec).url
    c = client(url)
    await c.post(b"<inform/>")
    await c.post(None)
    await c.post(b"<resp/>")
    assert cookies_of(rec.seen[0]) == set()
    expected = {"JSESSIONID=abc123", "lb=node-7"}
    assert cookies_of(rec.seen[1]) == expected
    assert cookies_of(rec.seen[2]) == expected
    await c.close()
    await client(url).post(b"<inform/>")
    assert cookies_of(rec.seen[3]) == set()


@pytest_twisted.ensureDeferred
async def test_cookie_set_on_401_is_returned(serve: Serve, client: Client) -> None:
    """A cookie set on a 401 challenge (common ACS behaviour) is sent with the answer."""

    def script(s: Seen) -> Reply:
        if s.header("authorization") is None:
            return Reply(
                401,
                [("WWW-Authenticate", 'Basic realm="x"'), ("Set-Cookie", "sid=42; Path=/")],
            )
        return Reply(200, body=b"ok")

    rec = Recorder(script)
    c = client(serve(rec).url, allow_basic_over_http=True)
    await c.post(b"<x/>")
    assert cookies_of(rec.seen[1]) == {"sid=42"}


def redirector(target: str, code: int) -> Recorder:
    """Redirects every POST to ``target``."""
    return Recorder(lambda s: Reply(code, [("Location", target)], b"moved"))


@pytest.mark.parametrize("code", [302, 307])
@pytest_twisted.ensureDeferred
async def test_redirect_reposts_and_sticks(serve: Serve, client: Client, code: int) -> None:
    """302/307: the same envelope is re-POSTed to Location, and later POSTs of the
    session go straight to the new URL; a new client starts from the original URL."""
    final = Recorder(lambda s: Reply(200, body=b"final"))
    final_url = serve(final, path="/real/acs").url
    first = redirector(final_url, code)
    first_url = serve(first).url
    c = client(first_url)
    assert (await c.post(b"<inform/>")).body == b"final"
    await c.post(None)
    assert c.url == final_url
    assert [s.body for s in first.seen] == [b"<inform/>"]
    assert [(s.path, s.body) for s in final.seen] == [
        ("/real/acs", b"<inform/>"),
        ("/real/acs", b""),
    ]
    assert final.seen[0].header("content-type") == 'text/xml; charset="utf-8"'
    await client(first_url).post(None)
    assert len(first.seen) == 2


@pytest_twisted.ensureDeferred
async def test_relative_redirect_resolved(serve: Serve, client: Client) -> None:
    """A relative Location is resolved against the current URL."""

    def script(s: Seen) -> Reply:
        if s.path == "/acs":
            return Reply(307, [("Location", "other?x=1")])
        return Reply(200, body=s.path.encode())

    c = client(serve(Recorder(script)).url)
    assert (await c.post(b"<x/>")).body == b"/other?x=1"


@pytest_twisted.ensureDeferred
async def test_too_many_redirects(serve: Serve, client: Client) -> None:
    """Five redirects in a row are followed; the sixth gives TooManyRedirects."""

    def script(s: Seen) -> Reply:
        n = int(s.path.rsplit("/", 1)[1] or 0) if s.path != "/acs" else 0
        return Reply(302, [("Location", f"/hop/{n + 1}")])

    rec = Recorder(script)
    with pytest.raises(TooManyRedirects):
        await client(serve(rec).url).post(b"<x/>")
    assert len(rec.seen) == MAX_REDIRECTS + 1


@pytest_twisted.ensureDeferred
async def test_five_redirects_allowed(serve: Serve, client: Client) -> None:
    """Exactly five successive redirects still reach the ACS."""

    def script(s: Seen) -> Reply:
        n = int(s.path.rsplit("/", 1)[1]) if s.path.startswith("/hop/") else 0
        if n == MAX_REDIRECTS:
            return Reply(200, body=b"arrived")
        return Reply(302, [("Location", f"/hop/{n + 1}")])

    c = client(serve(Recorder(script)).url)
    assert (await c.post(b"<x/>")).body == b"arrived"
