"""HTTP Basic and Digest checks for the test ACS's server side.

Hand-written because Twisted's ``guard`` has no SHA-256, no per-session nonces and
no uri or nonce-count checks; the digest arithmetic is ``cwmpd.http.digest``'s, the
same the agent's client uses (Twisted's guard is offered separately as an oracle).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cwmpd.http import digest

REALM = "cwmpd-test-acs"


@dataclass(frozen=True, slots=True)
class AuthResult:
    """Outcome of checking one request: ok, or the challenge to answer it with."""

    ok: bool
    challenge: str = ""
    reason: str = ""


class Authenticator(Protocol):
    """What the ACS asks of an HTTP authentication scheme."""

    def check(self, method: str, uri: str, authorization: str | None) -> AuthResult:
        """Check one request's Authorization header."""

    def new_session(self) -> None:
        """Forget per-session state so the next session is challenged afresh."""


class BasicAuthenticator:
    """RFC 7617 Basic: the credentials must match exactly on every request."""

    def __init__(self, username: str, password: str, realm: str = REALM) -> None:
        self.username = username
        self.password = password
        self.challenge = f'Basic realm="{realm}"'

    def check(self, method: str, uri: str, authorization: str | None) -> AuthResult:
        """Accept only ``Basic base64(user:password)`` with the configured pair."""
        if not authorization:
            return AuthResult(False, self.challenge, "no Authorization header")
        scheme, param = digest.split_challenges(authorization)
        if scheme != "basic":
            return AuthResult(False, self.challenge, f"scheme {scheme!r} is not Basic")
        try:
            user, _, password = (
                base64.b64decode(param.strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            return AuthResult(False, self.challenge, "malformed Basic credentials")
        good = hmac.compare_digest(user.encode(), self.username.encode()) and hmac.compare_digest(
            password.encode(), self.password.encode()
        )
        return AuthResult(True) if good else AuthResult(False, self.challenge, "bad credentials")

    def new_session(self) -> None:
        """Basic keeps no state."""


def _random_nonce() -> str:
    return secrets.token_hex(16)


class DigestAuthenticator:
    """RFC 7616 Digest with qop=auth: nonces live for one session, nc must grow."""

    def __init__(
        self,
        username: str,
        password: str,
        *,
        algorithm: str = "MD5",
        realm: str = REALM,
        nonce_source: Callable[[], str] = _random_nonce,
    ) -> None:
        if algorithm.upper() not in {a.upper() for a in digest.ALGORITHMS}:
            raise ValueError(f"unsupported digest algorithm {algorithm!r}")
        self.username = username
        self.password = password
        self.algorithm = algorithm
        self.realm = realm
        self._nonce_source = nonce_source
        self._opaque = secrets.token_hex(8)
        self._nonces: dict[str, int] = {}  # nonce -> highest nc seen
        self._retired: set[str] = set()

    def _challenge(self, stale: bool = False) -> str:
        nonce = self._nonce_source()
        self._nonces[nonce] = 0
        params = {
            "realm": self.realm,
            "qop": "auth",
            "algorithm": self.algorithm,
            "nonce": nonce,
            "opaque": self._opaque,
        }
        if stale:
            params["stale"] = "true"
        return digest.format_params("Digest", params, frozenset({"algorithm", "stale"}))

    def _fail(self, reason: str, stale: bool = False) -> AuthResult:
        return AuthResult(False, self._challenge(stale), reason)

    def check(self, method: str, uri: str, authorization: str | None) -> AuthResult:
        """Verify the digest response against a nonce this session issued."""
        if not authorization:
            return self._fail("no Authorization header")
        scheme, rest = digest.split_challenges(authorization)
        if scheme != "digest":
            return self._fail(f"scheme {scheme!r} is not Digest")
        try:
            p = digest.parse_auth_params(rest)
        except ValueError as e:
            return self._fail(str(e))
        nonce = p.get("nonce", "")
        if nonce in self._retired:
            return self._fail("nonce from an earlier session", stale=True)
        problem = self._problem(method, uri, p)
        if problem:
            return self._fail(problem)
        self._nonces[nonce] = int(p["nc"], 16)
        return AuthResult(True)

    def _problem(self, method: str, uri: str, p: dict[str, str]) -> str:
        """Why the parsed Authorization parameters are unacceptable ("" if they are fine)."""
        for key in ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce"):
            if key not in p:
                return f"missing {key}"
        if p["nonce"] not in self._nonces:
            return "unknown nonce"
        if p["username"] != self.username or p["realm"] != self.realm:
            return "wrong username or realm"
        if p["uri"] != uri:
            return f"uri {p['uri']!r} is not the request uri {uri!r}"
        if p.get("algorithm", "MD5").upper() != self.algorithm.upper():
            return f"algorithm {p.get('algorithm')!r} was not offered"
        if p["qop"] != "auth":
            return f"qop {p['qop']!r} is not auth"
        if "opaque" in p and p["opaque"] != self._opaque:
            return "opaque changed"
        try:
            nc = int(p["nc"], 16)
        except ValueError:
            return "malformed nc"
        if nc <= self._nonces[p["nonce"]]:
            return "nonce count replayed"
        expected = digest.response(
            algorithm=self.algorithm,
            username=self.username,
            realm=self.realm,
            password=self.password,
            method=method,
            uri=uri,
            nonce=p["nonce"],
            nc=p["nc"],
            cnonce=p["cnonce"],
            qop="auth",
        )
        if not hmac.compare_digest(expected, p["response"].lower()):
            return "wrong response digest"
        return ""

    def new_session(self) -> None:
        """Retire every nonce issued so far: the next session must be challenged again."""
        self._retired.update(self._nonces)
        self._nonces.clear()
