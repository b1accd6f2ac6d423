"""The Notify bodies: each one, as sent in a Msg, decodes with the 1.4 schema and
round-trips; the fields say what TR-369 says they say."""

from __future__ import annotations

import json

import pytest

from cwmpd.usp import messages
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent import notifybodies as bodies

ALL = [
    bodies.value_change("Device.X.1.Y", "v"),
    bodies.object_creation("Device.X.3.", {"Alias": "cpe-3"}),
    bodies.object_deletion("Device.X.3."),
    bodies.boot_event(bodies.Boot("LocalFactoryReset", "", True), {"Device.A": "1"}),
    bodies.periodic_event(),
    bodies.operation_complete("Device.X.2.Run()", "k", {"Out": "1"}),
    bodies.operation_complete("Device.X.2.Run()", "k", error=(7022, "failed")),
]


@pytest.mark.parametrize("notify", ALL, ids=lambda n: str(n.WhichOneof("notification")))
def test_round_trips_in_a_msg(notify: pb.Notify) -> None:
    """Serialized and parsed back, the Msg is equal and has no unknown enum value."""
    notify.subscription_id = "s"
    msg = messages.request("m-1", notify)
    again = pb.Msg.FromString(msg.SerializeToString())
    assert again == msg and again.header.msg_type == pb.Header.NOTIFY
    assert list(messages.unknown_enums(again)) == []


def test_fields() -> None:
    """Boot! carries its four arguments; OperationComplete splits the command path."""
    boot = ALL[3].event
    assert (boot.obj_path, boot.event_name) == ("Device.", "Boot!")
    assert boot.params["Cause"] == "LocalFactoryReset"
    assert boot.params["FirmwareUpdated"] == "true"
    assert json.loads(boot.params["ParameterMap"]) == {"Device.A": "1"}
    done = ALL[5].oper_complete
    assert (done.obj_path, done.command_name) == ("Device.X.2.", "Run()")
    assert dict(done.req_output_args.output_args) == {"Out": "1"}
    failed = ALL[6].oper_complete
    assert failed.WhichOneof("operation_resp") == "cmd_failure"
    with pytest.raises(ValueError):
        bodies.Boot("Crash")
