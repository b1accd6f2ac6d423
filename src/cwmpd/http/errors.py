"""Errors raised by the ACS HTTP client (contract C): one base class, one subclass per cause."""

from __future__ import annotations


class AcsHttpError(Exception):
    """Base of every failure of an ACS HTTP exchange; ``str()`` is a one-line reason."""


class AuthenticationFailed(AcsHttpError):
    """The ACS rejected our credentials, or asked for a scheme we must not or cannot use."""


class TooManyRedirects(AcsHttpError):
    """More than the allowed number of successive redirects (H-9)."""


class ResponseTooLarge(AcsHttpError):
    """The response body exceeded the configured cap; the connection was aborted."""


class Timeout(AcsHttpError):
    """No complete response within the per-request timeout; the connection was aborted."""


class ConnectFailed(AcsHttpError):
    """TCP connect, TLS handshake/verification or the connection itself failed."""


class UnexpectedStatus(AcsHttpError):
    """The ACS answered with a status other than 200/204 (after auth and redirects)."""

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        super().__init__(message or f"unexpected HTTP status {code} from the ACS")
