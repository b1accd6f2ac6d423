"""MQTT 5.0 and 3.1.1 packets for the USP MQTT MTP (TR-369 4.5): the client side only, the
packets an Agent sends and receives (CONNECT/CONNACK, PUBLISH QoS 0/1 with PUBACK,
SUBSCRIBE/SUBACK, PINGREQ/PINGRESP, DISCONNECT), pure and reactor-free.

Written here rather than taken from paho-mqtt: see ``cwmpd.mtp.mqtt`` for why. Encoding
follows OASIS MQTT 5.0 sections 1.5 (data types), 2 (packet format) and 3 (packets); a
3.1.1 packet is the same without the properties (and a CONNACK return code for a reason).
:class:`Decoder` takes bytes as they arrive and yields whole packets; anything malformed
raises :class:`MqttError`, and the connection is then closed (MQTT 5.0 4.13).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

V311 = 4
V5 = 5

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 12, 13, 14

# Property identifiers (MQTT 5.0 2.2.2.2) and their data types.
PAYLOAD_FORMAT, MESSAGE_EXPIRY, CONTENT_TYPE, RESPONSE_TOPIC, CORRELATION_DATA = 1, 2, 3, 8, 9
SUBSCRIPTION_ID, SESSION_EXPIRY, ASSIGNED_CLIENT_ID, SERVER_KEEP_ALIVE = 11, 17, 18, 19
AUTH_METHOD, AUTH_DATA, REQUEST_PROBLEM_INFO, WILL_DELAY = 21, 22, 23, 24
REQUEST_RESPONSE_INFO, RESPONSE_INFO, SERVER_REFERENCE, REASON_STRING = 25, 26, 28, 31
RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS, MAXIMUM_QOS, RETAIN_AVAILABLE = (
    33,
    34,
    35,
    36,
    37,
)
USER_PROPERTY, MAXIMUM_PACKET_SIZE = 38, 39
WILDCARD_SUB, SUB_ID_AVAILABLE, SHARED_SUB = 40, 41, 42

_BYTE = {PAYLOAD_FORMAT, REQUEST_PROBLEM_INFO, REQUEST_RESPONSE_INFO, MAXIMUM_QOS}
_BYTE |= {RETAIN_AVAILABLE, WILDCARD_SUB, SUB_ID_AVAILABLE, SHARED_SUB}
_TWO = {SERVER_KEEP_ALIVE, RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS}
_FOUR = {MESSAGE_EXPIRY, SESSION_EXPIRY, WILL_DELAY, MAXIMUM_PACKET_SIZE}
_STRING = {CONTENT_TYPE, RESPONSE_TOPIC, ASSIGNED_CLIENT_ID, AUTH_METHOD, RESPONSE_INFO}
_STRING |= {SERVER_REFERENCE, REASON_STRING}
_BINARY = {CORRELATION_DATA, AUTH_DATA}

MAX_REMAINING = 268_435_455

PropValue = int | str | bytes | tuple[str, str]


class MqttError(Exception):
    """A malformed or unexpected packet (the connection is closed on it)."""


@dataclass
class Properties:
    """MQTT 5.0 properties: one value per identifier, except User Property (a list)."""

    values: dict[int, int | str | bytes] = field(default_factory=dict)
    user: list[tuple[str, str]] = field(default_factory=list)

    def get_str(self, ident: int) -> str | None:
        """A string property, or None."""
        value = self.values.get(ident)
        return value if isinstance(value, str) else None

    def get_int(self, ident: int) -> int | None:
        """An integer property, or None."""
        value = self.values.get(ident)
        return value if isinstance(value, int) else None

    def user_values(self, name: str) -> list[str]:
        """The values of every User Property called ``name``."""
        return [v for k, v in self.user if k == name]


def varint(value: int) -> bytes:
    """A Variable Byte Integer (MQTT 5.0 1.5.5)."""
    if not 0 <= value <= MAX_REMAINING:
        raise MqttError(f"{value} does not fit a variable byte integer")
    out = bytearray()
    while True:
        byte, value = value % 128, value // 128
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def string(text: str) -> bytes:
    """A UTF-8 Encoded String (two-byte length first)."""
    data = text.encode("utf-8")
    return binary(data)


def binary(data: bytes) -> bytes:
    """Binary Data (two-byte length first)."""
    if len(data) > 0xFFFF:
        raise MqttError("string or binary data longer than 65535 bytes")
    return struct.pack("!H", len(data)) + data


def encode_properties(props: Properties | None) -> bytes:
    """A property block (its length first)."""
    body = bytearray()
    if props is not None:
        for ident, value in props.values.items():
            body += varint(ident)
            if ident in _BYTE:
                body += struct.pack("!B", value)
            elif ident in _TWO:
                body += struct.pack("!H", value)
            elif ident in _FOUR:
                body += struct.pack("!I", value)
            elif ident == SUBSCRIPTION_ID:
                body += varint(int(value))
            elif ident in _STRING:
                body += string(str(value))
            elif ident in _BINARY:
                body += binary(value if isinstance(value, bytes) else str(value).encode())
            else:
                raise MqttError(f"unknown property {ident}")
        for name, value in props.user:
            body += varint(USER_PROPERTY) + string(name) + string(value)
    return varint(len(body)) + bytes(body)


def packet(kind: int, flags: int, body: bytes) -> bytes:
    """A whole packet: fixed header and ``body``."""
    return bytes([kind << 4 | flags]) + varint(len(body)) + body


def connect(
    client_id: str,
    *,
    version: int = V5,
    keep_alive: int = 60,
    clean_start: bool = True,
    username: str | None = None,
    password: bytes | None = None,
    properties: Properties | None = None,
) -> bytes:
    """CONNECT (3.1)."""
    flags = (0x02 if clean_start else 0) | (0x80 if username is not None else 0)
    flags |= 0x40 if password is not None else 0
    body = string("MQTT") + bytes([version, flags]) + struct.pack("!H", keep_alive)
    if version == V5:
        body += encode_properties(properties)
    body += string(client_id)
    if username is not None:
        body += string(username)
    if password is not None:
        body += binary(password)
    return packet(CONNECT, 0, body)


def publish(
    topic: str,
    payload: bytes,
    *,
    version: int = V5,
    qos: int = 0,
    packet_id: int = 0,
    retain: bool = False,
    properties: Properties | None = None,
) -> bytes:
    """PUBLISH (3.3) at QoS 0 or 1."""
    if qos not in (0, 1):
        raise MqttError("only QoS 0 and 1 are sent")
    body = string(topic) + (struct.pack("!H", packet_id) if qos else b"")
    if version == V5:
        body += encode_properties(properties)
    return packet(PUBLISH, qos << 1 | int(retain), body + payload)


def puback(packet_id: int, *, version: int = V5) -> bytes:
    """PUBACK (3.4), success."""
    return packet(PUBACK, 0, struct.pack("!H", packet_id))


def subscribe(packet_id: int, topics: Sequence[str], *, version: int = V5, qos: int = 1) -> bytes:
    """SUBSCRIBE (3.8); with MQTT 5.0, No Local is set (an Agent never wants its own)."""
    body = struct.pack("!H", packet_id)
    if version == V5:
        body += encode_properties(None)
    options = qos | (0x04 if version == V5 else 0)
    for topic in topics:
        body += string(topic) + bytes([options])
    return packet(SUBSCRIBE, 0x02, body)


def pingreq() -> bytes:
    """PINGREQ (3.12)."""
    return packet(PINGREQ, 0, b"")


def disconnect(*, version: int = V5, reason: int = 0) -> bytes:
    """DISCONNECT (3.14), normal disconnection."""
    return packet(
        DISCONNECT, 0, bytes([reason]) + encode_properties(None) if version == V5 else b""
    )


@dataclass
class Packet:
    """A received packet, decoded as far as the Agent needs."""

    kind: int
    flags: int = 0
    reason: int = 0  # CONNACK reason/return code, DISCONNECT reason
    session_present: bool = False
    packet_id: int = 0
    topic: str = ""
    payload: bytes = b""
    qos: int = 0
    retain: bool = False
    codes: list[int] = field(default_factory=list)  # SUBACK reason codes
    properties: Properties = field(default_factory=Properties)


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise MqttError("packet shorter than its fields")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        value: int = struct.unpack("!H", self.take(2))[0]
        return value

    def u32(self) -> int:
        value: int = struct.unpack("!I", self.take(4))[0]
        return value

    def varint(self) -> int:
        value, shift = 0, 0
        for _ in range(4):
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
        raise MqttError("malformed variable byte integer")

    def binary(self) -> bytes:
        return self.take(self.u16())

    def string(self) -> str:
        try:
            return self.binary().decode("utf-8")
        except UnicodeDecodeError:
            raise MqttError("a string is not UTF-8") from None

    def rest(self) -> bytes:
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk

    def left(self) -> int:
        return len(self.data) - self.pos

    def properties(self) -> Properties:
        end = self.varint()
        block = _Body(self.take(end))
        props = Properties()
        while block.left():
            ident = block.varint()
            if ident == USER_PROPERTY:
                props.user.append((block.string(), block.string()))
            elif ident in _BYTE:
                props.values[ident] = block.byte()
            elif ident in _TWO:
                props.values[ident] = block.u16()
            elif ident in _FOUR:
                props.values[ident] = block.u32()
            elif ident == SUBSCRIPTION_ID:
                props.values[ident] = block.varint()
            elif ident in _STRING:
                props.values[ident] = block.string()
            elif ident in _BINARY:
                props.values[ident] = block.binary()
            else:
                raise MqttError(f"unknown property identifier {ident}")
        return props


def decode(kind: int, flags: int, data: bytes, version: int) -> Packet:
    """One packet from its fixed-header type, flags and body."""
    body = _Body(data)
    out = Packet(kind, flags)
    v5 = version == V5
    if kind == CONNACK:
        out.session_present = bool(body.byte() & 1)
        out.reason = body.byte()
        if v5 and body.left():
            out.properties = body.properties()
    elif kind == PUBLISH:
        out.qos, out.retain = (flags >> 1) & 3, bool(flags & 1)
        if out.qos == 3:
            raise MqttError("PUBLISH with QoS 3")
        out.topic = body.string()
        if out.qos:
            out.packet_id = body.u16()
        if v5:
            out.properties = body.properties()
        out.payload = body.rest()
    elif kind in (PUBACK, SUBACK):
        out.packet_id = body.u16()
        if kind == PUBACK:
            out.reason = body.byte() if v5 and body.left() else 0
            if v5 and body.left():
                out.properties = body.properties()
        else:
            if v5:
                out.properties = body.properties()
            out.codes = list(body.rest())
    elif kind == DISCONNECT:
        out.reason = body.byte() if body.left() else 0
        if v5 and body.left():
            out.properties = body.properties()
    elif kind == PINGRESP:
        pass
    else:
        raise MqttError(f"a client does not receive packet type {kind}")
    return out


class Decoder:
    """Whole packets out of a byte stream; ``max_size`` bounds one packet."""

    def __init__(self, version: int = V5, max_size: int = 1024 * 1024 + 1024) -> None:
        self.version = version
        self.max_size = max_size
        self._buffer = bytearray()

    def feed(self, data: bytes) -> Iterator[Packet]:
        """Add ``data``; yield each packet it completes (raises MqttError on garbage)."""
        self._buffer += data
        while len(self._buffer) >= 2:
            length, shift, index = 0, 0, 1
            while True:
                if index >= len(self._buffer):
                    return
                byte = self._buffer[index]
                length |= (byte & 0x7F) << shift
                index += 1
                if not byte & 0x80:
                    break
                shift += 7
                if index > 4:
                    raise MqttError("malformed remaining length")
            if length + index > self.max_size:
                raise MqttError(f"packet of {length} bytes is over the {self.max_size} accepted")
            if len(self._buffer) < index + length:
                return
            first = self._buffer[0]
            body = bytes(self._buffer[index : index + length])
            del self._buffer[: index + length]
            yield decode(first >> 4, first & 0x0F, body, self.version)
