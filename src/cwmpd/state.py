"""Crash-safe persistent state: every write is temp file, fsync, rename, fsync of the folder."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dirfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dirfd)
    finally:
        os.close(dirfd)


def write_json(path: Path, value: Any) -> None:
    """Atomically write ``value`` as compact, sorted JSON."""
    atomic_write(path, json.dumps(value, sort_keys=True, separators=(",", ":")).encode())


def read_json(path: Path, default: Any = None) -> Any:
    """Read JSON from ``path``; ``default`` when the file does not exist.

    A corrupt file raises ValueError: callers decide whether to start fresh, and
    say so in the log, rather than silently losing state.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return default
    try:
        return json.loads(data)
    except ValueError as exc:
        raise ValueError(f"corrupt state file {path}: {exc}") from exc
