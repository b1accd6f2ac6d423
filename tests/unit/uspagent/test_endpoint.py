"""The USP Endpoint between MTPs and the handler, on a fake MTP and a fake clock: answers go
to the reply-to (or configured) topic, unknown senders are dropped, the in-flight budget
answers 7005, a failing handler 7003, and the Agent's own requests get their responses or
time out."""

from __future__ import annotations

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock
from twisted.python.failure import Failure

from cwmpd.usp import messages, records
from cwmpd.usp.errors import ErrorCode, UspError
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.usp.proto import usp_record_1_4_pb2 as rpb
from cwmpd.uspagent.endpoint import UspEndpoint
from support.logged import capturing
from support.usp_handler import BrokenHandler, FixedHandler, SlowHandler

AGENT = "os::012345-SN0001"
CTRL = "proto::controller-1"
CTRL_TOPIC = "/usp/controller"


class FakeMtp:
    """Records what is published; ``broken`` makes every publish fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.broken = False

    def publish(self, topic: str, record: bytes) -> Deferred[None]:
        if self.broken:
            return fail(ConnectionError("no session"))
        self.sent.append((topic, record))
        return succeed(None)

    def msgs(self) -> list[tuple[str, rpb.Record, pb.Msg]]:
        out = []
        for topic, data in self.sent:
            record = records.decode(data)
            out.append((topic, record, records.payload_msg(record)))
        return out


def endpoint(handler: object, **kwargs: object) -> tuple[UspEndpoint, FakeMtp, Clock]:
    clock = Clock()
    mtp = FakeMtp()
    ep = UspEndpoint(AGENT, handler, clock, **kwargs)  # type: ignore[arg-type]
    ep.add_controller(CTRL, mtp, CTRL_TOPIC)
    return ep, mtp, clock


def from_controller(msg: pb.Msg, sender: str = CTRL, version: str = "1.3") -> bytes:
    return records.no_session_record(msg, AGENT, sender, version=version)


def get(msg_id: str, *paths: str) -> pb.Msg:
    return messages.request(msg_id, pb.Get(param_paths=list(paths)))


def test_a_request_is_answered_on_the_reply_to_topic() -> None:
    """Get -> handler -> GetResp in a Record to the sender, on the MTP's reply-to topic."""
    handler = FixedHandler()
    ep, mtp, _ = endpoint(handler)
    ep.received(mtp, from_controller(get("m1", "Device.DeviceInfo.")), "/reply/here")
    ((topic, record, msg),) = mtp.msgs()
    assert topic == "/reply/here"
    assert (record.to_id, record.from_id, record.version) == (CTRL, AGENT, "1.3")
    assert msg.header.msg_id == "m1" and messages.response_name(msg) == "get_resp"
    result = msg.body.response.get_resp.req_path_results[0]
    assert dict(result.resolved_path_results[0].result_params)["SerialNumber"] == "SIM0001"
    assert handler.seen == [("get", CTRL)]


def test_without_a_reply_to_the_configured_topic_is_used() -> None:
    """MQTT 3.1.1 peers without /reply-to= (usp-js) are answered on their configured topic."""
    ep, mtp, _ = endpoint(FixedHandler())
    ep.received(mtp, from_controller(get("m1", "Device.")), "")
    assert [topic for topic, _, _ in mtp.msgs()] == [CTRL_TOPIC]


def test_an_unknown_controller_is_dropped_with_a_log_line() -> None:
    """A Record from an Endpoint that is not configured is not handled nor answered."""
    handler = FixedHandler()
    ep, mtp, _ = endpoint(handler)
    with capturing() as logs:
        ep.received(mtp, from_controller(get("m1", "Device."), sender="proto::stranger"), "/x")
    assert mtp.sent == [] and handler.seen == []
    assert any("not a configured Controller" in line for line in logs.texts())


def test_a_bad_record_is_answered_by_the_codec() -> None:
    """An unsupported Record version carrying a request: Error 7104 back to the sender."""
    ep, mtp, _ = endpoint(FixedHandler())
    ep.received(mtp, from_controller(get("m9", "Device."), version="2.0"), "")
    ((topic, _, msg),) = mtp.msgs()
    assert topic == CTRL_TOPIC and msg.body.error.err_code == ErrorCode.INVALID_RECORD_VALUE


def test_a_session_context_record_gets_a_disconnect() -> None:
    """SessionContext is not supported: Disconnect 7106 (R-E2E.6a), handler untouched."""
    handler = FixedHandler()
    ep, mtp, _ = endpoint(handler)
    record = rpb.Record(version="1.4", to_id=AGENT, from_id=CTRL)
    record.session_context.session_id = 1
    ep.received(mtp, record.SerializeToString(), "")
    ((_, data),) = mtp.sent
    reply = records.decode(data)
    assert reply.disconnect.reason_code == ErrorCode.SESSION_CONTEXT_NOT_ALLOWED
    assert handler.seen == []


def test_garbage_and_connect_records_send_nothing() -> None:
    """Not a Record, an MQTTConnect Record: nothing published, nothing raised."""
    handler = FixedHandler()
    ep, mtp, _ = endpoint(handler)
    ep.received(mtp, b"\xff\x00garbage", "")
    ep.received(mtp, records.mqtt_connect_record(AGENT, CTRL, CTRL_TOPIC), "")
    ep.received(mtp, records.disconnect_record(AGENT, CTRL, 7105, "bye"), "")
    assert mtp.sent == [] and handler.seen == []


