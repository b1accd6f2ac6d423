"""USP Get and GetInstances on the simulated device's DataModel: wildcards, search
expressions, max_depth, first_level_only, and the errors of paths that name nothing."""

from __future__ import annotations

import pytest_twisted

from cwmpd.cwmp.structs import ParameterValueStruct
from cwmpd.usp.errors import ErrorCode
from cwmpd.usp.proto import usp_msg_1_4_pb2 as pb
from support.usp_agent import Agent

IF1 = "Device.IP.Interface.1."


def _resp(msg: pb.Msg | None) -> pb.Response:
    assert msg is not None and msg.body.WhichOneof("msg_body") == "response", msg
    return msg.body.response


async def _get(agent: Agent, *paths: str, max_depth: int = 0) -> pb.GetResp:
    return _resp(await agent.send(pb.Get(param_paths=paths, max_depth=max_depth))).get_resp


def _flat(result: pb.GetResp.RequestedPathResult) -> dict[str, str]:
    """Full parameter name -> value of one requested path's results."""
    return {
        r.resolved_path + k: v
        for r in result.resolved_path_results
        for k, v in r.result_params.items()
    }


@pytest_twisted.ensureDeferred
async def test_get_parameter_gives_its_object_and_relative_name(agent: Agent) -> None:
    """Device.DeviceInfo.SerialNumber resolves to the object with the parameter in it."""
    resp = await _get(agent, "Device.DeviceInfo.ManufacturerOUI")
    (result,) = resp.req_path_results
    assert result.err_code == 0
    (resolved,) = result.resolved_path_results
    assert resolved.resolved_path == "Device.DeviceInfo."
    assert dict(resolved.result_params) == {"ManufacturerOUI": "00CAFE"}


@pytest_twisted.ensureDeferred
async def test_get_wildcard_object_with_max_depth(agent: Agent) -> None:
    """max_depth 1 gives the instance's own parameters; 0 also its sub-objects', grouped
    per object with relative names; they agree with CWMP's GetParameterValues."""
    shallow = (await _get(agent, "Device.IP.Interface.*.", max_depth=1)).req_path_results[0]
    assert [r.resolved_path for r in shallow.resolved_path_results] == [IF1]
    assert shallow.resolved_path_results[0].result_params["Name"] == "br-lan"
    deep = (await _get(agent, "Device.IP.Interface.*.", max_depth=0)).req_path_results[0]
    assert [r.resolved_path for r in deep.resolved_path_results] == [IF1, IF1 + "IPv4Address.1."]
    address = deep.resolved_path_results[1].result_params
    assert address["IPAddress"] == "192.168.1.1"
    cwmp = await agent.model.get_parameter_values([IF1])
    assert _flat(deep) == {v.name: v.value for v in cwmp}
    two = (await _get(agent, "Device.IP.", max_depth=2)).req_path_results[0]
    objects = [r.resolved_path for r in two.resolved_path_results]
    assert "Device.IP." in objects and IF1 in objects
    assert IF1 + "IPv4Address.1." not in objects


@pytest_twisted.ensureDeferred
async def test_get_search_expressions(agent: Agent) -> None:
    """[Enable==true] matches the enabled interface; a search that matches nothing is an
    empty success; a type error in the expression is 7008."""
    resp = await _get(
        agent,
        "Device.IP.Interface.[Enable==true].Name",
        "Device.IP.Interface.[Enable==false].Name",
        'Device.IP.Interface.[Name=="br-lan"&&Enable==true].IPv4Address.*.IPAddress',
        'Device.IP.Interface.[Enable=="true"].Name',
    )
    hit, miss, nested, bad = resp.req_path_results
    assert _flat(hit) == {IF1 + "Name": "br-lan"}
    assert miss.err_code == 0 and not miss.resolved_path_results
    assert _flat(nested) == {IF1 + "IPv4Address.1.IPAddress": "192.168.1.1"}
    assert bad.err_code == ErrorCode.INVALID_PATH_SYNTAX


@pytest_twisted.ensureDeferred
async def test_get_search_sees_a_value_changed_since(agent: Agent) -> None:
    """A search reads live values: after a Set, [Enable==false] finds the interface."""
    await agent.model.apply_local([ParameterValueStruct(IF1 + "Enable", "false", "boolean")])
    resp = await _get(agent, "Device.IP.Interface.[Enable==false].Alias")
    assert _flat(resp.req_path_results[0]) == {IF1 + "Alias": "cpe-lan"}


@pytest_twisted.ensureDeferred
async def test_get_errors_per_path(agent: Agent) -> None:
    """An instance that is not there and a name outside the model are 7026 for that path
    alone; bad syntax 7008; the other paths still answer."""
    resp = await _get(
        agent,
        "Device.IP.Interface.9.Name",
        "Device.Nope.",
        "Device.IP..Name",
        "Device.DeviceInfo.Manufacturer",
    )
    codes = [r.err_code for r in resp.req_path_results]
    assert codes == [
        ErrorCode.INVALID_PATH,
        ErrorCode.INVALID_PATH,
        ErrorCode.INVALID_PATH_SYNTAX,
        0,
    ]


@pytest_twisted.ensureDeferred
async def test_get_unique_key_addressing(agent: Agent) -> None:
    """Interface.[Name=="br-lan"]. addresses the instance by its unique key."""
    resp = await _get(agent, 'Device.IP.Interface.[Name=="br-lan"].Status')
    assert _flat(resp.req_path_results[0]) == {IF1 + "Status": "Up"}


@pytest_twisted.ensureDeferred
async def test_get_instances_first_level_only(agent: Agent) -> None:
    """GetInstances lists instances with their unique keys; first_level_only stops at the
    first table level below the path."""
    msg = await agent.send(pb.GetInstances(obj_paths=["Device.IP.Interface."]))
    (result,) = _resp(msg).get_instances_resp.req_path_results
    insts = {i.instantiated_obj_path: dict(i.unique_keys) for i in result.curr_insts}
    assert list(insts) == [IF1, IF1 + "IPv4Address.1."]
    assert insts[IF1] == {"Alias": "cpe-lan", "Name": "br-lan"}
    msg = await agent.send(
        pb.GetInstances(obj_paths=["Device.IP.Interface.", "Device.Nope."], first_level_only=True)
    )
    first, nope = _resp(msg).get_instances_resp.req_path_results
    assert [i.instantiated_obj_path for i in first.curr_insts] == [IF1]
    assert nope.err_code == ErrorCode.INVALID_PATH


@pytest_twisted.ensureDeferred
async def test_get_follows_references(agent: Agent) -> None:
    """Interface+ follows a port mapping's reference to its IP interface, in a path and in
    a search expression (values of two tables fetched for the resolver)."""
    pm = "Device.NAT.PortMapping."
    number, _ = await agent.model.add_object(pm, "k")
    await agent.model.apply_local(
        [
            ParameterValueStruct(f"{pm}{number}.Interface", "Device.IP.Interface.1", "string"),
            ParameterValueStruct(f"{pm}{number}.ExternalPort", "8080", "unsignedInt"),
        ]
    )
    resp = await _get(
        agent,
        f"{pm}{number}.Interface+.Name",
        f'{pm}[Interface+.Name=="br-lan"].ExternalPort',
        f'{pm}[Interface+.Name=="wan"].ExternalPort',
    )
    name, hit, miss = resp.req_path_results
    assert _flat(name) == {IF1 + "Name": "br-lan"}
    assert _flat(hit) == {f"{pm}{number}.ExternalPort": "8080"}
    assert miss.err_code == 0 and not miss.resolved_path_results
