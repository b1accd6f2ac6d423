"""Crash-safe persistent state: every write is temp file, fsync, rename, fsync of the folder.

Also the state folder's lock: one agent per state_dir, and ``coalesced_writes`` for bursts
that rewrite one file several times in a row (start-up on a fresh state folder).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class _Held(threading.local):
    """The newest JSON write of a ``coalesced_writes`` block, not on disk yet (per thread)."""

    active = False
    write: tuple[Path, bytes, int] | None = None


_held = _Held()


@contextlib.contextmanager
def coalesced_writes() -> Iterator[None]:
    """Within the block, ``write_json`` calls of one file in a row reach the disk once, as the
    last of them.

    A write is held until another write, a ``read_json`` of it or the end of the block puts it on
    disk (atomically, as always), so the files change in the order they were written and a
    crash leaves what some moment of the uncoalesced sequence left. For
    synchronous bursts in which nothing outside the process can see the state meanwhile
    (start-up before the first Inform). Nested blocks are part of the outer one.
    """
    if _held.active:
        yield
        return
    _held.active = True
    try:
        yield
    finally:
        _held.active = False
        _release_held()


def _release_held(path: Path | None = None) -> None:
    """Put the held write on disk (only if it is of ``path``, when given)."""
    held = _held.write
    if held is not None and (path is None or held[0] == path):
        _held.write = None
        _write_now(*held)


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, never half."""
    _release_held()
    _write_now(Path(path), data, mode)


def _write_now(path: Path, data: bytes, mode: int) -> None:
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
    """Atomically write ``value`` as compact, sorted JSON (held in a ``coalesced_writes``)."""
    data = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    path = Path(path)
    if not _held.active:
        atomic_write(path, data)
        return
    if _held.write is not None and _held.write[0] != path:
        _release_held()
    path.parent.mkdir(parents=True, exist_ok=True)
    _held.write = (path, data, 0o600)


def read_json(path: Path, default: Any = None) -> Any:
    """Read JSON from ``path``; ``default`` when the file does not exist.

    A corrupt file raises ValueError: callers decide whether to start fresh, and
    say so in the log, rather than silently losing state.
    """
    _release_held(Path(path))
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
