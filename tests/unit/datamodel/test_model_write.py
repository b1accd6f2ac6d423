"""SetParameterValues, AddObject and DeleteObject semantics (P-7..P-13, P-10, E-10)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.model import DataModel
from support.datamodel_fakes import MS, FakeBackend, limited_schema, make_model

IF1 = "Device.IP.Interface.1."


async def values(model: DataModel, *names: str) -> dict[str, str]:
    """Current values by name."""
    return {p.name: p.value for p in await model.get_parameter_values(list(names))}


@pytest_twisted.ensureDeferred
async def test_spv_applies_canonical_values_and_parameter_key(model: DataModel) -> None:
    """A valid SPV sets every value (canonical form), the ParameterKey, and returns 0."""
    status = await model.set_parameter_values(
        [
            PV(IF1 + "Enable", "1", "boolean"),
            PV(MS + "PeriodicInformInterval", "60", "unsignedInt"),
        ],
        "key-1",
    )
    assert status == 0
    got = await values(model, IF1 + "Enable", MS + "PeriodicInformInterval", MS + "ParameterKey")
    assert got == {
        IF1 + "Enable": "true",
        MS + "PeriodicInformInterval": "60",
        MS + "ParameterKey": "key-1",
    }


@pytest_twisted.ensureDeferred
async def test_spv_reports_each_bad_parameter_and_changes_nothing(model: DataModel) -> None:
    """9005/9008/9006/9007 per parameter under a top-level 9003; nothing applied."""
    with pytest.raises(CwmpFault) as exc:
        await model.set_parameter_values(
            [
                PV(IF1 + "Alias", "ok", "string"),
                PV("Device.Nope", "x", "string"),
                PV("Device.DeviceInfo.UpTime", "1", "unsignedInt"),
                PV(MS + "PeriodicInformEnable", "1", "dateTime"),
                PV(MS + "PeriodicInformInterval", "0", "unsignedInt"),
            ],
            "k",
        )
    assert exc.value.code == 9003
    assert [(f.name, f.code) for f in exc.value.set_faults] == [
        ("Device.Nope", 9005),
        ("Device.DeviceInfo.UpTime", 9008),
        (MS + "PeriodicInformEnable", 9006),
        (MS + "PeriodicInformInterval", 9007),
    ]
    got = await values(model, IF1 + "Alias", MS + "ParameterKey")
    assert got == {IF1 + "Alias": "", MS + "ParameterKey": ""}


@pytest_twisted.ensureDeferred
async def test_spv_parameter_key_is_not_writable(model: DataModel) -> None:
    """ParameterKey changes only through the RPC argument: setting it is 9008."""
    with pytest.raises(CwmpFault) as exc:
        await model.set_parameter_values([PV(MS + "ParameterKey", "x", "string")], "k")
    assert exc.value.set_faults[0].code == 9008


@pytest_twisted.ensureDeferred
async def test_spv_duplicate_name_faults_9003_and_applies_nothing(model: DataModel) -> None:
    """The same name twice is 9003 and no value changes."""
    with pytest.raises(CwmpFault) as exc:
        await model.set_parameter_values(
            [PV(IF1 + "Alias", "a", "string"), PV(IF1 + "Alias", "b", "string")], "k"
        )
    assert exc.value.code == 9003
    assert await values(model, IF1 + "Alias", MS + "ParameterKey") == {
        IF1 + "Alias": "",
        MS + "ParameterKey": "",
    }


def _with_fakes(a: FakeBackend, b: FakeBackend) -> Callable[[Declarations], None]:
    def extra(decl: Declarations) -> None:
        decl.bind("Device.DeviceInfo.HostName", a)
        decl.bind("Device.DeviceInfo.BootFirmwareImage", b)

    return extra


@pytest_twisted.ensureDeferred
async def test_spv_stage_failure_changes_nothing(tmp_path: Path) -> None:
    """A backend failing to stage: 9002, other backends untouched, ParameterKey kept."""
    a, b = FakeBackend(), FakeBackend()
    b.fail_stage = True
    model = make_model(tmp_path, _with_fakes(a, b))
    with pytest.raises(CwmpFault) as exc:
        await model.set_parameter_values(
            [
                PV("Device.DeviceInfo.HostName", "h", "string"),
                PV("Device.DeviceInfo.BootFirmwareImage", "x", "string"),
                PV(IF1 + "Alias", "new", "string"),
            ],
            "k",
        )
    assert exc.value.code == 9002
    assert a.calls == ["begin", "abort"] and a.values == {}
    assert await values(model, IF1 + "Alias", MS + "ParameterKey") == {
        IF1 + "Alias": "",
        MS + "ParameterKey": "",
    }


@pytest_twisted.ensureDeferred
async def test_spv_commit_failure_rolls_back_committed_backends(tmp_path: Path) -> None:
    """A commit failing midway undoes the commits already done; nothing persists."""
    a, b = FakeBackend({"Device.DeviceInfo.HostName": "old"}), FakeBackend()
    b.fail_commit = True
    model = make_model(tmp_path, _with_fakes(a, b))
    with pytest.raises(CwmpFault) as exc:
        await model.set_parameter_values(
            [
                PV("Device.DeviceInfo.HostName", "new", "string"),
                PV("Device.DeviceInfo.BootFirmwareImage", "x", "string"),
                PV(IF1 + "Alias", "new", "string"),
            ],
            "k",
        )
    assert exc.value.code == 9002
    assert a.calls == ["begin", "commit", "abort"]
    assert b.calls == ["begin", "commit", "abort"]
    assert a.values == {"Device.DeviceInfo.HostName": "old"}
    assert await values(model, IF1 + "Alias", MS + "ParameterKey") == {
        IF1 + "Alias": "",
        MS + "ParameterKey": "",
    }


@pytest_twisted.ensureDeferred
async def test_spv_status_1_when_applied_later_and_hook_at_session_end(tmp_path: Path) -> None:
    """A backend deferring its change makes Status 1; end_of_session applies it once."""
    a, b = FakeBackend(), FakeBackend()
    a.later = True
    model = make_model(tmp_path, _with_fakes(a, b))
    status = await model.set_parameter_values([PV("Device.DeviceInfo.HostName", "h", "string")], "")
    assert status == 1
    await model.end_of_session()
    await model.end_of_session()
    assert a.applied == 1 and b.applied == 0


@pytest.mark.parametrize(
    ("pattern", "code"),
    [("Device.DeviceInfo.SoftwareVersion", 9007), (MS + "ParameterKey", 9007), (MS + "URL", 0)],
)
@pytest_twisted.ensureDeferred
async def test_inform_parameter_refuses_forced_parameters(
    model: DataModel, pattern: str, code: int
) -> None:
    """Putting a forced-inform parameter into InformParameter.{i}.ParameterName is 9007."""
    number, _ = await model.add_object(MS + "InformParameter.", "")
    spv = [PV(f"{MS}InformParameter.{number}.ParameterName", pattern, "string")]
    if code:
        with pytest.raises(CwmpFault) as exc:
            await model.set_parameter_values(spv, "")
        assert exc.value.set_faults[0].code == code
    else:
        assert await model.set_parameter_values(spv, "") == 0


@pytest_twisted.ensureDeferred
async def test_add_object_creates_instance_with_defaults(model: DataModel) -> None:
    """AddObject gives the next number, schema defaults, sets ParameterKey, status 0."""
    assert await model.add_object("Device.IP.Interface.", "add-1") == (3, 0)
    got = await values(model, "Device.IP.Interface.3.", MS + "ParameterKey", "Device.IP.")
    assert got["Device.IP.Interface.3.Enable"] == "false"
    assert got[MS + "ParameterKey"] == "add-1"
    assert got["Device.IP.InterfaceNumberOfEntries"] == "3"
    nested = await model.add_object("Device.IP.Interface.3.IPv4Address.", "")
    assert nested == (1, 0)


@pytest.mark.parametrize(
    "name", ["Device.IP.", "Device.IP.Interface.1.", "Device.IP.Interface", "Device.Nope.", MS]
)
@pytest_twisted.ensureDeferred
async def test_add_object_on_non_table_faults_9005(model: DataModel, name: str) -> None:
    """AddObject on anything but a writable table is 9005; ParameterKey unchanged."""
    with pytest.raises(CwmpFault) as exc:
        await model.add_object(name, "k")
    assert exc.value.code == 9005
    assert model.value(MS + "ParameterKey") == ""


@pytest_twisted.ensureDeferred
async def test_add_object_beyond_max_entries_faults_9004(tmp_path: Path) -> None:
    """A table at its maxEntries refuses AddObject with 9004."""
    model = make_model(tmp_path, schema=limited_schema("Device.IP.Interface.{i}.", 2))
    with pytest.raises(CwmpFault) as exc:
        await model.add_object("Device.IP.Interface.", "k")
    assert exc.value.code == 9004


@pytest_twisted.ensureDeferred
async def test_delete_object_removes_subtree_and_sets_key(model: DataModel) -> None:
    """DeleteObject removes the instance and everything below it."""
    assert await model.delete_object(IF1, "del-1") == 0
    with pytest.raises(CwmpFault):
        await model.get_parameter_values([IF1 + "IPv4Address.1.IPAddress"])
    got = await values(model, "Device.IP.")
    assert got["Device.IP.InterfaceNumberOfEntries"] == "1"
    assert model.value(MS + "ParameterKey") == "del-1"


@pytest.mark.parametrize("name", ["Device.IP.Interface.", "Device.IP.Interface.7.", IF1 + "Name"])
@pytest_twisted.ensureDeferred
async def test_delete_object_on_non_instance_faults_9005(model: DataModel, name: str) -> None:
    """DeleteObject needs an existing instance: else 9005."""
    with pytest.raises(CwmpFault) as exc:
        await model.delete_object(name, "k")
    assert exc.value.code == 9005


@pytest_twisted.ensureDeferred
async def test_subscribers_see_acs_and_local_changes(model: DataModel) -> None:
    """subscribe() is called after each commit with the values and their source."""
    seen: list[tuple[dict[str, str], str]] = []
    model.subscribe(lambda v, s: seen.append((dict(v), s)))
    await model.set_parameter_values([PV(MS + "URL", "http://x/", "string")], "k")
    model.set_local({MS + "ConnectionRequestURL": "http://1.2.3.4:7547/p"})
    assert seen == [
        ({MS + "URL": "http://x/", MS + "ParameterKey": "k"}, "acs"),
        ({MS + "ConnectionRequestURL": "http://1.2.3.4:7547/p"}, "local"),
    ]


def test_set_local_refuses_non_store_names(model: DataModel) -> None:
    """set_local only writes agent-stored parameters."""
    with pytest.raises(KeyError):
        model.set_local({"Device.DeviceInfo.UpTime": "1"})


@pytest_twisted.ensureDeferred
async def test_a_failing_subscriber_does_not_undo_or_fault_the_commit(model: DataModel) -> None:
    """A subscriber that raises is logged; the SPV still succeeds and later subscribers run."""
    seen: list[str] = []

    def broken(values: object, source: str) -> None:
        raise RuntimeError("subscriber bug")

    model.subscribe(broken)
    model.subscribe(lambda v, s: seen.append(s))
    status = await model.set_parameter_values([PV(MS + "URL", "http://y/", "string")], "k2")
    model.set_local({MS + "ConnectionRequestURL": "http://1.2.3.4:7547/q"})
    assert status == 0
    assert seen == ["acs", "local"]
    assert (await values(model, MS + "URL"))[MS + "URL"] == "http://y/"
