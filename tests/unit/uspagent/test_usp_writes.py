"""USP Set, Add and Delete on the simulated device's DataModel: allow_partial true and
false, required parameters, per-object and per-parameter errors, one transaction model with
CWMP (a USP Set raises the ACS's value-change notification)."""

from __future__ import annotations

import pytest_twisted

from cwmpd.cwmp.eventcodes import VALUE_CHANGE
from cwmpd.cwmp.structs import SetParameterAttributesStruct
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from support.usp_agent import Agent

IF1 = "Device.IP.Interface.1."
LED = "Device.DeviceInfo.X_00CAFE_LEDColour"
PM = "Device.NAT.PortMapping."
KEY = "Device.ManagementServer.ParameterKey"


def _setting(param: str, value: str, required: bool = False) -> pb.Set.UpdateParamSetting:
    return pb.Set.UpdateParamSetting(param=param, value=value, required=required)


def _update(path: str, *settings: pb.Set.UpdateParamSetting) -> pb.Set.UpdateObject:
    return pb.Set.UpdateObject(obj_path=path, param_settings=settings)


async def _values(agent: Agent, *names: str) -> list[str]:
    return [v.value for v in await agent.model.get_parameter_values(names)]


def _error(msg: pb.Msg | None) -> pb.Error:
    assert msg is not None and msg.body.WhichOneof("msg_body") == "error", msg
    return msg.body.error


def _response(msg: pb.Msg | None) -> pb.Response:
    assert msg is not None and msg.body.WhichOneof("msg_body") == "response", msg
    return msg.body.response


@pytest_twisted.ensureDeferred
async def test_set_writes_and_reports_the_updated_params(agent: Agent) -> None:
    """A Set writes through the model; CWMP reads the new value; updated_params has it."""
    msg = await agent.send(
        pb.Set(update_objs=[_update("Device.DeviceInfo.", _setting("X_00CAFE_LEDColour", "Amber"))])
    )
    (result,) = _response(msg).set_resp.updated_obj_results
    (inst,) = result.oper_status.oper_success.updated_inst_results
    assert inst.affected_path == "Device.DeviceInfo."
    assert dict(inst.updated_params) == {"X_00CAFE_LEDColour": "Amber"}
    assert await _values(agent, LED) == ["Amber"]


@pytest_twisted.ensureDeferred
async def test_set_not_allow_partial_is_all_or_nothing(agent: Agent) -> None:
    """allow_partial false: a required parameter failing on one object is an Error (7021)
    naming it, and the valid setting of the other object is not written either."""
    msg = await agent.send(
        pb.Set(
            allow_partial=False,
            update_objs=[
                _update("Device.DeviceInfo.", _setting("X_00CAFE_LEDColour", "Amber", True)),
                _update(IF1, _setting("Enable", "maybe", required=True)),
            ],
        )
    )
    error = _error(msg)
    assert error.err_code == ErrorCode.REQUIRED_PARAMETER_FAILED
    assert [(e.param_path, e.err_code) for e in error.param_errs] == [
        (IF1 + "Enable", ErrorCode.INVALID_VALUE)
    ]
    assert await _values(agent, LED, IF1 + "Enable") == ["Green", "true"]


@pytest_twisted.ensureDeferred
async def test_set_allow_partial_fails_objects_alone(agent: Agent) -> None:
    """allow_partial true: the object whose required parameter fails gets oper_failure with
    its instance's parameter errors; the other is written; a failed non-required parameter
    is listed in the success and skipped."""
    (maker,) = await _values(agent, "Device.DeviceInfo.Manufacturer")
    msg = await agent.send(
        pb.Set(
            allow_partial=True,
            update_objs=[
                _update(
                    "Device.DeviceInfo.",
                    _setting("X_00CAFE_LEDColour", "Off", True),
                    _setting("Manufacturer", "Evil"),
                ),
                _update(IF1, _setting("Status", "Up", required=True)),
                _update("Device.IP.Interface.7.", _setting("Enable", "true")),
            ],
        )
    )
    info, iface, missing = _response(msg).set_resp.updated_obj_results
    (inst,) = info.oper_status.oper_success.updated_inst_results
    assert dict(inst.updated_params) == {"X_00CAFE_LEDColour": "Off"}
    assert [(e.param, e.err_code) for e in inst.param_errs] == [
        ("Manufacturer", ErrorCode.NOT_WRITABLE)
    ]
    failure = iface.oper_status.oper_failure
    assert failure.err_code == ErrorCode.REQUIRED_PARAMETER_FAILED
    (failed,) = failure.updated_inst_failures
    assert failed.affected_path == IF1
    assert [(e.param, e.err_code) for e in failed.param_errs] == [
        ("Status", ErrorCode.NOT_WRITABLE)
    ]
    assert missing.oper_status.oper_failure.err_code == ErrorCode.OBJECT_DOES_NOT_EXIST
    assert await _values(agent, LED, "Device.DeviceInfo.Manufacturer") == ["Off", maker]


