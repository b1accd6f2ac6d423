"""``[python]`` entries of a mapping: a class of the plugin folder serves its parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted

from support.backend_helpers import load_model, make_plugin

UI_PY = """
class NothingStaged:
    async def commit(self):
        return False

    async def abort(self):
        return None


class Ui:
    def __init__(self, ctx):
        self.folder = ctx.folder

    async def get_many(self, names):
        return {n: "true" if n.endswith("Enable") else "false" for n in names}

    async def begin(self, changes):
        return NothingStaged()

    async def list_instances(self, table):
        return []

    async def add_instance(self, table, values):
        raise NotImplementedError

    async def delete_instance(self, instance):
        raise NotImplementedError

    async def apply_after_session(self):
        return None


def not_a_backend(ctx):
    return object()
"""

MAPPING = """root = "Device."
[python."Device.UserInterface."]
class = "ui.py:{cls}"
params = ["Enable", "PasswordRequired"]
"""


@pytest_twisted.ensureDeferred
async def test_python_class_serves_its_parameters(tmp_path: Path, spec: Path) -> None:
    """The class named in ``[python]`` is created with the context and read through."""
    folder = make_plugin(tmp_path / "dev", MAPPING.format(cls="Ui"))
    (folder / "ui.py").write_text(UI_PY)
    model = load_model(folder, tmp_path / "state")
    values = await model.get_parameter_values(["Device.UserInterface."])
    got = {v.name: v.value for v in values}
    assert got["Device.UserInterface.Enable"] == "true"
    assert got["Device.UserInterface.PasswordRequired"] == "false"


def test_missing_class_is_one_clear_error(tmp_path: Path, spec: Path) -> None:
    """A name the file does not define stops the plugin, saying which."""
    folder = make_plugin(tmp_path / "dev", MAPPING.format(cls="Nope"))
    (folder / "ui.py").write_text(UI_PY)
    with pytest.raises(ValueError, match="no class Nope"):
        load_model(folder, tmp_path / "state")


def test_non_backend_is_refused(tmp_path: Path, spec: Path) -> None:
    """A callable whose result is not a Backend is refused."""
    folder = make_plugin(tmp_path / "dev", MAPPING.format(cls="not_a_backend"))
    (folder / "ui.py").write_text(UI_PY)
    with pytest.raises(ValueError, match="does not implement the Backend protocol"):
        load_model(folder, tmp_path / "state")
