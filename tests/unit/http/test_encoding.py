"""cwmpd.http.encoding: the Accept-Encoding signal, bounded inflation, the gzip policy."""

from __future__ import annotations

import gzip
import zlib

import pytest
from twisted.web.http_headers import Headers

from cwmpd.http.encoding import (
    BadContentEncoding,
    Decoder,
    GzipPolicy,
    accepts_gzip,
    decoder_for,
    gzip_body,
)
from cwmpd.http.errors import ResponseTooLarge
from support.bombs import gzip_of_zeros


def h(**values: str) -> Headers:
    """Headers from keyword arguments (underscores for dashes)."""
    return Headers({k.replace("_", "-").encode(): [v.encode()] for k, v in values.items()})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("x-gzip", True),
        ("GZIP ; q=1.0", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("*", True),
        ("*;q=0.1, gzip;q=0", False),
        ("gzip;q=nonsense", False),
        ("", False),
    ],
)
def test_accept_encoding_signal(value: str, expected: bool) -> None:
    """RFC 7694: what an ACS response's Accept-Encoding says about gzip request bodies."""
    assert accepts_gzip(h(accept_encoding=value)) is expected


def test_no_accept_encoding_learns_nothing() -> None:
    """A response without the header neither grants nor withdraws gzip."""
    assert accepts_gzip(Headers()) is None


def test_gzip_body_is_deterministic_and_inflates_back() -> None:
    """No timestamp in the header: the same envelope gives the same bytes."""
    body = b"<Envelope>" + b"x" * 1000 + b"</Envelope>"
    assert gzip_body(body) == gzip_body(body)
    assert gzip.decompress(gzip_body(body)) == body


@pytest.mark.parametrize(
    ("coding", "packed"),
    [
        ("gzip", gzip.compress(b"hello " * 1000)),
        ("x-gzip", gzip.compress(b"hello " * 1000)),
        ("deflate", zlib.compress(b"hello " * 1000)),
        ("deflate", zlib.compress(b"hello " * 1000)[2:-4]),  # raw deflate, as some servers send
    ],
)
def test_decoder_inflates_in_pieces(coding: str, packed: bytes) -> None:
    """Any split of the compressed body gives the whole plain body."""
    dec = Decoder(coding, 1 << 20)
    out = b"".join(dec.feed(packed[i : i + 7]) for i in range(0, len(packed), 7)) + dec.finish()
    assert out == b"hello " * 1000 and dec.size == 6000


def test_bomb_stops_at_the_cap() -> None:
    """A 1 GiB-inflating body: ResponseTooLarge as soon as the cap is passed, having
    inflated no more than the cap plus one byte."""
    dec = Decoder("gzip", 4 << 20)
    bomb = gzip_of_zeros()
    with pytest.raises(ResponseTooLarge):
        for i in range(0, len(bomb), 65536):
            dec.feed(bomb[i : i + 65536])
    assert dec.size == (4 << 20) + 1


def test_corrupt_and_truncated_bodies() -> None:
    """Garbage and a cut stream are BadContentEncoding; an empty body decodes to nothing."""
    with pytest.raises(BadContentEncoding):
        Decoder("gzip", 1000).feed(b"not gzip at all")
    cut = Decoder("gzip", 1000)
    cut.feed(gzip.compress(b"abc" * 100)[:-10])
    with pytest.raises(BadContentEncoding, match="truncated"):
        cut.finish()
    assert Decoder("gzip", 1000).finish() == b""


def test_decoder_for_content_encoding() -> None:
    """identity or none: no decoder; gzip/deflate: one; anything else or stacked: refused."""
    assert decoder_for(Headers(), 10) is None
    assert decoder_for(h(content_encoding="identity"), 10) is None
    assert decoder_for(h(content_encoding="gzip"), 10) is not None
    assert decoder_for(h(content_encoding="Deflate"), 10) is not None
    for bad in ("br", "compress", "gzip, gzip"):
        with pytest.raises(BadContentEncoding):
            decoder_for(h(content_encoding=bad), 10)


def test_gzip_policy_learns_refuses_and_forgets_with_the_url() -> None:
    """Off until an answer admits gzip; a 415 turns it off for that URL for good, even if
    answers still advertise gzip; a new URL starts over."""
    policy = GzipPolicy()
    url = "http://acs/a"
    assert not policy.use_gzip(url)
    policy.answered(url, h(accept_encoding="gzip"))
    assert policy.use_gzip(url)
    policy.answered(url, Headers())  # silence changes nothing
    assert policy.use_gzip(url)
    policy.answered(url, h(accept_encoding="identity"))
    assert not policy.use_gzip(url)
    policy.answered(url, h(accept_encoding="gzip"))
    policy.refused(url)
    policy.answered(url, h(accept_encoding="gzip"))
    assert not policy.use_gzip(url) and policy.refused_for == url
    other = "http://acs/b"
    assert not policy.use_gzip(other) and policy.refused_for is None
    policy.answered(other, h(accept_encoding="gzip"))
    assert policy.use_gzip(other)
