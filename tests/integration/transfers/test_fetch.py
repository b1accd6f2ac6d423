"""Loopback tests of FileServerClient: each way a fetch can fail maps to its fault code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor

from cwmpd.http.tls import TlsPolicy
from cwmpd.testing.acs_auth import BasicAuthenticator, DigestAuthenticator
from cwmpd.testing.pki import server_tls_options
from cwmpd.transfers.errors import TransferError
from cwmpd.transfers.http import FileServerClient
from cwmpd.transfers.limits import HttpLimits
from support.web import stop
from support.xfer_servers import PASSWORD, USER, Behaviour, FileServer, Listening

Serve = Callable[..., Awaitable[Listening]]
DATA = b"CWMPD-SIMULATED-FIRMWARE version=2.0.0\n" + bytes(range(256)) * 400


async def fetch(
    url: str,
    dest: Path,
    *,
    expected: int = 0,
    space: int = 1 << 30,
    user: str = USER,
    password: str = PASSWORD,
    tls: TlsPolicy | None = None,
    **kw: object,
) -> int:
    client = FileServerClient(reactor, tls or TlsPolicy(), user, password, **kw)  # type: ignore[arg-type]
    try:
        return await client.get(url, dest, expected=expected, space=space)
    finally:
        await client.close()


async def fault_of(coro: Awaitable[int]) -> int:
    with pytest.raises(TransferError) as info:
        await coro
    return info.value.code


@pytest_twisted.ensureDeferred
async def test_plain_http_download_writes_the_file(serve: Serve, tmp_path: Path) -> None:
    """A plain GET streams the whole body into the spool file and returns its size."""
    srv = await serve(FileServer(files={"/fw.bin": Behaviour(DATA)}))
    dest = tmp_path / "spool"
    assert await fetch(srv.url("/fw.bin"), dest, expected=len(DATA)) == len(DATA)
    assert dest.read_bytes() == DATA


@pytest_twisted.ensureDeferred
async def test_not_found_is_9016_and_leaves_no_file(serve: Serve, tmp_path: Path) -> None:
    """HTTP 404 is "unable to access file" (9016); no partial file stays behind."""
    srv = await serve()
    dest = tmp_path / "spool"
    assert await fault_of(fetch(srv.url("/missing"), dest)) == 9016
    assert not dest.exists()


@pytest_twisted.ensureDeferred
async def test_connection_cut_mid_transfer_is_9017(serve: Serve, tmp_path: Path) -> None:
    """A body cut before its Content-Length is an incomplete download (9017), file removed."""
    srv = await serve(FileServer(files={"/cut": Behaviour(DATA, cut_after=5000)}))
    dest = tmp_path / "spool"
    assert await fault_of(fetch(srv.url("/cut"), dest)) == 9017
    assert not dest.exists()


@pytest_twisted.ensureDeferred
async def test_short_file_against_file_size_is_9017(serve: Serve, tmp_path: Path) -> None:
    """A complete body shorter than the ACS's FileSize is a size mismatch (9017)."""
    srv = await serve(FileServer(files={"/f": Behaviour(DATA)}))
    dest = tmp_path / "spool"
    assert await fault_of(fetch(srv.url("/f"), dest, expected=len(DATA) + 1)) == 9017
    assert not dest.exists()


@pytest_twisted.ensureDeferred
async def test_no_space_is_9010(serve: Serve, tmp_path: Path) -> None:
    """A body larger than the space left is refused with 9010 before it is written."""
    srv = await serve(FileServer(files={"/f": Behaviour(DATA)}))
    dest = tmp_path / "spool"
    assert await fault_of(fetch(srv.url("/f"), dest, space=1000)) == 9010
    assert not dest.exists()


@pytest_twisted.ensureDeferred
async def test_digest_over_https_with_verified_certificate(
    serve: Serve, pki: object, tmp_path: Path
) -> None:
    """Digest credentials from the Download arguments open a file served over verified TLS."""
    auth = DigestAuthenticator(USER, PASSWORD, algorithm="SHA-256")
    files = {"/secure.bin": Behaviour(DATA, auth=auth)}
    srv = await serve(FileServer(files=files), server_tls_options(pki.server.pem_path))  # type: ignore[attr-defined]
    dest = tmp_path / "spool"
    tls = TlsPolicy(ca_file=str(pki.ca.cert_path))  # type: ignore[attr-defined]
    assert await fetch(srv.url("/secure.bin"), dest, tls=tls) == len(DATA)
    assert dest.read_bytes() == DATA


