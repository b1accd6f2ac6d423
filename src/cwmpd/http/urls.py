"""URL pieces every HTTP client of the agent needs: origin, request-target, safe forms for logs."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin(url: str) -> tuple[str, str]:
    """(scheme, lower-cased netloc): a change of it is a change of server (auth is reset)."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def request_target(url: str) -> str:
    """The request-target of ``url`` (path and query): what a digest ``uri`` names."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def safe(url: str) -> str:
    """A URL for messages: userinfo (credentials) and query removed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def where(url: str) -> str:
    """host:port of a URL, without any userinfo (for messages)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0
    return f"{parts.hostname}:{port}"


def usable(url: str) -> bool:
    """An http(s) URL with a host: the only kind any of our clients requests."""
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
