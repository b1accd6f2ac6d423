"""USP Records in: every bad input gets the spec's answer (an Error Msg, a Disconnect Record)
or is dropped with a log line, never a traceback; Records out decode with the 1.4 schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.logger import ILogObserver, globalLogPublisher

from cwmpd.usp import messages, records
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as mpb
from cwmpd.usp.proto import usp_record_1_4_pb2 as rpb

AGENT = "os::012345-SN0001"
CTRL = "proto::controller-1"
GET = messages.request("m1", mpb.Get(param_paths=["Device.DeviceInfo."]))


def record(msg: mpb.Msg | bytes | None = GET, **fields: Any) -> bytes:
    """A NoSessionContext Record to the Agent (fields override version, to_id, from_id ...)."""
    rec = rpb.Record(version="1.3", to_id=AGENT, from_id=CTRL)
    for name, value in fields.items():
        setattr(rec, name, value)
    if msg is not None:
        payload = msg if isinstance(msg, bytes) else msg.SerializeToString()
        rec.no_session_context.payload = payload
    return rec.SerializeToString()


@pytest.fixture
def logged() -> Iterator[list[dict[str, Any]]]:
    """Log events published while the test runs."""
    events: list[dict[str, Any]] = []
    observer = cast(ILogObserver, events.append)
    globalLogPublisher.addObserver(observer)
    yield events
    globalLogPublisher.removeObserver(observer)


def test_a_good_request_is_inbound() -> None:
    """A plaintext NoSessionContext Record with a Get gives the Msg and its sender."""
    got = records.receive(record(), AGENT)
    assert isinstance(got, records.Inbound)
    assert (got.from_id, got.version) == (CTRL, "1.3")
    assert list(got.msg.body.request.get.param_paths) == ["Device.DeviceInfo."]


def test_the_body_wins_over_the_header_msg_type() -> None:
    """R-MSG.10: a msg_type that disagrees with the body, even an unknown one, is information."""
    msg = mpb.Msg()
    msg.CopyFrom(GET)
    msg.header.msg_type = 99  # type: ignore[assignment]
    got = records.receive(record(msg), AGENT)
    assert isinstance(got, records.Inbound)
    assert messages.request_name(got.msg) == "get"


def _header_only(msg_type: int) -> bytes:
    return mpb.Msg(header=mpb.Header(msg_id="m9", msg_type=msg_type)).SerializeToString()  # type: ignore[arg-type]


def _empty_request() -> mpb.Msg:
    return mpb.Msg(
        header=mpb.Header(msg_id="m9", msg_type=mpb.Header.SET),
        body=mpb.Body(request=mpb.Request()),
    )


def _bad_enum_response() -> mpb.Msg:
    resp = mpb.GetSupportedDMResp()
    obj = resp.req_obj_results.add().supported_objs.add()
    obj.access = 42  # type: ignore[assignment]
    return messages.response("m9", resp)


def _record_type(kind: str) -> bytes:
    rec = rpb.Record(version="1.3", to_id=AGENT, from_id=CTRL)
    getattr(rec, kind).SetInParent()
    return rec.SerializeToString()


# (id, data, what receive() gives: "drop" or an Error err_code)
BAD: list[tuple[str, bytes, str | int]] = [
    ("empty", b"", "drop"),
    ("garbage", b"\xff\xfe\xfd\xfc\x00\x01", "drop"),
    ("truncated", record()[:-3], "drop"),
    ("stray-end-group", b"\x0c", "drop"),  # C++ protobuf only warns on this one
    ("stray-end-group-in-payload", record(b"\x0a\x00\x0c"), "drop"),
    ("json", b'{"to_id": "os::012345-SN0001"}', "drop"),
    ("soap", b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'/>", "drop"),
    (
        "no-record-type",
        rpb.Record(version="1.3", to_id=AGENT, from_id=CTRL).SerializeToString(),
        "drop",
    ),
    ("wrong-to-id", record(to_id="os::012345-OTHER"), "drop"),
    ("empty-to-id", record(to_id=""), "drop"),
    ("empty-from-id", record(from_id=""), "drop"),
    ("blank-in-from-id", record(from_id="proto::a b"), "drop"),
    ("from-id-too-long", record(from_id="proto::" + "x" * 300), "drop"),
    ("from-ourselves", record(from_id=AGENT), "drop"),
    ("tls12-payload", record(payload_security=rpb.Record.TLS12), "drop"),
    ("unknown-payload-security", record(payload_security=7), "drop"),
    ("empty-payload", record(b""), "drop"),
    ("payload-garbage", record(b"\x0a\xff\xff\xff"), "drop"),
    ("payload-not-utf8", record(b"\x0a\x04\x0a\x02\xff\xfe"), "drop"),
    ("no-msg-id", record(mpb.Msg(body=GET.body)), "drop"),
    ("unknown-major-version", record(version="2.0"), int(ErrorCode.INVALID_RECORD_VALUE)),
    ("empty-version", record(version=""), int(ErrorCode.INVALID_RECORD_VALUE)),
    ("junk-version", record(version="v1.3-beta"), int(ErrorCode.INVALID_RECORD_VALUE)),
    (
        "request-without-body",
        record(_header_only(mpb.Header.GET)),
        int(ErrorCode.INVALID_ARGUMENTS),
    ),
    ("request-without-req-type", record(_empty_request()), int(ErrorCode.INVALID_ARGUMENTS)),
    ("response-without-body", record(_header_only(mpb.Header.GET_RESP)), "drop"),
    ("response-unknown-enum", record(_bad_enum_response()), "drop"),
    (
        "bad-version-on-a-response",
        record(messages.response("m2", mpb.NotifyResp(subscription_id="s")), version="x"),
        "drop",
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"), [(d, e) for _, d, e in BAD], ids=[i for i, _, _ in BAD]
)
def test_bad_input(data: bytes, expected: str | int, logged: list[dict[str, Any]]) -> None:
    """Each bad Record is dropped with one log line or answered with the spec's Error."""
    got = records.receive(data, AGENT)
    if expected == "drop":
        assert isinstance(got, records.Dropped)
        lines = [e for e in logged if e.get("log_namespace") == "cwmpd.usp"]
        assert len(lines) == 1 and lines[0]["reason"] == got.reason
        return
    assert isinstance(got, records.Reply) and got.to_id == CTRL
    answer = records.decode(got.data)
    assert (answer.to_id, answer.from_id) == (CTRL, AGENT)
    msg = records.payload_msg(answer)
    assert messages.body_kind(msg) == "error"
    assert msg.header.msg_type == mpb.Header.ERROR
    assert msg.header.msg_id == "m9" or msg.header.msg_id == "m1"
    assert msg.body.error.err_code == expected


