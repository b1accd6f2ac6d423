"""Why a request got no response: the one place that unwraps Twisted's wrapper exceptions.

twisted.web's ``ResponseFailed``, ``ResponseNeverReceived``, ``RequestTransmissionFailed``
and ``RequestGenerationFailed`` carry the real causes in ``reasons`` (a list of
Failures); connect, DNS and TLS errors come bare. Every client of the agent (ACS
session, file transfers, TR-143 diagnostics) asks here which cause it was and then
words it in its own terms (a message, a CWMP fault code, a diagnostics state).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from OpenSSL import SSL
from service_identity import VerificationError
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.web.client import RequestGenerationFailed, RequestTransmissionFailed, ResponseFailed

from cwmpd.http.tls import CertificateRejected


class Why(enum.Enum):
    """The most specific kind of cause, most specific first."""

    CERTIFICATE_REFUSED = 1  # our verify callback refused the chain, dates, EKU or name
    NAME_MISMATCH = 2  # service_identity: the certificate does not name the host
    TLS_HANDSHAKE = 3  # OpenSSL failed the handshake
    DNS = 4  # the host name does not resolve
    CONNECT = 5  # TCP connect refused or timed out (twisted's TimeoutError is a ConnectError)
    OTHER = 6  # anything else (connection lost, cancelled, ...)


#: twisted.web's exceptions that carry ``reasons`` (ResponseNeverReceived is a ResponseFailed).
WRAPPERS = (ResponseFailed, RequestGenerationFailed, RequestTransmissionFailed)


def causes(exc: BaseException) -> list[BaseException]:
    """The exceptions under a Twisted wrapper exception, or ``[exc]`` itself."""
    reasons = exc.reasons if isinstance(exc, WRAPPERS) else []
    found = [f.value for f in reasons if f.value is not None]
    return found or [exc]


def _kind(cause: BaseException) -> Why:
    if isinstance(cause, CertificateRejected):
        return Why.CERTIFICATE_REFUSED
    if isinstance(cause, VerificationError):
        return Why.NAME_MISMATCH
    if isinstance(cause, SSL.Error):
        return Why.TLS_HANDSHAKE
    if isinstance(cause, DNSLookupError):
        return Why.DNS
    if isinstance(cause, ConnectError):
        return Why.CONNECT
    return Why.OTHER


@dataclass(frozen=True)
class Diagnosis:
    """``why`` a request failed, the ``cause`` that says so and every cause found."""

    why: Why
    cause: BaseException
    causes: tuple[BaseException, ...]

    def text(self) -> str:
        """All causes in one line (for OTHER, where no single one stands out)."""
        return "; ".join(str(c) or type(c).__name__ for c in self.causes)


def diagnose(exc: BaseException) -> Diagnosis:
    """The most specific cause of ``exc`` (the first of that kind on ties)."""
    found = causes(exc)
    why, cause = min(((_kind(c), c) for c in found), key=lambda kc: kc[0].value)
    return Diagnosis(why, cause, tuple(found))
