"""The leaf-certificate rules of cwmpd.http.tls_verify, on real certificates."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwmpd.http.tls_verify import chain_error, leaf_error
from cwmpd.testing.pki import make_ca, make_cert

CASES = [
    # (SAN hosts, host in the URL, accepted)
    (["*.example.net"], "acs.example.net", True),
    (["*.example.net"], "a.b.example.net", False),
    (["*.example.net"], "example.net", False),
    (["ACS.Example.NET"], "acs.example.net", True),
    (["::1"], "::1", True),
    (["::1"], "[::1]", True),
    (["::1"], "127.0.0.1", False),
    (["127.0.0.1"], "::ffff:127.0.0.1", False),
    (["localhost", "10.0.0.1"], "10.0.0.1", True),
    (["localhost", "10.0.0.1"], "localhost", True),
    (["10.0.0.1"], "10.0.0.10", False),
]


@pytest.mark.parametrize(("hosts", "host", "accepted"), CASES)
def test_host_matches_only_a_san_of_its_kind(
    tmp_path: Path, hosts: list[str], host: str, accepted: bool
) -> None:
    """Wildcards cover one label; IPs compare as addresses; no cross-kind match."""
    cert = make_cert(make_ca(tmp_path), hosts, tmp_path).cert
    reason, cn_used = leaf_error(cert, host)
    assert (reason is None) is accepted, reason
    assert not cn_used
    if not accepted:
        assert reason is not None and "does not match" in reason


@pytest.mark.parametrize(
    ("cn", "host", "accepted"),
    [
        ("acs.example.net", "acs.example.net", True),
        ("ACS.example.net", "acs.example.net", True),
        ("127.0.0.1", "127.0.0.1", True),
        ("127.0.0.1", "localhost", False),
        ("acs.example.net", "other.example.net", False),
        ("*.example.net", "acs.example.net", True),
    ],
)
def test_cn_match_only_when_allowed(tmp_path: Path, cn: str, host: str, accepted: bool) -> None:
    """Without subjectAltName the CN is used only when allowed, and then reported."""
    cert = make_cert(make_ca(tmp_path), [], tmp_path, common_name=cn).cert
    reason, cn_used = leaf_error(cert, host)
    assert reason is not None and "no subjectAltName" in reason and not cn_used
    reason, cn_used = leaf_error(cert, host, allow_cn=True)
    assert (reason is None) is accepted, reason
    assert cn_used is accepted


def test_cn_not_used_when_there_is_a_san(tmp_path: Path) -> None:
    """A certificate with a subjectAltName is judged on it alone, CN match allowed or not."""
    cert = make_cert(make_ca(tmp_path), ["other.example"], tmp_path, common_name="127.0.0.1")
    reason, cn_used = leaf_error(cert.cert, "127.0.0.1", allow_cn=True)
    assert reason is not None and "does not match" in reason and not cn_used


@pytest.mark.parametrize(
    ("usage", "accepted"), [("server", True), ("both", True), ("none", True), ("client", False)]
)
def test_server_eku_required_when_present(tmp_path: Path, usage: str, accepted: bool) -> None:
    """An EKU extension must include serverAuth; no EKU extension at all is fine."""
    cert = make_cert(make_ca(tmp_path), ["127.0.0.1"], tmp_path, usage=usage)  # type: ignore[arg-type]
    reason, _ = leaf_error(cert.cert, "127.0.0.1")
    assert (reason is None) is accepted, reason
    if not accepted:
        assert reason is not None and "serverAuth" in reason


def test_chain_errors_are_named() -> None:
    """OpenSSL's verify codes become phrases; unknown codes keep their number."""
    assert chain_error(10, 0) == "certificate has expired"
    assert "trusted CA" in chain_error(20, 0)
    assert chain_error(10, 1).endswith("(certificate 1 of the chain)")
    assert chain_error(4242, 0) == "certificate verification error 4242"
