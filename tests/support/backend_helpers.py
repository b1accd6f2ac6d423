"""Helpers for the backend integration tests: plugin folders in tmp, the real reactor."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from cwmpd.datamodel.model import DataModel
from cwmpd.plugin.load import build_model, source_tree_plugins
from support.agent_harness import reactor

HERE = Path(__file__).resolve().parent.parent / "integration" / "backends"
SCRIPTS = HERE / "scripts"
PY = sys.executable
PLUGIN_PY = "from cwmpd.plugin.mapping import plugin_factory\n\ncreate = plugin_factory(__file__)\n"


def store_cmd(device: Path, *args: str) -> list[str]:
    """argv running the store script on ``device``."""
    return [PY, str(SCRIPTS / "store.py"), str(device), *args]


def toml_list(argv: list[str]) -> str:
    """An argv as a TOML array."""
    return json.dumps(argv)


def make_plugin(folder: Path, mapping: str) -> Path:
    """A plugin folder with ``mapping`` as its mapping.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plugin.py").write_text(PLUGIN_PY)
    (folder / "mapping.toml").write_text(mapping)
    return folder


def load_model(folder: Path, state: Path) -> DataModel:
    """The model of plugin ``folder`` with its state in ``state``."""
    model, _ = build_model([str(folder)], state_dir=state, factory_values={}, reactor=reactor)
    return model


def calls(device: Path) -> list[list[str]]:
    """Every store.py call so far."""
    log = device / "calls.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def device_values(device: Path) -> dict[str, Any]:
    """The device's values."""
    path = device / "values.json"
    return json.loads(path.read_text()) if path.exists() else {}


def set_device(device: Path, values: dict[str, Any]) -> None:
    """Replace the device's values."""
    device.mkdir(parents=True, exist_ok=True)
    (device / "values.json").write_text(json.dumps(values))


def fake_uci_store(tmp_path: Path, monkeypatch: Any, committed: dict[str, Any]) -> Path:
    """A fake UCI store holding ``committed``, with fakebin (uci, sysupgrade) first on PATH."""
    store = tmp_path / "uci"
    store.mkdir()
    (store / "committed.json").write_text(json.dumps(committed))
    monkeypatch.setenv("FAKE_UCI_DIR", str(store))
    monkeypatch.setenv("PATH", f"{HERE / 'fakebin'}{os.pathsep}{os.environ['PATH']}")
    return store


def openwrt_model(tmp_path: Path) -> DataModel:
    """The shipped openwrt plugin's model, state in ``tmp_path/state``."""
    return load_model(source_tree_plugins() / "openwrt", tmp_path / "state")
