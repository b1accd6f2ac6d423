"""File reads and writes for mappings: atomic replace for regular files, in place in /proc, /sys.

Reads are small and local, so they run inline (no thread); a missing file reads as absent.
Writes to kernel interfaces (/proc, /sys) must go in place — they are not real files and a
rename would fail; everything else goes through ``cwmpd.state.atomic_write``.
"""

from __future__ import annotations

import os
from pathlib import Path

from cwmpd.backends.base import BackendError
from cwmpd.state import atomic_write

_KERNEL = ("/proc/", "/sys/")
MAX_READ = 1024 * 1024


def read_text(path: str) -> str | None:
    """The text of ``path`` (at most 1 MiB), or None when it does not exist or is unreadable."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_READ)
    except FileNotFoundError:
        return None
    except OSError:
        return None
    return data.decode("utf-8", "replace")


def in_place(path: str) -> bool:
    """True for kernel files that must be written in place."""
    real = os.path.realpath(path)
    return any(real.startswith(p) or path.startswith(p) for p in _KERNEL)


def write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path``: in place for /proc and /sys, atomic replace otherwise."""
    data = text.encode("utf-8")
    try:
        if in_place(path):
            with open(path, "wb", buffering=0) as f:
                f.write(data)
        else:
            atomic_write(Path(path), data)
    except OSError as exc:
        raise BackendError(f"cannot write {path}: {exc.strerror}") from exc
