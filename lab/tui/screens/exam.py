"""Provides ``ExamScreen``: a timed exam, moving freely between items, flags, hands-on scenarios, submit or time-out."""

from __future__ import annotations

from rich.console import Group
from rich.markdown import Markdown
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from lab.errors import LabError
from lab.practice import ExamSession, QuestionItem, ScenarioItem, ScenarioOutcome
from lab.practice.model import LETTERS
from lab.practice.render import format_duration
from lab.tui.screens import HELP_BINDING, LAB_CSS
from lab.tui.screens.footer import FittedFooter, Wider
from lab.tui.widgets.question_view import QuestionView

__all__ = ["ExamScreen"]


class ExamScreen(FittedFooter, Screen[None]):
    """The exam: a–e answer, ←/→ move, f flags, ctrl+s submits; the clock in the bar runs out on its own."""

    CSS_PATH = LAB_CSS
    BINDINGS = [
        # The footer shows keys in this order, Help and Submit first; at 80 columns they fit up to
        # ^q Quit beside the palette's key with these short names (FOOTER_WIDER spells them out when
        # there is room; the Help list has the rest).
        HELP_BINDING,
        Binding("ctrl+s", "submit", "Submit", id="exam-submit", priority=True),
        *[Binding(letter, f"choose({i})", show=False) for i, letter in enumerate(LETTERS)],
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("space", "toggle_cursor", "Select", id="exam-select", show=False),
        Binding("left,p", "move(-1)", "Prev", id="exam-previous"),
        Binding("right,n", "move(1)", "Next", id="exam-next"),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(-1)", show=False),
        Binding("u", "next_open", "Next to do", id="exam-next-open", tooltip="The next unanswered or flagged item"),
        Binding("f", "flag", "Flag", id="exam-flag"),
        Binding("o", "open_scenario", "Open scenario", id="exam-open", show=False),
        Binding("g", "grade", "Grade hands-on", id="exam-grade", show=False),
        Binding("escape", "submit", show=False),
    ]
    FOOTER_WIDER = (Wider("exam-previous", "Previous"), Wider("exam-next-open", "Next unanswered/flagged"), Wider("exam-select"))

    class Graded(Message):
        """A hands-on scenario was graded for the exam."""

        def __init__(self, outcome: ScenarioOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    def __init__(self, session: ExamSession) -> None:
        super().__init__()
        self.session = session
        self.index = 0
        self.cursor = 0
        self.grading = False

    @property
    def exam(self):
        return self.session.exam

    @property
    def exam_in_progress(self) -> bool:
        """Not yet submitted: quitting the app now would lose it (the app asks first)."""
        return self.session.finished is None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Static("", id="exam-bar")
        with VerticalScroll(id="question-scroll"):
            yield QuestionView(id="question")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_view()
        # The clock is read from the app (a fake one in tests); the interval only asks it.
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        """Show the time left; submit when it has run out."""
        if self.session.finished is not None:
            return
        if self.session.timed_out(self.app.monotonic()):  # type: ignore[attr-defined]
            self.finish()
            return
        self._bar()

    def _bar(self) -> None:
        s = self.session
        left = s.remaining(self.app.monotonic())  # type: ignore[attr-defined]
        answered = len(self.exam.items) - len(s.unanswered())
        text = Text()
        self.sub_title = f"exam — {format_duration(left)} left"
        text.append(f"Time left {format_duration(left)}", style="bold")
        text.append(f"   item {self.index + 1} of {len(self.exam.items)}   {answered} answered   {len(s.flagged)} flagged")
        text.append(f"   exam '{self.exam.preset}', seed {self.exam.seed}", style="dim")
        self.query_one("#exam-bar", Static).update(text)

    def refresh_view(self) -> None:
        self._bar()
        item = self.exam.items[self.index]
        view = self.query_one(QuestionView)
        flagged = self.index in self.session.flagged
        if isinstance(item, QuestionItem):
            view.show(item, number=self.index + 1, total=len(self.exam.items), chosen=self.session.answers.get(self.index, ()), cursor=self.cursor, flagged=flagged)
        else:
            view.update(self._scenario_view(item, flagged))

    def _scenario_view(self, item: ScenarioItem, flagged: bool) -> Group:
        """The hands-on item: title, the briefing (the scenario's own Markdown), how to work and grade it."""
        head = Text()
        head.append(f"Hands-on {self.index + 1} of {len(self.exam.items)}: ", style="bold")
        head.append(item.title, style="bold")
        head.append(f" · {item.scenario_id} · about {item.minutes} min" + (" · ⚑ flagged" if flagged else ""), style="dim")
        head.append("\n")
        briefing = self.app.scenario_briefing(item.scenario_id)  # type: ignore[attr-defined]
        return Group(head, Markdown(briefing.strip()), self.scenario_status(item))

    def scenario_status(self, item: ScenarioItem) -> Text:
        out = Text("\n")
        out.append("o opens the scenario (your edits are kept; Esc there comes back here, the clock runs on).\n")
        out.append("g grades your files for the exam, exactly as lab grade does; you may grade again.\n\n")
        outcome = self.session.outcomes.get(item.scenario_id)
        if self.grading:
            out.append("Grading…", style="bold")
        elif outcome is None:
            out.append("Not graded yet: it scores 0 unless you grade it.", style="bold")
        else:
            verdict = "passed" if outcome.passed else "failed"
            out.append(f"Graded: {outcome.score}/{outcome.max_score}, {verdict}", style="bold green" if outcome.passed else "bold red")
            if outcome.failed_checks:
                out.append(f" — failing: {', '.join(outcome.failed_checks)}")
        return out

    # -- answering -----------------------------------------------------------------------------

    def _question(self) -> QuestionItem | None:
        item = self.exam.items[self.index]
        return item if isinstance(item, QuestionItem) else None

    def action_choose(self, index: int) -> None:
        item = self._question()
        if item is None or index >= len(item.options) or self.session.finished:
            return
        self.cursor = index
        self._toggle(item, index)

    def _toggle(self, item: QuestionItem, index: int) -> None:
        chosen = set(self.session.answers.get(self.index, ()))
        chosen = chosen ^ {index} if item.question.multiple else ({index} if index not in chosen else set())
        self.session.answer(self.index, chosen)
        self.refresh_view()

    def action_cursor(self, delta: int) -> None:
        item = self._question()
        if item is not None:
            self.cursor = (self.cursor + delta) % len(item.options)
            self.refresh_view()

    def action_toggle_cursor(self) -> None:
        item = self._question()
        if item is not None:
            self._toggle(item, self.cursor)

    def action_move(self, delta: int) -> None:
        self.action_jump(max(0, min(len(self.exam.items) - 1, self.index + delta)))

    def action_jump(self, index: int) -> None:
        self.index = index % len(self.exam.items)
        self.cursor = 0
        self.refresh_view()
        self.query_one("#question-scroll", VerticalScroll).scroll_home(animate=False)

    def action_next_open(self) -> None:
        """The next unanswered or flagged item after this one (wrapping round)."""
        open_items = sorted(set(self.session.unanswered()) | self.session.flagged)
        if not open_items:
            self.notify("Every item is answered and none is flagged: ctrl+s submits.")
            return
        later = [i for i in open_items if i > self.index]
        self.action_jump(later[0] if later else open_items[0])

    def action_flag(self) -> None:
        self.session.toggle_flag(self.index)
        self.refresh_view()

    # -- hands-on ------------------------------------------------------------------------------

    def action_open_scenario(self) -> None:
        item = self.exam.items[self.index]
        if isinstance(item, ScenarioItem):
            self.app.open_scenario(item.scenario_id)  # type: ignore[attr-defined]

    def action_grade(self) -> None:
        item = self.exam.items[self.index]
        if isinstance(item, ScenarioItem) and not self.grading and self.session.finished is None:
            self.grading = True
            self.refresh_view()
            self._grade(item.scenario_id)

    @work(thread=True, exclusive=True, group="exam-grade")
    def _grade(self, scenario_id: str) -> None:
        try:
            outcome = self.app.grade_for_exam(scenario_id)  # type: ignore[attr-defined]
        except LabError as exc:
            self.app.call_from_thread(self.notify, f"Grading stopped: {exc}", severity="error", timeout=10)
            outcome = None
        self.post_message(self.Graded(outcome))

    def on_exam_screen_graded(self, message: Graded) -> None:
        self.grading = False
        if message.outcome is not None and self.session.finished is None:
            self.session.record_scenario(message.outcome)
        if self.is_mounted:
            self.refresh_view()

    # -- the end -------------------------------------------------------------------------------

    def action_submit(self) -> None:
        from lab.tui.screens.confirm import ConfirmModal

        left = len(self.session.unanswered())
        flagged = len(self.session.flagged)
        detail = ", ".join(p for p in (f"{left} unanswered" if left else "", f"{flagged} flagged" if flagged else "") if p)
        question = f"Submit the exam now?{f' ({detail})' if detail else ''}"

        def answered(yes: bool | None) -> None:
            if yes:
                self.finish()

        self.app.push_screen(ConfirmModal(question), answered)

    def finish(self) -> None:
        """Score the exam, keep it in the history, show the results in place of this screen."""
        if self.session.finished is not None:
            return
        timed_out = self.session.timed_out(self.app.monotonic())  # type: ignore[attr-defined]
        result = self.session.finish(self.app.monotonic())  # type: ignore[attr-defined]
        self.app.record_exam(result)  # type: ignore[attr-defined]
        from lab.tui.screens.exam_results import ExamResultsScreen

        if timed_out:
            self.app.notify("Time is up: the exam was submitted.", severity="warning")
        # Time may run out while a scenario or the submit question is open above the exam.
        while self.app.screen is not self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        self.app.switch_screen(ExamResultsScreen(self.session))
