"""device_firmware() over the real simulated plugin: verify, stage, reboot, new version."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import task

from cwmpd.cwmp.faults import CwmpFault
from cwmpd.plugin.load import build_model
from cwmpd.transfers.handlers import REBOOT, device_firmware
from support.fakes import stand_in


@pytest_twisted.ensureDeferred
async def test_simulated_device_installs_the_image_version_after_reboot(tmp_path: Path) -> None:
    """A good image verifies to its version, apply asks for a reboot, the reboot installs it;
    a bad image is 9018."""
    reactor = stand_in(task.Clock())
    model, device = build_model(
        ["simulated"], state_dir=tmp_path, factory_values={}, reactor=reactor
    )
    fw = device_firmware(device, model)
    assert fw is not None
    image = tmp_path / "fw.bin"
    image.write_bytes(b"CWMPD-SIMULATED-FIRMWARE version=2.3.4\npayload")
    assert fw.verify(image) == "2.3.4"
    before = await fw.version()
    assert await fw.apply(image, "") == REBOOT
    assert await fw.version() == before
    device.reboot()
    model, device = build_model(
        ["simulated"], state_dir=tmp_path, factory_values={}, reactor=reactor
    )
    fw = device_firmware(device, model)
    assert fw is not None and await fw.version() == "2.3.4"
    image.write_bytes(b"not firmware")
    with pytest.raises(CwmpFault) as info:
        fw.verify(image)
    assert info.value.code == 9018
