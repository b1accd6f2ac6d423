"""Tests for the atomic state writer."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from cwmpd import state


def test_write_then_read_roundtrip(tmp_path: Path) -> None:
    """A written value reads back equal, and no temp file is left behind."""
    target = tmp_path / "sub" / "s.json"
    state.write_json(target, {"b": [1, 2], "a": "x"})
    assert state.read_json(target) == {"a": "x", "b": [1, 2]}
    assert os.listdir(target.parent) == ["s.json"]
    assert target.stat().st_mode & 0o777 == 0o600


def test_missing_file_gives_default(tmp_path: Path) -> None:
    """A missing file is the default, not an error."""
    assert state.read_json(tmp_path / "none.json", {"x": 1}) == {"x": 1}


def test_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    """A corrupt file raises ValueError naming the file."""
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(ValueError, match=r"bad\.json"):
        state.read_json(bad)


def test_failed_write_keeps_old_file(tmp_path: Path) -> None:
    """If serialisation fails, the previous content is untouched and no temp file stays."""
    target = tmp_path / "s.json"
    state.write_json(target, {"v": 1})
    with pytest.raises(TypeError):
        state.write_json(target, {"v": object()})
    assert state.read_json(target) == {"v": 1}
    assert os.listdir(tmp_path) == ["s.json"]


def test_writes_fsync_unless_the_process_state_is_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every write fsyncs the file and its folder; set_durable(False) (the fleet's scratch
    state) skips both, still through temp file and rename; a missing folder is made."""
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    target = tmp_path / "a" / "b" / "s.json"
    state.write_json(target, {"v": 1})
    assert len(synced) == 2
    state.set_durable(False)
    try:
        state.write_json(target, {"v": 2})
    finally:
        state.set_durable(True)
    assert len(synced) == 2
    assert state.read_json(target) == {"v": 2}
    assert os.listdir(target.parent) == ["s.json"]


def test_a_leftover_temp_file_is_stepped_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A temp file a crashed process (with the same pid) left behind is not reused."""
    monkeypatch.setattr(state, "_temp_serial", itertools.count())
    leftover = tmp_path / f".s.json.{os.getpid()}-0.tmp"
    leftover.write_text("half")
    state.write_json(tmp_path / "s.json", {"v": 1})
    assert state.read_json(tmp_path / "s.json") == {"v": 1}
    assert leftover.read_text() == "half"
