"""Whether a server's leaf certificate is good for the host the URL names (pure checks).

The rules (RFC 6125 / RFC 2818, as browsers apply them):

- the host must match a subjectAltName of its own kind: an IP URL only an iPAddress
  entry, a DNS URL only a dNSName entry (wildcards as service_identity matches them);
- a certificate without subjectAltName is refused, unless the legacy commonName match
  is allowed by configuration (off by default; the caller logs a warning when used);
- when the certificate has an extendedKeyUsage extension it must include serverAuth.

service_identity (>= 24) raises ``CertificateError`` rather than ``VerificationError``
for a certificate without subjectAltName, which Twisted's own verify callback lets
through; everything here returns a reason instead of raising, so the caller can
refuse on any answer other than ``None``.
"""

from __future__ import annotations

import ipaddress

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from service_identity import CertificateError

try:
    from service_identity.hazmat import DNS_ID, DNSPattern
except ImportError:  # service-identity before 23.1 (Debian 12 ships 18.1): same classes
    from service_identity._common import DNS_ID, DNSPattern  # type: ignore[no-redef]

#: ``DNSPattern.from_bytes`` (23.1 and later) or the plain constructor (18.1), both from bytes.
_dns_pattern = getattr(DNSPattern, "from_bytes", DNSPattern)

#: OpenSSL X509_V_ERR_* codes worth a precise message (x509_vfy.h); others get their number.
_CHAIN_ERRORS = {
    2: "unable to get the issuer certificate (not issued by a trusted CA)",
    7: "certificate signature failure",
    9: "certificate is not yet valid",
    10: "certificate has expired",
    18: "self-signed certificate (not issued by a trusted CA)",
    19: "self-signed certificate in the chain (not a trusted CA)",
    20: "unable to get the local issuer certificate (not issued by a trusted CA)",
    21: "unable to verify the first certificate (unknown issuer)",
    24: "invalid CA certificate in the chain",
    26: "certificate is not for a TLS server (extendedKeyUsage lacks serverAuth)",
}


def chain_error(code: int, depth: int) -> str:
    """The reason OpenSSL's chain verification gave, as one phrase."""
    what = _CHAIN_ERRORS.get(code, f"certificate verification error {code}")
    return what if depth == 0 else f"{what} (certificate {depth} of the chain)"


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else ""
    return value if isinstance(value, str) else value.decode("latin-1")


def _names(san: x509.SubjectAlternativeName) -> str:
    shown = [f"DNS:{n}" for n in san.get_values_for_type(x509.DNSName)]
    shown += [f"IP:{n}" for n in san.get_values_for_type(x509.IPAddress)]
    more = f" and {len(shown) - 4} more" if len(shown) > 4 else ""
    return (", ".join(shown[:4]) + more) or "no DNS or IP name"


def _dns_matches(patterns: list[str], host: str) -> bool:
    try:
        wanted = DNS_ID(host)
    except ValueError:
        return False
    for text in patterns:
        try:
            pattern = _dns_pattern(text.encode("ascii"))
        except (CertificateError, UnicodeEncodeError):
            continue  # a malformed entry (an IP literal, a bad wildcard) matches nothing
        if wanted.verify(pattern):
            return True
    return False


def _cn_matches(cn: str, host: str) -> bool:
    ip = _ip(host)
    if ip is not None:
        return _ip(cn) == ip
    return _ip(cn) is None and _dns_matches([cn.lower()], host)


def server_eku_error(cert: x509.Certificate) -> str | None:
    """Why the certificate is not for a TLS server, or None (no EKU, or serverAuth in it)."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if ExtendedKeyUsageOID.SERVER_AUTH in eku:
        return None
    return "certificate is not for a TLS server (extendedKeyUsage lacks serverAuth)"


def identity_error(cert: x509.Certificate, host: str, allow_cn: bool) -> tuple[str | None, bool]:
    """(why ``cert`` does not name ``host`` or None, whether the legacy CN match was used)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        cn = _common_name(cert)
        if not allow_cn:
            return f"certificate has no subjectAltName (commonName {cn!r} is not used)", False
        if _cn_matches(cn, host):
            return None, True
        return f"certificate has no subjectAltName and its commonName {cn!r} does not match", False
    ip = _ip(host)
    if ip is not None:
        ok = ip in san.get_values_for_type(x509.IPAddress)
    else:
        ok = _dns_matches(san.get_values_for_type(x509.DNSName), host)
    if ok:
        return None, False
    kind = "IP" if ip is not None else "DNS"
    return f"certificate does not match {kind} {host} (it names {_names(san)})", False


def leaf_error(
    cert: x509.Certificate, host: str, allow_cn: bool = False
) -> tuple[str | None, bool]:
    """The first reason to refuse a chain-verified leaf for ``host``, or (None, cn_used)."""
    eku = server_eku_error(cert)
    if eku is not None:
        return eku, False
    return identity_error(cert, host, allow_cn)
