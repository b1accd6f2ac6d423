"""TLS policy for talking to the ACS and to transfer servers.

Without a trustworthy clock (a router before NTP, still in 1970) certificate dates are not
checked, everything else is (TR-069 section 3.3, H-15): otherwise a device without a
real-time clock could never reach its ACS to be told the time.

One policy for every TLS client of the agent (ACS sessions, downloads, uploads; the
TR-143 diagnostics speak plain http only): ``tls_policy_for`` gives the
``IPolicyForHTTPS`` they all use.

Twisted's ``BrowserLikePolicyForHTTPS`` only takes one trust root and no client
certificate, and ``Certificate.loadPEM`` reads only the first certificate of a
bundle; this module adds PEM bundles, a client certificate and a TLS 1.2 floor.
The host check is our own (cwmpd.http.tls_verify, run in the verify callback):
Twisted's callback treats only ``VerificationError`` as a failure, and
service_identity >= 24 raises ``CertificateError`` for a certificate without
subjectAltName, which Twisted then logs and accepts. Ours fails closed on any
exception and reports a ``CertificateRejected`` with the reason.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from OpenSSL import SSL, crypto
from twisted.internet import ssl
from twisted.internet._sslverify import IOpenSSLTrustRoot  # public via ssl.trustRoot* only
from twisted.internet.interfaces import IOpenSSLClientConnectionCreator
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer

from cwmpd.config import AcsConfig, Config, ConfigError
from cwmpd.http.tls_verify import chain_error, leaf_error

_log = Logger(namespace="cwmpd.tls")
_PEM_CERT = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.+?\r?\n-----END CERTIFICATE-----", re.DOTALL
)


class TlsConfigError(ValueError):
    """A CA bundle or client certificate file is missing or unreadable."""


class CertificateRejected(Exception):
    """The server's certificate was refused: chain, dates, EKU or host name (the reason)."""


@dataclass(frozen=True)
class TlsPolicy:
    """How to verify the server and what to present to it.

    ``ca_file``: PEM bundle of trusted roots; empty means the system trust store.
    ``client_cert``: PEM file holding a certificate (+ optional chain) and its key;
    empty means no client certificate.
    ``allow_cn_match``: accept a certificate without subjectAltName whose commonName
    is the host (legacy ACS certificates; a warning is logged each time it is used).
    """

    ca_file: str = ""
    client_cert: str = ""
    allow_cn_match: bool = False

    @classmethod
    def from_config(cls, acs: AcsConfig) -> TlsPolicy:
        """The policy the [acs] section describes (used for the ACS and file servers)."""
        return cls(acs.ca_file, acs.client_cert, acs.tls_allow_cn_match)


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise TlsConfigError(f"cannot read {what} {path!r}: {e.strerror or e}") from e


def pem_certificates(data: bytes, source: str) -> list[ssl.Certificate]:
    """Every certificate of a PEM bundle, in order (TlsConfigError if none or broken)."""
    blocks = _PEM_CERT.findall(data)
    if not blocks:
        raise TlsConfigError(f"no PEM certificate found in {source!r}")
    try:
        return [ssl.Certificate.loadPEM(block) for block in blocks]
    except (SSL.Error, crypto.Error) as e:
        raise TlsConfigError(f"bad certificate in {source!r}: {e}") from e


def _trust_root(policy: TlsPolicy) -> Any:
    if not policy.ca_file:
        return ssl.platformTrust()  # type: ignore[no-untyped-call]
    certs = pem_certificates(_read(policy.ca_file, "CA bundle"), policy.ca_file)
    return ssl.trustRootFromCertificates(certs)  # type: ignore[no-untyped-call]