def test_an_oversize_record_is_dropped_unparsed() -> None:
    """A Record over max_size is refused before decoding; at the limit it is read."""
    data = record()
    assert isinstance(records.receive(data, AGENT, max_size=len(data) - 1), records.Dropped)
    assert isinstance(records.receive(data, AGENT, max_size=len(data)), records.Inbound)


def test_a_session_context_record_gets_disconnect_7106() -> None:
    """R-E2E.6a: an Agent without Session Context answers with a Disconnect Record, 7106."""
    rec = rpb.Record(version="1.3", to_id=AGENT, from_id=CTRL)
    rec.session_context.session_id = 5
    rec.session_context.sequence_id = 1
    rec.session_context.payload.append(GET.SerializeToString())
    got = records.receive(rec.SerializeToString(), AGENT)
    assert isinstance(got, records.Reply)
    answer = records.decode(got.data)
    assert answer.WhichOneof("record_type") == "disconnect"
    assert answer.disconnect.reason_code == ErrorCode.SESSION_CONTEXT_NOT_ALLOWED
    assert (answer.to_id, answer.from_id, answer.version) == (CTRL, AGENT, "1.3")


@pytest.mark.parametrize(
    ("kind", "mtp"),
    [("websocket_connect", "websocket"), ("uds_connect", "uds"), ("mqtt_connect", "mqtt")],
)
def test_connect_records(kind: str, mtp: str) -> None:
    """Connect Records name the peer and its MTP."""
    got = records.receive(_record_type(kind), AGENT)
    assert got == records.Connected(CTRL, mtp, "")


