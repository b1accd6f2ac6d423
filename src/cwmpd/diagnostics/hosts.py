"""Check a Host value before it becomes an argv element (ipaddress does the IP literals).

A host can never be an option: ping and traceroute read a leading "-" as one, so such a
name, or any text with characters no host name or address has, is refused up front.
"""

from __future__ import annotations

import ipaddress
import re

_LABELS = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$"
)


def is_ip(text: str) -> bool:
    """True for an IPv4 or IPv6 literal."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def safe_host(text: str) -> bool:
    """True when ``text`` is a syntactically valid host name or IP literal (never an option)."""
    if not text or text.startswith("-"):
        return False
    return is_ip(text) or bool(_LABELS.match(text))


def never_resolves(name: str) -> bool:
    """True for names under the special-use TLD "invalid" (RFC 6761 6.4).

    Resolver libraries SHOULD answer them negatively at once; glibc does not, so the tests
    check here and no query for such a name ever leaves the device.
    """
    return name.rstrip(".").lower().rsplit(".", 1)[-1] == "invalid"


def family_flag(protocol_version: str) -> list[str]:
    """The ping/traceroute option for a TR-181 ProtocolVersion ("Any" -> none)."""
    return {"IPv4": ["-4"], "IPv6": ["-6"]}.get(protocol_version, [])
