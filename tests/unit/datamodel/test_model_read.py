"""GetParameterValues and GetParameterNames semantics (P-2..P-6, T-7, X-1)."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.bindings import Declarations
from cwmpd.datamodel.model import DataModel
from support.datamodel_fakes import MS, FakeBackend, make_model


@pytest_twisted.ensureDeferred
async def test_gpv_partial_path_returns_every_parameter_below(model: DataModel) -> None:
    """A partial path gives all parameters at all levels below it, no objects, typed."""
    got = await model.get_parameter_values(["Device.IP.Interface.1."])
    names = {p.name: p for p in got}
    assert "Device.IP.Interface.1.IPv4Address.1.IPAddress" in names
    assert names["Device.IP.Interface.1.Name"].value == "lan"
    assert names["Device.IP.Interface.1.Enable"].type == "boolean"
    assert names["Device.IP.Interface.1.IPv4AddressNumberOfEntries"].value == "1"
    assert not any(n.endswith(".") for n in names)
    assert not any(n.startswith("Device.IP.Interface.2.") for n in names)


@pytest_twisted.ensureDeferred
async def test_gpv_full_names_keep_request_order_and_types(model: DataModel) -> None:
    """Full names come back in request order, each with its data-model type."""
    got = await model.get_parameter_values([MS + "URL", "Device.DeviceInfo.UpTime"])
    assert [(p.name, p.value, p.type) for p in got] == [
        (MS + "URL", "http://acs.example/", "string"),
        ("Device.DeviceInfo.UpTime", "42", "unsignedInt"),
    ]


@pytest.mark.parametrize(
    "bad", ["Device.Nope", "Device.IP.Interface.3.", "Device.IP.Interface.1.Enable.", "Device.IP"]
)
@pytest_twisted.ensureDeferred
async def test_gpv_any_unknown_name_faults_the_whole_call(model: DataModel, bad: str) -> None:
    """One unknown name among good ones makes the whole GPV fail with 9005."""
    with pytest.raises(CwmpFault) as exc:
        await model.get_parameter_values([MS + "URL", bad])
    assert exc.value.code == 9005


@pytest_twisted.ensureDeferred
async def test_gpv_existing_object_without_parameters_is_empty(model: DataModel) -> None:
    """An empty table's path exists and returns an empty list."""
    assert await model.get_parameter_values([MS + "InformParameter."]) == []


@pytest_twisted.ensureDeferred
async def test_hidden_parameter_reads_back_null(tmp_path: Path) -> None:
    """Password reads back "" through GPV though value() sees the real one."""
    model = make_model(tmp_path, factory={MS + "Password": "s3cret"})
    got = await model.get_parameter_values([MS + "Password"])
    assert got[0].value == ""
    assert model.value(MS + "Password") == "s3cret"


@pytest_twisted.ensureDeferred
async def test_one_backend_call_per_gpv(tmp_path: Path) -> None:
    """A GPV touching many parameters of a backend calls it once, not per parameter."""
    fake = FakeBackend({"Device.DeviceInfo.ModelName": "M", "Device.DeviceInfo.Description": "D"})

    def extra(decl: Declarations) -> None:
        decl.bind("Device.DeviceInfo.ModelName", fake)
        decl.bind("Device.DeviceInfo.Description", fake)

    model = make_model(tmp_path, extra)
    got = await model.get_parameter_values(["Device.DeviceInfo."])
    assert fake.calls == ["get 2"]
    assert {p.name: p.value for p in got}["Device.DeviceInfo.ModelName"] == "M"


@pytest_twisted.ensureDeferred
async def test_backend_error_becomes_9002(tmp_path: Path) -> None:
    """A getter that raises gives fault 9002, not a crash."""

    def boom(_: str) -> str:
        raise RuntimeError("sensor gone")

    model = make_model(tmp_path, lambda d: d.getter("Device.DeviceInfo.ModelName", boom))
    with pytest.raises(CwmpFault) as exc:
        await model.get_parameter_values(["Device.DeviceInfo.ModelName"])
    assert exc.value.code == 9002


@pytest_twisted.ensureDeferred
async def test_gpn_empty_path_next_level_gives_root_only(model: DataModel) -> None:
    """GPN("", true) names only the root object."""
    got = await model.get_parameter_names("", True)
    assert [(p.name, p.writable) for p in got] == [("Device.", False)]


@pytest_twisted.ensureDeferred
async def test_gpn_empty_path_gives_whole_model_from_root(model: DataModel) -> None:
    """GPN("", false) starts with the root and lists objects and parameters."""
    got = {p.name: p.writable for p in await model.get_parameter_names("", False)}
    names = list(got)
    assert names[0] == "Device."
    assert got["Device.IP.Interface."] is True
    assert got["Device.IP.Interface.1."] is True
    assert got["Device.IP."] is False
    assert got[MS + "URL"] is True
    assert got[MS + "ParameterKey"] is False
    assert got["Device.DeviceInfo.UpTime"] is False


@pytest_twisted.ensureDeferred
async def test_gpn_next_level_lists_only_children(model: DataModel) -> None:
    """NextLevel=true gives the immediate children: parameters and objects."""
    got = [p.name for p in await model.get_parameter_names("Device.IP.Interface.1.", True)]
    assert "Device.IP.Interface.1.IPv4Address." in got
    assert "Device.IP.Interface.1.Name" in got
    assert not any(n.startswith("Device.IP.Interface.1.IPv4Address.1") for n in got)
    assert "Device.IP.Interface.1." not in got


@pytest_twisted.ensureDeferred
async def test_gpn_object_without_next_level_includes_itself(model: DataModel) -> None:
    """NextLevel=false names the object itself and everything below."""
    got = [p.name for p in await model.get_parameter_names("Device.IP.Interface.2.", False)]
    assert got[0] == "Device.IP.Interface.2."
    assert "Device.IP.Interface.2.Name" in got


@pytest_twisted.ensureDeferred
async def test_gpn_parameter_with_next_level_faults_9003(model: DataModel) -> None:
    """A full parameter name with NextLevel=true is 9003; with false, it is listed."""
    with pytest.raises(CwmpFault) as exc:
        await model.get_parameter_names(MS + "URL", True)
    assert exc.value.code == 9003
    got = await model.get_parameter_names(MS + "URL", False)
    assert [(p.name, p.writable) for p in got] == [(MS + "URL", True)]


@pytest.mark.parametrize("path", ["Device.Nope.", "Device.Nope", "Device.IP.Interface.9."])
@pytest_twisted.ensureDeferred
async def test_gpn_unknown_path_faults_9005(model: DataModel, path: str) -> None:
    """GPN on a path that does not exist is 9005."""
    with pytest.raises(CwmpFault) as exc:
        await model.get_parameter_names(path, False)
    assert exc.value.code == 9005


@pytest_twisted.ensureDeferred
async def test_device_id_reads_device_info(model: DataModel) -> None:
    """The Inform DeviceId equals the DeviceInfo parameters."""
    dev = await model.device_id()
    assert (dev.manufacturer, dev.oui, dev.product_class, dev.serial_number) == (
        "ACME",
        "00AB12",
        "Box",
        "S1",
    )


def test_value_of_unknown_or_non_store_name_raises(model: DataModel) -> None:
    """value() is for agent-stored parameters only."""
    assert model.value(MS + "PeriodicInformEnable") == "false"
    with pytest.raises(KeyError):
        model.value("Device.DeviceInfo.UpTime")
    with pytest.raises(KeyError):
        model.value("Device.Nope")
