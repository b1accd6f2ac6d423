"""Client side of HTTP Basic and Digest authentication towards the ACS (H-6..H-8, H-10).

Twisted has no HTTP auth client; the digest arithmetic itself is shared in
``cwmpd.http.digest``. This module only keeps the per-session state: the chosen
scheme, nonce, nonce count and the per-connection cnonce.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from twisted.logger import Logger

from cwmpd.http import digest
from cwmpd.http.errors import AuthenticationFailed

_log = Logger()

_PARAM_START = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+\s*=")
_RANK = {"SHA-256": 3, "SHA-256-SESS": 3, "MD5": 2, "MD5-SESS": 2}
_UNQUOTED = frozenset({"algorithm", "qop", "nc"})


@dataclass(frozen=True)
class Challenge:
    """One ``WWW-Authenticate`` challenge: lower-case scheme and its parameters."""

    scheme: str
    params: Mapping[str, str]


def _split_commas(text: str) -> list[str]:
    items: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            items.append("".join(buf).strip())
            buf = []
            continue
        buf.append(ch)
    items.append("".join(buf).strip())
    return [i for i in items if i]


def parse_challenges(values: Iterable[str]) -> list[Challenge]:
    """All challenges of all ``WWW-Authenticate`` values (several may share one header)."""
    raw: list[tuple[str, list[str]]] = []
    for value in values:
        for item in _split_commas(value):
            if _PARAM_START.match(item) and raw:
                raw[-1][1].append(item)
            else:
                scheme, _, rest = item.partition(" ")
                raw.append((scheme.lower(), [rest.strip()] if rest.strip() else []))
    out = []
    for scheme, parts in raw:
        try:
            params = digest.parse_auth_params(", ".join(parts))
        except ValueError:
            params = {}
        out.append(Challenge(scheme, params))
    return out


def _rank(ch: Challenge) -> int:
    if ch.scheme == "basic":
        return 1
    if ch.scheme != "digest" or "nonce" not in ch.params:
        return 0
    qops = {q.strip().lower() for q in ch.params.get("qop", "auth").split(",")}
    if "auth" not in qops:
        return 0
    return _RANK.get(ch.params.get("algorithm", "MD5").upper(), 0)


def choose(challenges: Iterable[Challenge]) -> Challenge | None:
    """The strongest supported challenge (SHA-256 > MD5 digest > Basic), first offered on ties."""
    best: Challenge | None = None
    for ch in challenges:
        if _rank(ch) > (_rank(best) if best else 0):
            best = ch
    return best


@dataclass
class _DigestState:
    realm: str
    nonce: str
    opaque: str | None
    algorithm_token: str | None
    qop: str
    nc: int = 0


def _new_cnonce() -> str:
    return secrets.token_hex(16)


class Authenticator:
    """Per-session credentials state: answers challenges, then authorizes every request."""

    def __init__(
        self,
        username: str,
        password: str,
        *,
        allow_basic_over_http: bool = False,
        cnonce_factory: Callable[[], str] = _new_cnonce,
    ) -> None:
        self._username = username
        self._password = password
        self._allow_basic_over_http = allow_basic_over_http
        self._cnonce_factory = cnonce_factory
        self._cnonce = cnonce_factory()
        self._basic = False
        self._digest: _DigestState | None = None
        self._warned = False

    def new_connection(self) -> None:
        """A new TCP connection is about to carry the next request: fresh cnonce (H-10)."""
        self._cnonce = self._cnonce_factory()

    def reset(self) -> None:
        """Forget the scheme and nonce (e.g. after a redirect to another server)."""
        self._basic = False
        self._digest = None

    def _basic_ok(self, scheme: str) -> bool:
        if scheme == "https":
            return True
        if self._allow_basic_over_http and not self._warned:
            self._warned = True
            _log.warn("sending HTTP Basic credentials to the ACS over plain http")
        return self._allow_basic_over_http

    def authorization(self, method: str, uri: str, scheme: str) -> str | None:
        """The Authorization value for the next request, or None to send none.

        After a digest challenge every call counts one more request on the nonce.
        Over https Basic is sent pre-emptively (H-7) when a username is configured.
        """
        if self._digest is not None:
            return self._digest_header(self._digest, method, uri)
        if (self._basic or scheme == "https") and self._username and self._basic_ok(scheme):
            token = f"{self._username}:{self._password}".encode()
            return "Basic " + base64.b64encode(token).decode("ascii")
        return None

    def _digest_header(self, st: _DigestState, method: str, uri: str) -> str:
        st.nc += 1
        nc = f"{st.nc:08x}"
        algorithm = (st.algorithm_token or "MD5").upper()
        resp = digest.response(
            algorithm=algorithm,
            username=self._username,
            realm=st.realm,
            password=self._password,
            method=method,
            uri=uri,
            nonce=st.nonce,
            nc=nc,
            cnonce=self._cnonce,
            qop=st.qop,
        )
        params = {"username": self._username, "realm": st.realm, "nonce": st.nonce, "uri": uri}
        if st.algorithm_token is not None:
            params["algorithm"] = st.algorithm_token
        params["response"] = resp
        if st.opaque is not None:
            params["opaque"] = st.opaque
        if st.qop:
            params.update(qop=st.qop, nc=nc, cnonce=self._cnonce)
        elif algorithm.endswith("-SESS"):
            params["cnonce"] = self._cnonce
        return digest.format_params("Digest", params, _UNQUOTED)

    def answer(self, www_authenticate: Iterable[str], scheme: str) -> bool:
        """Adopt the strongest challenge of a 401; True if it only renewed a stale nonce.

        Raises AuthenticationFailed when nothing usable is offered, when no username
        is configured, or when only Basic is offered over plain http without opt-in.
        """
        challenges = parse_challenges(www_authenticate)
        best = choose(challenges)
        if best is None:
            offered = ", ".join(sorted({c.scheme for c in challenges})) or "none"
            raise AuthenticationFailed(f"ACS offered no supported auth scheme ({offered})")
        if not self._username:
            raise AuthenticationFailed("ACS requires authentication but no username is set")
        if best.scheme == "basic":
            if scheme != "https" and not self._allow_basic_over_http:
                raise AuthenticationFailed(
                    "ACS asked for HTTP Basic over plain http; refusing to send the password "
                    "in clear (use Digest, https, or allow_basic_over_http)"
                )
            self._basic, self._digest = True, None
            return False
        p = best.params
        stale = self._digest is not None and p.get("stale", "").lower() == "true"
        old = self._digest
        self._digest = _DigestState(
            realm=p.get("realm", ""),
            nonce=p["nonce"],
            opaque=p.get("opaque"),
            algorithm_token=p.get("algorithm"),
            qop="auth" if "qop" in p else "",
            nc=old.nc if old is not None and old.nonce == p["nonce"] else 0,
        )
        self._basic = False
        return stale
