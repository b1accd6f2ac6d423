"""Python backends from a plugin folder: a class per object or subtree, beyond what mappings say.

Loaded with importlib from a file path (plugin folders are not installed packages). The
class is called with a ``PythonContext`` and must satisfy the ``Backend`` protocol.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from twisted.internet.interfaces import IReactorTime

from cwmpd.backends.base import Backend
from cwmpd.backends.process import ProcessRunner

_REF = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.-]*\.py):([A-Za-z_][A-Za-z0-9_]*)$")


@dataclass(frozen=True)
class PythonContext:
    """What a Python backend class is created with."""

    folder: Path
    state_dir: Path
    clock: IReactorTime
    runner: ProcessRunner


def load_backend(ref: str, ctx: PythonContext) -> Backend:
    """Create the backend ``ref`` ("file.py:ClassName", a file of the plugin folder)."""
    m = _REF.match(ref)
    if m is None:
        raise ValueError(f"python backend {ref!r}: expected 'file.py:ClassName'")
    path = ctx.folder / m.group(1)
    name = "cwmpd_pyplugin_" + re.sub(r"\W", "_", f"{ctx.folder.name}_{m.group(1)}")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ValueError(f"python backend {ref!r}: no file {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cls = vars(module).get(m.group(2))
    if cls is None:
        raise ValueError(f"python backend {ref!r}: no class {m.group(2)} in {path}")
    backend = cls(ctx)
    if not isinstance(backend, Backend):
        raise ValueError(f"python backend {ref!r} does not implement the Backend protocol")
    return backend
