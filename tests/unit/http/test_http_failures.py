"""Unit tests of cwmpd.http.failures: the causes under Twisted's wrapper exceptions."""

from __future__ import annotations

import pytest
from OpenSSL import SSL
from service_identity import VerificationError
from twisted.internet import error
from twisted.python.failure import Failure
from twisted.web.client import RequestTransmissionFailed, ResponseFailed, ResponseNeverReceived

from cwmpd.http.failures import Why, causes, diagnose
from cwmpd.http.tls import CertificateRejected


def wrapped(
    kind: type[ResponseFailed | RequestTransmissionFailed], *inner: BaseException
) -> Exception:
    return kind([Failure(e) for e in inner])  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("exc", "why"),
    [
        (error.DNSLookupError("no.such"), Why.DNS),
        (error.ConnectionRefusedError(), Why.CONNECT),  # type: ignore[no-untyped-call]
        (error.TimeoutError(), Why.CONNECT),  # type: ignore[no-untyped-call]
        (wrapped(ResponseNeverReceived, CertificateRejected("expired")), Why.CERTIFICATE_REFUSED),
        (wrapped(ResponseNeverReceived, VerificationError([])), Why.NAME_MISMATCH),
        (wrapped(RequestTransmissionFailed, SSL.Error([])), Why.TLS_HANDSHAKE),
        (wrapped(ResponseFailed, error.ConnectionLost()), Why.OTHER),
        (ValueError("odd"), Why.OTHER),
    ],
)
def test_each_cause_is_named(exc: BaseException, why: Why) -> None:
    """Bare connect/DNS errors and causes wrapped in reasons get their kind."""
    assert diagnose(exc).why is why


def test_the_most_specific_of_several_causes_wins() -> None:
    """A lost connection next to a refused certificate: the certificate is the reason."""
    refused = CertificateRejected("not for this host")
    d = diagnose(wrapped(ResponseNeverReceived, error.ConnectionLost(), refused))
    assert (d.why, d.cause) == (Why.CERTIFICATE_REFUSED, refused)
    assert len(d.causes) == 2


def test_causes_unwrap_only_wrappers() -> None:
    """A bare exception is its own cause; a wrapper gives its reasons, or itself if empty."""
    bare = error.ConnectionRefusedError()  # type: ignore[no-untyped-call]
    assert causes(bare) == [bare]
    empty = wrapped(ResponseFailed)
    assert causes(empty) == [empty]
    lost = error.ConnectionLost("gone")
    assert causes(wrapped(ResponseFailed, lost)) == [lost]


def test_text_names_every_cause() -> None:
    """For OTHER the one-line text lists every cause, by message or by type."""
    d = diagnose(wrapped(ResponseFailed, error.ConnectionLost("gone"), ValueError()))
    first, second = d.text().split("; ")
    assert (str(error.ConnectionLost("gone")), second) == (first, "ValueError")