@pytest_twisted.ensureDeferred
async def test_wrong_password_is_9012(serve: Serve, tmp_path: Path) -> None:
    """A file server that keeps refusing the credentials gives 9012."""
    files = {"/f": Behaviour(DATA, auth=DigestAuthenticator(USER, PASSWORD))}
    srv = await serve(FileServer(files=files))
    dest = tmp_path / "spool"
    assert await fault_of(fetch(srv.url("/f"), dest, password="wrong")) == 9012


@pytest_twisted.ensureDeferred
async def test_redirects_are_followed_and_auth_answered_after_them(
    serve: Serve, tmp_path: Path
) -> None:
    """302 and 303 are followed with GET; the redirected URL's own 401 is answered."""
    files = {
        "/old": Behaviour(status=302, location="/moved"),
        "/moved": Behaviour(status=303, location="/f"),
        "/f": Behaviour(DATA, auth=DigestAuthenticator(USER, PASSWORD)),
    }
    server = FileServer(files=files)
    srv = await serve(server)
    dest = tmp_path / "spool"
    assert await fetch(srv.url("/old"), dest) == len(DATA)
    assert [(m, p) for m, p, _ in server.log] == [
        ("GET", "/old"),
        ("GET", "/moved"),
        ("GET", "/f"),
        ("GET", "/f"),
    ]


@pytest_twisted.ensureDeferred
async def test_endless_redirects_are_9016(serve: Serve, tmp_path: Path) -> None:
    """max_redirects are followed, the next one fails as "unable to access file" (9016)."""
    server = FileServer(files={"/loop": Behaviour(status=307, location="/loop")})
    srv = await serve(server)
    limits = HttpLimits(max_redirects=2)
    assert await fault_of(fetch(srv.url("/loop"), tmp_path / "spool", limits=limits)) == 9016
    assert len(server.log) == 3


@pytest_twisted.ensureDeferred
async def test_redirect_without_location_is_9016(serve: Serve, tmp_path: Path) -> None:
    """A redirect status with no Location cannot be followed: 9016."""
    srv = await serve(FileServer(files={"/f": Behaviour(status=302)}))
    assert await fault_of(fetch(srv.url("/f"), tmp_path / "spool")) == 9016


@pytest_twisted.ensureDeferred
async def test_redirect_to_another_protocol_is_9013(serve: Serve, tmp_path: Path) -> None:
    """A redirect to ftp:// is an unsupported protocol (9013), nothing is fetched there."""
    srv = await serve(FileServer(files={"/f": Behaviour(status=301, location="ftp://h/f")}))
    assert await fault_of(fetch(srv.url("/f"), tmp_path / "spool")) == 9013


@pytest_twisted.ensureDeferred
async def test_basic_over_plain_http_is_refused_unless_allowed(
    serve: Serve, tmp_path: Path
) -> None:
    """Basic is not sent in clear (X-3) unless the integrator allows it; then it works."""
    files = {"/f": Behaviour(DATA, auth=BasicAuthenticator(USER, PASSWORD))}
    srv = await serve(FileServer(files=files))
    dest = tmp_path / "spool"
    assert await fault_of(fetch(srv.url("/f"), dest)) == 9012
    assert await fetch(srv.url("/f"), dest, allow_basic_over_http=True) == len(DATA)


@pytest_twisted.ensureDeferred
async def test_certificate_for_another_name_is_9015(
    serve: Serve, pki: object, tmp_path: Path
) -> None:
    """A certificate that does not name the host fails verification: cannot contact (9015)."""
    files = {"/f": Behaviour(DATA)}
    srv = await serve(FileServer(files=files), server_tls_options(pki.other_name.pem_path))  # type: ignore[attr-defined]
    tls = TlsPolicy(ca_file=str(pki.ca.cert_path))  # type: ignore[attr-defined]
    assert await fault_of(fetch(srv.url("/f"), tmp_path / "spool", tls=tls)) == 9015


@pytest_twisted.ensureDeferred
async def test_refused_connection_is_9015(serve: Serve, tmp_path: Path) -> None:
    """Nobody listening: unable to contact the file server (9015)."""
    srv = await serve()
    url = srv.url("/f")
    await stop(srv.port)
    assert await fault_of(fetch(url, tmp_path / "spool")) == 9015


@pytest_twisted.ensureDeferred
async def test_stalled_server_times_out_with_9017(serve: Serve, tmp_path: Path) -> None:
    """A server that stops sending mid-body trips the idle timeout (9017)."""
    srv = await serve(FileServer(files={"/slow": Behaviour(DATA, stall=True)}))
    limits = HttpLimits(idle_timeout=0.2)
    code = await fault_of(fetch(srv.url("/slow"), tmp_path / "spool", limits=limits))
    assert code == 9017
