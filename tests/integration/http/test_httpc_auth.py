"""ACS HTTP client authentication on loopback (H-6..H-8, H-10): Basic and Digest,
checked against Twisted's guard (MD5) and an independent hashlib server (SHA-256)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import pytest_twisted

from cwmpd.session.http import AcsHttpClient, AuthenticationFailed
from support.httpc_servers import (
    BASIC,
    DigestChecker,
    Recorder,
    Reply,
    Served,
    basic_server,
    twisted_guard,
)

Serve = Callable[..., Served]
Client = Callable[..., AcsHttpClient]


@pytest_twisted.ensureDeferred
async def test_basic_over_http_refused_by_default(serve: Serve, client: Client) -> None:
    """A Basic challenge over plain http is refused without sending the password."""
    rec = basic_server()
    with pytest.raises(AuthenticationFailed, match="Basic over plain http"):
        await client(serve(rec).url).post(b"<x/>")
    assert [s.header("authorization") for s in rec.seen] == [None]


@pytest_twisted.ensureDeferred
async def test_basic_over_http_allowed_with_flag(serve: Serve, client: Client) -> None:
    """With allow_basic_over_http the challenge is answered, then Basic is sent up front."""
    rec = basic_server()
    c = client(serve(rec).url, allow_basic_over_http=True)
    assert (await c.post(b"<x/>")).body == b"in"
    assert (await c.post(None)).body == b"in"
    assert [s.status for s in rec.seen] == [401, 200, 200]
    assert [s.header("authorization") for s in rec.seen] == [None, BASIC, BASIC]


@pytest.mark.parametrize("algorithm", [b"md5", b"md5-sess"])
@pytest_twisted.ensureDeferred
async def test_digest_md5_against_twisted_guard(
    serve: Serve, client: Client, algorithm: bytes
) -> None:
    """Twisted's own DigestCredentialFactory accepts our MD5 / MD5-sess answers, and
    later POSTs are authorized pre-emptively with a growing nonce count."""
    inner = Recorder(lambda s: Reply(200, body=b"welcome"))
    c = client(serve(twisted_guard(algorithm, inner)).url)
    for _ in range(3):
        assert (await c.post(b"<x/>")).body == b"welcome"
    assert len(inner.seen) == 3
    ncs = [s.header("authorization").split("nc=")[1][:8] for s in inner.seen]  # type: ignore[union-attr]
    assert ncs == ["00000001", "00000002", "00000003"]


@pytest_twisted.ensureDeferred
async def test_digest_md5_wrong_password_against_twisted_guard(
    serve: Serve, client: Client
) -> None:
    """Twisted's guard rejects a wrong password: AuthenticationFailed, inner never reached."""
    inner = Recorder()
    served = serve(twisted_guard(b"md5", inner))
    with pytest.raises(AuthenticationFailed):
        await client(served.url, password="wrong").post(b"<x/>")
    assert inner.seen == []


@pytest.mark.parametrize(
    ("algorithm", "qop"),
    [("SHA-256", True), ("SHA-256-sess", True), ("MD5", True), ("MD5-sess", True), ("MD5", False)],
)
@pytest_twisted.ensureDeferred
async def test_digest_against_independent_checker(
    serve: Serve, client: Client, algorithm: str, qop: bool
) -> None:
    """The hashlib oracle accepts our digest for each algorithm (and legacy no-qop);
    the challenge is answered once, then every POST is pre-authorized."""
    server = DigestChecker(algorithm, qop=qop)
    c = client(serve(server).url)
    for _ in range(3):
        assert (await c.post(b"<inform/>")).body == b"<ok/>"
    assert [s.status for s in server.seen] == [401, 200, 200, 200]
    assert all(f["algorithm"] == algorithm for f in server.accepted)
    if qop:
        assert [f["nc"] for f in server.accepted] == ["00000001", "00000002", "00000003"]
        assert len({f["cnonce"] for f in server.accepted}) == 1


@pytest_twisted.ensureDeferred
async def test_wrong_password_exactly_one_retry(serve: Serve, client: Client) -> None:
    """A wrong password gives AuthenticationFailed after exactly one answered challenge."""
    server = DigestChecker("SHA-256")
    with pytest.raises(AuthenticationFailed, match="rejected"):
        await client(serve(server).url, password="nope").post(b"<x/>")
    assert [s.status for s in server.seen] == [401, 401]
    assert server.seen[0].header("authorization") is None


@pytest_twisted.ensureDeferred
async def test_stale_nonce_renewed(serve: Serve, client: Client) -> None:
    """stale=true makes the client retry with the new nonce and nc restarting at 1."""
    server = DigestChecker("SHA-256", nonce_uses=1)
    c = client(serve(server).url)
    await c.post(b"<a/>")
    await c.post(b"<b/>")
    assert [s.status for s in server.seen] == [401, 200, 401, 200]
    assert [f["nc"] for f in server.accepted] == ["00000001", "00000001"]
    assert server.accepted[0]["nonce"] != server.accepted[1]["nonce"]
    assert server.seen[3].body == b"<b/>"


@pytest_twisted.ensureDeferred
async def test_strongest_scheme_chosen(serve: Serve, client: Client) -> None:
    """Offered Basic, MD5 and SHA-256 digest, the client answers with SHA-256."""
    offers = ('Basic realm="acs"', 'Digest realm="acs", nonce="zz", algorithm=MD5, qop="auth"')
    server = DigestChecker("SHA-256", offer_also=offers)
    c = client(serve(server).url, allow_basic_over_http=True)
    await c.post(b"<x/>")
    assert server.accepted[0]["algorithm"] == "SHA-256"


@pytest_twisted.ensureDeferred
async def test_fresh_cnonce_after_reconnect(serve: Serve, client: Client) -> None:
    """A 401 with `Connection: close` is answered on a new connection; when the ACS
    later closes that one, the next connection uses a new cnonce (nc keeps counting)."""
    server = DigestChecker("MD5-sess", close_on_401=True, close_after_ok=2)
    c = client(serve(server).url)
    for body in (b"<x/>", b"<y/>", b"<z/>"):
        await c.post(body)
    p = server.ports
    assert p[0] != p[1] == p[2] != p[3]
    cnonces = [f["cnonce"] for f in server.accepted]
    assert cnonces[0] == cnonces[1] != cnonces[2]
    assert [f["nc"] for f in server.accepted] == ["00000001", "00000002", "00000003"]


@pytest_twisted.ensureDeferred
async def test_no_username_no_credentials(serve: Serve, client: Client) -> None:
    """Without a configured username a challenge fails cleanly."""
    with pytest.raises(AuthenticationFailed, match="no username"):
        await client(serve(DigestChecker()).url, username="").post(b"<x/>")


@pytest_twisted.ensureDeferred
async def test_unsupported_scheme(serve: Serve, client: Client) -> None:
    """A challenge with only unknown schemes fails naming what was offered."""
    rec = Recorder(lambda s: Reply(401, [("WWW-Authenticate", "Negotiate abc==")]))
    with pytest.raises(AuthenticationFailed, match="negotiate"):
        await client(serve(rec).url).post(b"<x/>")
