"""USP Activate() across the reboot, on a self-rebooting handler (sysupgrade's way): the
step is journalled before the reboot, and the next run judges the image by the version
now running against the one before the apply (the handler knows no version beforehand)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import CancelledError, ensureDeferred

from cwmpd.cwmp.structs import EventStruct
from cwmpd.plugin.api import SELF_REBOOT
from cwmpd.plugin.firmware_images import FirmwareImages
from cwmpd.transfers.queue import TransferQueue
from cwmpd.transfers.settings import TransferSettings
from cwmpd.transfers.usp_firmware import FIRMWARE_TYPE, FirmwareCommands, FirmwareFailed
from support.agent_harness import reactor
from support.waiting import wait_for

ACTIVATE = "Device.DeviceInfo.FirmwareImage.2.Activate()"


class Events:
    def add(self, code: str, command_key: str = "") -> bool:
        return True

    def response_delivered(self, method: str, command_key: str = "") -> bool:
        return True

    def queued(self) -> list[EventStruct]:
        return []


class SelfRebooting:
    """verify: no version known; apply: the device reboots by itself."""

    def __init__(self) -> None:
        self.running = "23.05"
        self.applied: list[Path] = []

    def verify(self, image: Path) -> str:
        return ""

    async def apply(self, image: Path, target_file_name: str) -> str:
        self.applied.append(image)
        return SELF_REBOOT

    async def version(self) -> str:
        return self.running


def world(tmp_path: Path, boot: list[str], handler: SelfRebooting) -> TransferQueue:
    settings = TransferSettings(
        reactor=reactor,
        state_dir=tmp_path,
        events=Events(),
        request_session=lambda: None,
        reboot=lambda: None,
        boot_id=lambda: boot[0],
        handlers={FIRMWARE_TYPE: handler},
    )
    return TransferQueue(settings)


def downloaded(tmp_path: Path, queue: TransferQueue) -> None:
    """Slot 2 holds a verified image, as a Download() leaves it."""
    images = FirmwareImages(tmp_path)
    images.update(lambda s: s["images"]["2"].update(status="Available", name="fw.bin"))
    queue.spool_dir.mkdir(parents=True, exist_ok=True)
    (queue.spool_dir / "usp-firmware-2").write_bytes(b"image")


@pytest.mark.parametrize("after", ["24.10", "23.05"], ids=["new-version", "same-version"])
@pytest_twisted.ensureDeferred
async def test_self_rebooting_activation_is_judged_after_the_boot(
    tmp_path: Path, after: str
) -> None:
    boot, handler, notes = ["b1"], SelfRebooting(), []
    queue = world(tmp_path, boot, handler)
    downloaded(tmp_path, queue)
    first = FirmwareCommands(FirmwareImages(tmp_path), queue, lambda *a: notes.append(a))

    async def activate() -> Mapping[str, str]:
        return await first.activate.start(ACTIVATE, "act-1", {})

    running = ensureDeferred(activate())
    await wait_for(lambda: handler.applied, 5, "the apply")
    await wait_for(lambda: (first.images.job(ACTIVATE) or {}).get("step") == "rebooting", 5, "")
    assert notes == [("RemoteReboot", "act-1", True)]
    assert first.images.job(ACTIVATE)["prior"] == "23.05"  # type: ignore[index]
    first.stop()  # the device goes down: the run is cut, the journal stays
    running.cancel()
    with pytest.raises(CancelledError):
        await running

    boot[0], handler.running = "b2", after  # the device booted (into the image, or not)
    second = FirmwareCommands(FirmwareImages(tmp_path), queue, lambda *a: None)
    carried = second.activate.resume([ACTIVATE])
    if after == "24.10":
        assert await carried[ACTIVATE] == {}
        assert second.images.active == 2
        assert second.images.image(2)["status"] == "Active"
        assert second.images.image(2)["version"] == "24.10"
        assert second.images.image(1)["status"] == "NoImage"
    else:
        with pytest.raises(FirmwareFailed, match=r"still runs 23\.05"):
            await carried[ACTIVATE]
        assert second.images.active == 1
        assert second.images.image(2)["status"] == "ActivationFailed"
    assert not (queue.spool_dir / "usp-firmware-2").exists()
    assert second.activate.resume([]) == {}  # the row gone: the finished entry is forgotten
    assert second.images.state["jobs"] == {}


@pytest_twisted.ensureDeferred
async def test_a_late_recovery_leaves_the_commands_this_run_began(tmp_path: Path) -> None:
    """A Controller may Operate before the agent has looked at what an earlier run left:
    that recovery (no Request rows of its own) must not forget the command begun since,
    whose journal entry carries it to the end."""
    boot, handler = ["b1"], SelfRebooting()
    queue = world(tmp_path, boot, handler)
    downloaded(tmp_path, queue)
    commands = FirmwareCommands(FirmwareImages(tmp_path), queue, lambda *a: None)

    async def activate() -> Mapping[str, str]:
        return await commands.activate.start(ACTIVATE, "act-1", {})

    running = ensureDeferred(activate())
    assert commands.activate.resume([]) == {}  # the recovery, late
    assert commands.images.job(ACTIVATE) is not None
    await wait_for(lambda: handler.applied, 5, "the apply")
    await wait_for(lambda: (commands.images.job(ACTIVATE) or {}).get("step") == "rebooting", 5, "")
    commands.stop()
    running.cancel()
    with pytest.raises(CancelledError):
        await running