def _client_identity(policy: TlsPolicy) -> tuple[ssl.PrivateCertificate | None, list[Any]]:
    if not policy.client_cert:
        return None, []
    data = _read(policy.client_cert, "client certificate")
    certs = pem_certificates(data, policy.client_cert)
    try:
        private = ssl.PrivateCertificate.loadPEM(data)  # type: ignore[no-untyped-call]
    except (SSL.Error, crypto.Error) as e:
        msg = f"client certificate {policy.client_cert!r} needs a PEM certificate and its key"
        raise TlsConfigError(f"{msg}: {e}") from e
    chain = [c.original for c in certs[1:]]
    return private, chain


#: Before this instant (2025-01-01T00:00:00Z) the system clock is not trusted (H-15).
MIN_TRUSTED_TIME = 1735689600.0
_X509_V_FLAG_NO_CHECK_TIME = 0x200000  # OpenSSL >= 1.1.0; pyOpenSSL has no name for it


@implementer(IOpenSSLTrustRoot)
class ClockTolerantTrust:
    """A trust root that skips certificate validity dates while the clock is untrustworthy."""

    def __init__(self, inner: Any, clock: Callable[[], float]) -> None:
        self._inner = inner
        self._clock = clock

    def _addCACertsToContext(self, context: SSL.Context) -> None:
        """Add the inner roots; without a trustworthy clock, ignore notBefore/notAfter."""
        self._inner._addCACertsToContext(context)
        if self._clock() < MIN_TRUSTED_TIME:
            _log.warn("system clock not set: TLS certificate dates are not checked (H-15)")
            context.get_cert_store().set_flags(_X509_V_FLAG_NO_CHECK_TIME)


