"""Device plugins: the interface a hardware integrator implements, and how plugins are found.

A plugin is a folder holding ``plugin.py`` with ``create(ctx) -> DevicePlugin``. It is
loaded with importlib from a file path (plugins are not installed packages), searched in:
explicit paths, ``$CWMPD_PLUGIN_PATH``, the source tree's ``plugins/``, then
``/usr/share/cwmpd/plugins``.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from twisted.internet.interfaces import IReactorTime

from cwmpd.datamodel.bindings import Declarations

SYSTEM_PLUGINS = Path("/usr/share/cwmpd/plugins")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class PluginError(Exception):
    """A plugin could not be found or loaded (one clear line for the operator)."""


@dataclass(frozen=True)
class PluginContext:
    """What a plugin gets when created: its name, its own state folder, the clock."""

    name: str
    state_dir: Path
    clock: IReactorTime


@runtime_checkable
class DevicePlugin(Protocol):
    """A device: its root object, its boot identity, reboot, reset, and its parameters."""

    root: str

    def boot_id(self) -> str:
        """Changes at every device boot (not at a daemon restart)."""
        ...

    def reboot(self) -> bool:
        """Reboot the device; True when the daemon must exit for the supervisor to restart it."""
        ...

    def factory_reset(self) -> None:
        """Reset the device's own state (the model resets agent-stored values itself)."""
        ...

    def declare(self, decl: Declarations) -> None:
        """Declare the parameters, tables and factory values of this device."""
        ...


def source_tree_plugins() -> Path:
    """The ``plugins/`` folder of the source tree this package runs from."""
    return Path(__file__).resolve().parents[3] / "plugins"


def search_path(extra: Sequence[Path] = ()) -> list[Path]:
    """Folders searched for plugins by name, in order."""
    env = [Path(p) for p in os.environ.get("CWMPD_PLUGIN_PATH", "").split(os.pathsep) if p]
    return [*extra, *env, source_tree_plugins(), SYSTEM_PLUGINS]


def find_plugin(name: str, extra: Sequence[Path] = ()) -> Path:
    """The folder of plugin ``name`` (a name, or a path to a plugin folder)."""
    if os.sep in name or name.startswith("."):
        folder = Path(name)
        if (folder / "plugin.py").is_file():
            return folder
        raise PluginError(f"no plugin.py in {folder}")
    if not _NAME.match(name):
        raise PluginError(f"bad plugin name {name!r}")
    for base in search_path(extra):
        if (base / name / "plugin.py").is_file():
            return base / name
    raise PluginError(f"plugin {name!r} not found in {', '.join(map(str, search_path(extra)))}")


def load_plugin(
    name: str, *, state_dir: Path, clock: IReactorTime, extra: Sequence[Path] = ()
) -> DevicePlugin:
    """Find, import and create plugin ``name``; its state lives in ``state_dir/plugins/NAME``."""
    folder = find_plugin(name, extra)
    module_name = f"cwmpd_plugin_{re.sub(r'[^A-Za-z0-9_]', '_', folder.name)}"
    spec = importlib.util.spec_from_file_location(module_name, folder / "plugin.py")
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import {folder / 'plugin.py'}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise PluginError(f"plugin {name!r} failed to import: {exc}") from exc
    create = getattr(module, "create", None)
    if not callable(create):
        raise PluginError(f"plugin {name!r} has no create(ctx) function")
    ctx = PluginContext(folder.name, Path(state_dir) / "plugins" / folder.name, clock)
    plugin = create(ctx)
    if not isinstance(plugin, DevicePlugin):
        raise PluginError(f"plugin {name!r}: create() did not return a DevicePlugin")
    return plugin
