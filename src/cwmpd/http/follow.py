"""The one loop that answers 401 challenges and follows redirects, for every HTTP client.

The ACS session (cwmpd.session.http) and the file-server client
(cwmpd.transfers.http) both send through ``follow``; what differs between them is
in ``Rules`` (which codes redirect, how many redirects and 401 answers) and in the
``send`` they pass (headers, timeouts, reading or discarding bodies).

Why not Twisted's ``RedirectAgent`` / ``BrowserLikeRedirectAgent``: they cannot keep
the CWMP rules (tr069-requirements H-2, H-7, H-8, H-9):

- they re-send a redirected request without its body (``request(method, location,
  headers)``), and RedirectAgent refuses 301/302/307/308 for any method but
  GET/HEAD while BrowserLikeRedirectAgent turns a redirected POST into a GET;
  CWMP re-POSTs the same envelope to the Location (H-2, H-9), uploads re-PUT;
- they re-send the first request's headers unchanged: an Authorization computed for
  the old URL (a digest ``uri`` and nonce count) instead of one for the new target,
  and no auth state reset when the server changes (H-7);
- a 401 after a redirect must be answered on the redirected URL, counted against one
  budget of redirects and answers (H-8: never loop without bound), which a wrapper
  below the 401 loop cannot see;
- the ACS's redirected URL sticks for the rest of the session (H-9): the session is
  told of each redirect (``on_redirect``) as it happens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

from twisted.web.http_headers import Headers

from cwmpd.http.auth import Authenticator
from cwmpd.http.errors import (
    AuthenticationFailed,
    RedirectUnusable,
    RedirectWithoutLocation,
    TooManyRedirects,
)
from cwmpd.http.urls import origin, safe, usable, where


class Answer(Protocol):
    """What the loop reads of a response: its status and headers."""

    @property
    def code(self) -> int: ...

    @property
    def headers(self) -> Headers: ...


R = TypeVar("R", bound=Answer)


@dataclass(frozen=True)
class Rules:
    """How one client follows: ``peer`` names the server in messages ("ACS")."""

    peer: str
    redirect_codes: frozenset[int]
    max_redirects: int
    #: 401s answered in a row on one URL; the next one fails (H-8).
    max_answers: int
    #: Extra answers allowed for a digest nonce that the server calls stale.
    stale_renewals: int = 0


def _redirected(url: str, response: Answer, redirects: int, rules: Rules) -> str:
    """The URL a redirect points to; raises when it cannot be followed."""
    if redirects > rules.max_redirects:
        raise TooManyRedirects(
            f"more than {rules.max_redirects} redirects in a row from the {rules.peer}"
        )
    location = response.headers.getRawHeaders(b"location")
    if not location or not location[0].strip():
        raise RedirectWithoutLocation(response.code, f"redirect {response.code} without Location")
    new = urljoin(url, location[0].decode("latin-1").strip())
    if not usable(new):
        raise RedirectUnusable(response.code, f"redirect to an unusable URL ({safe(new)})")
    return new


async def follow(
    url: str,
    send: Callable[[str], Awaitable[R]],
    auth: Authenticator,
    rules: Rules,
    *,
    discard: Callable[[R], Awaitable[None]] | None = None,
    on_redirect: Callable[[int, str], None] | None = None,
) -> tuple[R, str]:
    """``send(url)`` until a response that is neither a 401 nor a redirect; it and its URL.

    ``send`` adds ``auth``'s Authorization itself (it knows the method); ``discard``
    throws away the body of a 401 or redirect that ``send`` left unread.
    Raises AuthenticationFailed, TooManyRedirects, or RedirectWithoutLocation and
    RedirectUnusable (both UnexpectedStatus).
    """
    redirects = answered = renewals = 0
    while True:
        response = await send(url)
        code = response.code
        if code == 401:
            if discard is not None:
                await discard(response)
            challenges = [
                v.decode("latin-1") for v in response.headers.getRawHeaders(b"www-authenticate", [])
            ]
            stale = auth.answer(challenges, urlsplit(url).scheme.lower())
            if stale and renewals < rules.stale_renewals:
                renewals += 1
                continue
            if answered >= rules.max_answers:
                raise AuthenticationFailed(f"{rules.peer} at {where(url)} rejected our credentials")
            answered += 1
            continue
        if code in rules.redirect_codes:
            if discard is not None:
                await discard(response)
            redirects += 1
            new = _redirected(url, response, redirects, rules)
            if origin(new) != origin(url):
                auth.reset()
            answered = 0
            if on_redirect is not None:
                on_redirect(code, new)
            url = new
            continue
        return response, url
