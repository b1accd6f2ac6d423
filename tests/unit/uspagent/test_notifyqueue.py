"""The persisted USP Notify queue: survives a restart, stays bounded, never half-written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cwmpd.statedir import StateDir
from cwmpd.uspagent.notifyqueue import NotifyQueue, Queued
from support.logged import capturing


def entry(n: int, expires: float | None = None) -> Queued:
    """Queued Notify number ``n``."""
    return Queued(f"m{n}", "proto::c", f"s{n}", bytes([n, 0, 255]), expires, 7, 3000)


def test_reloads_what_was_queued(tmp_path: Path) -> None:
    """A new queue over the same file holds the same Notifies, in order, byte for byte."""
    path = StateDir(tmp_path).usp_notify
    queue = NotifyQueue(path)
    queue.add(entry(1, 99.5))
    queue.add(entry(2))
    queue.add(entry(3))
    assert queue.remove("m2")
    assert not queue.remove("m2")
    again = NotifyQueue(path)
    assert list(again) == [entry(1, 99.5), entry(3)]
    assert path.name == "usp-notify.json"


def test_bounded_drops_oldest_with_a_log_line(tmp_path: Path) -> None:
    """Beyond the limit the oldest Notify goes, and the log says which."""
    with capturing() as log:
        queue = NotifyQueue(tmp_path / "q.json", limit=2)
        assert queue.add(entry(1)) == []
        assert queue.add(entry(2)) == []
        assert queue.add(entry(3)) == [entry(1)]
    assert [e.msg_id for e in NotifyQueue(tmp_path / "q.json")] == ["m2", "m3"]
    assert any("dropped the oldest, m1" in line for line in log.lines())


def test_failed_write_changes_nothing(tmp_path: Path) -> None:
    """OSError from the writer reaches the caller and leaves memory as it was."""
    calls: list[Any] = []

    def full_disk(path: Path, value: Any) -> None:
        calls.append(value)
        raise OSError(28, "No space left on device")

    queue = NotifyQueue(tmp_path / "q.json", writer=full_disk)
    with pytest.raises(OSError):
        queue.add(entry(1))
    assert len(queue) == 0 and calls


def test_corrupt_or_foreign_files_start_empty(tmp_path: Path) -> None:
    """Garbage, an unknown format and malformed entries are dropped (logged), not raised."""
    path = tmp_path / "q.json"
    path.write_text("{not json")
    assert len(NotifyQueue(path)) == 0
    path.write_text(json.dumps({"version": 99, "queue": []}))
    assert len(NotifyQueue(path)) == 0
    good = entry(4).to_json()
    path.write_text(json.dumps({"version": 1, "queue": [{"msg_id": "x"}, good]}))
    assert list(NotifyQueue(path)) == [entry(4)]
