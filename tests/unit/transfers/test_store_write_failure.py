"""The transfer queue under failing state writes (EMFILE, ENOSPC): a change either reaches
the disk or does not happen, so a later write never persists one nobody saw succeed."""

from __future__ import annotations

import dataclasses
import errno
from pathlib import Path
from typing import Any

import pytest

from cwmpd.state import write_json
from cwmpd.transfers.record import Kind, State, Transfer
from cwmpd.transfers.store import TransferStore


class FailingDisk:
    """A state writer failing while ``failing``."""

    def __init__(self) -> None:
        self.failing = False

    def __call__(self, path: Path, value: Any) -> None:
        """Write, or fail like a full disk."""
        if self.failing:
            raise OSError(errno.ENOSPC, "injected")
        write_json(path, value)


def test_failed_writes_change_nothing(tmp_path: Path) -> None:
    """add, put and remove raise OSError and leave memory equal to the disk."""
    disk = FailingDisk()
    path = tmp_path / "transfers.json"
    store = TransferStore(path, writer=disk)
    first = store.add(
        Transfer(store.new_id(), Kind.DOWNLOAD, "k1", "1 Firmware Upgrade Image", "http://h/f")
    )
    disk.failing = True
    with pytest.raises(OSError):
        store.add(
            Transfer(store.new_id(), Kind.DOWNLOAD, "k2", "1 Firmware Upgrade Image", "http://h/f")
        )
    with pytest.raises(OSError):
        store.put(dataclasses.replace(first, state=State.FETCHING))
    with pytest.raises(OSError):
        store.remove(first.id)
    assert list(store) == [first] and store.new_id() == 2
    disk.failing = False
    second = store.add(
        Transfer(store.new_id(), Kind.UPLOAD, "k3", "1 Vendor Configuration File", "http://h/f")
    )
    assert [t.state for t in TransferStore(path)] == [first.state, second.state]
    assert [t.command_key for t in TransferStore(path)] == ["k1", "k3"]


def test_autonomous_report_survives_failed_write(tmp_path: Path) -> None:
    """An AutonomousTransferComplete whose write failed is not half-queued: OSError, nothing
    pending; once writes work it is persisted and sent (P-36)."""
    from cwmpd.cwmp import messages as m
    from cwmpd.session.events import EventQueue
    from cwmpd.transfers.autonomous import AutonomousTransfers

    atc = m.AutonomousTransferComplete(
        "", "http://f/fw", True, "1 Firmware Upgrade Image", 10, "", 0, "", "t0", "t1"
    )
    disk = FailingDisk()
    events = EventQueue(tmp_path / "events.json")
    queue = AutonomousTransfers(tmp_path / "atc.json", events, lambda: None, writer=disk)
    queue.report(atc)
    disk.failing = True
    with pytest.raises(OSError):
        queue.report(atc)
    with pytest.raises(OSError):
        queue.delivered(atc, m.AutonomousTransferCompleteResponse())
    assert queue.pending_requests() == [atc]
    disk.failing = False
    again = AutonomousTransfers(tmp_path / "atc.json", events, lambda: None)
    assert again.pending_requests() == [atc]
