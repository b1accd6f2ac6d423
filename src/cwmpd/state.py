"""Crash-safe persistent state: every write is temp file, fsync, rename, fsync of the folder.

Also the state folder's lock: one agent per state_dir.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

_log = Logger(namespace="cwmpd.state")


#: Whether writes reach the disk before they return (fsync of the file and its folder).
#: Only a process whose state folders are scratch, thrown away at exit, turns it off.
_durable = True
_temp_serial = itertools.count()


def set_durable(durable: bool) -> None:
    """Keep (True, the default) or skip the fsyncs of every state write in this process:
    False only for state that no restart will read (``cwmpd fleet`` without --state-dir)."""
    global _durable
    _durable = durable


def _create_temp(path: str) -> tuple[int, str]:
    """A new private file next to ``path`` (its folder made if missing): (fd, name)."""
    folder, name = os.path.split(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{os.getpid()}-{next(_temp_serial)}.tmp")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:  # left by a crashed process that had this pid
            continue
        except FileNotFoundError:
            Path(folder or ".").mkdir(parents=True, exist_ok=True)
    raise FileExistsError(f"no free temporary name next to {path}")


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, never half."""
    target = os.fspath(path)
    fd, tmp = _create_temp(target)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
            if _durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if not _durable:
        return
    dirfd = os.open(os.path.dirname(target) or ".", os.O_RDONLY)
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


#: How a persisted queue writes its file; tests inject one that fails (EMFILE, ENOSPC).
Writer = Callable[[Path, Any], None]


class WriteRetry:
    """Run ``attempt`` until it stops raising OSError, then ``done()``: for a failed state write.

    The tries are 1, 2, 4 ... ``cap`` seconds apart on the injected ``clock``, for ever:
    what ``attempt`` persists (an event, a due ScheduleInform) must not be lost because
    the disk was full or the process out of file descriptors for a while. ``attempt``
    changes memory only once its write succeeded, so nothing is lost in between.
    """

    def __init__(
        self,
        clock: IReactorTime,
        attempt: Callable[[], object],
        done: Callable[[], object] | None = None,
        *,
        what: str,
        first: float = 1.0,
        cap: float = 60.0,
    ) -> None:
        self._clock = clock
        self._attempt = attempt
        self._done = done
        self._what = what
        self._delay = first
        self._cap = cap
        self._call: IDelayedCall | None = None
        self.failures = 0

    @property
    def pending(self) -> bool:
        """True while a retry is planned."""
        return self._call is not None and self._call.active()

    def start(self) -> bool:
        """Try now; True when the write went through (``done`` was called)."""
        self._call = None
        try:
            self._attempt()
        except OSError as exc:
            self.failures += 1
            _log.error(
                "state write failed ({what}): {error}; retrying in {delay} s",
                what=self._what,
                error=exc,
                delay=self._delay,
            )
            self._call = self._clock.callLater(self._delay, self.start)
            self._delay = min(self._delay * 2, self._cap)
            return False
        if self.failures:
            _log.info(
                "state write succeeded ({what}) after {n} failures",
                what=self._what,
                n=self.failures,
            )
        if self._done is not None:
            self._done()
        return True

    def cancel(self) -> None:
        """Stop retrying (the agent stops; what was not written is re-done at the next start)."""
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
