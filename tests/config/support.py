"""Provides helpers shared by the lab.config tests: loading text and locating needles in it."""

from __future__ import annotations

import pytest

from lab.errors import Diagnostic, SourceErrors
from lab.yaml_source import Document, load_text


def doc(text: str, file: str = "td.yaml") -> Document:
    """Load ``text`` as a document named ``file``."""
    return load_text(text, file)


def at(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """Return the 1-based (line, col) of the ``nth`` occurrence of ``needle`` in ``text``."""
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    col = index - text.rfind("\n", 0, index)
    return line, col


def failures(load, text: str) -> list[Diagnostic]:
    """Run ``load(doc(text))``, expect ``SourceErrors`` and return its diagnostics."""
    with pytest.raises(SourceErrors) as caught:
        load(doc(text))
    return caught.value.diagnostics


def only(load, text: str) -> Diagnostic:
    """Run ``load(doc(text))`` and return its single diagnostic (failing if there are more)."""
    found = failures(load, text)
    assert len(found) == 1, "\n".join(str(d) for d in found)
    return found[0]


def position(diagnostic: Diagnostic) -> tuple[int, int]:
    """Return a diagnostic's (line, col)."""
    return diagnostic.line, diagnostic.col
