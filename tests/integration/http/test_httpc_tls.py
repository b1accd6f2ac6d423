"""ACS HTTP client over real TLS with a throwaway CA (H-7, H-9, H-13, H-14, H-16)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import pytest_twisted

from cwmpd.http.tls import TlsPolicy
from cwmpd.session.http import AcsHttpClient, ConnectFailed
from cwmpd.testing.pki import server_tls_options
from support.httpc_servers import BASIC, DigestChecker, Pki, Recorder, Reply, Served, basic_server

Serve = Callable[..., Served]
Client = Callable[..., AcsHttpClient]


def trusting(pki: Pki) -> TlsPolicy:
    """A policy trusting the test CA."""
    return TlsPolicy(ca_file=str(pki.ca.cert_path))


@pytest_twisted.ensureDeferred
async def test_verified_https_session(serve: Serve, client: Client, pki: Pki) -> None:
    """A server certificate for 127.0.0.1 from the trusted CA is accepted; the TLS
    connection is reused across POSTs and local_address is set."""
    rec = Recorder()
    c = client(serve(rec, server_tls_options(pki.server.pem_path)).url, trusting(pki))
    for _ in range(3):
        assert (await c.post(b"<x/>")).body == b"ok"
    assert len(set(rec.ports)) == 1
    assert c.local_address == "127.0.0.1"
    assert rec.seen[0].client_cert_cn is None


@pytest_twisted.ensureDeferred
async def test_ca_bundle_with_several_certificates(serve: Serve, client: Client, pki: Pki) -> None:
    """A ca_file bundle whose trusted CA is not the first certificate still works."""
    bundle = pki.dir / "bundle.pem"
    bundle.write_bytes(pki.other_ca.cert_path.read_bytes() + pki.ca.cert_path.read_bytes())
    url = serve(Recorder(), server_tls_options(pki.server.pem_path)).url
    assert (await client(url, TlsPolicy(ca_file=str(bundle))).post(None)).code == 200


@pytest_twisted.ensureDeferred
async def test_unknown_ca_refused(serve: Serve, client: Client, pki: Pki) -> None:
    """A server certificate from a CA we do not trust fails with a TLS ConnectFailed
    and the request never reaches the server."""
    rec = Recorder()
    url = serve(rec, server_tls_options(pki.server.pem_path)).url
    policy = TlsPolicy(ca_file=str(pki.other_ca.cert_path))
    with pytest.raises(ConnectFailed, match="TLS") as info:
        await client(url, policy).post(b"<x/>")
    assert "not issued by a trusted CA" in str(info.value)
    assert rec.seen == []


@pytest_twisted.ensureDeferred
async def test_hostname_mismatch_refused(serve: Serve, client: Client, pki: Pki) -> None:
    """A trusted certificate for `localhost` does not pass for the IP 127.0.0.1."""
    rec = Recorder()
    url = serve(rec, server_tls_options(pki.localhost_only.pem_path)).url
    with pytest.raises(ConnectFailed, match=r"does not match IP 127\.0\.0\.1"):
        await client(url, trusting(pki)).post(b"<x/>")
    assert rec.seen == []


@pytest_twisted.ensureDeferred
async def test_redirect_checks_the_new_host(serve: Serve, client: Client, pki: Pki) -> None:
    """After a redirect to https://localhost the certificate is checked against
    `localhost` (a localhost-only certificate passes)."""
    tls_server = serve(Recorder(), server_tls_options(pki.localhost_only.pem_path))
    target = tls_server.url.replace("127.0.0.1", "localhost")
    first = serve(Recorder(lambda s: Reply(307, [("Location", target)])))
    c = client(first.url, trusting(pki))
    assert (await c.post(b"<x/>")).body == b"ok"
    assert c.url == target


@pytest_twisted.ensureDeferred
async def test_client_certificate_presented(serve: Serve, client: Client, pki: Pki) -> None:
    """With client_cert configured, a server requiring one sees our certificate."""
    rec = Recorder()
    tls = server_tls_options(pki.server.pem_path, ca_for_client_auth=pki.ca.cert_path)
    url = serve(rec, tls).url
    policy = TlsPolicy(ca_file=str(pki.ca.cert_path), client_cert=str(pki.client.pem_path))
    await client(url, policy).post(b"<x/>")
    assert rec.seen[0].client_cert_cn == "cpe-0001"


@pytest_twisted.ensureDeferred
async def test_missing_client_certificate_refused(serve: Serve, client: Client, pki: Pki) -> None:
    """A server requiring a client certificate rejects a client without one."""
    rec = Recorder()
    tls = server_tls_options(pki.server.pem_path, ca_for_client_auth=pki.ca.cert_path)
    with pytest.raises(ConnectFailed, match="certificate required"):
        await client(serve(rec, tls).url, trusting(pki)).post(b"<x/>")
    assert rec.seen == []


@pytest_twisted.ensureDeferred
async def test_bad_tls_files(client: Client, pki: Pki) -> None:
    """An unreadable ca_file or a client_cert without key gives a clear ConnectFailed."""
    missing = TlsPolicy(ca_file=str(pki.dir / "nope.pem"))
    with pytest.raises(ConnectFailed, match="cannot read CA bundle"):
        await client("https://127.0.0.1:1/acs", missing).post(None)
    no_key = TlsPolicy(ca_file=str(pki.ca.cert_path), client_cert=str(pki.client.cert_path))
    with pytest.raises(ConnectFailed, match="certificate and its key"):
        await client("https://127.0.0.1:1/acs", no_key).post(None)


@pytest_twisted.ensureDeferred
async def test_basic_preemptive_over_https(serve: Serve, client: Client, pki: Pki) -> None:
    """Over https the first POST already carries Basic credentials (no 401 round trip)."""
    rec = basic_server()
    c = client(serve(rec, server_tls_options(pki.server.pem_path)).url, trusting(pki))
    await c.post(b"<x/>")
    await c.post(None)
    assert [(s.status, s.header("authorization")) for s in rec.seen] == [(200, BASIC)] * 2


@pytest_twisted.ensureDeferred
async def test_digest_challenge_over_https(serve: Serve, client: Client, pki: Pki) -> None:
    """Over https a Digest challenge replaces the pre-emptive Basic for the session."""
    server = DigestChecker("SHA-256")
    c = client(serve(server, server_tls_options(pki.server.pem_path)).url, trusting(pki))
    await c.post(b"<x/>")
    await c.post(b"<y/>")
    auths = [s.header("authorization") or "" for s in server.seen]
    assert [s.status for s in server.seen] == [401, 200, 200]
    assert auths[0].startswith("Basic ")
    assert all(a.startswith("Digest ") for a in auths[1:])


@pytest.mark.parametrize(("now", "accepted"), [(None, False), (0.0, True)])
@pytest_twisted.ensureDeferred
async def test_certificate_dates_skipped_only_without_a_trustworthy_clock(
    serve: Serve, pki: Pki, now: float | None, accepted: bool
) -> None:
    """An expired server certificate is refused while the clock is right; with the clock
    in 1970 (a router before NTP) dates are not checked, the CA and name still are (H-15)."""
    import time

    from twisted.internet import reactor
    from twisted.web.client import Agent, readBody

    from cwmpd.http.tls import tls_policy_for
    from cwmpd.testing.pki import make_cert

    expired = make_cert(pki.ca, ["127.0.0.1"], pki.dir, "expired", expired=True)
    url = serve(Recorder(), server_tls_options(expired.pem_path)).url
    clock = time.time if now is None else (lambda: now)
    agent = Agent(reactor, contextFactory=tls_policy_for(trusting(pki), clock))  # type: ignore[no-untyped-call]
    request = agent.request(b"POST", url.encode())
    if accepted:
        response = await request
        assert await readBody(response) == b"ok"
    else:
        with pytest.raises(Exception) as info:
            await request
        assert "certificate verify failed" in repr(info.value) or "expired" in repr(info.value)
    if now is not None:  # the CA is still checked with the clock off
        other = make_cert(pki.other_ca, ["127.0.0.1"], pki.dir, "other-expired", expired=True)
        url2 = serve(Recorder(), server_tls_options(other.pem_path)).url
        with pytest.raises(Exception, match="not issued by a trusted CA"):
            await Agent(reactor, contextFactory=tls_policy_for(trusting(pki), clock)).request(  # type: ignore[no-untyped-call]
                b"POST", url2.encode()
            )
