"""Alias-Based Addressing (TR-069 3.6.1) through the RPC dispatcher, on the simulated device."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp import messages as m
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.load import build_model
from cwmpd.session.dispatch import Dispatcher
from cwmpd.testing.acs import ScriptedAcs
from integration.session.test_rpcs import assert_valid
from support.agent_harness import AgentRunner, agent_config, reactor

MS = "Device.ManagementServer."
IF = "Device.IP.Interface."
PM = "Device.NAT.PortMapping."


def device(tmp_path: Path, *, enabled: bool = True) -> tuple[DataModel, Dispatcher]:
    """The simulated device (IP.Interface.1 has Alias "cpe-lan") and a dispatcher on it."""
    factory = {MS + "AliasBasedAddressing": "true"} if enabled else {}
    model, _ = build_model(
        ["simulated"], state_dir=tmp_path, factory_values=factory, reactor=reactor
    )
    return model, Dispatcher(model, add_event=lambda c, k: None, schedule_inform=lambda d, k: None)


async def ask(dispatcher: Dispatcher, request: m.Message) -> m.Message:
    return await dispatcher.answer(request)


async def set_values(dispatcher: Dispatcher, *pairs: tuple[str, str]) -> m.Message:
    params = tuple(PV(n, v, "string") for n, v in pairs)
    return await ask(dispatcher, m.SetParameterValues(parameters=params, parameter_key="k"))


async def value(model: DataModel, name: str) -> str:
    return (await model.get_parameter_values([name]))[0].value


def fault_of(response: m.Message) -> tuple[int, list[tuple[str, int]]]:
    assert isinstance(response, m.Fault), response
    return response.code, [(f.name, f.code) for f in response.set_faults]


#: One row per RPC that takes a path: the request by alias, and what its answer holds.
RPC_ROWS = [
    (
        "GPV full name",
        m.GetParameterValues(names=(IF + "[cpe-lan].Name",)),
        lambda r: [(p.name, p.value) for p in r.parameters] == [(IF + "1.Name", "br-lan")],
    ),
    (
        "GPV partial path, nested alias",
        m.GetParameterValues(names=(IF + "[cpe-lan].IPv4Address.[cpe-1].",)),
        lambda r: (
            (IF + "1.IPv4Address.1.IPAddress", "192.168.1.1")
            in [(p.name, p.value) for p in r.parameters]
        ),
    ),
    (
        "GPN",
        m.GetParameterNames(path=IF + "[cpe-lan].", next_level=True),
        lambda r: IF + "1.Name" in [p.name for p in r.parameters],
    ),
    (
        "GPA",
        m.GetParameterAttributes(names=(IF + "[cpe-lan].Enable",)),
        lambda r: [p.name for p in r.parameters] == [IF + "1.Enable"],
    ),
    (
        "SPA",
        m.SetParameterAttributes(parameters=(SPA(IF + "[cpe-lan].Enable", True, 1, False),)),
        lambda r: isinstance(r, m.SetParameterAttributesResponse),
    ),
    (
        "SPV",
        m.SetParameterValues(
            parameters=(PV(IF + "[cpe-lan].Enable", "false", "boolean"),), parameter_key="k"
        ),
        lambda r: r.status == 0,
    ),
    (
        "AddObject below an alias",
        m.AddObject(object_name=IF + "[cpe-lan].IPv4Address.", parameter_key="k"),
        lambda r: r.instance_number == 2,
    ),
    (
        "DeleteObject",
        m.DeleteObject(object_name=IF + "[cpe-lan].IPv4Address.[cpe-1].", parameter_key="k"),
        lambda r: r.status == 0,
    ),
]


async def give_first_address_an_alias(dispatcher: Dispatcher) -> None:
    assert isinstance(
        await set_values(dispatcher, (IF + "1.IPv4Address.1.Alias", "cpe-1")),
        m.SetParameterValuesResponse,
    )


@pytest.mark.parametrize(("what", "request_", "check"), RPC_ROWS, ids=[r[0] for r in RPC_ROWS])
@pytest_twisted.ensureDeferred
async def test_every_rpc_takes_instance_aliases(
    tmp_path: Path, what: str, request_: m.Message, check: object
) -> None:
    """Each RPC that takes a path accepts "[alias]" for an instance number."""
    _, dispatcher = device(tmp_path)
    await give_first_address_an_alias(dispatcher)
    response = await ask(dispatcher, request_)
    assert not isinstance(response, m.Fault), response
    assert callable(check) and check(response)


@pytest.mark.parametrize(("what", "request_", "check"), RPC_ROWS, ids=[r[0] for r in RPC_ROWS])
@pytest_twisted.ensureDeferred
async def test_aliases_are_not_accepted_when_the_feature_is_off(
    tmp_path: Path, what: str, request_: m.Message, check: object
) -> None:
    """AliasBasedAddressing false (the factory value): an alias path is an unknown name."""
    _, dispatcher = device(tmp_path, enabled=False)
    await give_first_address_an_alias(dispatcher)
    code, set_faults = fault_of(await ask(dispatcher, request_))
    assert code == 9005 or (code == 9003 and [c for _, c in set_faults] == [9005])


@pytest.mark.parametrize(
    "request_",
    [
        m.GetParameterValues(names=(IF + "[nope].Name",)),
        m.GetParameterNames(path=IF + "[nope].", next_level=False),
        m.GetParameterAttributes(names=(IF + "[nope].Name",)),
        m.DeleteObject(object_name=IF + "[nope].", parameter_key="k"),
        m.AddObject(object_name=IF + "[nope].IPv4Address.", parameter_key="k"),
        m.GetParameterValues(names=(IF + "[cpe-lan.Name",)),
    ],
    ids=["GPV", "GPN", "GPA", "DeleteObject", "AddObject", "malformed"],
)
@pytest_twisted.ensureDeferred
async def test_unknown_alias_is_9005(tmp_path: Path, request_: m.Message) -> None:
    """An alias no instance has is an invalid parameter name."""
    _, dispatcher = device(tmp_path)
    assert fault_of(await ask(dispatcher, request_)) == (9005, [])


@pytest_twisted.ensureDeferred
async def test_instance_alias_mode_reports_aliases(tmp_path: Path) -> None:
    """InstanceMode InstanceAlias: GPV, GPN, GPA and the Inform name instances by alias
    (a factory instance with an empty Alias gets "cpe-<n>", stored); cwmpd's own reads
    keep numbers."""
    model, dispatcher = device(tmp_path)
    await set_values(dispatcher, (MS + "InstanceMode", "InstanceAlias"))
    gpv = await ask(dispatcher, m.GetParameterValues(names=(IF + "1.IPv4Address.",)))
    assert isinstance(gpv, m.GetParameterValuesResponse)
    assert IF + "[cpe-lan].IPv4Address.[cpe-1].IPAddress" in [p.name for p in gpv.parameters]
    assert await value(model, IF + "1.IPv4Address.1.Alias") == "cpe-1"
    gpn = await ask(dispatcher, m.GetParameterNames(path=IF, next_level=True))
    assert isinstance(gpn, m.GetParameterNamesResponse)
    assert [p.name for p in gpn.parameters] == [IF + "[cpe-lan]."]
    gpa = await ask(dispatcher, m.GetParameterAttributes(names=(IF + "[cpe-lan].Name",)))
    assert isinstance(gpa, m.GetParameterAttributesResponse)
    assert [p.name for p in gpa.parameters] == [IF + "[cpe-lan].Name"]
    await ask(
        dispatcher,
        m.SetParameterAttributes(parameters=(SPA(IF + "[cpe-lan].Name", True, 1, False),)),
    )
    model.report_changes({IF + "1.Name": "wan"})
    inform = await dispatcher.view.inform_parameters(["4 VALUE CHANGE"])
    assert IF + "[cpe-lan].Name" in [p.name for p in inform]
    assert [p.name for p in await model.get_parameter_values([IF + "1.Name"])] == [IF + "1.Name"]


@pytest_twisted.ensureDeferred
async def test_instance_number_mode_reports_numbers(tmp_path: Path) -> None:
    """InstanceMode InstanceNumber (the default): numbers out, even for an alias request."""
    _, dispatcher = device(tmp_path)
    gpv = await ask(dispatcher, m.GetParameterValues(names=(IF + "[cpe-lan].Name",)))
    assert isinstance(gpv, m.GetParameterValuesResponse)
    assert [p.name for p in gpv.parameters] == [IF + "1.Name"]


@pytest_twisted.ensureDeferred
async def test_add_object_with_alias_and_cpe_assigned_alias(tmp_path: Path) -> None:
    """AddObject "X.[alias]." gives the new instance that Alias; plain "X." gets "cpe-<n>";
    the ParameterKey is set once either way; an alias in use or invalid is 9007."""
    model, dispatcher = device(tmp_path)
    added = await ask(dispatcher, m.AddObject(object_name=PM + "[ssh].", parameter_key="k1"))
    assert isinstance(added, m.AddObjectResponse) and added.instance_number == 1
    assert await value(model, PM + "1.Alias") == "ssh"
    assert await value(model, MS + "ParameterKey") == "k1"
    plain = await ask(dispatcher, m.AddObject(object_name=PM, parameter_key="k2"))
    assert isinstance(plain, m.AddObjectResponse) and plain.instance_number == 2
    assert await value(model, PM + "2.Alias") == "cpe-2"
    assert await value(model, MS + "ParameterKey") == "k2"
    for bad in ("ssh", "9lives", "cpe-2"):
        request = m.AddObject(object_name=f"{PM}[{bad}].", parameter_key="x")
        response = await ask(dispatcher, request)
        assert fault_of(response) == (9007, []), bad
    assert await value(model, MS + "ParameterKey") == "k2"
    names = await model.get_parameter_names(PM, True)
    assert [p.name for p in names] == [PM + "1.", PM + "2."]


@pytest_twisted.ensureDeferred
async def test_auto_create_instances_on_spv(tmp_path: Path) -> None:
    """AutoCreateInstances true: an SPV naming unknown aliases creates those instances
    (nested ones too) with their Alias; false: 9005 for each such parameter."""
    model, dispatcher = device(tmp_path)
    off = await set_values(dispatcher, (PM + "[web].Description", "http"))
    assert fault_of(off) == (9003, [(PM + "[web].Description", 9005)])
    await set_values(dispatcher, (MS + "AutoCreateInstances", "true"))
    on = await set_values(
        dispatcher,
        (PM + "[web].Description", "http"),
        (PM + "[web].InternalClient", "192.168.1.10"),
        (IF + "[guest].IPv4Address.[a1].IPAddress", "10.0.0.1"),
    )
    assert isinstance(on, m.SetParameterValuesResponse)
    assert await value(model, PM + "1.Alias") == "web"
    assert await value(model, PM + "1.Description") == "http"
    assert await value(model, PM + "1.InternalClient") == "192.168.1.10"
    assert await value(model, IF + "2.Alias") == "guest"
    assert await value(model, IF + "2.IPv4Address.1.Alias") == "a1"
    assert await value(model, IF + "2.IPv4Address.1.IPAddress") == "10.0.0.1"


@pytest_twisted.ensureDeferred
async def test_auto_created_instances_go_when_the_spv_faults(tmp_path: Path) -> None:
    """An SPV that faults leaves no auto-created instance and its fault names the
    parameter as the ACS sent it."""
    model, dispatcher = device(tmp_path)
    await set_values(dispatcher, (MS + "AutoCreateInstances", "true"))
    key = await value(model, MS + "ParameterKey")
    response = await set_values(
        dispatcher, (PM + "[web].Description", "http"), (PM + "[web].ExternalPort", "x")
    )
    assert fault_of(response) == (9003, [(PM + "[web].ExternalPort", 9007)])
    assert [p.name for p in await model.get_parameter_names(PM, True)] == []
    assert await value(model, MS + "ParameterKey") == key


@pytest.mark.parametrize(
    ("alias", "code"),
    [("", 9007), ("1st", 9007), ("a.b", 9007), ("x" * 65, 9007), ("cpe-lan", None), ("ok", None)],
)
@pytest_twisted.ensureDeferred
async def test_alias_values_are_checked(tmp_path: Path, alias: str, code: int | None) -> None:
    """An Alias set by SPV: not empty, a letter first, no dot, at most 64 characters."""
    model, dispatcher = device(tmp_path)
    response = await set_values(dispatcher, (IF + "1.Alias", alias))
    if code is None:
        assert isinstance(response, m.SetParameterValuesResponse)
        assert await value(model, IF + "1.Alias") == alias
    else:
        assert fault_of(response) == (9003, [(IF + "1.Alias", code)])
        assert await value(model, IF + "1.Alias") == "cpe-lan"


@pytest_twisted.ensureDeferred
async def test_alias_is_unique_within_its_table(tmp_path: Path) -> None:
    """Two instances of one table cannot share an Alias (set together or one after the
    other); a swap in one SPV is fine, and the same alias in another table too."""
    _, dispatcher = device(tmp_path)
    await ask(dispatcher, m.AddObject(object_name=IF, parameter_key="k"))  # 2: cpe-2
    clash = await set_values(dispatcher, (IF + "2.Alias", "cpe-lan"))
    assert fault_of(clash) == (9003, [(IF + "2.Alias", 9007)])
    both = await set_values(dispatcher, (IF + "1.Alias", "same"), (IF + "2.Alias", "same"))
    assert fault_of(both) == (9003, [(IF + "1.Alias", 9007), (IF + "2.Alias", 9007)])
    swap = await set_values(dispatcher, (IF + "1.Alias", "cpe-2"), (IF + "2.Alias", "cpe-lan"))
    assert isinstance(swap, m.SetParameterValuesResponse)
    other_table = await set_values(dispatcher, (IF + "1.IPv4Address.1.Alias", "cpe-2"))
    assert isinstance(other_table, m.SetParameterValuesResponse)
    gpv = await ask(dispatcher, m.GetParameterValues(names=(IF + "[cpe-lan].Name",)))
    assert isinstance(gpv, m.GetParameterValuesResponse)
    assert [p.name for p in gpv.parameters] == [IF + "2.Name"]


@pytest_twisted.ensureDeferred
async def test_alias_addressing_through_the_agent_on_the_wire(tmp_path: Path, spec: Path) -> None:
    """The real agent with ``acs.alias_based_addressing``: Inform says so; the ACS adds an
    InformParameter by alias, turns on InstanceAlias; the next Inform names the instance
    by alias. Everything the agent sends validates against the CWMP XSD."""
    acs = ScriptedAcs()
    ip = MS + "InformParameter.[watch]."
    acs.queue(m.AddObject(object_name=ip, parameter_key="k1"))
    acs.queue(
        m.SetParameterValues(
            parameters=(
                PV(ip + "Enable", "true", "boolean"),
                PV(ip + "ParameterName", IF + "1.Name"),
                PV(MS + "InstanceMode", "InstanceAlias"),
            ),
            parameter_key="k2",
        )
    )
    acs.queue(m.GetParameterNames(path=MS + "InformParameter.", next_level=True))
    acs.queue(m.ScheduleInform(delay_seconds=1, command_key="again"))
    url = await acs.listen(reactor)
    runner = AgentRunner(agent_config(tmp_path, url, acs="alias_based_addressing = true"))
    try:
        runner.start()
        first, second = await acs.wait_for_sessions(2, timeout=20)
    finally:
        runner.stop()
        await acs.stop()
    informed = {p.name: p.value for p in first.inform.parameters}
    assert informed[MS + "AliasBasedAddressing"] == "true"
    added, spv, gpn, _ = first.responses
    assert isinstance(added, m.AddObjectResponse) and added.instance_number == 1
    assert isinstance(spv, m.SetParameterValuesResponse)
    assert isinstance(gpn, m.GetParameterNamesResponse)
    assert [p.name for p in gpn.parameters] == [MS + "InformParameter.[watch]."]
    names = [p.name for p in second.inform.parameters]
    assert IF + "[cpe-lan].Name" in names
    assert IF + "1.Name" not in names
    assert assert_valid(spec, [first, second]) >= 4


@pytest.mark.parametrize("aliases_on", [False, True])
@pytest_twisted.ensureDeferred
async def test_instance_wildcards_in_gpv_gpn_gpa(tmp_path: Path, aliases_on: bool) -> None:
    """InstanceWildcardsSupported (TR-069 A.2.2.2): "*" stands for every instance in GPV,
    GPN and GPA, with Alias-Based Addressing on or off; an empty table gives an empty
    answer; "*" where the model has no table, or in a write, is 9005."""
    _, dispatcher = device(tmp_path, enabled=aliases_on)
    await ask(dispatcher, m.AddObject(object_name=IF, parameter_key="k"))
    gpv = await ask(dispatcher, m.GetParameterValues(names=(IF + "*.Enable",)))
    assert isinstance(gpv, m.GetParameterValuesResponse)
    assert [p.name for p in gpv.parameters] == [IF + "1.Enable", IF + "2.Enable"]
    nested = await ask(dispatcher, m.GetParameterValues(names=(IF + "*.IPv4Address.*.",)))
    assert isinstance(nested, m.GetParameterValuesResponse)
    assert IF + "1.IPv4Address.1.IPAddress" in [p.name for p in nested.parameters]
    gpn = await ask(dispatcher, m.GetParameterNames(path=IF + "*.", next_level=True))
    assert isinstance(gpn, m.GetParameterNamesResponse)
    assert {IF + "1.Name", IF + "2.Name"} <= {p.name for p in gpn.parameters}
    gpa = await ask(dispatcher, m.GetParameterAttributes(names=(IF + "*.Name",)))
    assert isinstance(gpa, m.GetParameterAttributesResponse)
    assert [p.name for p in gpa.parameters] == [IF + "1.Name", IF + "2.Name"]
    empty = await ask(dispatcher, m.GetParameterValues(names=(PM + "*.Enable",)))
    assert empty == m.GetParameterValuesResponse(parameters=())
    for bad in (
        m.GetParameterValues(names=("Device.*.Enable",)),
        m.GetParameterValues(names=(IF + "*.NoSuchThing",)),
        m.SetParameterValues(parameters=(PV(IF + "*.Enable", "1", "boolean"),), parameter_key="k"),
        m.DeleteObject(object_name=IF + "*.", parameter_key="k"),
    ):
        code, set_faults = fault_of(await ask(dispatcher, bad))
        assert code == 9005 or (code == 9003 and [c for _, c in set_faults] == [9005]), bad
    if aliases_on:
        by_alias = await ask(
            dispatcher, m.GetParameterValues(names=(IF + "[cpe-lan].IPv4Address.*.IPAddress",))
        )
        assert isinstance(by_alias, m.GetParameterValuesResponse)
        assert [p.value for p in by_alias.parameters] == ["192.168.1.1"]
