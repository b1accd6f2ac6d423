"""The plugin contract (cwmpd.plugin.api): DeviceHooks' defaults, what build_model adds, and
that the agent reads plugin objects through the contract only (no getattr/hasattr)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.task import Clock

from cwmpd.datamodel.bindings import Declarations
from cwmpd.plugin.api import DeviceHooks, PluginError
from cwmpd.plugin.load import build_model, load_plugin
from support.fakes import stand_in

SRC = Path(__file__).resolve().parents[3] / "src" / "cwmpd"
DIAG_PARAM = "Device.IP.Diagnostics.IPPing.DiagnosticsState"

PLUGIN_PY = """
from cwmpd.plugin.api import DeviceHooks

class Device:
    root = "Device."

    def __init__(self, ctx):
        self.hooks = DeviceHooks(boot_id=lambda: "boot-1", diagnostics={diagnostics})

    def declare(self, decl):
        decl.store("Device.DeviceInfo.Manufacturer", "{manufacturer}")

def create(ctx):
    return Device(ctx)
"""


def _plugin(tmp_path: Path, *, diagnostics: bool, manufacturer: str = "acme") -> str:
    folder = tmp_path / "dev"
    folder.mkdir()
    text = PLUGIN_PY.format(diagnostics=diagnostics, manufacturer=manufacturer)
    (folder / "plugin.py").write_text(text)
    return str(folder)


def _getattr_calls(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        (node.lineno, ast.unparse(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "hasattr")
    ]


def test_plugin_package_has_no_getattr_or_hasattr() -> None:
    """cwmpd.plugin reads plugins through the declared contract only."""
    found = [
        f"{p.relative_to(SRC)}:{line}: {call}"
        for p in sorted((SRC / "plugin").rglob("*.py"))
        for line, call in _getattr_calls(p)
    ]
    assert found == []


def test_no_getattr_or_hasattr_on_device_objects_anywhere() -> None:
    """Nowhere in src/ does the agent probe a device, plugin, hooks or handler by name."""
    words = ("device", "plugin", "hooks", "handler")
    found = [
        f"{p.relative_to(SRC)}:{line}: {call}"
        for p in sorted(SRC.rglob("*.py"))
        for line, call in _getattr_calls(p)
        if any(w in call.split(",")[0].lower() for w in words)
    ]
    assert found == []


def test_hooks_defaults() -> None:
    """Only boot_id is required: reboot asks for a restart, the rest is absent."""
    hooks = DeviceHooks(boot_id=lambda: "b")
    assert hooks.boot_id() == "b"
    assert hooks.reboot() is True
    hooks.factory_reset()  # the default resets nothing of the device's own, and raises nothing
    assert hooks.verify_firmware is None and hooks.stage_firmware is None
    assert hooks.firmware_handler is None and hooks.file_handlers is None
    assert hooks.diagnostics is False and hooks.software_modules == ()


def test_verify_without_stage_is_refused() -> None:
    """Firmware staging needs both halves; one alone is a plugin error."""
    with pytest.raises(PluginError, match="go together"):
        DeviceHooks(boot_id=lambda: "b", verify_firmware=lambda image: "1.0")


def test_plugin_without_hooks_is_refused(tmp_path: Path) -> None:
    """create() must return something with hooks, not just root and declare."""
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "plugin.py").write_text(
        "class D:\n    root = 'Device.'\n    def declare(self, decl): pass\n"
        "def create(ctx):\n    return D()\n"
    )
    with pytest.raises(PluginError, match="DevicePlugin with hooks"):
        load_plugin(str(folder), state_dir=tmp_path, reactor=stand_in(Clock()))


class _FakeDiagnostics:
    def __init__(self, root: str) -> None:
        self.root = root

    def declare(self, decl: Declarations) -> None:
        decl.store(DIAG_PARAM, "None")


@pytest_twisted.ensureDeferred
async def test_build_model_adds_management_server_and_asked_diagnostics(
    tmp_path: Path, spec: Path
) -> None:
    """The agent declares ManagementServer for every device and the diagnostics the hooks ask
    for; build_model hands back the device's own hooks."""
    made: list[_FakeDiagnostics] = []

    def diagnostics(root: str) -> _FakeDiagnostics:
        made.append(_FakeDiagnostics(root))
        return made[-1]

    model, hooks = build_model(
        [_plugin(tmp_path, diagnostics=True)],
        state_dir=tmp_path / "state",
        factory_values={},
        reactor=stand_in(Clock()),
        diagnostics=diagnostics,
    )
    assert hooks.boot_id() == "boot-1" and hooks.diagnostics
    assert [d.root for d in made] == ["Device."]
    names = [v.name for v in await model.get_parameter_values(["Device."])]
    assert "Device.ManagementServer.URL" in names
    assert "Device.ManagementServer.PeriodicInformInterval" in names
    assert DIAG_PARAM in names
    assert "Device.DeviceInfo.Manufacturer" in names


@pytest_twisted.ensureDeferred
async def test_no_diagnostics_unless_the_hooks_ask(tmp_path: Path, spec: Path) -> None:
    """A device whose hooks leave diagnostics False gets none, factory or not."""
    called: list[str] = []

    def diagnostics(root: str) -> _FakeDiagnostics:
        called.append(root)
        return _FakeDiagnostics(root)

    model, _ = build_model(
        [_plugin(tmp_path, diagnostics=False)],
        state_dir=tmp_path / "state",
        factory_values={},
        reactor=stand_in(Clock()),
        diagnostics=diagnostics,
    )
    names = [v.name for v in await model.get_parameter_values(["Device."])]
    assert called == [] and DIAG_PARAM not in names
    assert "Device.ManagementServer.URL" in names
