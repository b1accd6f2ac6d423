"""The simulated TR-098 gateway on its own: boots, firmware, data from the dump, check-plugin."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.datamodel.schema import generic_path, load_schema
from cwmpd.datamodel.validate import check_value
from cwmpd.diagnostics.suite import Diagnostics
from cwmpd.plugin.check import main as check_main
from cwmpd.plugin.load import build_model, source_tree_plugins
from support.fakes import stand_in

IGD = "InternetGatewayDevice."
PLUGIN = str(source_tree_plugins() / "simulated098")


@pytest_twisted.ensureDeferred
async def test_reboot_applies_staged_firmware_and_restarts_uptime(tmp_path: Path) -> None:
    """A good image is staged, the reboot gives a new boot id, uptime 0 and the new version."""
    clock = Clock()
    clock.advance(1000)
    reactor = stand_in(clock)
    model, device = build_model([PLUGIN], state_dir=tmp_path, factory_values={}, reactor=reactor)
    first_boot = device.boot_id()
    clock.advance(50)
    up = f"{IGD}DeviceInfo.UpTime"
    sw = f"{IGD}DeviceInfo.SoftwareVersion"
    assert {v.name: v.value for v in await model.get_parameter_values([up])}[up] == "50"
    image = tmp_path / "fw.bin"
    image.write_bytes(b"CWMPD-SIMULATED-FIRMWARE version=2.3.4\npayload\n")
    assert device.stage_firmware is not None and device.stage_firmware(image) == "2.3.4"
    assert (await model.get_parameter_values([sw]))[0].value == "V100R001IRQC56B017"
    assert device.reboot() is True
    model, device = build_model([PLUGIN], state_dir=tmp_path, factory_values={}, reactor=reactor)
    values = {v.name: v.value for v in await model.get_parameter_values([up, sw])}
    assert values == {up: "0", sw: "2.3.4"}
    assert device.boot_id() != first_boot


def test_foreign_firmware_fails_verification(tmp_path: Path) -> None:
    """An image without the simulated-firmware first line is refused with 9018."""
    reactor = stand_in(Clock())
    _, device = build_model([PLUGIN], state_dir=tmp_path, factory_values={}, reactor=reactor)
    image = tmp_path / "other.bin"
    image.write_bytes(b"CWMPD-SIMULATED-FIRMWARE version=2.x\n")
    assert device.verify_firmware is not None
    with pytest.raises(CwmpFault) as err:
        device.verify_firmware(image)
    assert err.value.code == 9018


@pytest_twisted.ensureDeferred
async def test_whole_tree_is_valid_and_seeded_from_the_dump(tmp_path: Path) -> None:
    """GPV of the root: every value valid for its TR-098 type; dump values and tables present."""
    reactor = stand_in(Clock())
    model, _ = build_model(
        [PLUGIN],
        state_dir=tmp_path,
        factory_values={},
        reactor=reactor,
        diagnostics=lambda root: Diagnostics(reactor, root),
    )
    values = {v.name: v for v in await model.get_parameter_values([IGD])}
    schema = load_schema(IGD)
    for name, v in values.items():
        meta = schema.param(generic_path(name))
        assert meta is not None, name
        check_value(meta, v.value, v.type, allow_readonly_enums=True)
    assert values[f"{IGD}Time.NTPServer1"].value == "clock.fmt.he.net"
    assert values[f"{IGD}LANDevice.1.WLANConfiguration.1.SSID"].value
    assert int(values[f"{IGD}LANDevice.1.Hosts.HostNumberOfEntries"].value) >= 1
    assert f"{IGD}IPPingDiagnostics.DiagnosticsState" in values
    assert f"{IGD}TraceRouteDiagnostics.DiagnosticsState" in values
    assert values[f"{IGD}Layer3Forwarding.DefaultConnectionService"].value == (
        f"{IGD}WANDevice.1.WANConnectionDevice.1.WANIPConnection.1"
    )


@pytest.mark.parametrize("name", ["simulated", "simulated098"])
def test_simulated_plugins_pass_check_plugin(name: str) -> None:
    """``cwmpd check-plugin`` is clean (no errors, no warnings) on both simulated devices."""
    out = io.StringIO()
    assert check_main(str(source_tree_plugins() / name), out) == 0, out.getvalue()
    assert out.getvalue().strip().endswith("0 error(s), 0 warning(s)")
