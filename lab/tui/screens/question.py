"""Provides ``QuestionScreen``: practice one question at a time with feedback after each answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from lab.practice import QuestionItem
from lab.practice.model import LETTERS
from lab.tui.screens import HELP_BINDING, LAB_CSS
from lab.tui.screens.footer import FittedFooter, Wider
from lab.tui.widgets.question_view import QuestionView

__all__ = ["QuestionScreen"]


class QuestionScreen(FittedFooter, Screen[None]):
    """Practice: choose with a–e (or ↑↓ and space), Enter to answer, Enter again for the next question."""

    CSS_PATH = LAB_CSS
    BINDINGS = [
        # Help first: the footer shows keys in this order. At 80 columns the keys up to ^q Quit fit
        # beside the palette's key; space shows when there is room (a–e choose, as the screen says).
        HELP_BINDING,
        *[Binding(letter, f"choose({i})", show=False) for i, letter in enumerate(LETTERS)],
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("space", "toggle_cursor", "Select", id="select", show=False),
        Binding("enter", "submit", "Answer / next", id="submit"),
        Binding("o", "open_scenario", "Scenario", id="open-scenario"),
        Binding("l", "open_lesson", "Lesson", id="open-lesson"),
        Binding("escape", "back", "Back", id="back"),
    ]
    FOOTER_WIDER = (Wider("select"),)

    def __init__(self, items: list[QuestionItem], title: str = "Practice") -> None:
        super().__init__()
        self.items = items
        self.heading = title
        self.index = 0
        self.chosen: set[int] = set()
        self.cursor = 0
        self.revealed = False
        self.right = 0
        self.answered = 0

    @property
    def item(self) -> QuestionItem:
        return self.items[self.index]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Static("", id="practice-bar")
        with VerticalScroll(id="question-scroll"):
            yield QuestionView(id="question")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        self.query_one("#practice-bar", Static).update(f"{self.heading} — {self.answered} answered, {self.right} right")
        self.query_one(QuestionView).show(
            self.item, number=self.index + 1, total=len(self.items), chosen=self.chosen, cursor=None if self.revealed else self.cursor, revealed=self.revealed
        )

    def action_choose(self, index: int) -> None:
        if self.revealed or index >= len(self.item.options):
            return
        self.cursor = index
        self._toggle(index)

    def action_cursor(self, delta: int) -> None:
        if not self.revealed:
            self.cursor = (self.cursor + delta) % len(self.item.options)
            self.refresh_view()

    def action_toggle_cursor(self) -> None:
        if not self.revealed:
            self._toggle(self.cursor)

    def _toggle(self, index: int) -> None:
        if self.item.question.multiple:
            self.chosen ^= {index}
        else:
            self.chosen = {index}
        self.refresh_view()

    def action_submit(self) -> None:
        if not self.revealed:
            if not self.chosen:
                self.notify("Choose an option first (a–e, or ↑↓ and space).", severity="warning")
                return
            self.revealed = True
            right = self.item.is_right(self.chosen)
            self.right += right
            self.answered += 1
            self.app.record_answer(self.item.question.id, right, [LETTERS[i] for i in sorted(self.chosen)])  # type: ignore[attr-defined]
            self.refresh_view()
            self.query_one("#question-scroll", VerticalScroll).scroll_home(animate=False)
            return
        if self.index + 1 >= len(self.items):
            self.app.pop_screen()
            self.app.notify(f"{self.right} of {self.answered} right.", title=self.heading)
            return
        self.index += 1
        self.chosen, self.cursor, self.revealed = set(), 0, False
        self.refresh_view()

    def action_open_scenario(self) -> None:
        if not self.revealed:
            self.notify("Answer first; then o opens the linked scenario.")
            return
        scenario = self.item.question.scenario
        if scenario:
            self.app.open_scenario(scenario)  # type: ignore[attr-defined]
        else:
            self.notify("No scenario is linked to this question.")

    def action_open_lesson(self) -> None:
        if not self.revealed:
            self.notify("Answer first; then l opens the linked lesson.")
            return
        lesson = self.item.question.lesson
        if lesson:
            self.app.open_lesson(lesson)  # type: ignore[attr-defined]
        else:
            self.notify("No lesson is linked to this question.")

    def action_back(self) -> None:
        self.app.pop_screen()
