"""The import graph of src/cwmpd and plugins/ follows the README layout, read with ast.

Arrows point one way: cli -> service -> {session, connreq, transfers, diagnostics} ->
plugin -> datamodel -> backends -> http -> cwmp | usp; anything may use the shared leaves (state,
config, logs and the package itself), which import nothing else of cwmpd; cwmp imports
nothing of ours, usp only cwmp. Library code never imports the global reactor at module top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
PLUGINS = REPO / "plugins"

#: Importable by every part; they import nothing of cwmpd outside themselves.
SHARED = {"cwmpd", "cwmpd.state", "cwmpd.statedir", "cwmpd.config", "cwmpd.logs", "cwmpd.reactors"}

#: Top to bottom: a unit may import units of lower layers (and SHARED), never higher or equal.
#: README's layout: cli -> fleet -> service -> session | connreq | transfers | diagnostics ->
#: datamodel | plugin -> backends -> http | cwmp (plugin builds the model: it sits on datamodel).
LAYERS: list[set[str]] = [
    {"cwmpd.__main__"},
    {"cwmpd.cli", "cwmpd.ctl"},
    {"cwmpd.fleet"},
    {"cwmpd.demo", "cwmpd.service"},
    {"cwmpd.control", "cwmpd.testing"},
    {"cwmpd.session", "cwmpd.connreq", "cwmpd.transfers", "cwmpd.diagnostics", "cwmpd.uspagent"},
    {"cwmpd.plugin"},
    {"cwmpd.datamodel"},
    {"cwmpd.backends"},
    {"cwmpd.mtp"},
    {"cwmpd.http"},
    {"cwmpd.cwmp", "cwmpd.usp"},
]

#: Units held to fewer imports than their layer allows.
ONLY = {
    # The scriptable ACS and USP Controller stand in for any ACS or Controller: they speak the
    # protocols and their transports (HTTP, the MQTT MTP, whose client takes the typed
    # reactor), nothing more.
    "cwmpd.testing": {"cwmpd.cwmp", "cwmpd.http", "cwmpd.usp", "cwmpd.mtp", "cwmpd.reactors"},
    # The protocol codec is the ground floor: it imports nothing of ours.
    "cwmpd.cwmp": set(),
    # The USP codec and path resolver likewise: protobuf, the stdlib, and cwmp's TR-106 value
    # parsing (one lexical form for both protocols), nothing else of ours.
    "cwmpd.usp": {"cwmpd.cwmp"},
}

#: What a data-model plugin may not import: the daemon's wiring and protocol machinery above it.
PLUGIN_FORBIDDEN = {*set().union(*LAYERS[:4]), "cwmpd.session", "cwmpd.connreq"}

#: Modules that may import the global reactor, and only inside a function.
REACTOR_OWNERS = {"cwmpd.__main__", "cwmpd.cli", "cwmpd.demo", "cwmpd.plugin.check"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> list[Path]:
    return sorted(p for p in (SRC / "cwmpd").rglob("*.py") if "__pycache__" not in p.parts)


ALL_MODULES = {_module_name(p) for p in _sources()}


def unit_of(module: str) -> str:
    """The layering unit of a cwmpd module: its top-level module or package."""
    return ".".join(module.split(".")[:2])


def _imports(path: Path, module: str) -> Iterator[tuple[int, str]]:
    """Every cwmpd module ``path`` imports (at any depth, lazily or not), with its line."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield node.lineno, sub if sub in ALL_MODULES else target


def _layer(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise AssertionError(f"{unit} is in no layer of this test: place it in LAYERS or SHARED")


def _allowed(importer: str, target: str) -> bool:
    src, dst = unit_of(importer), unit_of(target)
    if src == dst:
        return True
    if src in ONLY:
        return dst in ONLY[src]
    if dst in SHARED:
        return True
    if src in SHARED:
        return False
    return _layer(src) < _layer(dst)


def test_every_unit_has_a_place() -> None:
    """Every module of src/cwmpd belongs to a layer or to the shared leaves."""
    for module in ALL_MODULES:
        unit = unit_of(module)
        if unit not in SHARED:
            _layer(unit)


def test_imports_point_down() -> None:
    """No module of src/cwmpd imports a higher or sibling part (cwmp imports nothing of cwmpd)."""
    wrong = [
        f"{path.relative_to(REPO)}:{line}: {module} -> {target}"
        for path in _sources()
        for module in [_module_name(path)]
        for line, target in _imports(path, module)
        if target.split(".")[0] == "cwmpd" and not _allowed(module, target)
    ]
    assert wrong == []


def test_plugins_import_only_the_model_side() -> None:
    """Shipped plugins use datamodel, backends, cwmp, state and handler types, not the daemon."""
    wrong = []
    for path in sorted(PLUGINS.rglob("*.py")):
        for line, target in _imports(path, "plugin"):
            if target.split(".")[0] == "cwmpd" and unit_of(target) in PLUGIN_FORBIDDEN:
                wrong.append(f"{path.relative_to(REPO)}:{line}: {target}")
    assert wrong == []


def _imports_reactor(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name == "twisted.internet.reactor" for a in node.names)
    if isinstance(node, ast.ImportFrom):
        if node.module == "twisted.internet.reactor":
            return True
        return node.module == "twisted.internet" and any(a.name == "reactor" for a in node.names)
    return False


def _top_level(tree: ast.Module) -> Iterator[ast.AST]:
    """Statements run at import: the module body and blocks under if/try/with, not defs."""
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_global_reactor_in_library_code(path: Path) -> None:
    """Library modules take the reactor as an argument; only entry points import the global one."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(), str(path))
    at_import = [n.lineno for n in _top_level(tree) if _imports_reactor(n)]  # type: ignore[attr-defined]
    assert at_import == [], f"{module} imports the global reactor at module top"
    if module not in REACTOR_OWNERS:
        anywhere = [n.lineno for n in ast.walk(tree) if _imports_reactor(n)]  # type: ignore[attr-defined]
        assert anywhere == [], f"{module} imports the global reactor: pass it in instead"


def test_the_checker_sees_violations() -> None:
    """The rules reject a reach up, a sideways import and a shared leaf importing the model."""
    assert not _allowed("cwmpd.backends.uci", "cwmpd.datamodel.paths")
    assert not _allowed("cwmpd.connreq.http", "cwmpd.session.engine")
    assert not _allowed("cwmpd.cwmp.soap", "cwmpd.datamodel.model")
    assert not _allowed("cwmpd.testing.acs", "cwmpd.session.http")
    assert _allowed("cwmpd.session.engine", "cwmpd.datamodel.model")
    assert _allowed("cwmpd.transfers.http", "cwmpd.http.tls")
    assert not _allowed("cwmpd.transfers.http", "cwmpd.session.http")
    assert not _allowed("cwmpd.cwmp.soap", "cwmpd.state")
    assert _allowed("cwmpd.usp.resolve", "cwmpd.cwmp.types")
    assert not _allowed("cwmpd.usp.records", "cwmpd.logs")
    assert not _allowed("cwmpd.usp.resolve", "cwmpd.datamodel.model")
    assert not _allowed("cwmpd.cwmp.types", "cwmpd.usp.resolve")
    assert not _allowed("cwmpd.http.auth", "cwmpd.session.http")
    tree = ast.parse("def f():\n    from twisted.internet import reactor\n")
    assert not any(_imports_reactor(n) for n in _top_level(tree))
    assert any(_imports_reactor(n) for n in ast.walk(tree))
