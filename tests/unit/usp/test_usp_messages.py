"""Every USP 1.3/1.4 Msg an Agent receives or sends round-trips through a Record with the 1.4
schema, with the header's msg_type matching its body."""

from __future__ import annotations

import pytest
from google.protobuf.message import Message

from cwmpd.usp import messages, records
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb

AGENT = "os::012345-SN0001"
CTRL = "proto::controller-1"

REQUESTS: list[Message] = [
    pb.Get(param_paths=["Device.DeviceInfo.", "Device.IP.Interface.*.Status"], max_depth=2),
    pb.GetSupportedDM(
        obj_paths=["Device."],
        first_level_only=True,
        return_commands=True,
        return_events=True,
        return_params=True,
        return_unique_key_sets=True,
    ),
    pb.GetInstances(obj_paths=["Device.IP.Interface."], first_level_only=True),
    pb.Set(
        allow_partial=True,
        update_objs=[
            pb.Set.UpdateObject(
                obj_path="Device.IP.Interface.1.",
                param_settings=[
                    pb.Set.UpdateParamSetting(param="Enable", value="true", required=True)
                ],
            )
        ],
    ),
    pb.Add(
        create_objs=[
            pb.Add.CreateObject(
                obj_path="Device.LocalAgent.Subscription.",
                param_settings=[pb.Add.CreateParamSetting(param="ID", value="s1", required=True)],
            )
        ]
    ),
    pb.Delete(allow_partial=False, obj_paths=["Device.LocalAgent.Subscription.1."]),
    pb.Operate(command="Device.Reboot()", command_key="k", send_resp=True, input_args={"a": "1"}),
    pb.Notify(
        subscription_id="boot",
        send_resp=True,
        event=pb.Notify.Event(
            obj_path="Device.", event_name="Boot!", params={"Cause": "LocalReboot"}
        ),
    ),
    pb.Notify(
        subscription_id="vc",
        value_change=pb.Notify.ValueChange(param_path="Device.X", param_value="1"),
    ),
    pb.Notify(
        obj_creation=pb.Notify.ObjectCreation(obj_path="Device.A.1.", unique_keys={"Alias": "a"})
    ),
    pb.Notify(obj_deletion=pb.Notify.ObjectDeletion(obj_path="Device.A.1.")),
    pb.Notify(
        oper_complete=pb.Notify.OperationComplete(
            obj_path="Device.",
            command_name="Reboot()",
            command_key="k",
            req_output_args=pb.Notify.OperationComplete.OutputArgs(output_args={"x": "y"}),
        )
    ),
    pb.Notify(
        on_board_req=pb.Notify.OnBoardRequest(
            oui="012345",
            product_class="GW",
            serial_number="SN1",
            agent_supported_protocol_versions="1.3,1.4",
        )
    ),
    pb.GetSupportedProtocol(controller_supported_protocol_versions="1.3,1.4"),
    pb.Register(allow_partial=True, reg_paths=[pb.Register.RegistrationPath(path="Device.X.")]),
    pb.Deregister(paths=["Device.X."]),
]