def test_disconnect_record() -> None:
    """A Disconnect Record from a Controller carries its code and reason."""
    data = records.disconnect_record(AGENT, CTRL, 7105, "bye")
    assert records.receive(data, AGENT) == records.Disconnected(CTRL, 7105, "bye")


def test_records_out_decode_with_the_schema() -> None:
    """Every Record the Agent writes parses back with the 1.4 schema, fields intact."""
    mq = records.decode(records.mqtt_connect_record(CTRL, AGENT, "/usp/endpoint"))
    assert mq.WhichOneof("record_type") == "mqtt_connect"
    assert (mq.mqtt_connect.version, mq.mqtt_connect.subscribed_topic) == (
        rpb.MQTTConnectRecord.V5,
        "/usp/endpoint",
    )
    v3 = records.decode(records.mqtt_connect_record(CTRL, AGENT, "/t", v5=False))
    assert v3.mqtt_connect.version == rpb.MQTTConnectRecord.V3_1_1
    ws = records.decode(records.websocket_connect_record(CTRL, AGENT))
    assert ws.WhichOneof("record_type") == "websocket_connect"
    uds = records.decode(records.uds_connect_record(CTRL, AGENT))
    assert uds.WhichOneof("record_type") == "uds_connect"
    for rec in (mq, ws, uds):
        assert (rec.version, rec.to_id, rec.from_id) == (records.VERSION, CTRL, AGENT)


def test_reply_to_keeps_the_peers_version_up_to_ours() -> None:
    """An answer is marked with the request's version, or 1.4 when the peer is newer."""
    for theirs, ours in [("1.3", "1.3"), ("1.0", "1.0"), ("1.9", "1.4"), ("2.1", "1.4")]:
        inbound = records.Inbound(CTRL, theirs, GET)
        out = records.decode(records.reply_to(inbound, messages.error("m1", 7000, "x"), AGENT))
        assert out.version == ours


@settings(
    max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.binary(max_size=512))
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    """Any bytes at all give an outcome, never an exception."""
    assert isinstance(
        records.receive(data, AGENT),
        records.Dropped
        | records.Reply
        | records.Inbound
        | records.Connected
        | records.Disconnected,
    )


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    st.text(max_size=12),
    st.sampled_from([AGENT, "", "os::x"]),
    st.text(max_size=40),
    st.integers(min_value=0, max_value=9),
    st.binary(max_size=200),
)
def test_fuzz_records_with_random_payloads(
    version: str, to_id: str, from_id: str, security: int, payload: bytes
) -> None:
    """Well-formed Records around random payloads: an Inbound only for a parseable Msg with a
    msg_id; any Reply is a Record that decodes and is addressed to the sender."""
    data = record(payload, version=version, to_id=to_id, from_id=from_id, payload_security=security)
    got = records.receive(data, AGENT)
    if isinstance(got, records.Inbound):
        assert got.msg.header.msg_id
    if isinstance(got, records.Reply):
        answer = records.decode(got.data)
        assert answer.to_id == from_id and answer.from_id == AGENT


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=255))
def test_fuzz_flipped_bytes(position: int, value: int) -> None:
    """A good Record with one byte changed still gives an outcome."""
    data = bytearray(record())
    data[position % len(data)] = value
    records.receive(bytes(data), AGENT)
