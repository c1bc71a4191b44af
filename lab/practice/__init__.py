"""Provides exam practice: the question bank, practice and exam sessions, scoring, spaced repetition.

The core of the lab's exam preparation; it imports no Textual or Rich. The command line
(``lab quiz``, ``lab exam``, ``lab review``) and the terminal app are shells over it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lab.practice.bank import Bank, Context, load_bank, load_question, validate_files
    from lab.practice.exam import (
        PASS_MARK,
        PRESETS,
        SCENARIO_POINTS,
        DomainScore,
        Exam,
        ExamResult,
        ExamSession,
        Item,
        Preset,
        QuestionItem,
        ScenarioItem,
        ScenarioOutcome,
        assemble_exam,
        domain_quota,
        parse_letters,
        scaled_score,
        score_exam,
        select_questions,
    )
    from lab.practice.model import DOP_DOMAINS, LETTERS, SAA_DOMAINS, Domain, Option, Question, Reference
    from lab.practice.srs import Deck, question_key, scenario_key, split_key
    from lab.practice.store import PracticeStore, QuestionStats
    from lab.practice.topics import Topic, Topics, content_dir, load_topics, questions_dir

PRACTICE_FILE = "practice.json"
"""The practice state's file in the lab's data folder (``lab.practice.store``): named here, so
that the catalogue can tell no practice was recorded without importing the store."""

# Each name is imported from its module when first read (PEP 562), so importing one part of
# lab.practice (the curriculum's tracks, for the catalogue's first frame) does not build the
# question bank's models.
_WHERE: dict[str, str] = {
    "Bank": "bank",
    "Context": "bank",
    "DOP_DOMAINS": "model",
    "Deck": "srs",
    "Domain": "model",
    "DomainScore": "exam",
    "Exam": "exam",
    "ExamResult": "exam",
    "ExamSession": "exam",
    "Item": "exam",
    "LETTERS": "model",
    "Option": "model",
    "PASS_MARK": "exam",
    "PRESETS": "exam",
    "PracticeStore": "store",
    "Preset": "exam",
    "Question": "model",
    "QuestionItem": "exam",
    "QuestionStats": "store",
    "Reference": "model",
    "SAA_DOMAINS": "model",
    "SCENARIO_POINTS": "exam",
    "ScenarioItem": "exam",
    "ScenarioOutcome": "exam",
    "Topic": "topics",
    "Topics": "topics",
    "assemble_exam": "exam",
    "content_dir": "topics",
    "domain_quota": "exam",
    "load_bank": "bank",
    "load_question": "bank",
    "load_topics": "topics",
    "parse_letters": "exam",
    "question_key": "srs",
    "questions_dir": "topics",
    "scaled_score": "exam",
    "scenario_key": "srs",
    "score_exam": "exam",
    "select_questions": "exam",
    "split_key": "srs",
    "validate_files": "bank",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'lab.practice' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"lab.practice.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Bank",
    "Context",
    "DOP_DOMAINS",
    "Deck",
    "Domain",
    "DomainScore",
    "Exam",
    "ExamResult",
    "ExamSession",
    "Item",
    "LETTERS",
    "Option",
    "PASS_MARK",
    "PRACTICE_FILE",
    "PRESETS",
    "PracticeStore",
    "Preset",
    "Question",
    "QuestionItem",
    "QuestionStats",
    "Reference",
    "SAA_DOMAINS",
    "SCENARIO_POINTS",
    "ScenarioItem",
    "ScenarioOutcome",
    "Topic",
    "Topics",
    "assemble_exam",
    "content_dir",
    "domain_quota",
    "load_bank",
    "load_question",
    "load_topics",
    "parse_letters",
    "question_key",
    "questions_dir",
    "scaled_score",
    "scenario_key",
    "score_exam",
    "select_questions",
    "split_key",
    "validate_files",
]
