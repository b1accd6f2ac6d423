"""Get/SetParameterAttributes (P-15..P-18, E-12): defaults, refusals, persistence, reset."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import SetParameterAttributesStruct as SPA
from cwmpd.datamodel.model import DataModel
from support.datamodel_fakes import MS, make_model

SW = "Device.DeviceInfo.SoftwareVersion"


async def attrs(model: DataModel, *names: str) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Attributes by name."""
    got = await model.get_parameter_attributes(list(names))
    return {a.name: (a.notification, a.access_list) for a in got}


def notify(name: str, value: int) -> SPA:
    """An SPA entry changing only Notification."""
    return SPA(name, True, value, False, ())


@pytest_twisted.ensureDeferred
async def test_defaults_follow_active_notify(model: DataModel) -> None:
    """forceEnabled and forceDefaultEnabled default to active (2); others to off."""
    got = await attrs(model, SW, MS + "ConnectionRequestURL", MS + "URL")
    assert got == {SW: (2, ()), MS + "ConnectionRequestURL": (2, ()), MS + "URL": (0, ())}


@pytest_twisted.ensureDeferred
async def test_partial_path_sets_every_parameter_below(model: DataModel) -> None:
    """A partial path applies to all parameters below it, at every level."""
    await model.set_parameter_attributes([notify("Device.IP.Interface.1.", 1)])
    got = await attrs(model, "Device.IP.Interface.")
    assert got["Device.IP.Interface.1.IPv4Address.1.IPAddress"] == (1, ())
    assert got["Device.IP.Interface.2.Name"] == (0, ())


@pytest_twisted.ensureDeferred
async def test_force_default_enabled_can_be_turned_off(model: DataModel) -> None:
    """The ACS may turn off a forceDefaultEnabled parameter."""
    await model.set_parameter_attributes([notify(MS + "ConnectionRequestURL", 0)])
    assert (await attrs(model, MS + "ConnectionRequestURL"))[MS + "ConnectionRequestURL"][0] == 0


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        (SW, 0, 9009),
        (SW, 1, 9009),
        ("Device.DeviceInfo.UpTime", 2, 9009),
        (MS + "URL", 7, 9003),
        ("Device.Nope", 1, 9005),
        ("Device.Nope.", 1, 9005),
    ],
)
@pytest_twisted.ensureDeferred
async def test_refused_notification_requests(
    model: DataModel, name: str, value: int, code: int
) -> None:
    """forceEnabled can't change, canDeny refuses active, >6 invalid."""
    with pytest.raises(CwmpFault) as exc:
        await model.set_parameter_attributes([notify(MS + "URL", 1), notify(name, value)])
    assert exc.value.code == code
    assert (await attrs(model, MS + "URL"))[MS + "URL"] == (0, ())


@pytest.mark.parametrize("value", [3, 4, 5, 6])
@pytest_twisted.ensureDeferred
async def test_lightweight_notification_values_are_kept(model: DataModel, value: int) -> None:
    """cwmp-1-4's lightweight values 3-6 are stored and read back like 0-2."""
    await model.set_parameter_attributes([notify(MS + "URL", value)])
    assert (await attrs(model, MS + "URL"))[MS + "URL"] == (value, ())


@pytest_twisted.ensureDeferred
async def test_partial_path_leaves_forced_parameters_alone(model: DataModel) -> None:
    """Through a partial path, forceEnabled keeps 2 and canDeny is not made active."""
    await model.set_parameter_attributes([notify("Device.DeviceInfo.", 2)])
    got = await attrs(model, "Device.DeviceInfo.")
    assert got[SW] == (2, ())
    assert got["Device.DeviceInfo.UpTime"] == (0, ())
    assert got["Device.DeviceInfo.Manufacturer"] == (2, ())


@pytest_twisted.ensureDeferred
async def test_access_list_accepts_subscriber_only(model: DataModel) -> None:
    """AccessList takes "Subscriber" in any case and emits it canonically; others 9003."""
    await model.set_parameter_attributes([SPA(MS + "URL", False, 0, True, ("subscriber",))])
    assert (await attrs(model, MS + "URL"))[MS + "URL"] == (0, ("Subscriber",))
    with pytest.raises(CwmpFault) as exc:
        await model.set_parameter_attributes([SPA(MS + "URL", False, 0, True, ("Admin",))])
    assert exc.value.code == 9003


@pytest_twisted.ensureDeferred
async def test_attributes_persist_and_factory_reset_clears_them(tmp_path: Path) -> None:
    """Attributes survive re-creating the model; factory_reset restores defaults."""
    model = make_model(tmp_path)
    await model.set_parameter_attributes([notify(MS + "URL", 1)])
    again = make_model(tmp_path)
    assert (await attrs(again, MS + "URL"))[MS + "URL"] == (1, ())
    again.factory_reset()
    assert (await attrs(make_model(tmp_path), MS + "URL"))[MS + "URL"] == (0, ())


@pytest_twisted.ensureDeferred
async def test_deleted_instance_forgets_its_attributes(model: DataModel) -> None:
    """After DeleteObject, a new instance does not inherit old attributes."""
    await model.set_parameter_attributes([notify("Device.IP.Interface.2.Name", 1)])
    await model.delete_object("Device.IP.Interface.2.", "")
    number, _ = await model.add_object("Device.IP.Interface.", "")
    got = await attrs(model, f"Device.IP.Interface.{number}.Name")
    assert got[f"Device.IP.Interface.{number}.Name"] == (0, ())