@pytest_twisted.ensureDeferred
async def test_set_unknown_parameter_is_7010(agent: Agent) -> None:
    """A parameter the object does not have is 7010 (and, not required, skipped)."""
    msg = await agent.send(pb.Set(update_objs=[_update(IF1, _setting("Nope", "1"))]))
    (result,) = _response(msg).set_resp.updated_obj_results
    (inst,) = result.oper_status.oper_success.updated_inst_results
    assert [(e.param, e.err_code) for e in inst.param_errs] == [
        ("Nope", ErrorCode.UNSUPPORTED_PARAMETER)
    ]


@pytest_twisted.ensureDeferred
async def test_set_with_a_search_path(agent: Agent) -> None:
    """A search path sets every instance it matches; one that matches none succeeds empty."""
    msg = await agent.send(
        pb.Set(
            update_objs=[
                _update("Device.IP.Interface.[Enable==true].", _setting("Alias", "lan")),
                _update('Device.IP.Interface.[Type=="Loopback"].', _setting("Alias", "lo")),
            ]
        )
    )
    hit, miss = _response(msg).set_resp.updated_obj_results
    assert [i.affected_path for i in hit.oper_status.oper_success.updated_inst_results] == [IF1]
    assert miss.oper_status.HasField("oper_success")
    assert not miss.oper_status.oper_success.updated_inst_results
    assert await _values(agent, IF1 + "Alias") == ["lan"]


@pytest_twisted.ensureDeferred
async def test_usp_set_raises_the_cwmp_value_change(agent: Agent) -> None:
    """The ACS asked for active notification (2) on the LED colour; a USP Set of it makes
    the model owe "4 VALUE CHANGE" with the parameter in the next Inform."""
    await agent.model.set_parameter_attributes([SetParameterAttributesStruct(LED, True, 2, False)])
    assert not agent.model.pending_value_changes()
    await agent.send(
        pb.Set(update_objs=[_update("Device.DeviceInfo.", _setting("X_00CAFE_LEDColour", "Off"))])
    )
    assert agent.model.pending_value_changes()
    assert agent.model.pending_active_changes()
    inform = await agent.model.inform_parameters([VALUE_CHANGE])
    assert (LED, "Off") in {(p.name, p.value) for p in inform}


@pytest_twisted.ensureDeferred
async def test_add_creates_with_settings_and_keys(agent: Agent) -> None:
    """Add creates an instance with its settings; the response has the instance path and
    unique keys; ParameterKey (CWMP's) is not touched."""
    await agent.model.set_parameter_values([], "before")
    msg = await agent.send(
        pb.Add(
            create_objs=[
                pb.Add.CreateObject(
                    obj_path=PM,
                    param_settings=[
                        pb.Add.CreateParamSetting(
                            param="ExternalPort", value="8080", required=True
                        ),
                        pb.Add.CreateParamSetting(param="Status", value="Enabled"),
                    ],
                )
            ]
        )
    )
    (result,) = _response(msg).add_resp.created_obj_results
    success = result.oper_status.oper_success
    assert success.instantiated_path == PM + "1."
    assert success.unique_keys["ExternalPort"] == "8080"
    assert [(e.param, e.err_code) for e in success.param_errs] == [
        ("Status", ErrorCode.NOT_WRITABLE)
    ]
    assert await _values(agent, PM + "1.ExternalPort", KEY) == ["8080", "before"]


