"""USP GetSupportedDM and GetSupportedProtocol of the simulated device: the whole supported
model decodes, round-trips with the 1.4 schema and agrees with the USP TR-181 metadata."""

from __future__ import annotations

import pytest_twisted

from cwmpd.cwmp import paths
from cwmpd.datamodel.schema import load_schema
from cwmpd.datamodel.uspmeta import load_usp_meta
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from support.usp_agent import Agent

_DM = pb.GetSupportedDMResp
ALL = {"return_commands": True, "return_events": True, "return_params": True}


async def _dm(agent: Agent, *paths_: str, **flags: bool) -> _DM:
    msg = await agent.send(pb.GetSupportedDM(obj_paths=paths_, **flags))
    assert msg is not None
    return msg.body.response.get_supported_dm_resp


@pytest_twisted.ensureDeferred
async def test_the_whole_supported_model(agent: Agent) -> None:
    """GetSupportedDM of Device. lists every object and parameter the device declares, with
    type and access from the metadata, the commands the agent runs and the events it emits,
    their arguments as the USP XML gives them, and the tables' unique keys."""
    resp = await _dm(agent, "Device.", return_unique_key_sets=True, **ALL)
    (result,) = resp.req_obj_results
    assert result.err_code == 0
    assert result.data_model_inst_uri == "urn:broadband-forum-org:tr-181-2-19-1-usp"
    objs = {o.supported_obj_path: o for o in result.supported_objs}
    tree = agent.model.tree
    cwmp, usp = load_schema("Device."), load_usp_meta()
    listed_params = set()
    for path, obj in objs.items():
        assert path in tree.children
        assert (cwmp.object(path) or usp.schema.object(path)) is not None, path
        assert obj.is_multi_instance == path.endswith(".{i}.")
        for param in obj.supported_params:
            name = path + param.param_name
            meta = cwmp.param(name) or usp.schema.param(name)
            assert meta is not None or "X_00CAFE_" in name, name
            info = tree.params[name]
            assert param.access == (_DM.PARAM_READ_WRITE if info.writable else _DM.PARAM_READ_ONLY)
            assert param.value_type != _DM.PARAM_UNKNOWN
            listed_params.add(name)
    assert listed_params == set(tree.params)
    commands = {path + c.command_name: c for path, o in objs.items() for c in o.supported_commands}
    assert set(commands) == {
        "Device.Reboot()",
        "Device.FactoryReset()",
        "Device.LocalAgent.Controller.{i}.SendOnBoardRequest()",
    }
    for name, command in commands.items():
        assert tuple(command.input_arg_names) == usp.commands[name].inputs
        assert command.command_type == _DM.CMD_SYNC
    events = {path + e.event_name: e for path, o in objs.items() for e in o.supported_events}
    assert set(events) == {"Device.Boot!", "Device.LocalAgent.Periodic!"}
    assert list(events["Device.Boot!"].arg_names) == [
        "CommandKey",
        "Cause",
        "Reason",
        "FirmwareUpdated",
        "ParameterMap",
    ]
    interface = objs["Device.IP.Interface.{i}."]
    writable = tree.tables["Device.IP.Interface.{i}."].writable
    assert interface.access == (_DM.OBJ_ADD_DELETE if writable else _DM.OBJ_READ_ONLY)
    assert [list(k.key_names) for k in interface.unique_key_sets] == [["Alias"], ["Name"]]
    assert objs["Device.NAT.PortMapping.{i}."].access == _DM.OBJ_ADD_DELETE
    assert "Device.IP.Interface." not in objs  # a table is named by its {i}. object


@pytest_twisted.ensureDeferred
async def test_flags_and_first_level_only(agent: Agent) -> None:
    """Without return_* flags only the objects come back; first_level_only gives the object
    and its direct children; instance numbers in the path are taken as {i}."""
    bare = await _dm(agent, "Device.IP.")
    objs = bare.req_obj_results[0].supported_objs
    assert all(not o.supported_params and not o.supported_commands for o in objs)
    assert [o.supported_obj_path for o in objs] == [
        "Device.IP.",
        "Device.IP.Interface.{i}.",
        "Device.IP.Interface.{i}.IPv4Address.{i}.",
    ]
    first = await _dm(agent, "Device.IP.Interface.1.", first_level_only=True, return_params=True)
    objs = first.req_obj_results[0].supported_objs
    assert [o.supported_obj_path for o in objs] == [
        "Device.IP.Interface.{i}.",
        "Device.IP.Interface.{i}.IPv4Address.{i}.",
    ]
    assert "Name" in {p.param_name for p in objs[0].supported_params}
    top = await _dm(agent, "Device.", first_level_only=True)
    listed = [o.supported_obj_path for o in top.req_obj_results[0].supported_objs]
    assert "Device.IP." in listed and "Device.IP.Interface.{i}." not in listed
    assert all(paths.parent(p.replace(".{i}.", ".")) == "Device." for p in listed[1:])


@pytest_twisted.ensureDeferred
async def test_unsupported_object_is_7026(agent: Agent) -> None:
    """An object the device does not have is an error for that path alone."""
    resp = await _dm(agent, "Device.WiFi.", "Device.DeviceInfo.")
    wifi, info = resp.req_obj_results
    assert wifi.err_code == ErrorCode.INVALID_PATH and not wifi.supported_objs
    assert info.err_code == 0 and info.supported_objs


@pytest_twisted.ensureDeferred
async def test_supported_protocol(agent: Agent) -> None:
    """GetSupportedProtocolResp names the USP versions the agent speaks."""
    msg = await agent.send(pb.GetSupportedProtocol(controller_supported_protocol_versions="1.4"))
    assert msg is not None
    versions = msg.body.response.get_supported_protocol_resp.agent_supported_protocol_versions
    assert versions.split(",") == ["1.3", "1.4"]
