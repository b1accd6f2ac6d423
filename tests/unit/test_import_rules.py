"""Rules read from src/cwmpd with ast: lazy imports give their reason, the reactor is typed.

An import inside a function body is allowed only as a lazy import that saves start-up
memory or time, with a comment saying so (``# lazy: ...`` on its line or in the comment
block right above it). No parameter or attribute named reactor/clock is typed ``Any``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "cwmpd"
SOURCES = sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def _reason_given(lines: list[str], lineno: int) -> bool:
    """A ``# lazy`` comment on the import's line, or on the lines of its block above it."""
    i = lineno - 1
    while i >= 0:
        line = lines[i].strip()
        if "# lazy" in line.lower():
            return True
        if line and not line.startswith(("#", "from ", "import ")):
            return False
        i -= 1
    return False


def inline_imports_without_reason(path: Path) -> list[int]:
    """Line numbers of imports inside function bodies that do not say why they are lazy."""
    text = path.read_text()
    lines = text.splitlines()
    found = []
    for fn in ast.walk(ast.parse(text, str(path))):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom) and not _reason_given(
                    lines, node.lineno
                ):
                    found.append(node.lineno)
    return sorted(set(found))


def reactors_typed_any(path: Path) -> list[int]:
    """Line numbers where a reactor or clock parameter/attribute is annotated ``Any``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        pairs: list[tuple[str, ast.expr | None, int]] = []
        if isinstance(node, ast.arg):
            pairs.append((node.arg, node.annotation, node.lineno))
        elif isinstance(node, ast.AnnAssign):
            target = node.target
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            pairs.append((name, node.annotation, node.lineno))
        for name, annotation, line in pairs:
            named = name.lstrip("_") in {"reactor", "clock"}
            if named and annotation is not None and "Any" in ast.unparse(annotation):
                found.append(line)
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_function_level_imports_say_why(path: Path) -> None:
    """Every import inside a function is a lazy one with its reason."""
    assert inline_imports_without_reason(path) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_reactor_typed_any(path: Path) -> None:
    """The reactor is an AgentReactor or a narrower Twisted interface, never Any."""
    assert reactors_typed_any(path) == []


def test_the_rules_see_violations(tmp_path: Path) -> None:
    """A bare inline import and a reactor: Any are caught; a commented lazy import is not."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from typing import Any\n"
        "def f(reactor: Any) -> None:\n"
        "    import json\n"
        "def g() -> None:\n"
        "    # lazy: json is big\n"
        "    import json\n"
        "class C:\n"
        "    def __init__(self) -> None:\n"
        "        self._clock: Any = None\n"
    )
    assert inline_imports_without_reason(bad) == [3]
    assert reactors_typed_any(bad) == [2, 9]
