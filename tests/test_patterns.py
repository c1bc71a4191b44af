"""A house rule no linter states: a regular expression that ends in ``$`` is applied with ``fullmatch``.

In Python's ``re``, ``$`` also matches just before a final newline, so ``re.match(r"^[a-z]+$",
"web\\n")`` succeeds: a name or an ARN with a trailing newline (a YAML block scalar leaves one)
would pass a check that AWS fails. The patterns keep ``^...$`` because the JSON Schemas for
editors publish several of them (ECMAScript has no ``\\Z``); the call must be ``fullmatch``.
A suffix test with ``search`` anchors with ``\\Z`` instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

LAB = Path(__file__).resolve().parent.parent / "lab"


def _anchored(node: ast.AST) -> bool:
    """A constant (or f-string) pattern whose text ends in an unescaped ``$``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[-1], ast.Constant):
        text = str(node.values[-1].value)
    else:
        return False
    return text.endswith("$") and not text.endswith("\\$")


def _partial_matches(tree: ast.Module) -> list[tuple[int, str]]:
    compiled = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr == "compile"
        and node.value.args
        and _anchored(node.value.args[0])
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("match", "search")):
            continue
        owner = node.func.value
        if isinstance(owner, ast.Name) and owner.id in compiled:
            found.append((node.lineno, f"{owner.id}.{node.func.attr}"))
        elif isinstance(owner, ast.Name) and owner.id == "re" and node.args and _anchored(node.args[0]):
            found.append((node.lineno, f"re.{node.func.attr}"))
    return found


def test_patterns_anchored_with_a_dollar_are_applied_with_fullmatch() -> None:
    offenders = [
        f"{path.relative_to(LAB.parent)}:{line}: {call}"
        for path in sorted(LAB.rglob("*.py"))
        for line, call in _partial_matches(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_the_rule_sees_both_forms() -> None:
    """The check itself: a compiled pattern's ``.match`` and a literal ``re.search`` are caught."""
    tree = ast.parse('import re\nNAME = re.compile(r"^[a-z]+$")\nNAME.match(x)\nre.search(r"^a$", y)\nNAME.fullmatch(z)\n')
    assert _partial_matches(tree) == [(3, "NAME.match"), (4, "re.search")]
