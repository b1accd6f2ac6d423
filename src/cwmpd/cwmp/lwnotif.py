"""UDP Lightweight Notification messages (TR-069 Annex M, cwmp-UDPLightweightNotification-1-0).

Pure: values in, datagram bytes out. The XML payload is the schema's ``lwn:Notification``
(TS, UN, CN, OUI, ProductClass, SerialNumber, then one ``Param`` per changed value; every
element is a global one of the schema, so every element is in the lwn namespace). The
datagram carries it after an HTTP-like head whose ``Signature`` header is the HMAC-SHA1 of
the payload keyed with ManagementServer.Password, in upper-case hex (Annex M; what icwmp,
the reference open agent, sends too). Values past one datagram's budget are split over
several datagrams, each a complete message.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from lxml import etree

NS_LWN: Final = "urn:broadband-forum-org:cwmp:lwnotif-1-0"
#: A datagram stays under the IPv6 minimum MTU's payload (1280 - 40 - 8) when it can.
MAX_DATAGRAM: Final = 1232
_Q = f"{{{NS_LWN}}}"


@dataclass(frozen=True, slots=True)
class Notification:
    """One lightweight notification: who sends it, when, and the values that changed."""

    timestamp: int
    username: str
    cnonce: str
    oui: str
    product_class: str
    serial_number: str
    params: tuple[tuple[str, str], ...]


def payload(n: Notification) -> bytes:
    """The XML document of ``n`` (UTF-8, with its declaration)."""
    root = etree.Element(_Q + "Notification", nsmap={"lwn": NS_LWN})
    for tag, text in (
        ("TS", str(n.timestamp)),
        ("UN", n.username),
        ("CN", n.cnonce),
        ("OUI", n.oui),
        ("ProductClass", n.product_class),
        ("SerialNumber", n.serial_number),
    ):
        etree.SubElement(root, _Q + tag).text = text
    for name, value in n.params:
        param = etree.SubElement(root, _Q + "Param")
        etree.SubElement(param, _Q + "Name").text = name
        etree.SubElement(param, _Q + "Value").text = value
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def signature(body: bytes, password: str) -> str:
    """HMAC-SHA1 of ``body`` keyed with ``password``, upper-case hex."""
    return hmac.new(password.encode("utf-8"), body, hashlib.sha1).hexdigest().upper()


def datagram(n: Notification, password: str, host: str) -> bytes:
    """One datagram: the HTTP-like head (Host, Content-Type, Content-Length, Signature)
    and the payload."""
    body = payload(n)
    head = (
        "POST * HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        'Content-Type: text/xml; charset="utf-8"\r\n'
        f"Content-Length: {len(body)}\r\n"
        f"Signature: {signature(body, password)}\r\n\r\n"
    )
    return head.encode("utf-8") + body


def split(n: Notification, password: str, host: str, limit: int = MAX_DATAGRAM) -> Iterator[bytes]:
    """``n`` as datagrams of at most ``limit`` bytes each where a value allows (one value
    too large for a datagram of its own still goes, alone)."""
    batch: list[tuple[str, str]] = []
    for param in n.params:
        trial = _with(n, [*batch, param])
        if batch and len(datagram(trial, password, host)) > limit:
            yield datagram(_with(n, batch), password, host)
            batch = [param]
        else:
            batch.append(param)
    if batch:
        yield datagram(_with(n, batch), password, host)


def _with(n: Notification, params: Sequence[tuple[str, str]]) -> Notification:
    return Notification(
        n.timestamp, n.username, n.cnonce, n.oui, n.product_class, n.serial_number, tuple(params)
    )


def parse_datagram(data: bytes) -> tuple[dict[str, str], bytes]:
    """A datagram's head (lower-case names) and payload; ValueError when it is not one.
    For ACS-side tools and the tests."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no end of head in the datagram")
    lines = head.decode("utf-8").split("\r\n")
    if lines[0] != "POST * HTTP/1.1":
        raise ValueError(f"unexpected request line {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"bad header line {line!r}")
        headers[name.strip().lower()] = value.strip()
    if int(headers.get("content-length", "-1")) != len(body):
        raise ValueError("Content-Length does not match the payload")
    return headers, body
