"""Controller trust enforced in every USP message: a Controller with a restricted Role tries
each message on readable, unreadable and unwritable paths and gets exactly what the Role
allows; a Controller not in the Controller table gets the Untrusted Role (nothing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_twisted
from google.protobuf.message import Message
from twisted.internet.task import Clock

from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.load import build_model
from cwmpd.plugin.trust_objects import trust_factory_values
from cwmpd.usp import messages
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from cwmpd.uspagent.dispatch import Dispatcher
from support.fakes import stand_in
from support.usp_agent import CONTROLLER, USP_FACTORY

RESTRICTED = "proto::restricted"
STRANGER = "proto::not-listed"
DI = "Device.DeviceInfo."
LED = DI + "X_00CAFE_LEDColour"
PM = "Device.NAT.PortMapping."
IF = "Device.IP.Interface."
_DM = pb.GetSupportedDMResp

#: The restricted Role, in Order: DeviceInfo readable, LEDColour also writable (a higher
#: Order wins), SerialNumber unreadable (higher still); PortMapping rows may be added and
#: read but not deleted; Reboot() seen but not run; every other object (Device.IP. ...)
#: only resolves (Obj "r---" on Device., the lowest Order): no parameter readable.
ROLE = [
    {"order": "1", "targets": DI, "param": "r---", "obj": "r---"},
    {"order": "5", "targets": LED, "param": "rw-n"},
    {"order": "9", "targets": DI + "SerialNumber", "param": "----"},
    {"order": "2", "targets": PM + ",Device.NAT.", "param": "rw--", "obj": "rw--"},
    {
        "order": "3",
        "targets": PM + "*.",
        "param": "rw--",
        "obj": "r---",
        "instantiated_obj": "r---",
    },
    {"order": "0", "targets": "Device.", "obj": "r---"},
    {"order": "6", "targets": "Device.Reboot()", "command_event": "r---"},
]


@dataclass
class Trusted:
    model: DataModel
    dispatcher: Dispatcher
    clock: Clock
    reboots: list[str]

    async def send(self, body: Message, controller: str = RESTRICTED) -> pb.Msg | None:
        answer = await self.dispatcher.handle(messages.request("m-1", body), controller)
        return None if answer is None else pb.Msg.FromString(answer.SerializeToString())


@pytest.fixture
def trusted(tmp_path: Path) -> Trusted:
    trust, names = trust_factory_values({"Restricted": ROLE})
    usp = dict(USP_FACTORY) | trust
    usp["Device.LocalAgent.Controller.1.AssignedRole"] = names["full"]
    usp["Device.LocalAgent.Controller.2.EndpointID"] = RESTRICTED
    usp["Device.LocalAgent.Controller.2.Enable"] = "true"
    usp["Device.LocalAgent.Controller.2.AssignedRole"] = names["Restricted"]
    clock = Clock()
    model, _ = build_model(
        ["simulated"], state_dir=tmp_path, factory_values={}, reactor=stand_in(clock), usp=usp
    )
    reboots: list[str] = []
    dispatcher = Dispatcher(model, clock=clock, reboot=reboots.append, factory_reset=lambda: None)
    return Trusted(model, dispatcher, clock, reboots)


def _resp(msg: pb.Msg | None) -> pb.Response:
    assert msg is not None and msg.body.WhichOneof("msg_body") == "response", msg
    return msg.body.response


def _err(msg: pb.Msg | None) -> pb.Error:
    assert msg is not None and msg.body.WhichOneof("msg_body") == "error", msg
    return msg.body.error


def _got(msg: pb.Msg | None) -> dict[str, str]:
    """A GetResp's values by full name (no per-path error allowed)."""
    out = {}
    for result in _resp(msg).get_resp.req_path_results:
        assert result.err_code == 0, result
        for res in result.resolved_path_results:
            out.update({res.resolved_path + k: v for k, v in res.result_params.items()})
    return out


def _set(path: str, param: str, value: str) -> pb.Set:
    return pb.Set(
        allow_partial=True,
        update_objs=[
            pb.Set.UpdateObject(
                obj_path=path, param_settings=[pb.Set.UpdateParamSetting(param=param, value=value)]
            )
        ],
    )


