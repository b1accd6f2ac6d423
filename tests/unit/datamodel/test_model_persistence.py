"""Agent state across restarts and factory reset: values, instance numbers, config values."""

from __future__ import annotations

from pathlib import Path

import pytest_twisted

from cwmpd.cwmp.structs import ParameterValueStruct as PV
from support.datamodel_fakes import MS, make_model


@pytest_twisted.ensureDeferred
async def test_values_and_instances_survive_restart(tmp_path: Path) -> None:
    """ACS-set values and added instances are there after re-creating the model."""
    model = make_model(tmp_path)
    number, _ = await model.add_object("Device.IP.Interface.", "")
    await model.set_parameter_values(
        [PV(f"Device.IP.Interface.{number}.Alias", "guest", "string")], "pk"
    )
    again = make_model(tmp_path)
    got = {p.name: p.value for p in await again.get_parameter_values(["Device.IP.Interface."])}
    assert got[f"Device.IP.Interface.{number}.Alias"] == "guest"
    assert again.value(MS + "ParameterKey") == "pk"


@pytest_twisted.ensureDeferred
async def test_instance_numbers_never_reused_after_delete_and_restart(tmp_path: Path) -> None:
    """Deleting the highest instance and restarting still gives a fresh number."""
    model = make_model(tmp_path)
    assert (await model.add_object("Device.IP.Interface.", ""))[0] == 3
    await model.delete_object("Device.IP.Interface.3.", "")
    again = make_model(tmp_path)
    assert (await again.add_object("Device.IP.Interface.", ""))[0] == 4
    await again.delete_object("Device.IP.Interface.2.", "")
    assert (await make_model(tmp_path).add_object("Device.IP.Interface.", ""))[0] == 5


@pytest_twisted.ensureDeferred
async def test_deleted_factory_instance_stays_deleted(tmp_path: Path) -> None:
    """A factory instance the ACS deleted does not come back at restart."""
    await make_model(tmp_path).delete_object("Device.IP.Interface.1.", "")
    names = [p.name for p in await make_model(tmp_path).get_parameter_names("Device.IP.", True)]
    got = [
        p.name for p in await make_model(tmp_path).get_parameter_names("Device.IP.Interface.", True)
    ]
    assert "Device.IP.Interface." in names
    assert got == ["Device.IP.Interface.2."]


@pytest_twisted.ensureDeferred
async def test_acs_value_wins_over_config_until_factory_reset(tmp_path: Path) -> None:
    """The config's URL is a factory value: the ACS's URL wins until a factory reset."""
    model = make_model(tmp_path, factory={MS + "URL": "http://config/"})
    await model.set_parameter_values([PV(MS + "URL", "http://from-acs/", "string")], "k")
    restarted = make_model(tmp_path, factory={MS + "URL": "http://config-v2/"})
    assert restarted.value(MS + "URL") == "http://from-acs/"
    restarted.factory_reset()
    assert restarted.value(MS + "URL") == "http://config-v2/"
    assert restarted.value(MS + "ParameterKey") == ""
    assert (
        make_model(tmp_path, factory={MS + "URL": "http://c3/"}).value(MS + "URL") == "http://c3/"
    )


@pytest_twisted.ensureDeferred
async def test_factory_reset_restores_factory_instances(tmp_path: Path) -> None:
    """Factory reset removes added instances and brings back deleted factory ones."""
    model = make_model(tmp_path)
    await model.add_object("Device.IP.Interface.", "")
    await model.delete_object("Device.IP.Interface.1.", "")
    model.factory_reset()
    got = [p.name for p in await model.get_parameter_names("Device.IP.Interface.", True)]
    assert got == ["Device.IP.Interface.1.", "Device.IP.Interface.2."]


@pytest_twisted.ensureDeferred
async def test_reads_do_not_write_state(tmp_path: Path) -> None:
    """GPV/GPN/Inform never write to flash; one SPV writes the store once."""
    model = make_model(tmp_path)
    store_file = tmp_path / "datamodel.json"
    await model.get_parameter_values(["Device."])
    await model.get_parameter_names("", False)
    await model.inform_parameters(["1 BOOT"])
    assert not store_file.exists()
    await model.set_parameter_values([PV(MS + "URL", "http://a/", "string")], "k")
    mtime = store_file.stat().st_mtime_ns
    await model.get_parameter_values(["Device."])
    assert store_file.stat().st_mtime_ns == mtime
