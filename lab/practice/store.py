"""Provides the practice state on disk: ``practice.json`` in the lab's data dir.

Per question: times seen and right, the last answer; every finished exam; the repetition
cards. Written atomically with ``lab.progress.atomic_write``. A file that cannot be read is
renamed aside with a unique suffix (``practice.json.corrupt-1``, ``-2``, ...) and reported;
the learner's history is never silently wiped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from lab.practice.exam import ExamResult
from lab.practice.srs import Deck, question_key, scenario_key
from lab.progress import atomic_write, data_dir

__all__ = ["PracticeStore", "QuestionStats"]

VERSION = 1
FILE_NAME = "practice.json"


@dataclass
class QuestionStats:
    """What the learner has done with one question."""

    seen: int = 0
    right: int = 0
    last_right: bool | None = None
    last_answer: list[str] = field(default_factory=list)
    """The letters last chosen, as presented then."""
    last_at: str | None = None
    """ISO time of the last answer."""


@dataclass
class PracticeStore:
    """Answers, exam history and repetition cards, loaded from and saved to ``practice.json``."""

    root: Path = field(default_factory=data_dir)
    questions: dict[str, QuestionStats] = field(default_factory=dict)
    exams: list[dict[str, Any]] = field(default_factory=list)
    deck: Deck = field(default_factory=Deck)
    problem: str | None = None
    """Set when the stored file could not be read (it was kept aside)."""

    @property
    def path(self) -> Path:
        return self.root / FILE_NAME

    @classmethod
    def load(cls, root: Path | None = None) -> PracticeStore:
        """Read the practice file; a missing one is empty, a corrupt one is set aside."""
        store = cls(root or data_dir())
        try:
            raw = store.path.read_bytes()
        except FileNotFoundError:
            return store
        except OSError as exc:
            store.problem = f"cannot read {store.path}: {exc.strerror or exc}"
            return store
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or data.get("version") != VERSION:
                raise ValueError(f"not a version {VERSION} practice file")
            for qid, values in data["questions"].items():
                stats = QuestionStats(**{k: v for k, v in values.items() if k in QuestionStats.__dataclass_fields__})
                if not (type(stats.seen) is int and type(stats.right) is int and isinstance(stats.last_answer, list)):
                    raise TypeError(f"question {qid!r} has counts that are not numbers")
                store.questions[str(qid)] = stats
            exams = data["exams"]
            if not isinstance(exams, list) or not all(isinstance(e, dict) for e in exams):
                raise TypeError("exams is not a list of results")
            store.exams = exams
            store.deck = Deck.from_dict(data["cards"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # UnicodeDecodeError is a ValueError
            aside = _free_name(store.path)
            try:
                os.replace(store.path, aside)
                where = f"kept it as {aside}"
            except OSError:
                where = "left it in place"
            store.questions, store.exams, store.deck = {}, [], Deck()
            store.problem = f"{store.path} could not be read ({exc}); started afresh and {where}"
        return store

    def save(self) -> None:
        """Write the practice file atomically."""
        payload = {
            "version": VERSION,
            "questions": {k: vars(v) for k, v in sorted(self.questions.items())},
            "exams": self.exams,
            "cards": self.deck.to_dict(),
        }
        atomic_write(self.path, json.dumps(payload, indent=1, sort_keys=True) + "\n")

    def record_answer(self, question_id: str, right: bool, letters: list[str], now: datetime) -> None:
        """Remember one answer and review its card (a first miss makes one). Does not save."""
        stats = self.questions.setdefault(question_id, QuestionStats())
        stats.seen += 1
        stats.right += int(right)
        stats.last_right = right
        stats.last_answer = list(letters)
        stats.last_at = now.isoformat()
        self.deck.record(question_key(question_id), right, now)

    def record_checks(self, scenario_id: str, checks: dict[str, bool], now: datetime) -> None:
        """Review the cards of a graded scenario's required checks (a failed one makes its card)."""
        for check_id, passed in sorted(checks.items()):
            self.deck.record(scenario_key(scenario_id, check_id), passed, now)

    def record_exam(self, result: ExamResult, now: datetime) -> None:
        """Keep a finished exam in the history and review every item's card. Does not save.

        An unanswered question counts as missed: it comes back in the due queue.
        """
        for row in result.items:
            if row["kind"] == "question":
                self.record_answer(row["id"], row["right"], row["chosen"], now)
            elif row["score"] is not None:
                checks = {c: False for c in row["failed_checks"]} | {c: True for c in row["passed_checks"]}
                self.record_checks(row["id"], checks, now)
        self.exams.append({"finished_at": now.isoformat(), **result.to_dict()})


def _free_name(path: Path) -> Path:
    """``<name>.corrupt-N`` with the first N not taken, so no earlier copy is overwritten."""
    n = 1
    while True:
        candidate = path.with_name(f"{path.name}.corrupt-{n}")
        if not candidate.exists():
            return candidate
        n += 1
