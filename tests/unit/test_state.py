"""Tests for the atomic state writer."""

from __future__ import annotations

import json
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


def _on_disk(path: Path) -> object:
    return json.loads(path.read_bytes()) if path.exists() else None


def test_coalesced_writes_put_one_file_on_disk_once_as_its_last_value(tmp_path: Path) -> None:
    """Writes of one file in a row reach the disk once; read_json sees the newest meanwhile."""
    target = tmp_path / "events.json"
    with state.coalesced_writes():
        state.write_json(target, [1])
        state.write_json(target, [1, 2])
        assert _on_disk(target) is None
        assert state.read_json(target) == [1, 2]  # the read puts it on disk first
        assert _on_disk(target) == [1, 2]
        state.write_json(target, [1, 2, 3])
        assert _on_disk(target) == [1, 2]
    assert _on_disk(target) == [1, 2, 3]
    assert os.listdir(tmp_path) == ["events.json"]
    assert target.stat().st_mode & 0o777 == 0o600


def test_coalesced_writes_keep_the_order_of_files(tmp_path: Path) -> None:
    """A write of another file puts the held one on disk first: files change in write order,
    so a crash leaves a state the uncoalesced writes also went through."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    with state.coalesced_writes():
        state.write_json(first, "a1")
        state.write_json(first, "a2")
        state.write_json(second, "b1")
        assert (_on_disk(first), _on_disk(second)) == ("a2", None)
        state.atomic_write(tmp_path / "raw", b"x")  # an atomic_write is never held
        assert (_on_disk(first), _on_disk(second)) == ("a2", "b1")
        state.write_json(first, "a3")
        with state.coalesced_writes():  # nested: part of the outer block
            state.write_json(first, "a4")
        assert _on_disk(first) == "a2"
    assert (_on_disk(first), _on_disk(second)) == ("a4", "b1")
    state.write_json(first, "a5")  # outside a block: at once
    assert _on_disk(first) == "a5"


def test_coalesced_writes_end_puts_the_held_write_on_disk_on_an_error(tmp_path: Path) -> None:
    """A block left by an exception still writes what it holds: callers saw it written."""
    target = tmp_path / "s.json"
    with pytest.raises(RuntimeError), state.coalesced_writes():
        state.write_json(target, {"v": 1})
        raise RuntimeError("start-up failed")
    assert _on_disk(target) == {"v": 1}