def _sni(host: str) -> bytes | None:
    """The server name to send: DNS names only, never IP literals (RFC 6066)."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    try:
        return host.encode("idna")
    except UnicodeError:
        return host.encode("ascii", "replace")


@implementer(IOpenSSLClientConnectionCreator)
class VerifyingConnectionCreator:
    """Client connections to ``host`` that OpenSSL verifies against the trust root and
    that we verify for the host name and server EKU; anything else fails closed."""

    def __init__(self, options: ssl.CertificateOptions, host: str, allow_cn: bool) -> None:
        self._options = options
        self._host = host
        self._allow_cn = allow_cn
        self._sni = _sni(host)

    def clientConnectionForTLS(self, tlsProtocol: Any) -> SSL.Connection:
        """A connection whose verify callback refuses a bad chain or leaf."""
        connection = SSL.Connection(self._options.getContext(), None)
        connection.set_app_data(tlsProtocol)
        if self._sni is not None:
            connection.set_tlsext_host_name(self._sni)
        verify, handshake_done = self._callbacks(tlsProtocol)
        connection.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, verify)
        if hasattr(connection, "set_info_callback"):  # pyOpenSSL >= 23.1; Debian 12 has 23.0
            connection.set_info_callback(handshake_done)  # (the verify callback still refuses)
        return connection

    def _callbacks(
        self, tls_protocol: Any
    ) -> tuple[
        Callable[[SSL.Connection, Any, int, int, int], bool],
        Callable[[SSL.Connection, int, int], None],
    ]:
        """The verify callback, and an info callback that refuses a handshake that ended
        without the leaf having been checked (fail closed)."""
        protocol: list[Any] = [tls_protocol]  # dropped after the first verdict (no cycle)
        checked: list[bool] = []

        def handshake_done(conn: SSL.Connection, where: int, ret: int) -> None:
            if where & SSL.SSL_CB_HANDSHAKE_DONE and not checked:
                refuse("the server certificate was not verified")

        def refuse(reason: str) -> bool:
            if protocol:
                failure = Failure(CertificateRejected(reason))  # type: ignore[no-untyped-call]
                protocol.pop().failVerification(failure)
            return False

        def verify(conn: SSL.Connection, cert: Any, err: int, depth: int, ok: int) -> bool:
            try:
                if not ok:
                    return refuse(chain_error(err, depth))
                if depth != 0:
                    return True
                reason, cn_used = leaf_error(cert.to_cryptography(), self._host, self._allow_cn)
                if reason is not None:
                    return refuse(reason)
                if cn_used:
                    _log.warn(
                        "TLS: certificate of {host} has no subjectAltName; accepted on its "
                        "commonName (acs.tls_allow_cn_match)",
                        host=self._host,
                    )
                checked.append(True)
                protocol.clear()
                return True
            except Exception as exc:  # fail closed, whatever went wrong
                return refuse(f"cannot verify the certificate: {type(exc).__name__}: {exc}")

        return verify, handshake_done


@implementer(IPolicyForHTTPS)
class VerifyingPolicyForHTTPS:
    """Like ``BrowserLikePolicyForHTTPS``: trust root, host name and server EKU checked
    by cwmpd.http.tls_verify, SNI for DNS names, TLS >= 1.2, plus an optional
    client certificate. Every TLS client of the agent gets its connections here."""

    def __init__(
        self,
        trust_root: Any,
        client_certificate: ssl.PrivateCertificate | None = None,
        extra_chain: list[Any] | None = None,
        clock: Callable[[], float] = time.time,
        *,
        allow_cn_match: bool = False,
    ) -> None:
        self._trust_root = ClockTolerantTrust(trust_root, clock)
        self._client_certificate = client_certificate
        self._extra_chain = extra_chain or []
        self._allow_cn = allow_cn_match

    def creatorForNetloc(self, hostname: bytes, port: int) -> IOpenSSLClientConnectionCreator:
        """A connection creator verifying ``hostname`` (bracket-less for IPv6)."""
        host = hostname.decode("ascii").strip("[]")
        extra: dict[str, Any] = {"raiseMinimumTo": ssl.TLSVersion.TLSv1_2}
        if self._extra_chain:
            extra["extraCertChain"] = self._extra_chain
        if self._client_certificate is not None:
            extra["privateKey"] = self._client_certificate.privateKey.original
            extra["certificate"] = self._client_certificate.original
        options = ssl.CertificateOptions(trustRoot=self._trust_root, **extra)
        return VerifyingConnectionCreator(options, host, self._allow_cn)


def tls_policy_for(policy: TlsPolicy, clock: Callable[[], float] = time.time) -> IPolicyForHTTPS:
    """Load the files named by ``policy`` now; raises TlsConfigError with the reason."""
    client, chain = _client_identity(policy)
    return VerifyingPolicyForHTTPS(
        _trust_root(policy), client, chain, clock, allow_cn_match=policy.allow_cn_match
    )


def check_tls_files(config: Config) -> None:
    """Load acs.ca_file and acs.client_cert now: a bad one is a ConfigError naming its key."""
    for key in ("ca_file", "client_cert"):
        path = getattr(config.acs, key)
        if not path:
            continue
        try:
            tls_policy_for(TlsPolicy(**{key: path}))
        except TlsConfigError as exc:
            raise ConfigError(f"{config.source}: acs.{key}: {exc}") from exc


def server_tls_for(cert_file: str, client_ca_file: str) -> ssl.CertificateOptions:
    """Server TLS (>= 1.2) for the Agent's own servers (the USP WebSocket server): presents
    ``cert_file`` (PEM certificate, chain and key) and requires a client certificate issued
    by a CA of ``client_ca_file``; raises TlsConfigError with the reason."""
    data = _read(cert_file, "server certificate")
    certs = pem_certificates(data, cert_file)
    try:
        private = ssl.PrivateCertificate.loadPEM(data)  # type: ignore[no-untyped-call]
    except (SSL.Error, crypto.Error) as e:
        msg = f"server certificate {cert_file!r} needs a PEM certificate and its key"
        raise TlsConfigError(f"{msg}: {e}") from e
    cas = pem_certificates(_read(client_ca_file, "client CA bundle"), client_ca_file)
    return ssl.CertificateOptions(
        privateKey=private.privateKey.original,
        certificate=private.original,
        extraCertChain=[c.original for c in certs[1:]],
        verify=True,
        caCerts=[c.original for c in cas],
        requireCertificate=True,
        raiseMinimumTo=ssl.TLSVersion.TLSv1_2,
    )
