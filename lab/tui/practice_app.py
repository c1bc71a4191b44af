"""Provides ``PracticeMixin``: the app's exam-practice side (practice, exams, the due queue, lessons).

The clocks come from the app's constructor (``now`` for repetition dates, ``monotonic`` for
exam time), so tests drive them; the bank is loaded the first time it is needed, not at start-up.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from lab.practice import PRACTICE_FILE

if TYPE_CHECKING:
    from lab.practice import Context, ExamResult, PracticeStore, Question, ScenarioOutcome
    from lab.scenario.loader import LoadedScenario

__all__ = ["PracticeMixin", "wall_clock"]

PRACTICE_KEYS = ("practice:quiz", "practice:exam", "practice:review")
"""The catalogue rows of exam practice."""

EXAM_CHOICES = (
    ("quick:0", "quick", "20 questions", "40 min", "by DOP-C02 domain weight"),
    ("quick:1", "quick + hands-on", "20 questions and 1 scenario", "50 min", "the scenario is graded inside the same clock"),
    ("full:0", "full", "75 questions", "180 min", "the real exam's length"),
    ("full:2", "full + hands-on", "75 questions and 2 scenarios", "200 min", ""),
)


def wall_clock() -> datetime:
    """The wall clock in UTC."""
    return datetime.now(timezone.utc)


class PracticeMixin:
    """Exam practice for ``LabApp``; expects ``store``, ``seed``, ``push_screen``, ``notify``, ``open_scenario``."""

    now: Callable[[], datetime]
    monotonic: Callable[[], float]

    def init_practice(self, now: Callable[[], datetime] | None, monotonic: Callable[[], float] | None) -> None:
        self.now = now or wall_clock
        self.monotonic = monotonic or time.monotonic
        self._practice_store: PracticeStore | None = None
        self._bank: tuple[list[Question], Context] | None = None

    # -- state ---------------------------------------------------------------------------------

    @property
    def practice_store(self) -> PracticeStore:
        """Answers, exams and cards (``practice.json`` beside the progress file)."""
        if self._practice_store is None:
            from lab.practice import PracticeStore

            self._practice_store = PracticeStore.load(self.store.root)  # type: ignore[attr-defined]
            if self._practice_store.problem:
                self.notify(self._practice_store.problem, severity="warning", timeout=10)  # type: ignore[attr-defined]
        return self._practice_store

    def bank(self) -> tuple[list[Question], Context]:
        """The questions that load (problems are reported once) and their context."""
        if self._bank is None:
            from lab.practice import Context, load_bank

            context = Context.default()
            loaded = load_bank(context=context)
            if loaded.problems:
                files = len({d.file for d in loaded.problems})
                self.notify(f"{files} question file(s) do not load and are left out; lab validate says why.", severity="warning", timeout=10)  # type: ignore[attr-defined]
            self._bank = (loaded.questions, context)
        return self._bank

    def due_keys(self) -> list[str]:
        if self._practice_store is None:
            try:
                os.stat(self.store.root / PRACTICE_FILE)  # type: ignore[attr-defined]
            except FileNotFoundError:
                # No practice recorded yet: nothing is due, and the catalogue's first frame
                # spares the store's import (its scheduler library: 4 ms).
                return []
            except OSError:
                pass  # the store reports it
        return self.practice_store.deck.due(self.now())

    def practice_entries(self) -> list[tuple[str, str, str]]:
        """The catalogue's practice rows: (key, status, title)."""
        due = len(self.due_keys())
        return [
            ("practice:quiz", "", "Practice questions — by topic, domain or scenario"),
            ("practice:exam", "", "Exam — timed, by DOP-C02 domain weight, hands-on optional"),
            ("practice:review", f"{due} due" if due else "nothing due", f"Review due ({due}) — missed questions and failed checks"),
        ]

    def record_answer(self, question_id: str, right: bool, letters: list[str]) -> None:
        store = self.practice_store
        store.record_answer(question_id, right, letters, self.now())
        self._save_practice()

    def record_exam(self, result: ExamResult) -> None:
        self.practice_store.record_exam(result, self.now())
        self._save_practice()

    def record_graded(self, report: Any) -> None:
        """A graded run in the workbench: its failed required checks come back when due."""
        from lab.practice.hands_on import required_checks

        self.practice_store.record_checks(report.scenario_id, required_checks(report), self.now())
        self._save_practice()

    def _save_practice(self) -> None:
        try:
            self.practice_store.save()
        except OSError as exc:
            self.notify(f"Practice not saved: {exc.strerror or exc}", severity="error")  # type: ignore[attr-defined]

    def _seed(self) -> int:
        seed = getattr(self, "seed", None)
        return seed if seed is not None else random.SystemRandom().randrange(1, 1_000_000)

    # -- entries -------------------------------------------------------------------------------

    def open_practice_entry(self, key: str) -> None:
        """A practice row of the catalogue was chosen."""
        {"practice:quiz": self.open_practice_menu, "practice:exam": self.open_exam_menu, "practice:review": self.open_due}[key]()

    def open_practice_menu(self) -> None:
        from lab.tui.screens.choice import ChoiceScreen

        questions, context = self.bank()
        if not questions:
            self.notify("The question bank is empty.", severity="warning")  # type: ignore[attr-defined]
            return
        rows: list[tuple[str, ...]] = [("all", "everything", str(len(questions)), "every question, shuffled")]
        # A question counts in every area one of its topics is in: practising an area asks
        # each such question (select_questions), so the row says how many come.
        by_area: dict[str, int] = {}
        for q in questions:
            for area in {context.topics.by_id[t].area for t in q.topics if t in context.topics.by_id}:
                by_area[area] = by_area.get(area, 0) + 1
        rows += [(f"area:{slug}", f"area {slug}", str(by_area[slug]), name) for slug, name in context.topics.areas.items() if by_area.get(slug)]
        from lab.practice import DOP_DOMAINS

        for d in DOP_DOMAINS:
            n = sum(1 for q in questions if d.code in q.dop_domains)
            if n:
                rows.append((f"domain:{d.code}", f"domain {d.code}", str(n), d.name))
        linked: dict[str, int] = {}
        for q in questions:
            if q.scenario:
                linked[q.scenario] = linked.get(q.scenario, 0) + 1
        rows += [(f"scenario:{sid}", f"scenario {sid}", str(n), "questions this scenario demonstrates") for sid, n in sorted(linked.items())]
        per_topic: dict[str, int] = {}
        for q in questions:
            for t in q.topics:
                per_topic[t] = per_topic.get(t, 0) + 1
        rows += [(f"topic:{t.id}", f"topic {t.id}", str(per_topic[t.id]), t.title) for t in context.topics.by_id.values() if per_topic.get(t.id)]

        def chosen(key: str | None) -> None:
            if key:
                self.start_practice(key)

        self.push_screen(ChoiceScreen("Practice — choose what to practise", ("practise", "questions", "what"), rows), chosen)  # type: ignore[attr-defined]

    def start_practice(self, key: str, *, ids: list[str] | None = None, title: str = "Practice") -> None:
        from lab.errors import UsageError
        from lab.practice import select_questions
        from lab.tui.screens.question import QuestionScreen

        questions, context = self.bank()
        kind, _, value = key.partition(":")
        filters: dict[str, Any] = {}
        if kind in ("area", "topic"):
            filters["topic"] = value
        elif kind in ("domain", "scenario"):
            filters[kind] = value
        try:
            items = select_questions(
                questions, ids=ids, seed=self._seed(), areas=list(context.topics.areas), area_of={t.id: t.area for t in context.topics.by_id.values()}, **filters
            )
        except UsageError as exc:
            self.notify(str(exc), severity="warning")  # type: ignore[attr-defined]
            return
        label = title if kind == "all" or ids is not None else f"{title}: {kind} {value}"
        self.push_screen(QuestionScreen(items, label))  # type: ignore[attr-defined]

    def open_exam_menu(self) -> None:
        from lab.tui.screens.choice import ChoiceScreen

        def chosen(key: str | None) -> None:
            if key:
                preset, _, hands_on = key.partition(":")
                self.start_exam(preset, int(hands_on))

        self.push_screen(ChoiceScreen("Exam — choose its shape", ("exam", "items", "time", ""), list(EXAM_CHOICES), note="Scaled 100–1000, 750 to pass. Flag, move freely, submit with ctrl+s; it submits itself when the time is up."), chosen)  # type: ignore[attr-defined]

    def start_exam(self, preset: str, hands_on: int = 0) -> None:
        """Assemble an exam (seeded) and start its clock."""
        from lab.errors import LabError
        from lab.practice import ExamSession, assemble_exam
        from lab.practice.hands_on import pick_scenarios, scenario_item
        from lab.tui.screens.exam import ExamScreen

        questions, _ = self.bank()
        seed = self._seed()
        try:
            catalogue = [entry.path for entry in self.catalogue.values()]  # type: ignore[attr-defined]
            scenarios = [scenario_item(p) for p in pick_scenarios(catalogue, hands_on, seed=seed)] if hands_on else []
            exam = assemble_exam(questions, preset, seed=seed, scenarios=scenarios)
        except LabError as exc:
            self.notify(str(exc), severity="error", timeout=10)  # type: ignore[attr-defined]
            return
        for note in exam.notes:
            self.notify(note, severity="warning", timeout=6)  # type: ignore[attr-defined]
        self.push_screen(ExamScreen(ExamSession(exam, started_at=self.monotonic())))  # type: ignore[attr-defined]

    def open_due(self) -> None:
        from lab.practice import split_key
        from lab.tui.screens.choice import ChoiceScreen
        from lab.tui.widgets.question_view import opening

        due = self.due_keys()
        if not due:
            later = self.practice_store.deck.next_due()
            when = f" The next is due {later.isoformat(timespec='minutes')}." if later else " Missed questions and failed checks come back here."
            self.notify("Nothing is due." + when)  # type: ignore[attr-defined]
            return
        question_ids = [ident for kind, ident, _ in map(split_key, due) if kind == "question"]
        rows: list[tuple[str, ...]] = []
        if question_ids:
            rows.append(("due:questions", "practise", f"all {len(question_ids)} due questions"))
        by_id = {q.id: q for q in self.bank()[0]}
        titles: dict[str, dict[str, str]] = {}
        for key in due:
            kind, ident, check = split_key(key)
            if kind == "question":
                q = by_id.get(ident)
                rows.append((f"question:{ident}", "question", f"{opening(q.stem)} ({ident})" if q else f"{ident} (no longer in the bank)"))
            else:
                if ident not in titles:
                    titles[ident] = self.check_titles(ident)
                what = titles[ident].get(check or "") or f"check {check}"
                rows.append((f"scenario:{ident}:{check}", "scenario", f"{ident}: failed: {what} — try it again"))

        def chosen(key: str | None) -> None:
            if not key:
                return
            kind, _, rest = key.partition(":")
            if kind == "scenario":
                self.open_scenario(rest.partition(":")[0])  # type: ignore[attr-defined]
            elif kind == "question":
                self.start_practice("all", ids=[rest], title="Review")
            else:
                self.start_practice("all", ids=question_ids, title="Review")

        self.push_screen(ChoiceScreen(f"Review due ({len(due)})", ("kind", "what"), rows), chosen)  # type: ignore[attr-defined]

    # -- hands-on and lessons ------------------------------------------------------------------

    def load_scenario(self, scenario_id: str) -> LoadedScenario:
        """The scenario with this id: the catalogue's file, else the one ``lab`` finds by that id.

        Raises:
            LabError: no such scenario, or it does not load.
        """
        from lab.scenario.loader import find_scenario, load_scenario

        entry = self.catalogue.get(scenario_id)  # type: ignore[attr-defined]
        return load_scenario(entry.path if entry else find_scenario(scenario_id))

    def scenario_briefing(self, scenario_id: str) -> str:
        from lab.errors import LabError

        try:
            return self.load_scenario(scenario_id).scenario.briefing
        except LabError as exc:
            return f"(the scenario does not load: {exc})"

    def check_titles(self, scenario_id: str) -> dict[str, str]:
        """Each check's objective as the learner reads it, by check id (none when the scenario does not load)."""
        from lab.errors import LabError

        try:
            return {check.id: check.describe() for check in self.load_scenario(scenario_id).scenario.checks}
        except LabError:
            return {}

    def grade_for_exam(self, scenario_id: str) -> ScenarioOutcome:
        """Grade the learner's saved files for a scenario (a worker thread calls this)."""
        from lab.practice.hands_on import grade_scenario
        from lab.tui.session import Session

        loaded = self.load_scenario(scenario_id)
        return grade_scenario(loaded, Session(loaded, self.store).answer())  # type: ignore[attr-defined]

    def open_lesson(self, name: str) -> None:
        from lab.tui.screens.lesson import LessonScreen

        _, context = self.bank()
        path = context.lessons_dir / name
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            self.notify(f"No lesson {name}", severity="warning")  # type: ignore[attr-defined]
            return
        self.push_screen(LessonScreen(text))  # type: ignore[attr-defined]
