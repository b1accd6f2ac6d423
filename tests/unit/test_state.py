"""Tests for the atomic state writer."""

from __future__ import annotations

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
