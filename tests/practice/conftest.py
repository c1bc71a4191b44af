"""Fixtures for the practice tests: a content folder with the fixture bank, an empty data dir, a fake clock."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lab.practice import Context, Topics, load_topics

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "content" / "questions"
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
"""The fake clock's start."""

BASE = """\
id: base-question
exams:
  DOP-C02: [D3]
topics: [C11]
difficulty: 2
stem: |
  A team wants the fewest instances. Which strategy?
choose: 1
options:
  - text: binpack on memory
    correct: true
    why: Binpack fills instances first.
  - text: spread on instanceId
    why: Spread uses as many instances as it can.
  - text: random
    why: Random does not fill instances first.
  - text: spread on attribute:ecs.availability-zone
    why: Spread balances zones, not density.
takeaway: Binpack packs; spread spreads.
references:
  - url: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html
    checked: 2026-12-03
"""
"""A valid question; tests break one thing in it at a time (line numbers matter: see the tests)."""


@pytest.fixture(scope="session")
def topics() -> Topics:
    return load_topics(ROOT / "content" / "topics.yaml")


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A content folder holding the project's topics and lessons and the fixture bank; the lab uses it."""
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(ROOT / "content" / "topics.yaml", folder / "topics.yaml")
    (folder / "lessons").symlink_to(ROOT / "content" / "lessons")
    shutil.copytree(FIXTURES, folder / "questions")
    monkeypatch.setenv("LAB_CONTENT", str(folder))
    monkeypatch.setenv("LAB_SCENARIOS", str(ROOT / "scenarios"))
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return folder


@pytest.fixture
def context(content: Path) -> Context:
    return Context.default(content, ROOT / "scenarios")


def write_question(content: Path, text: str, *, area: str = "placement", name: str = "base-question") -> Path:
    """Write a question file into the bank of ``content``."""
    path = content / "questions" / area / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
