"""Server-side HTTP Digest (RFC 7616) for the Connection Request: challenge and verify.

Hand-written: Twisted's ``guard.DigestCredentialFactory`` offers no SHA-256 and checks
neither nonce-count replays nor the ``uri`` parameter; the hash arithmetic itself comes
from :mod:`cwmpd.http.digest`.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from enum import Enum

from cwmpd.connreq.nonces import NonceStatus, NonceTable
from cwmpd.http import digest

OFFERED = ("SHA-256", "MD5")  # strongest first (RFC 7616 section 3.7)
_NC = re.compile(r"[0-9a-fA-F]{8}")
_REQUIRED = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")


@dataclass(frozen=True)
class Credentials:
    """ConnectionRequestUsername / ConnectionRequestPassword."""

    username: str = ""
    password: str = ""

    @property
    def usable(self) -> bool:
        """Both set: with either empty the listener refuses everything."""
        return bool(self.username) and bool(self.password)

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=<hidden>)"


class Outcome(Enum):
    """How to answer a request that reached the right path with GET."""

    OK = "ok"  # authenticated: 200, then a session
    CHALLENGE = "challenge"  # no credentials presented: 401 with a fresh challenge
    STALE = "stale"  # right credentials on an expired nonce: 401 with stale=true
    REFUSED = "refused"  # anything else: 401, logged as a failed attempt


@dataclass(frozen=True)
class Verdict:
    """An outcome plus a short reason for the log (never a secret)."""

    outcome: Outcome
    reason: str = ""


class DigestGuard:
    """Issues challenges and verifies Authorization headers against one NonceTable."""

    def __init__(self, nonces: NonceTable, realm: str = "cwmpd") -> None:
        self._nonces = nonces
        self.realm = realm
        self._opaque = secrets.token_hex(8)

    def challenges(self, stale: bool = False) -> list[str]:
        """WWW-Authenticate values (SHA-256 then MD5) sharing one freshly issued nonce."""
        nonce = self._nonces.issue()
        out = []
        for algorithm in OFFERED:
            params = {
                "realm": self.realm,
                "qop": "auth",
                "algorithm": algorithm,
                "nonce": nonce,
                "opaque": self._opaque,
            }
            if stale:
                params["stale"] = "true"
            out.append(digest.format_params("Digest", params, frozenset({"algorithm", "stale"})))
        return out

    def verify(
        self, method: str, target: str, authorization: str | None, creds: Credentials
    ) -> Verdict:
        """Check one request's Authorization header; records the nonce-count on success."""
        if authorization is None:
            return Verdict(Outcome.CHALLENGE, "no credentials")
        scheme, rest = digest.split_challenges(authorization)
        if scheme != "digest":
            return Verdict(Outcome.REFUSED, f"scheme {scheme[:16]!r} is not Digest")
        try:
            p = digest.parse_auth_params(rest)
        except ValueError:
            return Verdict(Outcome.REFUSED, "malformed Authorization header")
        missing = [k for k in _REQUIRED if k not in p]
        if missing:
            return Verdict(Outcome.REFUSED, f"digest lacks {', '.join(missing)}")
        algorithm = p.get("algorithm", "MD5").upper()
        if algorithm not in OFFERED:
            return Verdict(Outcome.REFUSED, "unsupported algorithm")
        if p["qop"] != "auth" or not _NC.fullmatch(p["nc"]):
            return Verdict(Outcome.REFUSED, "bad qop or nc")
        if p["realm"] != self.realm or p.get("opaque", self._opaque) != self._opaque:
            return Verdict(Outcome.REFUSED, "wrong realm or opaque")
        if p["uri"] != target:
            return Verdict(Outcome.REFUSED, "digest uri does not match the request target")
        nonce, nc = p["nonce"], int(p["nc"], 16)
        status = self._nonces.peek(nonce, nc)
        if status is NonceStatus.UNKNOWN:
            return Verdict(Outcome.REFUSED, "unknown nonce")
        if status is NonceStatus.REPLAY:
            self._nonces.revoke(nonce)
            return Verdict(Outcome.REFUSED, "replayed nonce count")
        if not creds.usable:
            self._nonces.revoke(nonce)
            return Verdict(Outcome.REFUSED, "no Connection Request credentials configured")
        expected = digest.response(
            algorithm=algorithm,
            username=creds.username,
            realm=self.realm,
            password=creds.password,
            method=method,
            uri=p["uri"],
            nonce=nonce,
            nc=p["nc"],
            cnonce=p["cnonce"],
            qop="auth",
        )
        user_ok = hmac.compare_digest(p["username"].encode(), creds.username.encode())
        resp_ok = hmac.compare_digest(p["response"].lower().encode(), expected.encode())
        if not (user_ok and resp_ok):
            self._nonces.revoke(nonce)
            return Verdict(Outcome.REFUSED, "wrong username or password")
        if status is NonceStatus.STALE:
            self._nonces.revoke(nonce)
            return Verdict(Outcome.STALE, "stale nonce")
        self._nonces.use(nonce, nc)
        return Verdict(Outcome.OK)
