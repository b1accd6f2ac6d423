"""Crash-safe persistent state: every write is temp file, fsync, rename, fsync of the folder.

Also the state folder's lock: one agent per state_dir.
"""

from __future__ import annotations

import contextlib
import fcntl
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


class StateDirLocked(Exception):
    """Another process holds the state folder's lock (another agent uses this state_dir)."""

    def __init__(self, lock: Path) -> None:
        super().__init__(f"in use by another cwmpd (lock {lock})")
        self.lock = lock


class StateLock:
    """An exclusive ``flock`` on ``<state_dir>/cwmpd.lock``, held until released or exit.

    Two agents on one state folder would overwrite each other's event queue and transfers;
    the kernel drops the lock when the process dies, so a crash never leaves it stale.
    """

    NAME = "cwmpd.lock"

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / self.NAME
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StateDirLocked(self.path) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for the operator; the flock is what counts
        self._fd: int | None = fd

    def release(self) -> None:
        """Drop the lock (the file stays)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
