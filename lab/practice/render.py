"""Provides plain-text renderings of questions, feedback and exam results (no terminal styling).

A question's text is an author's: every rendering passes it through ``safe_block``, so no
terminal escape or workflow command in it reaches a terminal or a CI log.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from lab.practice.exam import PASS_MARK, ExamResult, QuestionItem
from lab.practice.model import LETTERS
from lab.safe_text import safe_block

__all__ = ["format_duration", "letters", "render_feedback", "render_question", "render_result"]

WIDTH = 92


def _wrap(text: str, indent: str = "", width: int = WIDTH) -> str:
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(textwrap.fill(p, width=width, initial_indent=indent, subsequent_indent=indent) for p in paragraphs)


def format_duration(seconds: float) -> str:
    """``1:05:09`` or ``12:40``."""
    whole = max(0, int(seconds))
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def render_question(item: QuestionItem, number: int, total: int, *, chosen: Iterable[int] = (), flagged: bool = False) -> str:
    """A question with lettered options, as the plain terminal shows it."""
    q = item.question
    tags = f"{', '.join(q.topics)} · DOP-C02 {q.domain} · level {q.difficulty}"
    picked = set(chosen)
    lines = [f"Question {number}/{total}  [{tags}]" + ("  (flagged)" if flagged else ""), "", _wrap(q.stem), ""]
    for i, (letter, option) in enumerate(item.options):
        mark = "*" if i in picked else " "
        lines.append(textwrap.fill(option.text, width=WIDTH, initial_indent=f"{mark}{letter}) ", subsequent_indent="    "))
    lines.append("")
    return safe_block("\n".join(lines) + "\n")


def render_feedback(item: QuestionItem, chosen: Iterable[int]) -> str:
    """Right or wrong, every option's explanation, the takeaway and the references."""
    q = item.question
    picked = frozenset(chosen)
    right = item.is_right(picked)
    verdict = "Correct." if right else f"Not quite: the answer is {item.correct_letters()}."
    lines = [verdict, ""]
    for i, (letter, option) in enumerate(item.options):
        mark = "right" if option.correct else "wrong"
        yours = " (your choice)" if i in picked else ""
        lines.append(f"{letter}) {mark}{yours}: {option.text}")
        lines.append(_wrap(option.why, "   "))
    lines += ["", _wrap(f"Takeaway: {q.takeaway}")]
    if q.changed:
        lines.append(_wrap(f"What changed: {q.changed}"))
    for ref in q.references:
        lines.append(f"Reference: {ref.url} (checked {ref.checked})")
    if q.scenario:
        lines.append(f"Try it: lab start {q.scenario}")
    if q.lesson:
        lines.append(f"Lesson: content/lessons/{q.lesson}")
    return safe_block("\n".join(lines) + "\n\n")


def render_result(result: ExamResult) -> str:
    """The scaled score, pass or fail, the per-domain breakdown and the time used."""
    verdict = "PASS" if result.passed else "FAIL"
    questions = sum(1 for r in result.items if r["kind"] == "question")
    right = sum(1 for r in result.items if r["kind"] == "question" and r["right"])
    lines = [
        f"Score: {result.scaled} / 1000 — {verdict} (pass mark {PASS_MARK})",
        f"Questions right: {right} of {questions}" + (f"; hands-on: {sum(1 for r in result.items if r['kind'] == 'scenario' and r['right'])} of {len(result.items) - questions} passed" if len(result.items) > questions else ""),
        f"Time used: {format_duration(result.time_used)} of {format_duration(result.time_limit)}" + (" (time ran out)" if result.timed_out else ""),
        "",
        f"{'DOMAIN':<44} {'RIGHT':>7}  {'%':>4}",
    ]
    for d in result.domains:
        label = f"{d.code} {d.name}"
        amount = f"{d.right:g}/{d.total:g}"
        lines.append(f"{label:<44} {amount:>7}  {d.percent:>3}%")
    wrong = [r for r in result.items if not r["right"]]
    if wrong:
        lines += ["", "To review: " + ", ".join(f"{r['number']} ({r['id']})" for r in wrong)]
    return safe_block("\n".join(lines) + "\n")


def letters(indexes: Iterable[int]) -> str:
    """Presented indexes as ``a,c``."""
    return ",".join(LETTERS[i] for i in sorted(indexes))
