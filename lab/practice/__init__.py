"""Provides exam practice: the question bank, practice and exam sessions, scoring, spaced repetition.

The core of the lab's exam preparation; it imports no Textual or Rich. The command line
(``lab quiz``, ``lab exam``, ``lab review``) and the terminal app are shells over it.
"""

from __future__ import annotations

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
