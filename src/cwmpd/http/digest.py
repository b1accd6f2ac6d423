"""RFC 7616 HTTP Digest arithmetic shared by the ACS client and the Connection Request server.

Written here because Twisted has no digest client and its server side
(``guard.DigestCredentialFactory``) has no SHA-256, replay or uri checks.
Pure functions: no I/O, no clock, no randomness (callers pass cnonces and nonces).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

ALGORITHMS = ("MD5", "MD5-sess", "SHA-256", "SHA-256-sess")

_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*(?:,|$)')


def _hash(algorithm: str, data: str) -> str:
    base = algorithm.upper().removesuffix("-SESS")
    if base == "MD5":
        return hashlib.md5(data.encode("utf-8"), usedforsecurity=False).hexdigest()
    if base == "SHA-256":
        return hashlib.sha256(data.encode("utf-8")).hexdigest()
    raise ValueError(f"unsupported digest algorithm {algorithm!r}")


def parse_auth_params(text: str) -> dict[str, str]:
    """Parse ``k=v, k="v"`` pairs (the part after the scheme); keys are lower-cased."""
    out: dict[str, str] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _PARAM.match(text, pos)
        if m is None:
            raise ValueError(f"malformed auth parameters near {text[pos : pos + 20]!r}")
        key, value = m.group(1).lower(), m.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out[key] = value
        pos = m.end()
    return out


def split_challenges(header: str) -> tuple[str, str]:
    """Split ``Scheme params`` into (scheme lower-cased, params text)."""
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), rest


def ha1(algorithm: str, username: str, realm: str, password: str, nonce: str, cnonce: str) -> str:
    """H(A1), with the -sess variant folding in nonce and cnonce."""
    h = _hash(algorithm, f"{username}:{realm}:{password}")
    if algorithm.upper().endswith("-SESS"):
        h = _hash(algorithm, f"{h}:{nonce}:{cnonce}")
    return h


def response(
    *,
    algorithm: str,
    username: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    nc: str,
    cnonce: str,
    qop: str,
) -> str:
    """The request-digest of RFC 7616 section 3.4.1 (qop "auth", or none for RFC 2069)."""
    a1 = ha1(algorithm, username, realm, password, nonce, cnonce)
    a2 = _hash(algorithm, f"{method}:{uri}")
    if qop:
        return _hash(algorithm, f"{a1}:{nonce}:{nc}:{cnonce}:{qop}:{a2}")
    return _hash(algorithm, f"{a1}:{nonce}:{a2}")


def quote(value: str) -> str:
    """Quote a value for an auth header."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_params(scheme: str, params: Mapping[str, str], unquoted: frozenset[str]) -> str:
    """Build ``Scheme k="v", ...``; keys in ``unquoted`` (algorithm, nc, qop) stay bare."""
    parts = [f"{k}={v if k in unquoted else quote(v)}" for k, v in params.items()]
    return f"{scheme} " + ", ".join(parts)
