"""Unit tests of cwmpd.http.follow, the one 401/redirect loop, driven with scripted answers."""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import pytest
from twisted.web.http_headers import Headers

from cwmpd.http.auth import Authenticator
from cwmpd.http.errors import (
    AuthenticationFailed,
    RedirectUnusable,
    RedirectWithoutLocation,
    TooManyRedirects,
    UnexpectedStatus,
)
from cwmpd.http.follow import Rules, follow

RULES = Rules(
    peer="ACS", redirect_codes=frozenset({302, 307}), max_redirects=2, max_answers=1,
    stale_renewals=1,
)  # fmt: skip
DIGEST = 'Digest realm="r", nonce="{nonce}", qop="auth"{extra}'


@dataclass
class Reply:
    code: int
    headers: Headers = field(default_factory=Headers)


def redirect(location: str, code: int = 302) -> Reply:
    return Reply(code, Headers({b"location": [location.encode()]}))


def challenge(nonce: str = "n1", stale: bool = False) -> Reply:
    extra = ", stale=true" if stale else ""
    value = DIGEST.format(nonce=nonce, extra=extra).encode()
    return Reply(401, Headers({b"www-authenticate": [value]}))


class Server:
    """Answers ``send`` from a script; records each URL and the Authorization it got."""

    def __init__(self, auth: Authenticator, *replies: Reply) -> None:
        self.auth = auth
        self.replies = list(replies)
        self.sent: list[tuple[str, str | None]] = []
        self.discarded: list[int] = []

    async def send(self, url: str) -> Reply:
        scheme = url.partition(":")[0]
        self.sent.append((url, self.auth.authorization("POST", "/", scheme)))
        return self.replies.pop(0)

    async def discard(self, reply: Reply) -> None:
        self.discarded.append(reply.code)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never really waits (every await here is already done)."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the loop waited on something")


def go(server: Server, url: str = "http://a.example/acs", **kw: Any) -> tuple[Reply, str]:
    result: tuple[Reply, str] = run(
        follow(url, server.send, server.auth, RULES, discard=server.discard, **kw)
    )
    return result


def test_redirects_are_followed_reported_and_discarded() -> None:
    """A 302 then a 307 are re-sent to their Location; each is reported and its body dropped."""
    s = Server(Authenticator("u", "p"), redirect("/two"), redirect("http://b.example/three", 307),
               Reply(200))  # fmt: skip
    seen: list[tuple[int, str]] = []
    reply, url = go(s, on_redirect=lambda code, new: seen.append((code, new)))
    assert (reply.code, url) == (200, "http://b.example/three")
    assert [u for u, _ in s.sent] == [
        "http://a.example/acs",
        "http://a.example/two",
        "http://b.example/three",
    ]
    assert seen == [(302, "http://a.example/two"), (307, "http://b.example/three")]
    assert s.discarded == [302, 307]


def test_a_code_outside_the_rules_is_returned_as_it_is() -> None:
    """What the rules do not name as a redirect (303 here) ends the loop: the caller decides."""
    s = Server(Authenticator("u", "p"), redirect("/x", 303))
    reply, url = go(s)
    assert (reply.code, url) == (303, "http://a.example/acs")
    assert s.discarded == []


def test_one_redirect_past_the_limit_fails() -> None:
    """max_redirects are followed; the next one raises TooManyRedirects."""
    s = Server(Authenticator("u", "p"), redirect("/1"), redirect("/2"), redirect("/3"))
    with pytest.raises(TooManyRedirects, match="more than 2 redirects in a row from the ACS"):
        go(s)
    assert len(s.sent) == 3


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(302), RedirectWithoutLocation),
        (redirect("  "), RedirectWithoutLocation),
        (redirect("ftp://a.example/x"), RedirectUnusable),
        (redirect("https:///nohost"), RedirectUnusable),
    ],
)
def test_redirects_that_cannot_be_followed(reply: Reply, error: type[Exception]) -> None:
    """No Location, or one that is not http(s)://host: an UnexpectedStatus with the code."""
    with pytest.raises(error) as raised:
        go(Server(Authenticator("u", "p"), reply))
    assert isinstance(raised.value, UnexpectedStatus) and raised.value.code == 302


def test_a_401_is_answered_once_then_fails() -> None:
    """The first challenge is answered with a digest; a second 401 means wrong credentials."""
    s = Server(Authenticator("u", "p"), challenge(), Reply(204))
    reply, _ = go(s)
    assert reply.code == 204
    assert s.sent[0][1] is None
    assert (s.sent[1][1] or "").startswith("Digest ")
    s = Server(Authenticator("u", "p"), challenge(), challenge("n2"))
    with pytest.raises(AuthenticationFailed, match=r"ACS at a\.example:80 rejected"):
        go(s)
    assert s.discarded == [401, 401]


def test_a_stale_nonce_is_renewed_within_its_own_budget() -> None:
    """stale=true renews the nonce without using the answer; renewals are bounded too."""
    s = Server(Authenticator("u", "p"), challenge("n1"), challenge("n2", stale=True), Reply(200))
    assert go(s)[0].code == 200
    assert 'nonce="n2"' in (s.sent[2][1] or "")
    s = Server(
        Authenticator("u", "p"),
        challenge("n1"),
        challenge("n2", stale=True),
        challenge("n3", stale=True),
    )
    with pytest.raises(AuthenticationFailed):
        go(s)


def test_a_redirect_to_another_server_forgets_the_auth_and_gets_a_new_answer() -> None:
    """After a redirect to another host the digest is not sent there unasked, and that
    host's own 401 is answered (the answer count starts again)."""
    s = Server(
        Authenticator("u", "p"),
        challenge("n1"),
        redirect("http://b.example/acs"),
        challenge("nb"),
        Reply(200),
    )
    reply, url = go(s)
    assert (reply.code, url) == (200, "http://b.example/acs")
    assert [a is not None for _, a in s.sent] == [False, True, False, True]
    assert 'nonce="nb"' in (s.sent[3][1] or "")


def test_a_redirect_on_the_same_server_keeps_the_auth() -> None:
    """Same scheme and host (case aside): the digest goes on being sent."""
    s = Server(Authenticator("u", "p"), challenge("n1"), redirect("http://A.example/b"), Reply(200))
    go(s)
    assert [a is not None for _, a in s.sent] == [False, True, True]
