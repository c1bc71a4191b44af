"""No module of the project or its tests defines a top-level name twice.

A second ``def _helper`` silently replaces the first for every test that calls it (pyflakes'
F811); parallel branches appending to one test module make that easy to miss in a merge.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _redefined(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    seen: dict[str, int] = {}
    found = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in seen and not node.decorator_list:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.name} (first at line {seen[node.name]})")
            seen.setdefault(node.name, node.lineno)
    return found


def test_no_top_level_function_or_class_is_defined_twice() -> None:
    paths = sorted([*(REPO / "lab").rglob("*.py"), *(REPO / "tests").rglob("*.py"), *(REPO / "benchmarks").glob("*.py")])
    problems = [p for path in paths for p in _redefined(path)]
    assert problems == []