RESPONSES: list[Message] = [
    pb.GetResp(
        req_path_results=[
            pb.GetResp.RequestedPathResult(
                requested_path="Device.DeviceInfo.",
                resolved_path_results=[
                    pb.GetResp.ResolvedPathResult(
                        resolved_path="Device.DeviceInfo.", result_params={"UpTime": "5"}
                    )
                ],
            )
        ]
    ),
    pb.GetSupportedDMResp(
        req_obj_results=[
            pb.GetSupportedDMResp.RequestedObjectResult(
                req_obj_path="Device.",
                data_model_inst_uri="urn:broadband-forum-org:tr-181-2-19-1-usp",
                supported_objs=[
                    pb.GetSupportedDMResp.SupportedObjectResult(
                        supported_obj_path="Device.IP.Interface.{i}.",
                        access=pb.GetSupportedDMResp.OBJ_ADD_DELETE,
                        is_multi_instance=True,
                        supported_params=[
                            pb.GetSupportedDMResp.SupportedParamResult(
                                param_name="Enable",
                                access=pb.GetSupportedDMResp.PARAM_READ_WRITE,
                                value_type=pb.GetSupportedDMResp.PARAM_BOOLEAN,
                                value_change=pb.GetSupportedDMResp.VALUE_CHANGE_ALLOWED,
                            )
                        ],
                        supported_commands=[
                            pb.GetSupportedDMResp.SupportedCommandResult(
                                command_name="Reset()", command_type=pb.GetSupportedDMResp.CMD_SYNC
                            )
                        ],
                        supported_events=[
                            pb.GetSupportedDMResp.SupportedEventResult(
                                event_name="Boot!", arg_names=["Cause"]
                            )
                        ],
                        unique_key_sets=[
                            pb.GetSupportedDMResp.SupportedUniqueKeySet(key_names=["Name"])
                        ],
                    )
                ],
            )
        ]
    ),
    pb.GetInstancesResp(
        req_path_results=[
            pb.GetInstancesResp.RequestedPathResult(
                requested_path="Device.IP.Interface.",
                curr_insts=[
                    pb.GetInstancesResp.CurrInstance(
                        instantiated_obj_path="Device.IP.Interface.1.", unique_keys={"Name": "eth0"}
                    )
                ],
            )
        ]
    ),
    pb.SetResp(
        updated_obj_results=[
            pb.SetResp.UpdatedObjectResult(
                requested_path="Device.IP.Interface.1.",
                oper_status=pb.SetResp.UpdatedObjectResult.OperationStatus(
                    oper_failure=pb.SetResp.UpdatedObjectResult.OperationStatus.OperationFailure(
                        err_code=7020, err_msg="no"
                    )
                ),
            )
        ]
    ),
    pb.AddResp(
        created_obj_results=[
            pb.AddResp.CreatedObjectResult(
                requested_path="Device.LocalAgent.Subscription.",
                oper_status=pb.AddResp.CreatedObjectResult.OperationStatus(
                    oper_success=pb.AddResp.CreatedObjectResult.OperationStatus.OperationSuccess(
                        instantiated_path="Device.LocalAgent.Subscription.1.",
                        unique_keys={"ID": "s1"},
                    )
                ),
            )
        ]
    ),
    pb.DeleteResp(
        deleted_obj_results=[
            pb.DeleteResp.DeletedObjectResult(
                requested_path="Device.LocalAgent.Subscription.1.",
                oper_status=pb.DeleteResp.DeletedObjectResult.OperationStatus(
                    oper_success=pb.DeleteResp.DeletedObjectResult.OperationStatus.OperationSuccess(
                        affected_paths=["Device.LocalAgent.Subscription.1."]
                    )
                ),
            )
        ]
    ),
    pb.OperateResp(
        operation_results=[
            pb.OperateResp.OperationResult(
                executed_command="Device.Reboot()",
                req_output_args=pb.OperateResp.OperationResult.OutputArgs(output_args={}),
            )
        ]
    ),
    pb.NotifyResp(subscription_id="boot"),
    pb.GetSupportedProtocolResp(agent_supported_protocol_versions="1.0,1.1,1.2,1.3,1.4"),
    pb.RegisterResp(
        registered_path_results=[pb.RegisterResp.RegisteredPathResult(requested_path="Device.X.")]
    ),
    pb.DeregisterResp(
        deregistered_path_results=[
            pb.DeregisterResp.DeregisteredPathResult(requested_path="Device.X.")
        ]
    ),
]


def _through_a_record(msg: pb.Msg) -> pb.Msg:
    """``msg`` sent by a Controller to the Agent and read back by the Agent's codec."""
    got = records.receive(records.no_session_record(msg, AGENT, CTRL, version="1.3"), AGENT)
    assert isinstance(got, records.Inbound), got
    return got.msg


def test_every_request_and_response_type_is_covered() -> None:
    """The lists above hold one message of every Request and Response oneof member."""
    assert {messages.request_name(messages.request("x", r)) for r in REQUESTS} == set(
        messages.REQUEST_TYPES
    )
    assert {messages.response_name(messages.response("x", r)) for r in RESPONSES} == set(
        messages.RESPONSE_TYPES
    )


@pytest.mark.parametrize("body", REQUESTS, ids=lambda b: type(b).__name__)
def test_requests_round_trip(body: Message) -> None:
    """A request survives Record encode + decode, and its header names its body."""
    msg = messages.request("req-1", body)
    back = _through_a_record(msg)
    assert back == msg
    name = messages.request_name(back)
    assert name is not None and back.header.msg_type == messages.REQUEST_TYPES[name]
    assert getattr(back.body.request, name) == body


@pytest.mark.parametrize("body", RESPONSES, ids=lambda b: type(b).__name__)
def test_responses_round_trip(body: Message) -> None:
    """A response survives Record encode + decode, and its header names its body."""
    msg = messages.response("req-1", body)
    back = _through_a_record(msg)
    assert back == msg
    name = messages.response_name(back)
    assert name is not None and back.header.msg_type == messages.RESPONSE_TYPES[name]


def test_error_round_trips_with_param_errors() -> None:
    """An Error with per-parameter errors survives the Record."""
    msg = messages.error("req-1", ErrorCode.INVALID_ARGUMENTS, "bad", [("Device.X", 7012, "no")])
    back = _through_a_record(msg)
    assert back.header.msg_type == pb.Header.ERROR
    assert back.body.error.err_code == 7004
    assert [(e.param_path, e.err_code, e.err_msg) for e in back.body.error.param_errs] == [
        ("Device.X", 7012, "no")
    ]


def test_builders_refuse_the_wrong_kind() -> None:
    """request() takes requests only and response() responses only."""
    with pytest.raises(TypeError):
        messages.request("x", pb.GetResp())
    with pytest.raises(TypeError):
        messages.response("x", pb.Get())


def test_agent_requests_leave_out_notify() -> None:
    """Notify is the one request an Agent sends rather than receives."""
    assert "notify" not in messages.AGENT_REQUESTS and "get" in messages.AGENT_REQUESTS