def _set_errors(msg: pb.Msg | None) -> list[tuple[str, int]]:
    """(param, err_code) of each parameter a partial Set refused."""
    (result,) = _resp(msg).set_resp.updated_obj_results
    out = []
    for inst in result.oper_status.oper_success.updated_inst_results:
        out += [(e.param, e.err_code) for e in inst.param_errs]
    return out


async def _add(t: Trusted, table: str, controller: str = RESTRICTED) -> pb.Msg | None:
    create = pb.Add.CreateObject(obj_path=table)
    return await t.send(pb.Add(allow_partial=False, create_objs=[create]), controller)


Check = Callable[[Trusted], Awaitable[None]]


async def get_readable(t: Trusted) -> None:
    got = _got(await t.send(pb.Get(param_paths=[DI])))
    assert LED in got and DI + "Manufacturer" in got
    assert DI + "SerialNumber" not in got  # the higher Order "----" takes it away


async def get_unreadable_param(t: Trusted) -> None:
    assert _got(await t.send(pb.Get(param_paths=[DI + "SerialNumber"]))) == {}


async def get_unreadable_object(t: Trusted) -> None:
    assert _got(await t.send(pb.Get(param_paths=[IF, IF + "*.Name"]))) == {}


async def get_instances(t: Trusted) -> None:
    await _add(t, PM, CONTROLLER)
    resp = _resp(await t.send(pb.GetInstances(obj_paths=[PM, IF]))).get_instances_resp
    listed = [[i.instantiated_obj_path for i in r.curr_insts] for r in resp.req_path_results]
    assert listed == [[PM + "1."], []]


async def set_writable(t: Trusted) -> None:
    assert _set_errors(await t.send(_set(DI, "X_00CAFE_LEDColour", "Amber"))) == []
    assert (await t.model.read_values([LED]))[LED] == "Amber"


async def set_readable_unwritable(t: Trusted) -> None:
    errors = _set_errors(await t.send(_set(DI, "ProvisioningCode", "x")))
    assert errors == [("ProvisioningCode", ErrorCode.PERMISSION_DENIED)]


async def set_unreadable(t: Trusted) -> None:
    msg = await t.send(
        pb.Set(
            update_objs=[
                pb.Set.UpdateObject(
                    obj_path=IF + "1.",
                    param_settings=[
                        pb.Set.UpdateParamSetting(param="Alias", value="x", required=True)
                    ],
                )
            ]
        )
    )
    error = _err(msg)
    assert error.err_code == ErrorCode.REQUIRED_PARAMETER_FAILED
    assert [(e.param_path, e.err_code) for e in error.param_errs] == [
        (IF + "1.Alias", ErrorCode.PERMISSION_DENIED)
    ]
    assert (await t.model.read_values([IF + "1.Alias"]))[IF + "1.Alias"] != "x"


async def add_permitted(t: Trusted) -> None:
    success = _resp(await _add(t, PM)).add_resp.created_obj_results[0].oper_status.oper_success
    assert success.instantiated_path == PM + "1."


async def add_refused(t: Trusted) -> None:
    before = len((await t.model.live_index()).children[IF])
    assert _err(await _add(t, IF)).err_code == ErrorCode.PERMISSION_DENIED
    assert len((await t.model.live_index()).children[IF]) == before


async def delete_refused(t: Trusted) -> None:
    await _add(t, PM, CONTROLLER)
    error = _err(await t.send(pb.Delete(obj_paths=[PM + "1."])))
    assert error.err_code == ErrorCode.PERMISSION_DENIED
    assert PM + "1." in (await t.model.live_index()).objects


async def operate_refused(t: Trusted) -> None:
    resp = _resp(await t.send(pb.Operate(command="Device.Reboot()", send_resp=True)))
    (result,) = resp.operate_resp.operation_results
    assert result.cmd_failure.err_code == ErrorCode.PERMISSION_DENIED
    t.clock.advance(1)
    assert t.reboots == []