@pytest_twisted.ensureDeferred
async def test_add_not_allow_partial_undoes_what_it_created(agent: Agent) -> None:
    """allow_partial false: when the second create fails (not a table), the message is an
    Error and the first instance is gone again."""
    msg = await agent.send(
        pb.Add(
            allow_partial=False,
            create_objs=[
                pb.Add.CreateObject(obj_path=PM),
                pb.Add.CreateObject(obj_path="Device.DeviceInfo."),
            ],
        )
    )
    assert _error(msg).err_code == ErrorCode.NOT_A_TABLE
    assert await _values(agent, "Device.NAT.PortMappingNumberOfEntries") == ["0"]


@pytest_twisted.ensureDeferred
async def test_add_required_failure(agent: Agent) -> None:
    """A required setting that fails creates nothing: oper_failure with allow_partial, an
    Error with the parameter's full path without it."""
    bad = pb.Add.CreateObject(
        obj_path=PM,
        param_settings=[pb.Add.CreateParamSetting(param="ExternalPort", value="x", required=True)],
    )
    msg = await agent.send(
        pb.Add(allow_partial=True, create_objs=[bad, pb.Add.CreateObject(obj_path=PM)])
    )
    failed, created = _response(msg).add_resp.created_obj_results
    assert failed.oper_status.oper_failure.err_code == ErrorCode.REQUIRED_PARAMETER_FAILED
    assert created.oper_status.oper_success.instantiated_path == PM + "1."
    error = _error(await agent.send(pb.Add(allow_partial=False, create_objs=[bad])))
    assert error.err_code == ErrorCode.REQUIRED_PARAMETER_FAILED
    assert [e.param_path for e in error.param_errs] == [PM + "{i}.ExternalPort"]
    assert await _values(agent, "Device.NAT.PortMappingNumberOfEntries") == ["1"]


@pytest_twisted.ensureDeferred
async def test_add_with_a_unique_key_taken_is_7025(agent: Agent) -> None:
    """An Add giving a whole unique key (Alias) another instance has creates nothing."""

    def create(alias: str) -> pb.Add.CreateObject:
        setting = pb.Add.CreateParamSetting(param="Alias", value=alias)
        return pb.Add.CreateObject(obj_path=PM, param_settings=[setting])

    msg = await agent.send(
        pb.Add(allow_partial=True, create_objs=[create("a"), create("a"), create("b")])
    )
    first, again, other = _response(msg).add_resp.created_obj_results
    assert first.oper_status.oper_success.instantiated_path == PM + "1."
    assert again.oper_status.oper_failure.err_code == ErrorCode.DUPLICATE_KEY
    assert other.oper_status.oper_success.instantiated_path == PM + "2."


@pytest_twisted.ensureDeferred
async def test_add_outside_the_model_is_7026(agent: Agent) -> None:
    """Add to an object the model does not have fails that object with 7026."""
    msg = await agent.send(
        pb.Add(allow_partial=True, create_objs=[pb.Add.CreateObject(obj_path="Device.Nope.")])
    )
    (result,) = _response(msg).add_resp.created_obj_results
    assert result.oper_status.oper_failure.err_code == ErrorCode.INVALID_PATH


@pytest_twisted.ensureDeferred
async def test_delete_allow_partial_and_not(agent: Agent) -> None:
    """Delete removes instances; a bad path is an unaffected failure with allow_partial,
    an Error (deleting nothing) without it."""
    for _ in range(2):
        await agent.model.add_object(PM, "k")
    error = _error(
        await agent.send(
            pb.Delete(allow_partial=False, obj_paths=[PM + "1.", "Device.DeviceInfo."])
        )
    )
    assert error.err_code == ErrorCode.NOT_A_TABLE
    assert await _values(agent, "Device.NAT.PortMappingNumberOfEntries") == ["2"]
    msg = await agent.send(pb.Delete(allow_partial=True, obj_paths=[PM + "*.", PM + "9."]))
    every, nine = _response(msg).delete_resp.deleted_obj_results
    assert list(every.oper_status.oper_success.affected_paths) == [PM + "1.", PM + "2."]
    assert nine.oper_status.oper_failure.err_code == ErrorCode.OBJECT_DOES_NOT_EXIST
    assert await _values(agent, "Device.NAT.PortMappingNumberOfEntries", KEY) == ["0", "k"]
