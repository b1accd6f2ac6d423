"""The cookies of one HTTP session (RFC 6265 §5.2-5.4): kept from Set-Cookie, sent back.

What an ACS sets is a session cookie or two (GenieACS, Axiros, ...): cookielib's CookieJar,
which CookieAgent needs, costs a fake urllib request, URL parsing and policy checks at every
request and every response. This jar holds the RFC 6265 model and nothing more: name and
value, the domain (host-only unless a Domain attribute the host domain-matches), the path
(the default path unless a Path attribute), Secure, and the expiry of Max-Age (before
Expires); a cookie that expired is dropped, one set again replaces the old one (keeping its
creation time), and the Cookie header lists them longest path first, then oldest first.
Budgets (RFC 6265 §6.1's minimums): a cookie of more than 4096 bytes is ignored, and at
most 50 are kept; the 51st replaces the oldest, so an ACS cannot grow the agent's memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from twisted.internet.abstract import isIPAddress, isIPv6Address

MAX_COOKIE_BYTES = 4096  # name, value and attributes of one Set-Cookie line
MAX_COOKIES = 50  # kept per session


@dataclass
class _Cookie:
    name: str
    value: str
    domain: str
    host_only: bool
    path: str
    secure: bool
    expires: float | None  # seconds since the epoch; None: for the session
    created: int


def _domain_match(host: str, domain: str) -> bool:
    if host == domain:
        return True
    literal = isIPAddress(host) or isIPv6Address(host)
    return not literal and host.endswith("." + domain)


def _path_match(path: str, cookie_path: str) -> bool:
    if path == cookie_path:
        return True
    if not path.startswith(cookie_path):
        return False
    return cookie_path.endswith("/") or path[len(cookie_path)] == "/"


def _default_path(path: str) -> str:
    if not path.startswith("/") or path.count("/") == 1:
        return "/"
    return path[: path.rindex("/")]


def _expiry(attrs: dict[str, str], now: float) -> float | None:
    """Max-Age wins over Expires (§5.3 step 3); None when neither is usable."""
    if "max-age" in attrs:
        raw = attrs["max-age"]
        digits = raw[1:] if raw.startswith("-") else raw
        if digits.isdigit():
            seconds = int(raw)
            return now + seconds if seconds > 0 else 0.0
    if "expires" in attrs:
        try:
            return parsedate_to_datetime(attrs["expires"]).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return None


class SessionCookies:
    """The cookies servers set during one session; ``clear`` forgets them."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._cookies: list[_Cookie] = []
        self._made = 0

    def clear(self) -> None:
        """Forget every cookie."""
        self._cookies.clear()

    def header(self, url: str) -> bytes | None:
        """The Cookie header for a request to ``url`` (None: no cookie to send)."""
        if not self._cookies:
            return None
        parts = urlsplit(url)
        host, path = (parts.hostname or "").lower(), parts.path or "/"
        secure = parts.scheme.lower() == "https"
        now = self._clock()
        self._cookies = [c for c in self._cookies if c.expires is None or c.expires > now]
        chosen = [
            c
            for c in self._cookies
            if (host == c.domain if c.host_only else _domain_match(host, c.domain))
            and _path_match(path, c.path)
            and (secure or not c.secure)
        ]
        if not chosen:
            return None
        chosen.sort(key=lambda c: (-len(c.path), c.created))
        return "; ".join(f"{c.name}={c.value}" for c in chosen).encode("latin-1")

    def received(self, url: str, set_cookies: Iterable[bytes]) -> None:
        """Keep the cookies of a response to ``url``'s Set-Cookie header values."""
        parts = None
        for raw in set_cookies:
            if parts is None:
                parts = urlsplit(url)
            self._set(raw.decode("latin-1"), (parts.hostname or "").lower(), parts.path or "/")

    def _set(self, line: str, host: str, request_path: str) -> None:
        if len(line) > MAX_COOKIE_BYTES:
            return  # over the budget: ignored, as a browser does
        pair, *attributes = line.split(";")
        name, eq, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not name:
            return  # §5.2: no "=" or an empty name: the cookie is ignored
        attrs: dict[str, str] = {}
        for attribute in attributes:
            key, _, val = attribute.partition("=")
            attrs[key.strip().lower()] = val.strip()
        now = self._clock()
        domain = attrs.get("domain", "").lstrip(".").lower()
        if domain and not _domain_match(host, domain):
            return  # a Domain the host is not in: ignored (§5.3 step 6)
        path = attrs.get("path", "")
        if not path.startswith("/"):
            path = _default_path(request_path)
        cookie = _Cookie(
            name, value, domain or host, not domain, path, "secure" in attrs,
            _expiry(attrs, now), self._made,
        )  # fmt: skip
        for i, old in enumerate(self._cookies):
            if (old.name, old.domain, old.path) == (name, cookie.domain, path):
                cookie.created = old.created
                del self._cookies[i]
                break
        else:
            self._made += 1
        if cookie.expires is None or cookie.expires > now:
            if len(self._cookies) >= MAX_COOKIES:
                oldest = min(self._cookies, key=lambda c: c.created)
                self._cookies.remove(oldest)
            self._cookies.append(cookie)