def test_the_in_flight_budget_answers_7005() -> None:
    """Past max_in_flight requests of one Controller, the next gets Error 7005 at once;
    once one is answered, a new request is handled again."""
    slow = SlowHandler()
    ep, mtp, _ = endpoint(slow, max_in_flight=2)
    with capturing() as logs:
        for n in range(3):
            ep.received(mtp, from_controller(get(f"m{n}", "Device.")), "")
    assert len(slow.pending) == 2
    ((_, _, busy),) = mtp.msgs()
    assert busy.header.msg_id == "m2"
    assert busy.body.error.err_code == ErrorCode.RESOURCES_EXCEEDED
    assert any("answered 7005" in line for line in logs.texts())
    first, answer = slow.pending[0]
    answer.callback(messages.error(first.header.msg_id, 7000, "done"))
    ep.received(mtp, from_controller(get("m3", "Device.")), "")
    assert len(slow.pending) == 3 and len(mtp.sent) == 2


def test_a_failing_handler_is_answered_7003_without_a_traceback() -> None:
    """A handler that raises: Error 7003 to the Controller, one log line, no traceback."""
    ep, mtp, _ = endpoint(BrokenHandler())
    with capturing() as logs:
        ep.received(mtp, from_controller(get("m1", "Device.")), "")
    ((_, _, msg),) = mtp.msgs()
    assert msg.body.error.err_code == ErrorCode.INTERNAL_ERROR
    assert any("ValueError: a handler bug" in line for line in logs.texts())
    assert not any("log_failure" in event for event in logs.events)  # no traceback logged


def test_a_response_from_the_handler_side_is_not_answered() -> None:
    """A NotifyResp that answers nothing of ours is logged and dropped, not handled."""
    handler = FixedHandler()
    ep, mtp, _ = endpoint(handler)
    resp = messages.response("nobody", pb.NotifyResp(subscription_id="s"))
    ep.received(mtp, from_controller(resp), "")
    assert mtp.sent == [] and handler.seen == []


def notify(msg_id: str) -> pb.Msg:
    return messages.request(
        msg_id,
        pb.Notify(
            subscription_id="sub-1",
            send_resp=True,
            value_change=pb.Notify.ValueChange(param_path="Device.X", param_value="1"),
        ),
    )


def test_send_fires_with_the_controllers_response() -> None:
    """send(): the Notify goes to the configured topic; the NotifyResp fires the Deferred."""
    ep, mtp, clock = endpoint(FixedHandler())
    answered = ep.send(CTRL, notify("n1"))
    ((topic, record, msg),) = mtp.msgs()
    assert (topic, record.to_id, msg.header.msg_id) == (CTRL_TOPIC, CTRL, "n1")
    got: list[pb.Msg] = []
    answered.addCallback(got.append)
    resp = messages.response("n1", pb.NotifyResp(subscription_id="sub-1"))
    ep.received(mtp, from_controller(resp), "")
    assert [m.body.response.notify_resp.subscription_id for m in got] == ["sub-1"]
    clock.advance(60)  # the timer was cancelled: nothing fails later
    assert ep.controllers[CTRL].waiting == {}


def failure_of(d: Deferred[pb.Msg]) -> Failure:
    failures: list[Failure] = []
    d.addErrback(failures.append)
    assert len(failures) == 1
    return failures[0]


def test_send_times_out() -> None:
    """No response within response_timeout: the Deferred fails with TimeoutError."""
    ep, mtp, clock = endpoint(FixedHandler(), response_timeout=5.0)
    answered = ep.send(CTRL, notify("n1"))
    failures: list[Failure] = []
    answered.addErrback(failures.append)
    clock.advance(4.9)
    assert failures == []
    clock.advance(0.2)
    assert isinstance(failures[0].value, TimeoutError)
    late = messages.response("n1", pb.NotifyResp(subscription_id="sub-1"))
    ep.received(mtp, from_controller(late), "")  # a late answer is ignored, not raised


def test_send_fails_when_the_mtp_cannot_send_or_the_budget_is_spent() -> None:
    """An MTP without a session fails the Deferred; past max_in_flight outstanding, 7005."""
    ep, mtp, _ = endpoint(FixedHandler(), max_in_flight=1)
    mtp.broken = True
    assert isinstance(failure_of(ep.send(CTRL, notify("n1"))).value, ConnectionError)
    mtp.broken = False
    ep.send(CTRL, notify("n2"))
    failure = failure_of(ep.send(CTRL, notify("n3")))
    assert isinstance(failure.value, UspError)
    assert failure.value.code == ErrorCode.RESOURCES_EXCEEDED
    assert isinstance(failure_of(ep.send("proto::nobody", notify("n4"))).value, KeyError)


def test_stop_fails_what_waits() -> None:
    """Stopping the endpoint fails the Agent's outstanding requests."""
    ep, _, _ = endpoint(FixedHandler())
    waiting = ep.send(CTRL, notify("n1"))
    ep.stop()
    assert isinstance(failure_of(waiting).value, ConnectionError)
