"""The MQTT packet codec: fields encode as MQTT 5.0/3.1.1 say, packets decode back, and any
byte stream gives packets or MqttError, nothing else."""

from __future__ import annotations

import contextlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cwmpd.usp import mqttwire as w


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (16383, b"\xff\x7f"),
        (268435455, b"\xff\xff\xff\x7f"),
    ],
)
def test_variable_byte_integers(value: int, encoded: bytes) -> None:
    """The examples of MQTT 5.0 1.5.5."""
    assert w.varint(value) == encoded


def test_varint_range() -> None:
    """Beyond 268,435,455 there is no encoding."""
    with pytest.raises(w.MqttError):
        w.varint(268435456)


def test_connect_v5_layout() -> None:
    """CONNECT: "MQTT", level 5, clean start + user name + password, keep alive, properties."""
    props = w.Properties({w.REQUEST_RESPONSE_INFO: 1}, [("usp-endpoint-id", "os::1-2")])
    data = w.connect("cid", keep_alive=30, username="u", password=b"p", properties=props)
    assert data[0] == 0x10
    body = data[2:]
    assert body[:6] == b"\x00\x04MQTT" and body[6] == 5 and body[7] == 0xC2
    assert struct.unpack("!H", body[8:10])[0] == 30
    prop_len = body[10]
    assert body[11 : 11 + prop_len] == b"\x19\x01" + b"\x26" + w.string(
        "usp-endpoint-id"
    ) + w.string("os::1-2")
    assert body[11 + prop_len :] == w.string("cid") + w.string("u") + w.binary(b"p")


def test_connect_v311_has_no_properties() -> None:
    """A 3.1.1 CONNECT is level 4 with the client id right after keep alive."""
    data = w.connect("cid", version=w.V311, keep_alive=10)
    assert data[2:] == b"\x00\x04MQTT\x04\x02\x00\x0a" + w.string("cid")


def test_publish_round_trip_v5() -> None:
    """A QoS 1 PUBLISH with Content Type and Response Topic decodes back."""
    props = w.Properties({w.CONTENT_TYPE: "usp.msg", w.RESPONSE_TOPIC: "/usp/endpoint"})
    data = w.publish("/usp/controller", b"\x01\x02", qos=1, packet_id=7, properties=props)
    (packet,) = list(w.Decoder().feed(data))
    assert (packet.kind, packet.topic, packet.qos, packet.packet_id, packet.payload) == (
        w.PUBLISH,
        "/usp/controller",
        1,
        7,
        b"\x01\x02",
    )
    assert packet.properties.get_str(w.CONTENT_TYPE) == "usp.msg"
    assert packet.properties.get_str(w.RESPONSE_TOPIC) == "/usp/endpoint"


def test_publish_v311_round_trip_in_pieces() -> None:
    """A 3.1.1 PUBLISH fed a byte at a time comes out once, whole."""
    data = w.publish("a/b", b"x" * 300, version=w.V311)
    decoder = w.Decoder(w.V311)
    out = [p for byte in data for p in decoder.feed(bytes([byte]))]
    assert len(out) == 1 and out[0].payload == b"x" * 300 and out[0].topic == "a/b"


def test_connack_suback_puback_decode() -> None:
    """The broker's answers decode with their codes and properties."""
    props = w.encode_properties(
        w.Properties(
            {w.RESPONSE_INFO: "/resp", w.SERVER_KEEP_ALIVE: 20}, [("subscribe-topic", "/t")]
        )
    )
    connack = w.packet(w.CONNACK, 0, b"\x01\x00" + props)
    suback = w.packet(w.SUBACK, 0, b"\x00\x05\x00" + b"\x01\x87")
    puback = w.packet(w.PUBACK, 0, b"\x00\x09")
    a, b, c = w.Decoder().feed(connack + suback + puback)
    assert a.session_present and a.reason == 0
    assert a.properties.get_str(w.RESPONSE_INFO) == "/resp"
    assert a.properties.get_int(w.SERVER_KEEP_ALIVE) == 20
    assert a.properties.user_values("subscribe-topic") == ["/t"]
    assert (b.packet_id, b.codes) == (5, [1, 0x87])
    assert (c.kind, c.packet_id) == (w.PUBACK, 9)


def test_subscribe_sets_no_local_on_v5() -> None:
    """SUBSCRIBE has flags 0010, the topics and their options byte."""
    data = w.subscribe(3, ["/a"], qos=1)
    assert data[0] == 0x82 and data[2:] == b"\x00\x03\x00" + w.string("/a") + b"\x05"
    assert (
        w.subscribe(3, ["/a/#"], version=w.V311, qos=1)[2:]
        == b"\x00\x03" + w.string("/a/#") + b"\x01"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"\x30\xff\xff\xff\xff\x01",  # remaining length of five bytes
        w.packet(w.PUBLISH, 0x06, w.string("t")),  # QoS 3
        w.packet(w.CONNECT, 0, b""),  # a client never receives CONNECT
        w.packet(w.PUBLISH, 0, b"\x00\x05ab"),  # topic shorter than its length
        w.packet(w.PUBLISH, 0, b"\x00\x02\xff\xfe\x00"),  # topic not UTF-8
        w.packet(w.CONNACK, 0, b"\x00\x00\x03\x63\x00\x01"),  # unknown property 0x63
    ],
)
def test_malformed_packets_raise(data: bytes) -> None:
    """Malformed input is an MqttError."""
    with pytest.raises(w.MqttError):
        list(w.Decoder().feed(data))


def test_oversize_packet_is_refused_before_it_arrives() -> None:
    """The remaining length alone tells a packet is too big."""
    with pytest.raises(w.MqttError, match="over"):
        list(w.Decoder(max_size=100).feed(b"\x30" + w.varint(1000)))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.binary(max_size=300), st.sampled_from([w.V5, w.V311]))
def test_fuzz_decoder(data: bytes, version: int) -> None:
    """Any bytes give packets or MqttError."""
    with contextlib.suppress(w.MqttError):
        list(w.Decoder(version).feed(data))