async def supported_dm(t: Trusted) -> None:
    req = pb.GetSupportedDM(obj_paths=["Device."], return_params=True, return_commands=True)
    (result,) = _resp(await t.send(req)).get_supported_dm_resp.req_obj_results
    objs = {o.supported_obj_path: o for o in result.supported_objs}
    assert IF + "{i}." in objs  # Obj "r---" on Device.: the objects are seen...
    assert [p.param_name for p in objs[IF + "{i}."].supported_params] == []  # ...no params
    assert objs[IF + "{i}."].access == _DM.OBJ_READ_ONLY
    assert objs[PM + "{i}."].access == _DM.OBJ_ADD_ONLY
    params = {p.param_name: p.access for p in objs[DI].supported_params}
    assert params["X_00CAFE_LEDColour"] == _DM.PARAM_READ_WRITE
    assert params["ProvisioningCode"] == _DM.PARAM_READ_ONLY
    assert "SerialNumber" not in params
    assert [c.command_name for c in objs["Device."].supported_commands] == ["Reboot()"]


async def supported_protocol(t: Trusted) -> None:
    resp = _resp(
        await t.send(pb.GetSupportedProtocol(controller_supported_protocol_versions="1.4"))
    )
    assert resp.get_supported_protocol_resp.agent_supported_protocol_versions


CASES: Sequence[Check] = [
    get_readable,
    get_unreadable_param,
    get_unreadable_object,
    get_instances,
    set_writable,
    set_readable_unwritable,
    set_unreadable,
    add_permitted,
    add_refused,
    delete_refused,
    operate_refused,
    supported_dm,
    supported_protocol,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
@pytest_twisted.ensureDeferred
async def test_restricted_role(trusted: Trusted, case: Check) -> None:
    await case(trusted)


@pytest_twisted.ensureDeferred
async def test_full_access_controller_is_not_restricted(trusted: Trusted) -> None:
    """The same paths for the Full Access Controller: all there, all allowed."""
    got = _got(await trusted.send(pb.Get(param_paths=[DI + "SerialNumber", IF]), CONTROLLER))
    assert DI + "SerialNumber" in got and IF + "1.Name" in got
    assert _set_errors(await trusted.send(_set(DI, "ProvisioningCode", "x"), CONTROLLER)) == []
    assert _resp(await _add(trusted, IF, CONTROLLER)).add_resp.created_obj_results


@pytest_twisted.ensureDeferred
async def test_a_controller_not_listed_is_untrusted(trusted: Trusted) -> None:
    """An Endpoint not in the Controller table gets ControllerTrust.UntrustedRole: it reads
    nothing, writes nothing, sees no object in the supported model."""
    assert _got(await trusted.send(pb.Get(param_paths=["Device."]), STRANGER)) == {}
    errors = _set_errors(await trusted.send(_set(DI, "X_00CAFE_LEDColour", "Red"), STRANGER))
    assert errors == [("X_00CAFE_LEDColour", ErrorCode.PERMISSION_DENIED)]
    assert _err(await _add(trusted, PM, STRANGER)).err_code == ErrorCode.PERMISSION_DENIED
    req = pb.GetSupportedDM(obj_paths=["Device."], return_params=True)
    (result,) = _resp(await trusted.send(req, STRANGER)).get_supported_dm_resp.req_obj_results
    assert list(result.supported_objs) == []


@pytest_twisted.ensureDeferred
async def test_a_role_change_applies_to_the_next_message(trusted: Trusted) -> None:
    """The Full Access Controller gives the restricted one the Full Access Role too: the
    Roles' rights add up, SerialNumber is readable from the next message on."""
    path = "Device.LocalAgent.Controller.2."
    role = "Device.LocalAgent.ControllerTrust.Role.1,Device.LocalAgent.ControllerTrust.Role.3"
    assert _set_errors(await trusted.send(_set(path, "AssignedRole", role), CONTROLLER)) == []
    assert DI + "SerialNumber" in _got(await trusted.send(pb.Get(param_paths=[DI])))
