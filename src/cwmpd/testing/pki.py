"""Throwaway PKI for tests: a CA, server/client certificates and server TLS options.

Neither Twisted nor the stdlib can mint certificates; ``cryptography`` (a
pyOpenSSL dependency) does the work. EC P-256 keys keep generation fast.
"""

from __future__ import annotations

import datetime
import ipaddress
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from OpenSSL import SSL
from twisted.internet import ssl
from twisted.internet.interfaces import IOpenSSLServerConnectionCreator
from zope.interface import implementer

__all__ = [
    "CertificateAuthority",
    "IssuedCert",
    "SwitchableServerTls",
    "make_ca",
    "make_cert",
    "server_tls_options",
]

#: Which extendedKeyUsage a leaf gets: serverAuth, clientAuth, both, or no EKU extension.
Usage = Literal["server", "client", "both", "none"]
_USAGES: dict[str, list[x509.ObjectIdentifier]] = {
    "server": [ExtendedKeyUsageOID.SERVER_AUTH],
    "client": [ExtendedKeyUsageOID.CLIENT_AUTH],
    "both": [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
    "none": [],
}


@dataclass(frozen=True)
class CertificateAuthority:
    """A self-signed CA: its certificate, key, and the PEM file of the certificate."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cert_path: Path


@dataclass(frozen=True)
class IssuedCert:
    """A leaf certificate: ``pem_path`` holds cert + key (what TlsPolicy.client_cert
    and server_tls_options want); ``cert_path``/``key_path`` hold them apart."""

    cert: x509.Certificate
    pem_path: Path
    cert_path: Path
    key_path: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def make_ca(
    directory: Path | str | None = None, name: str = "ca", common_name: str = "cwmpd test CA"
) -> CertificateAuthority:
    """Create a CA valid for a day and write ``<directory>/<name>.pem`` (a fresh
    temporary directory when none is given)."""
    directory = Path(directory) if directory is not None else Path(tempfile.mkdtemp("-pki"))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(common_name)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(minutes=5))
        .not_valid_after(_now() + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    path = Path(directory) / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return CertificateAuthority(cert, key, path)


def _san(hosts: Sequence[str], as_dns: bool) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            if as_dns:
                raise ValueError(host)
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def make_cert(
    ca: CertificateAuthority,
    hosts: Sequence[str],
    directory: Path | str | None = None,
    name: str = "server",
    *,
    client: bool = False,
    common_name: str | None = None,
    expired: bool = False,
    usage: Usage | None = None,
    as_dns: bool = False,
) -> IssuedCert:
    """Issue a leaf for ``hosts`` (DNS names and IP literals go in subjectAltName;
    no hosts: no subjectAltName at all, the legacy CN-only certificate).

    ``client=True`` makes a TLS client certificate (EKU clientAuth), else serverAuth;
    ``usage`` overrides that ("none": no EKU extension); ``as_dns=True`` writes IP
    literals as DNS names (the wrong SAN type); ``expired=True`` one whose validity
    ended yesterday. Writes ``<name>.pem`` (cert+key),
    ``<name>.crt`` and ``<name>.key`` into ``directory`` (default: the CA's)."""
    key = ec.generate_private_key(ec.SECP256R1())
    usages = _USAGES[usage or ("client" if client else "server")]
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name or (hosts[0] if hosts else name)))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(days=10 if expired else 0, minutes=5))
        .not_valid_after(_now() + datetime.timedelta(days=-1 if expired else 1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if hosts:
        builder = builder.add_extension(_san(hosts, as_dns), critical=False)
    cert = builder.sign(ca.key, hashes.SHA256())
    directory = Path(directory) if directory is not None else ca.cert_path.parent
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = _key_pem(key)
    paths = [directory / f"{name}{ext}" for ext in (".pem", ".crt", ".key")]
    paths[0].write_bytes(cert_pem + key_pem)
    paths[1].write_bytes(cert_pem)
    paths[2].write_bytes(key_pem)
    return IssuedCert(cert, paths[0], paths[1], paths[2])


def server_tls_options(
    cert_pem_path: Path | str, ca_for_client_auth: Path | str | None = None
) -> ssl.CertificateOptions:
    """Server-side TLS options from a cert+key PEM; with ``ca_for_client_auth`` the
    server requires a client certificate issued by that CA."""
    data = Path(cert_pem_path).read_bytes()
    private = ssl.PrivateCertificate.loadPEM(data)  # type: ignore[no-untyped-call]
    if ca_for_client_auth is None:
        options: ssl.CertificateOptions = private.options()
    else:
        options = private.options(ssl.Certificate.loadPEM(Path(ca_for_client_auth).read_bytes()))
    return options


@implementer(IOpenSSLServerConnectionCreator)
class SwitchableServerTls:
    """Server TLS whose certificate can be swapped while listening: a server that
    presents a bad certificate first and a good one later, on the same port."""

    def __init__(self, cert_pem_path: Path | str) -> None:
        self.options = server_tls_options(cert_pem_path)
        self.handshakes = 0

    def use(self, cert_pem_path: Path | str) -> None:
        """Present this certificate to the next connections."""
        self.options = server_tls_options(cert_pem_path)

    def serverConnectionForTLS(self, tlsProtocol: Any) -> SSL.Connection:
        """A server connection with the current certificate."""
        self.handshakes += 1
        connection = SSL.Connection(self.options.getContext(), None)
        connection.set_app_data(tlsProtocol)
        return connection
