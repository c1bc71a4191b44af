"""Provides ``ExamResultsScreen`` (score, pass/fail, per-domain breakdown, time) and ``ReviewScreen`` (all, wrong or flagged)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from lab.practice import PASS_MARK, ExamSession, QuestionItem, ScenarioItem
from lab.practice.render import format_duration
from lab.tui.screens import HELP_BINDING, LAB_CSS
from lab.tui.screens.footer import FittedFooter, Wider
from lab.tui.widgets.question_view import QuestionView

__all__ = ["ExamResultsScreen", "ReviewScreen", "verdict_text"]


def verdict_text(session: ExamSession) -> Text:
    """The score line, the count of right answers and the time used."""
    result = session.finished
    assert result is not None
    passed = result.passed
    out = Text()
    out.append(f"{'✓ PASS' if passed else '✗ FAIL'} — {result.scaled} / 1000", style="bold green" if passed else "bold red")
    out.append(f"   (pass mark {PASS_MARK})\n", style="dim")
    questions = [r for r in result.items if r["kind"] == "question"]
    out.append(f"{sum(r['right'] for r in questions)} of {len(questions)} questions right")
    hands_on = [r for r in result.items if r["kind"] == "scenario"]
    if hands_on:
        out.append(f"; {sum(r['right'] for r in hands_on)} of {len(hands_on)} hands-on scenarios passed")
    out.append(f"\nTime used: {format_duration(result.time_used)} of {format_duration(result.time_limit)}")
    if result.timed_out:
        out.append(" — time ran out", style="bold")
    return out


class ExamResultsScreen(FittedFooter, Screen[None]):
    """The finished exam: a reviews all, w the wrong ones, f the flagged ones; Esc back to the catalogue."""

    CSS_PATH = LAB_CSS
    BINDINGS = [
        # Help first, as on every screen; short names: at 80 columns the keys fit up to ^q Quit
        # beside the palette's key (the line above the footer spells them out, and FOOTER_WIDER
        # when there is room).
        HELP_BINDING,
        Binding("a", "review('all')", "Review all", id="review-all"),
        Binding("w", "review('wrong')", "Wrong", id="review-wrong"),
        Binding("f", "review('flagged')", "Flagged", id="review-flagged"),
        Binding("escape", "back", "Catalogue", id="results-back"),
    ]
    FOOTER_WIDER = (Wider("review-wrong", "Review wrong"), Wider("review-flagged", "Review flagged"))

    def __init__(self, session: ExamSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="exam-results"):
            yield Static(verdict_text(self.session), id="exam-verdict")
            yield DataTable(id="exam-domains", cursor_type="none", zebra_stripes=True)
            yield Static("a review all · w review the wrong ones · f review the flagged ones · Esc back", id="exam-results-help")
        yield Footer()

    def on_mount(self) -> None:
        result = self.session.finished
        assert result is not None
        table = self.query_one(DataTable)
        table.add_columns("domain", "right", "%", "")
        for d in result.domains:
            bar = "█" * round(d.percent / 10) + "░" * (10 - round(d.percent / 10)) if d.total else ""
            table.add_row(f"{d.code} {d.name}", f"{d.right:g} of {d.total:g}" if d.total else "–", f"{d.percent} %" if d.total else "", bar)

    def indexes(self, which: str) -> list[int]:
        """The items to review: all, the wrong ones or the flagged ones."""
        result = self.session.finished
        assert result is not None
        if which == "wrong":
            return result.wrong()
        if which == "flagged":
            return sorted(self.session.flagged)
        return list(range(len(result.items)))

    def action_review(self, which: str) -> None:
        chosen = self.indexes(which)
        if not chosen:
            self.notify(f"Nothing to review: no {which} items.")
            return
        self.app.push_screen(ReviewScreen(self.session, chosen, which))

    def action_back(self) -> None:
        self.app.pop_screen()


class ReviewScreen(FittedFooter, Screen[None]):
    """Finished items with the learner's answer and every explanation; ←/→ move, o/l open the linked scenario or lesson."""

    CSS_PATH = LAB_CSS
    BINDINGS = [
        HELP_BINDING,
        Binding("left,p", "move(-1)", "Prev", id="review-previous"),
        Binding("right,n", "move(1)", "Next", id="review-next"),
        Binding("o", "open_scenario", "Scenario", id="review-scenario"),
        Binding("l", "open_lesson", "Lesson", id="review-lesson"),
        Binding("escape", "back", "Results", id="review-back"),
    ]
    FOOTER_WIDER = (Wider("review-previous", "Previous"),)

    def __init__(self, session: ExamSession, indexes: list[int], which: str) -> None:
        super().__init__()
        self.session = session
        self.indexes = indexes
        self.which = which
        self.position = 0

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Static("", id="review-bar")
        with VerticalScroll(id="question-scroll"):
            yield QuestionView(id="question")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_view()

    @property
    def item_index(self) -> int:
        return self.indexes[self.position]

    def refresh_view(self) -> None:
        index = self.item_index
        item = self.session.exam.items[index]
        self.query_one("#review-bar", Static).update(f"Review ({self.which}): {self.position + 1} of {len(self.indexes)} — exam item {index + 1}")
        view = self.query_one(QuestionView)
        if isinstance(item, QuestionItem):
            view.show(item, number=index + 1, total=len(self.session.exam.items), chosen=self.session.answers.get(index, ()), revealed=True, flagged=index in self.session.flagged)
        else:
            view.update(self._scenario_text(item))

    def _scenario_text(self, item: ScenarioItem) -> Text:
        outcome = self.session.outcomes.get(item.scenario_id)
        out = Text()
        out.append(f"Hands-on: {item.title} ({item.scenario_id})\n\n", style="bold")
        if outcome is None:
            out.append("Not graded: it scored 0.\n")
        else:
            out.append(f"Graded {outcome.score}/{outcome.max_score}: {'passed' if outcome.passed else 'failed'}\n")
            for check in outcome.failed_checks:
                out.append(f"✗ {check}\n", style="red")
            for check in outcome.passed_checks:
                out.append(f"✓ {check}\n", style="green")
        out.append("\no opens the scenario to try it again.")
        return out

    def action_move(self, delta: int) -> None:
        self.position = max(0, min(len(self.indexes) - 1, self.position + delta))
        self.refresh_view()
        self.query_one("#question-scroll", VerticalScroll).scroll_home(animate=False)

    def _linked(self) -> tuple[str | None, str | None]:
        item = self.session.exam.items[self.item_index]
        if isinstance(item, ScenarioItem):
            return item.scenario_id, None
        return item.question.scenario, item.question.lesson

    def action_open_scenario(self) -> None:
        scenario, _ = self._linked()
        if scenario:
            self.app.open_scenario(scenario)  # type: ignore[attr-defined]
        else:
            self.notify("No scenario is linked to this item.")

    def action_open_lesson(self) -> None:
        _, lesson = self._linked()
        if lesson:
            self.app.open_lesson(lesson)  # type: ignore[attr-defined]
        else:
            self.notify("No lesson is linked to this item.")

    def action_back(self) -> None:
        self.app.pop_screen()
