"""Provides the practice state on disk: ``practice.json`` in the lab's data dir.

Per question: times seen and right, the last answer; every finished exam; the repetition
cards. Saved with ``lab.progress.update``: under the file's lock, this session's changes are
replayed onto the file as it is, so two sessions never overwrite each other. A file that cannot be read is
renamed aside with a unique suffix (``practice.json.corrupt-1``, ``-2``, ...) and reported;
the learner's history is never silently wiped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lab.practice import PRACTICE_FILE
from lab.practice.srs import Deck, question_key, scenario_key
from lab.progress import data_dir, update

if TYPE_CHECKING:
    from lab.practice.exam import ExamResult  # the question model: not for the catalogue's first frame

__all__ = ["PracticeStore", "QuestionStats"]

VERSION = 1


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
    _pending: list[Callable[[PracticeStore], None]] = field(default_factory=list, repr=False)
    """This session's changes not saved yet, replayed onto the file as it is when saving."""

    @property
    def path(self) -> Path:
        return self.root / PRACTICE_FILE

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
            store.read_document(json.loads(raw.decode("utf-8")))
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

    def read_document(self, data: Any) -> None:
        """Take a stored document's contents (raises ValueError/TypeError/KeyError when it is not one)."""
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError(f"not a version {VERSION} practice file")
        questions: dict[str, QuestionStats] = {}
        for qid, values in data["questions"].items():
            stats = QuestionStats(**{k: v for k, v in values.items() if k in QuestionStats.__dataclass_fields__})
            if not (type(stats.seen) is int and type(stats.right) is int and isinstance(stats.last_answer, list)):
                raise TypeError(f"question {qid!r} has counts that are not numbers")
            questions[str(qid)] = stats
        exams = data["exams"]
        if not isinstance(exams, list) or not all(isinstance(e, dict) for e in exams):
            raise TypeError("exams is not a list of results")
        self.questions, self.exams, self.deck = questions, exams, Deck.from_dict(data["cards"])

    def payload(self) -> dict[str, Any]:
        """The document ``practice.json`` holds."""
        return {
            "version": VERSION,
            "questions": {k: vars(v) for k, v in sorted(self.questions.items())},
            "exams": self.exams,
            "cards": self.deck.to_dict(),
        }

    def save(self) -> None:
        """Write this session's changes: under the file's lock, replayed onto the file as it is
        now, so answers another session (the TUI, ``lab quiz``) saved meanwhile are kept."""
        pending = list(self._pending)

        def merge(document: Any) -> dict[str, Any]:
            fresh = PracticeStore(self.root)
            if document:
                fresh.read_document(document)
            for change in pending:
                change(fresh)
            self.questions, self.exams, self.deck = fresh.questions, fresh.exams, fresh.deck
            return fresh.payload()

        update(self.path, merge, validate=lambda document: PracticeStore(self.root).read_document(document) if document else None)
        del self._pending[: len(pending)]

    def record_answer(self, question_id: str, right: bool, letters: list[str], now: datetime) -> None:
        """Remember one answer and review its card (a first miss makes one). Does not save."""
        self._pending.append(lambda store: store.apply_answer(question_id, right, letters, now))
        self.apply_answer(question_id, right, letters, now)

    def apply_answer(self, question_id: str, right: bool, letters: list[str], now: datetime) -> None:
        """Change the state for one answer (``record_answer`` also keeps it to replay on save)."""
        stats = self.questions.setdefault(question_id, QuestionStats())
        stats.seen += 1
        stats.right += int(right)
        stats.last_right = right
        stats.last_answer = list(letters)
        stats.last_at = now.isoformat()
        self.deck.record(question_key(question_id), right, now)

    def record_checks(self, scenario_id: str, checks: dict[str, bool], now: datetime) -> None:
        """Review the cards of a graded scenario's required checks (a failed one makes its card)."""
        self._pending.append(lambda store: store.apply_checks(scenario_id, checks, now))
        self.apply_checks(scenario_id, checks, now)

    def apply_checks(self, scenario_id: str, checks: dict[str, bool], now: datetime) -> None:
        """Change the state for a graded scenario's checks."""
        for check_id, passed in sorted(checks.items()):
            self.deck.record(scenario_key(scenario_id, check_id), passed, now)

    def record_exam(self, result: ExamResult, now: datetime) -> None:
        """Keep a finished exam in the history and review every item's card. Does not save.

        An unanswered question counts as missed: it comes back in the due queue.
        """
        finished = {"finished_at": now.isoformat(), **result.to_dict()}
        self._pending.append(lambda store: store.apply_exam(result, finished, now))
        self.apply_exam(result, finished, now)

    def apply_exam(self, result: ExamResult, finished: dict[str, Any], now: datetime) -> None:
        """Change the state for a finished exam."""
        for row in result.items:
            if row["kind"] == "question":
                self.apply_answer(row["id"], row["right"], row["chosen"], now)
            elif row["score"] is not None:
                checks = {c: False for c in row["failed_checks"]} | {c: True for c in row["passed_checks"]}
                self.apply_checks(row["id"], checks, now)
        self.exams.append(finished)


def _free_name(path: Path) -> Path:
    """``<name>.corrupt-N`` with the first N not taken, so no earlier copy is overwritten."""
    n = 1
    while True:
        candidate = path.with_name(f"{path.name}.corrupt-{n}")
        if not candidate.exists():
            return candidate
        n += 1
