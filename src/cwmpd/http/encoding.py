"""HTTP content coding towards the ACS: gzip request bodies, and gzip/deflate answers decoded
with the decoded size bounded (a compression bomb costs at most the cap, never more).

The signal that the ACS takes gzip bodies is RFC 7694's: an ``Accept-Encoding`` header on its
responses that admits gzip. Without that header, or after a 415 to a gzip body, the agent
sends identity (``GzipPolicy`` keeps that state for the agent's life). zlib is the stdlib's;
``decompressobj(...).decompress(data, max_length)`` keeps the memory bounded while the body
streams in: no more than the cap is ever inflated.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence

from twisted.web.http_headers import Headers

from cwmpd.http.errors import AcsHttpError, ResponseTooLarge

#: What the agent sends as Accept-Encoding on its POSTs to the ACS.
ACCEPT_ENCODING = b"gzip, deflate"
_GZIP = frozenset({"gzip", "x-gzip"})


class BadContentEncoding(AcsHttpError):
    """An ACS answer in a coding the agent does not know, or whose compressed data is corrupt."""


def _codings(values: Sequence[bytes]) -> dict[str, float]:
    """Accept-Encoding values as {coding: q} (RFC 9110 §12.5.3); bad q values count as 0."""
    found: dict[str, float] = {}
    for value in values:
        for item in value.decode("latin-1").split(","):
            name, _, params = item.strip().partition(";")
            if not name.strip():
                continue
            q = 1.0
            for param in params.split(";"):
                key, _, number = param.strip().partition("=")
                if key.strip().lower() == "q":
                    try:
                        q = float(number)
                    except ValueError:
                        q = 0.0
            found[name.strip().lower()] = q
    return found


def accepts_gzip(headers: Headers) -> bool | None:
    """Whether an ACS response's Accept-Encoding admits gzip request bodies (RFC 7694);
    None when the response has no Accept-Encoding at all (nothing learnt)."""
    values = headers.getRawHeaders(b"accept-encoding")
    if values is None:
        return None
    codings = _codings(values)
    explicit = [q for name, q in codings.items() if name in _GZIP]
    if explicit:
        return max(explicit) > 0
    return codings.get("*", 0.0) > 0


def gzip_body(body: bytes) -> bytes:
    """``body`` gzip-compressed (no timestamp: the same envelope gives the same bytes)."""
    return gzip.compress(body, compresslevel=6, mtime=0)


class Decoder:
    """Inflates one gzip or deflate body as it streams in; ResponseTooLarge past ``limit``
    decoded bytes, BadContentEncoding on corrupt data."""

    def __init__(self, coding: str, limit: int) -> None:
        self._coding = coding
        self._limit = limit
        self._size = 0
        self._raw_fallback = coding == "deflate"  # RFC says zlib-wrapped; some send raw
        wbits = 16 + zlib.MAX_WBITS if coding in _GZIP else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits)
        self._fed = False
        self._got = False  # any compressed byte at all

    @property
    def size(self) -> int:
        """Decoded bytes so far."""
        return self._size

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes ``data`` yields (never more than the room left under the cap)."""
        try:
            return self._feed(data)
        except zlib.error as exc:
            if self._raw_fallback and not self._fed:
                self._raw_fallback = False
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data)
            raise BadContentEncoding(f"corrupt {self._coding} body from the ACS: {exc}") from None

    def _feed(self, data: bytes) -> bytes:
        self._got = self._got or bool(data)
        out: list[bytes] = []
        while data and not self._inflate.eof:
            room = self._limit - self._size
            chunk = self._inflate.decompress(data, room + 1)
            self._fed = self._fed or bool(chunk)
            self._size += len(chunk)
            if self._size > self._limit:
                raise ResponseTooLarge(f"ACS response body inflates beyond {self._limit} bytes")
            out.append(chunk)
            data = self._inflate.unconsumed_tail
        return b"".join(out)

    def finish(self) -> bytes:
        """The body ended: what is left; BadContentEncoding when the stream is truncated."""
        if self._got and not self._inflate.eof:
            raise BadContentEncoding(f"truncated {self._coding} body from the ACS")
        return b""  # an empty body (a 204 that names a coding) decodes to nothing


def decoder_for(headers: Headers, limit: int) -> Decoder | None:
    """The decoder an ACS response's Content-Encoding needs (None for identity);
    BadContentEncoding for a coding the agent did not offer."""
    values = headers.getRawHeaders(b"content-encoding") or []
    codings = [c.strip().lower() for v in values for c in v.decode("latin-1").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) > 1:
        raise BadContentEncoding(f"stacked Content-Encoding {', '.join(codings)} not accepted")
    coding = codings[0]
    if coding not in _GZIP and coding != "deflate":
        raise BadContentEncoding(f"Content-Encoding {coding!r} not accepted")
    return Decoder(coding, limit)


class GzipPolicy:
    """Whether the agent gzips its POST bodies to the ACS, learnt from the ACS's answers.

    One per agent, kept across sessions: the ACS's last Accept-Encoding decides (RFC 7694);
    a 415 to a gzip body turns gzip off for good. A new ManagementServer URL forgets both.
    """

    def __init__(self) -> None:
        self._url: str | None = None
        self._accepted = False
        self._refused = False

    def _at(self, url: str) -> None:
        if url != self._url:
            self._url, self._accepted, self._refused = url, False, False

    def use_gzip(self, url: str) -> bool:
        """Whether the next POST to the ACS at ``url`` (ManagementServer.URL) goes gzipped."""
        self._at(url)
        return self._accepted and not self._refused

    def answered(self, url: str, headers: Headers) -> None:
        """An answer of the ACS at ``url`` came with these headers."""
        self._at(url)
        accepted = accepts_gzip(headers)
        if accepted is not None:
            self._accepted = accepted

    def refused(self, url: str) -> None:
        """The ACS at ``url`` answered 415 to a gzip body: identity from now on."""
        self._at(url)
        self._refused = True

    @property
    def refused_for(self) -> str | None:
        """The URL of the ACS that refused gzip, None when none did."""
        return self._url if self._refused else None
