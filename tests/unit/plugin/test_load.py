"""Plugin loading and the simulated device (boot id, uptime, firmware hook, build_model)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.cwmp.structs import ParameterValueStruct as PV
from cwmpd.diagnostics.suite import Diagnostics
from cwmpd.plugin.api import DeviceHooks, PluginError
from cwmpd.plugin.load import (
    build_model,
    find_plugin,
    load_plugin,
    management_server_values,
    source_tree_plugins,
)
from cwmpd.plugin.simhardware import SimulatedHardware
from support.fakes import stand_in

MS = "Device.ManagementServer."


def _simulated(state_dir: Path, clock: Clock) -> SimulatedHardware:
    """The simulated plugin as loaded, typed as the hardware it is (uptime, its version)."""
    device = load_plugin("simulated", state_dir=state_dir, reactor=stand_in(clock))
    assert isinstance(device, SimulatedHardware)
    return device


def _firmware(hooks: DeviceHooks) -> tuple[Callable[[Path], str], Callable[[Path], object]]:
    """The verify and stage firmware hooks, which the simulated device has."""
    assert hooks.verify_firmware is not None and hooks.stage_firmware is not None
    return hooks.verify_firmware, hooks.stage_firmware


def test_simulated_plugin_is_found_in_the_source_tree() -> None:
    """Plugins are found by name in the repo's plugins/ folder."""
    assert find_plugin("simulated") == source_tree_plugins() / "simulated"


def test_plugin_path_env_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$CWMPD_PLUGIN_PATH is searched before the source tree."""
    (tmp_path / "simulated").mkdir()
    (tmp_path / "simulated" / "plugin.py").write_text("def create(ctx):\n    return None\n")
    monkeypatch.setenv("CWMPD_PLUGIN_PATH", str(tmp_path))
    assert find_plugin("simulated") == tmp_path / "simulated"
    with pytest.raises(PluginError, match="DevicePlugin"):
        load_plugin("simulated", state_dir=tmp_path / "state", reactor=stand_in(Clock()))


@pytest.mark.parametrize("name", ["nope", "../etc", "/nonexistent/dir"])
def test_unknown_plugin_is_a_clear_error(name: str) -> None:
    """A plugin that cannot be found raises PluginError."""
    with pytest.raises(PluginError):
        find_plugin(name)


def test_broken_plugin_is_a_clear_error(tmp_path: Path) -> None:
    """A plugin that fails to import raises PluginError naming it."""
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "plugin.py").write_text("raise RuntimeError('oops')\n")
    with pytest.raises(PluginError, match="oops"):
        load_plugin(str(tmp_path / "bad"), state_dir=tmp_path, reactor=stand_in(Clock()))


def test_reboot_changes_boot_id_and_restarts_uptime(tmp_path: Path) -> None:
    """reboot() gives a new boot id and uptime from zero; a daemon restart keeps both."""
    clock = Clock()
    clock.advance(1000)
    device = _simulated(tmp_path, clock)
    first = device.hooks.boot_id()
    clock.advance(50)
    restarted = _simulated(tmp_path, clock)
    assert restarted.hooks.boot_id() == first
    assert restarted.uptime() == 50
    assert restarted.hooks.reboot() is True
    assert restarted.hooks.boot_id() != first
    assert restarted.uptime() == 0


def test_firmware_image_applies_at_next_reboot(tmp_path: Path) -> None:
    """A valid image's version becomes SoftwareVersion after the reboot; others fail 9018."""
    verify, stage = _firmware(_simulated(tmp_path, Clock()).hooks)
    good = tmp_path / "fw.bin"
    good.write_bytes(b"CWMPD-SIMULATED-FIRMWARE version=2.3.4\n\x00\x01")
    bad = tmp_path / "other.bin"
    bad.write_bytes(b"\x7fELF...")
    assert verify(good) == "2.3.4"
    with pytest.raises(CwmpFault) as exc:
        verify(bad)
    assert exc.value.code == 9018
    stage(good)
    reloaded = _simulated(tmp_path, Clock())
    assert reloaded.software_version == "1.0.0"
    reloaded.hooks.reboot()
    assert _simulated(tmp_path, Clock()).software_version == "2.3.4"


@pytest_twisted.ensureDeferred
async def test_simulated_model_end_to_end(tmp_path: Path) -> None:
    """build_model gives a TR-181 model with config values, a writable table and DeviceId."""
    clock = Clock()
    model, device = build_model(
        ["simulated"],
        state_dir=tmp_path,
        factory_values=management_server_values("Device.", url="http://acs/"),
        reactor=stand_in(clock),
        diagnostics=lambda root: Diagnostics(stand_in(clock), root),
    )
    assert model.root == "Device." and device.diagnostics and device.stage_firmware is not None
    got = {p.name: p.value for p in await model.get_parameter_values(["Device."])}
    assert got[MS + "URL"] == "http://acs/"
    assert got["Device.DeviceInfo.SoftwareVersion"] == "1.0.0"
    assert got["Device.IP.Interface.1.Name"] == "br-lan"
    number, _ = await model.add_object("Device.IP.Interface.", "k")
    await model.set_parameter_values(
        [PV(f"Device.IP.Interface.{number}.Enable", "true", "boolean")], "k2"
    )
    dev_id = await model.device_id()
    assert dev_id.oui == "00CAFE" and dev_id.serial_number == got["Device.DeviceInfo.SerialNumber"]
    clock.advance(7)
    uptime = await model.get_parameter_values(["Device.DeviceInfo.UpTime"])
    assert uptime[0].value == "7"
