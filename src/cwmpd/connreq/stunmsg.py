"""Classic STUN (RFC 3489) messages with the TR-111 attributes: encode, decode, integrity.

Hand-written: neither Twisted nor the stdlib speaks STUN, and the TR-111 attributes plus
RFC 3489's 64-byte-padded MESSAGE-INTEGRITY are not what RFC 5389 libraries produce.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import struct
from dataclasses import dataclass

BINDING_REQUEST = 0x0001
BINDING_RESPONSE = 0x0101
BINDING_ERROR_RESPONSE = 0x0111

MAPPED_ADDRESS = 0x0001
USERNAME = 0x0006
MESSAGE_INTEGRITY = 0x0008
ERROR_CODE = 0x0009
XOR_MAPPED_ADDRESS_OLD = 0x0020
XOR_MAPPED_ADDRESS = 0x8020
CONNECTION_REQUEST_BINDING = 0xC001
BINDING_CHANGE = 0xC002

TR111_BINDING = b"dslforum.org/TR-111 "  # 20 bytes: 19 characters and a padding space
MAGIC_COOKIE = 0x2112A442
_HEADER = struct.Struct("!HH16s")


@dataclass(frozen=True)
class StunMessage:
    """A decoded STUN message: type, 16-byte transaction id, attributes in order."""

    type: int
    transaction_id: bytes
    attributes: tuple[tuple[int, bytes], ...] = ()

    def get(self, attr: int) -> bytes | None:
        """The first value of attribute ``attr``, or None."""
        return next((v for t, v in self.attributes if t == attr), None)

    def has(self, attr: int) -> bool:
        """Whether attribute ``attr`` is present."""
        return any(t == attr for t, _ in self.attributes)


def _attr(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def _mac(text: bytes, key: bytes) -> bytes:
    # RFC 3489 section 11.2.8: the text is padded with zeros to a multiple of 64 bytes.
    return hmac.new(key, text + b"\0" * (-len(text) % 64), hashlib.sha1).digest()


def encode(
    kind: int,
    transaction_id: bytes,
    attributes: tuple[tuple[int, bytes], ...] = (),
    integrity_key: bytes | None = None,
) -> bytes:
    """Build a message; with ``integrity_key`` a MESSAGE-INTEGRITY attribute is appended last."""
    if len(transaction_id) != 16:
        raise ValueError("STUN transaction id must be 16 bytes")
    body = b"".join(_attr(t, v) for t, v in attributes)
    if integrity_key is None:
        return _HEADER.pack(kind, len(body), transaction_id) + body
    text = _HEADER.pack(kind, len(body) + 24, transaction_id) + body
    return text + _attr(MESSAGE_INTEGRITY, _mac(text, integrity_key))


def decode(data: bytes) -> StunMessage:
    """Parse a message; raises ValueError when it is not well-formed STUN."""
    if len(data) < 20:
        raise ValueError("short STUN message")
    kind, length, tid = _HEADER.unpack_from(data)
    if kind & 0xC000 or length % 4 or 20 + length != len(data):
        raise ValueError("bad STUN header")
    attrs = []
    pos = 20
    while pos < len(data):
        if pos + 4 > len(data):
            raise ValueError("truncated STUN attribute")
        t, n = struct.unpack_from("!HH", data, pos)
        if pos + 4 + n > len(data):
            raise ValueError("truncated STUN attribute")
        attrs.append((t, data[pos + 4 : pos + 4 + n]))
        pos += 4 + n + (-n % 4)
    return StunMessage(kind, tid, tuple(attrs))


def check_integrity(data: bytes, key: bytes) -> bool:
    """True if ``data`` ends with a MESSAGE-INTEGRITY that ``key`` produced (constant time)."""
    if len(data) < 44 or struct.unpack_from("!HH", data, len(data) - 24) != (MESSAGE_INTEGRITY, 20):
        return False
    return hmac.compare_digest(_mac(data[:-24], key), data[-20:])


def address_attr(host: str, port: int, xor: bool = False) -> bytes:
    """The value of a (XOR-)MAPPED-ADDRESS attribute for an IPv4 ``host``."""
    raw = ipaddress.IPv4Address(host).packed
    if xor:
        port ^= MAGIC_COOKIE >> 16
        raw = bytes(a ^ b for a, b in zip(raw, MAGIC_COOKIE.to_bytes(4, "big"), strict=True))
    return struct.pack("!BBH", 0, 1, port) + raw


def _address(value: bytes, xor: bool) -> tuple[str, int] | None:
    if len(value) != 8 or value[1] != 1:  # IPv4 only in classic STUN
        return None
    port = struct.unpack_from("!H", value, 2)[0]
    raw = value[4:8]
    if xor:
        port ^= MAGIC_COOKIE >> 16
        raw = bytes(a ^ b for a, b in zip(raw, MAGIC_COOKIE.to_bytes(4, "big"), strict=True))
    return str(ipaddress.IPv4Address(raw)), port


def mapped_address(msg: StunMessage) -> tuple[str, int] | None:
    """The public address of a Binding Response: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS."""
    for kind, xor in ((XOR_MAPPED_ADDRESS, True), (XOR_MAPPED_ADDRESS_OLD, True)):
        value = msg.get(kind)
        if value is not None:
            return _address(value, xor)
    value = msg.get(MAPPED_ADDRESS)
    return _address(value, False) if value is not None else None


def error_code(msg: StunMessage) -> int | None:
    """The ERROR-CODE of an error response as class*100+number, or None."""
    value = msg.get(ERROR_CODE)
    if value is None or len(value) < 4:
        return None
    return (value[2] & 0x7) * 100 + value[3]


def error_attr(code: int, reason: str) -> bytes:
    """The value of an ERROR-CODE attribute."""
    return struct.pack("!HBB", 0, code // 100, code % 100) + reason.encode()
