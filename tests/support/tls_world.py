"""Bad server certificates for the TLS corpus (tests/security/test_tls_*.py).

Every certificate is issued by throwaway CAs from cwmpd.testing.pki; each case names the
host the agent's URL uses (an IP literal or ``localhost``) and a fragment of the one log
line or fault string the refusal must carry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cwmpd.testing.pki import CertificateAuthority, IssuedCert, make_ca, make_cert

FAST_RETRY = {"Device.ManagementServer.CWMPRetryMinimumWaitInterval": "1"}
GOOD_HOSTS = ["127.0.0.1", "localhost"]


@dataclass(frozen=True)
class Pki:
    """The CA the agent trusts, a CA it does not, and where to write certificates."""

    ca: CertificateAuthority
    other: CertificateAuthority
    tmp: Path

    @classmethod
    def create(cls, tmp: Path) -> Pki:
        """Fresh CAs in ``tmp``."""
        other = tmp / "other"
        other.mkdir()
        return cls(make_ca(tmp), make_ca(other, common_name="unknown CA"), tmp)

    def good(self) -> IssuedCert:
        """A proper ACS certificate for 127.0.0.1 and localhost."""
        return make_cert(self.ca, GOOD_HOSTS, self.tmp, "good")


@dataclass(frozen=True)
class BadCert:
    """One way a server certificate must be refused."""

    name: str
    host: str  # how the URL names the server
    issue: Callable[[Pki], IssuedCert]
    reason: str  # a fragment of the refusal's message


def _cert(pki: Pki, hosts: list[str], **kw: object) -> IssuedCert:
    return make_cert(pki.ca, hosts, pki.tmp, "bad", **kw)  # type: ignore[arg-type]


NO_SAN = "no subjectAltName"
MISMATCH = "does not match"
BAD_CERTS = [
    BadCert(
        "no_san_ip",
        "127.0.0.1",
        lambda p: _cert(p, [], common_name="evil.example"),
        NO_SAN,
    ),
    BadCert(
        "no_san_localhost",
        "localhost",
        lambda p: _cert(p, [], common_name="evil.example"),
        NO_SAN,
    ),
    BadCert(
        "no_san_cn_is_the_host",
        "127.0.0.1",
        lambda p: _cert(p, [], common_name="127.0.0.1"),
        NO_SAN,
    ),
    BadCert(
        "device_cert",
        "127.0.0.1",
        lambda p: _cert(p, [], client=True, common_name="cwmpd-device-0001"),
        "serverAuth",
    ),
    BadCert("wrong_san", "127.0.0.1", lambda p: _cert(p, ["acs.example"]), MISMATCH),
    BadCert(
        "ip_url_dns_san",
        "127.0.0.1",
        lambda p: _cert(p, ["127.0.0.1"], as_dns=True),
        MISMATCH,
    ),
    BadCert("dns_url_ip_san", "localhost", lambda p: _cert(p, ["127.0.0.1"]), MISMATCH),
    BadCert("expired", "127.0.0.1", lambda p: _cert(p, GOOD_HOSTS, expired=True), "expired"),
    BadCert(
        "client_eku_only",
        "127.0.0.1",
        lambda p: _cert(p, GOOD_HOSTS, usage="client"),
        "serverAuth",
    ),
    BadCert(
        "unknown_ca",
        "127.0.0.1",
        lambda p: make_cert(p.other, GOOD_HOSTS, p.tmp, "bad"),
        "issuer",
    ),
]
