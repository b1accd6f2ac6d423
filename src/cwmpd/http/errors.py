"""Errors of the HTTP clients (the ACS session's contract C): one base class, one per cause.

The file-server client maps them to CWMP fault codes (cwmpd.transfers.http).
"""

from __future__ import annotations


class AcsHttpError(Exception):
    """Base of every failure of an HTTP exchange (ACS or file server); ``str()`` is a
    one-line reason."""


class AuthenticationFailed(AcsHttpError):
    """The server rejected our credentials, or asked for a scheme we must not or cannot use."""


class TooManyRedirects(AcsHttpError):
    """More than the allowed number of successive redirects (H-9)."""


class ResponseTooLarge(AcsHttpError):
    """The response body exceeded the configured cap; the connection was aborted."""


class Timeout(AcsHttpError):
    """No complete response within the per-request timeout; the connection was aborted."""


class ConnectFailed(AcsHttpError):
    """TCP connect, TLS handshake/verification or the connection itself failed."""


class UnexpectedStatus(AcsHttpError):
    """The ACS answered with a status other than 200/204 (after auth and redirects), or a
    redirect could not be followed (the two subclasses below)."""

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        super().__init__(message or f"unexpected HTTP status {code} from the ACS")


class RedirectWithoutLocation(UnexpectedStatus):
    """A redirect status without a Location header."""


class RedirectUnusable(UnexpectedStatus):
    """A redirect to a URL that is not ``http(s)://host...``."""
