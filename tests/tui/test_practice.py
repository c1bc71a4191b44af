"""Pilot tests of exam practice: practice with feedback, a whole timed exam (hands-on and time-out), review, the due queue."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rich.text import Text
from textual.content import Content
from textual.style import Style
from textual.widgets import DataTable

from lab.practice import PracticeStore, QuestionItem, ScenarioItem
from lab.progress import ProgressStore
from lab.tui.app import LabApp
from lab.tui.screens.choice import ChoiceScreen
from lab.tui.screens.exam import ExamScreen
from lab.tui.screens.exam_results import ExamResultsScreen, ReviewScreen
from lab.tui.screens.lesson import LessonScreen
from lab.tui.screens.question import QuestionScreen
from lab.tui.screens.workbench import WorkbenchScreen
from lab.tui.widgets.question_view import QuestionView

from .conftest import footer_line, quiet, shown_footer_key

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "practice" / "content" / "questions"


@dataclass
class FakeClock:
    """Both clocks of the app, moved by the test (no real waiting)."""

    now: datetime = field(default_factory=lambda: datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc))
    mono: float = 0.0

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


@pytest.fixture
def practice_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture bank (12 questions) with the project's topics and lessons."""
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(ROOT / "content" / "topics.yaml", folder / "topics.yaml")
    (folder / "lessons").symlink_to(ROOT / "content" / "lessons")
    shutil.copytree(FIXTURES, folder / "questions")
    monkeypatch.setenv("LAB_CONTENT", str(folder))
    return folder


def make_app(store: ProgressStore, clock: FakeClock, seed: int = 1) -> LabApp:
    return quiet(LabApp(store=store, seed=seed, now=lambda: clock.now, monotonic=lambda: clock.mono))


async def choose_row(app: LabApp, pilot, key: str) -> None:
    """Highlight the row with ``key`` in the screen's table and press Enter."""
    table = app.screen.query_one(DataTable)
    table.move_cursor(row=[k.value for k in table.rows].index(key))
    table.focus()
    await pilot.press("enter")
    await pilot.pause()


def view_text(app: LabApp) -> str:
    return str(app.screen.query_one(QuestionView).render())


def wrong_letter(item: QuestionItem) -> str:
    return next(letter for i, (letter, _) in enumerate(item.options) if i not in item.correct)


async def test_practice_a_question_see_every_explanation_open_the_lesson_and_scenario(practice_content, store, tmp_path) -> None:
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await choose_row(app, pilot, "practice:quiz")
        assert isinstance(app.screen, ChoiceScreen)
        keys = [k.value for k in app.screen.query_one(DataTable).rows]
        assert keys[0] == "all" and {"area:placement", "domain:D3", "topic:C11", "scenario:memory-fragmentation"} <= set(keys)
        await choose_row(app, pilot, "scenario:memory-fragmentation")
        screen = app.screen
        assert isinstance(screen, QuestionScreen) and screen.item.question.id == "fx-binpack"
        await pilot.press("l")  # not before answering
        assert isinstance(app.screen, QuestionScreen)
        await pilot.press("enter")  # nothing chosen: refused
        assert not screen.revealed
        letter = screen.item.correct_letters()
        await pilot.press(letter, "enter")
        assert screen.revealed and "✓ Correct." in view_text(app)
        for n in range(1, 5):
            assert f"Fixture explanation {n} for fx-binpack." in view_text(app)
        assert "Takeaway: Fixture takeaway for fx-binpack." in view_text(app)
        await pilot.press("l")
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("escape")
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen) and app.screen.session.scenario.id == "memory-fragmentation"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)
        await pilot.press("enter")  # the last question: back to the catalogue
        await pilot.pause()
    stats = PracticeStore.load(store.root).questions["fx-binpack"]
    assert (stats.seen, stats.right) == (1, 1)


async def test_multiple_response_toggles_with_letters_and_space(practice_content, store) -> None:
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.start_practice("all", ids=["fx-two-exec"])
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuestionScreen) and screen.item.question.multiple
        right = sorted(screen.item.correct)
        await pilot.press("a", "b", "c", "d", "a", "b", "c", "d")  # all on, all off
        assert screen.chosen == set()
        for i in right:
            while screen.cursor != i:
                await pilot.press("down")  # wraps round
            await pilot.press("space")
        assert screen.chosen == set(right)
        await pilot.press("enter")
        assert "✓ Correct." in view_text(app)


async def test_a_whole_exam_times_out_then_shows_the_breakdown_and_reviews(practice_content, store) -> None:
    """Answer some, flag one, move freely; the time runs out on the driven clock; review wrong and flagged."""
    clock = FakeClock()
    app = make_app(store, clock, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await choose_row(app, pilot, "practice:exam")
        await choose_row(app, pilot, "quick:0")
        exam_screen = app.screen
        assert isinstance(exam_screen, ExamScreen)
        items = exam_screen.exam.items
        assert len(items) == 12  # the fixture bank is smaller than the preset
        assert "Time left 40:00" in str(exam_screen.query_one("#exam-bar").render())
        await pilot.press(items[0].correct_letters()[0], "right")  # a single-response item right
        first_multi = next(i for i, it in enumerate(items) if it.question.multiple)
        await pilot.press(wrong_letter(items[1]), "f", "right")  # item 2 wrong and flagged
        assert exam_screen.index == 2
        await pilot.press("left", "left")
        assert exam_screen.index == 0 and exam_screen.session.answers[0] == items[0].correct
        await pilot.press("u")  # the next unanswered or flagged item
        assert exam_screen.index == 1
        clock.advance(25 * 60)
        exam_screen.tick()
        await pilot.pause()
        assert "Time left 15:00" in str(exam_screen.query_one("#exam-bar").render())
        assert exam_screen.sub_title == "exam — 15:00 left"  # in the header too
        exam_screen.action_jump(first_multi)
        for letter in items[first_multi].correct_letters().split(","):
            await pilot.press(letter)
        clock.advance(15 * 60 + 1)
        exam_screen.tick()  # time is up: submitted without asking
        await pilot.pause()
        results = app.screen
        assert isinstance(results, ExamResultsScreen)
        result = results.session.finished
        assert result.timed_out and result.time_used == 40 * 60
        right = 2 if first_multi not in (0, 1) else 1
        assert sum(r["right"] for r in result.items) == right
        verdict = str(results.query_one("#exam-verdict").render())
        assert "✗ FAIL" in verdict and "time ran out" in verdict and "40:00 of 40:00" in verdict
        table = results.query_one(DataTable)
        assert table.row_count == 6 and str(table.get_row_at(0)[0]).startswith("D1 SDLC Automation")
        await pilot.press("w")
        review = app.screen
        assert isinstance(review, ReviewScreen) and len(review.indexes) == 12 - right
        assert "Not quite" in view_text(app) or "Not answered" in view_text(app)
        await pilot.press("escape", "f")
        assert isinstance(app.screen, ReviewScreen) and app.screen.indexes == [1]
        assert "⚑ flagged" in view_text(app) and "✗ your choice" in view_text(app)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, (ExamScreen, ExamResultsScreen))
    history = PracticeStore.load(store.root).exams
    assert len(history) == 1 and history[0]["timed_out"] is True


async def test_an_exam_with_a_hands_on_scenario_graded_inside_it(practice_content, store) -> None:
    clock = FakeClock()
    app = make_app(store, clock, seed=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.start_exam("quick", 1)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExamScreen)
        assert isinstance(screen.exam.items[-1], ScenarioItem) and screen.exam.minutes == 40 + screen.exam.items[-1].minutes
        scenario_id = screen.exam.items[-1].scenario_id
        await pilot.press("end")
        status = lambda: screen.scenario_status(screen.exam.items[-1]).plain  # noqa: E731
        assert "Not graded yet" in status()
        await pilot.press("o")  # open it, look, come back: the clock ran on
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen)
        clock.advance(120)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("g")  # the starting files, graded exactly as lab grade grades them
        await app.workers.wait_for_complete()
        await pilot.pause()
        outcome = screen.session.outcomes[scenario_id]
        assert not outcome.passed and outcome.failed_checks
        assert f"Graded: {outcome.score}/{outcome.max_score}, failed" in status()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        results = app.screen
        assert isinstance(results, ExamResultsScreen)
        table = results.query_one(DataTable)
        assert str(table.get_row_at(table.row_count - 1)[0]) == "hands-on Hands-on scenarios"
        assert results.session.finished.time_used == 120
    # The next day the failed checks and the unanswered questions are due.
    clock.advance(24 * 3600)
    store2 = PracticeStore.load(store.root)
    due = store2.deck.due(clock.now)
    assert any(k.startswith(f"s:{scenario_id}:") for k in due) and sum(k.startswith("q:") for k in due) == 12


async def test_the_catalogue_counts_the_cards_due_in_a_practice_file_from_its_first_frame(practice_content, store) -> None:
    """With a practice file, the first refill reads it (without one, nothing is due and the store is not loaded)."""
    clock = FakeClock()
    practice = PracticeStore.load(store.root)
    practice.record_answer("fx-alarm", False, ["A"], clock.now - timedelta(days=1))
    practice.save()
    app = make_app(store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        row = [k.value for k in table.rows].index("practice:review")
        assert "Review due (1)" in str(table.get_row_at(row)[4]) and str(table.get_row_at(row)[1]) == "1 due"


async def test_a_missed_question_is_in_the_due_queue_the_next_day(practice_content, store) -> None:
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        catalogue = app.screen
        table = catalogue.query_one(DataTable)
        row = [k.value for k in table.rows].index("practice:review")
        assert "Review due (0)" in str(table.get_row_at(row)[4])
        app.start_practice("all", ids=["fx-alarm"])
        await pilot.pause()
        item = app.screen.item
        await pilot.press(wrong_letter(item), "enter", "enter")
        await pilot.pause()
        assert app.screen is catalogue
        await choose_row(app, pilot, "practice:review")  # due in a minute, not now
        assert app.screen is catalogue
        clock.advance(24 * 3600)  # the next day
        catalogue.refill("")
        assert "Review due (1)" in str(table.get_row_at(row)[4]) and str(table.get_row_at(row)[1]) == "1 due"
        await choose_row(app, pilot, "practice:review")
        due = app.screen
        assert isinstance(due, ChoiceScreen)
        assert [k.value for k in due.query_one(DataTable).rows] == ["due:questions", "question:fx-alarm"]
        await choose_row(app, pilot, "due:questions")
        assert isinstance(app.screen, QuestionScreen) and app.screen.heading == "Review"
        await pilot.press(item.correct_letters(), "enter", "enter")
        await pilot.pause()
        assert app.screen is catalogue
        assert "Review due (0)" in str(table.get_row_at(row)[4])
    card = PracticeStore.load(store.root).deck.cards["q:fx-alarm"]
    assert card.due > clock.now


async def test_checks_failed_in_the_workbench_come_back_in_the_due_queue(practice_content, store) -> None:
    """Grade the starting files in the workbench; the next day the failed checks are due and open the scenario."""
    from .conftest import open_scenario

    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        catalogue = app.screen
        bench = await open_scenario(app, pilot, "fargate-no-execution-role")
        bench._grade()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is catalogue
        clock.advance(24 * 3600)
        catalogue.refill("")
        await choose_row(app, pilot, "practice:review")
        due = app.screen
        assert isinstance(due, ChoiceScreen)
        keys = [k.value for k in due.query_one(DataTable).rows]
        assert keys and all(k.startswith("scenario:fargate-no-execution-role:") for k in keys)
        await choose_row(app, pilot, keys[0])
        assert isinstance(app.screen, WorkbenchScreen) and app.screen.session.scenario.id == "fargate-no-execution-role"


async def test_time_runs_out_while_the_hands_on_scenario_is_open(practice_content, store) -> None:
    """The clock runs on in the workbench; at time-out the exam is submitted and its results replace it."""
    clock = FakeClock()
    app = make_app(store, clock, seed=5)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        catalogue = app.screen
        app.start_exam("quick", 1)
        await pilot.pause()
        exam_screen = app.screen
        assert isinstance(exam_screen, ExamScreen)
        await pilot.press(exam_screen.exam.items[0].correct_letters().split(",")[0], "end", "o")
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen)
        clock.advance(exam_screen.exam.limit_seconds + 30)
        exam_screen.tick()
        await pilot.pause()
        results = app.screen
        assert isinstance(results, ExamResultsScreen)
        assert results.session.finished.timed_out and results.session.finished.time_used == exam_screen.exam.limit_seconds
        assert [type(s).__name__ for s in app.screen_stack][-2:] == ["CatalogueScreen", "ExamResultsScreen"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is catalogue


async def test_each_practice_row_counts_the_questions_it_asks(store) -> None:
    """The menu's count of an area, domain, scenario or topic is the number of questions practising it asks (the project's bank)."""
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await choose_row(app, pilot, "practice:quiz")
        table = app.screen.query_one(DataTable)
        rows = {str(k.value): int(str(table.get_row(k)[1])) for k in table.rows}
        for key in ("area:placement", "area:scaling", "domain:D3", "topic:C11", "scenario:memory-fragmentation"):
            await choose_row(app, pilot, key)
            assert isinstance(app.screen, QuestionScreen)
            assert len(app.screen.items) == rows[key], key
            await pilot.press("escape")  # back to the catalogue
            await pilot.pause()
            await choose_row(app, pilot, "practice:quiz")


async def test_quitting_during_an_exam_asks_first(practice_content, store) -> None:
    """ctrl+q with an exam not submitted asks (n keeps the exam, also from its hands-on scenario); a second ctrl+q quits."""
    from lab.tui.screens.confirm import QuitModal

    clock = FakeClock()
    app = make_app(store, clock, seed=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.start_exam("quick", 1)
        await pilot.pause()
        exam_screen = app.screen
        assert isinstance(exam_screen, ExamScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitModal) and app.is_running
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is exam_screen and exam_screen.session.finished is None
        await pilot.press("end", "o")  # the hands-on scenario, opened above the exam
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitModal)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_quitting_without_an_exam_does_not_ask(practice_content, store) -> None:
    """Without an exam ctrl+q quits at once, also from a modal screen such as the help (it did nothing there)."""
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


def test_a_stem_is_reflowed_and_its_code_kept() -> None:
    """Prose lines join into paragraphs (the view wraps them); blank lines and indented code stay as written."""
    from lab.tui.widgets.question_view import reflow

    stem = "A Node.js image builds slowly\nin the pipeline. The Dockerfile is:\n\n    FROM node:20-slim\n    COPY . .\n\nWhich change\nhelps?\n"
    assert reflow(stem) == "A Node.js image builds slowly in the pipeline. The Dockerfile is:\n\n    FROM node:20-slim\n    COPY . .\n\nWhich change helps?"


async def test_a_stem_wraps_at_the_width_of_the_screen(store) -> None:
    """At 80 columns a stem written wrapped at ~95 no longer breaks mid-sentence: its paragraph is one text line."""
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.start_practice("all", ids=["placement-affinity-task-group"])
        await pilot.pause()
        assert "instances that are already running tasks of the cache service" in view_text(app)


async def test_the_exam_footer_shows_submit_at_80_columns(practice_content, store) -> None:
    """At 80x24 the footer's keys run out after a few: ctrl+s Submit is among those on screen (it was under the palette's key)."""
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.start_exam("quick")
        await pilot.pause()
        assert isinstance(app.screen, ExamScreen)
        shown_footer_key(app.screen, "submit")


PRACTICE_FOOTERS = {
    80: {
        "ChoiceScreen": "? Help|esc Back|^q Quit|f2 Theme",
        "QuestionScreen": "? Help|⏎ Answer / next|o Scenario|l Lesson|esc Back|^q Quit",
        "ExamScreen": "? Help|^s Submit|p Prev|n Next|u Next to do|f Flag|^q Quit",
        "ExamResultsScreen": "? Help|a Review all|w Wrong|f Flagged|esc Catalogue|^q Quit",
        "ReviewScreen": "? Help|p Prev|n Next|o Scenario|l Lesson|esc Results|^q Quit",
    },
    100: {
        "ChoiceScreen": "? Help|esc Back|^q Quit|f2 Theme",
        "QuestionScreen": "? Help|space Select|⏎ Answer / next|o Scenario|l Lesson|esc Back|^q Quit",
        "ExamScreen": "? Help|^s Submit|p Previous|n Next|u Next unanswered/flagged|f Flag|^q Quit",
        "ExamResultsScreen": "? Help|a Review all|w Review wrong|f Review flagged|esc Catalogue|^q Quit",
        "ReviewScreen": "? Help|p Previous|n Next|o Scenario|l Lesson|esc Results|^q Quit|f2 Theme",
    },
    140: {
        "ChoiceScreen": "? Help|esc Back|^q Quit|f2 Theme",
        "QuestionScreen": "? Help|space Select|⏎ Answer / next|o Scenario|l Lesson|esc Back|^q Quit|f2 Theme",
        "ExamScreen": "? Help|^s Submit|space Select|p Previous|n Next|u Next unanswered/flagged|f Flag|^q Quit|f2 Theme",
        "ExamResultsScreen": "? Help|a Review all|w Review wrong|f Review flagged|esc Catalogue|^q Quit|f2 Theme",
        "ReviewScreen": "? Help|p Previous|n Next|o Scenario|l Lesson|esc Results|^q Quit|f2 Theme",
    },
}
"""Each practice screen's footer by terminal width: at 80 columns the short names that fit beside the
palette's key; wider, the longer names and the keys hidden at 80, most wanted first."""


@pytest.mark.parametrize("width", [80, 100, 140])
async def test_every_practice_footer_starts_with_help_is_whole_and_uses_its_width(practice_content, store, width: int) -> None:
    """On the choice lists, a question, the exam, its results and its review: ? Help is the footer's
    first key, and every key is whole beside the palette's key, the ways out (esc, ctrl+s on the exam)
    and ^q Quit among them (at 80 columns Help came after Quit on the lists and results, and was cut
    off on the rest); with more columns the short names are spelt out and the hidden keys come back."""
    clock = FakeClock()
    practice = PracticeStore.load(store.root)
    practice.record_answer("fx-alarm", False, ["A"], clock.now - timedelta(days=1))
    practice.save()
    app = make_app(store, clock)

    def shown(screen: type) -> None:
        assert isinstance(app.screen, screen)
        assert footer_line(app.screen) == PRACTICE_FOOTERS[width][screen.__name__]

    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        for choose in (app.open_practice_menu, app.open_exam_menu, app.open_due):
            choose()
            await pilot.pause()
            shown(ChoiceScreen)
            await pilot.press("escape")
            await pilot.pause()
        app.start_practice("all", ids=["fx-alarm"])
        await pilot.pause()
        shown(QuestionScreen)
        await pilot.press("escape")
        await pilot.pause()
        app.start_exam("quick")
        await pilot.pause()
        shown(ExamScreen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        shown(ExamResultsScreen)
        await pilot.press("a")
        await pilot.pause()
        shown(ReviewScreen)


async def test_the_question_footer_shows_help_at_80_columns(store) -> None:
    """At 80x24 a question's footer keys run out after "esc Back": ? Help, the key that lists every other key, is among those on screen."""
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.start_practice("all", ids=["taskdef-generous-hard-limit-blocks-placement"])
        await pilot.pause()
        shown_footer_key(app.screen, "app.help")


async def test_inline_code_is_drawn_as_code_not_as_backticks(store) -> None:
    """A stem's and an option's `code` is drawn in the code style without its backticks (they showed as typed); **x** is bold."""
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.start_practice("all", ids=["taskdef-generous-hard-limit-blocks-placement"])
        await pilot.pause()
        view = app.screen.query_one(QuestionView)
        shown = view.render()
        assert isinstance(shown, Content)
        assert "`" not in shown.plain
        code_style = Style.from_rich_style(view.get_component_rich_style("inline-code"))
        coded = {shown.plain[span.start : span.end] for span in shown.spans if span.style == code_style}
        assert {"memory: 2048", "memory", "memoryReservation"} <= coded  # the stem's and an option's
    from lab.tui.widgets.question_view import inline

    strong = inline("Use **one** `a*b` here", "italic")
    assert strong.plain == "Use one a*b here"
    assert [(strong.plain[s.start : s.end], s.style) for s in strong.spans] == [("one", "bold"), ("a*b", "italic")]


async def test_a_long_option_wraps_under_its_own_text(store) -> None:
    """At 80 columns an option too long for one line goes on under its first word, its ✓ mark too (it went back to the left edge); wider, it is one line again."""
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.start_practice("all", ids=["taskdef-generous-hard-limit-blocks-placement"])
        await pilot.pause()
        view = app.screen.query_one(QuestionView)
        await pilot.press("d", "enter")  # reveal: "  ✓ right" / "  ✗ your choice" lengthen the options
        await pilot.pause()

        def option_lines() -> list[str]:
            lines = view.render().plain.split("\n")
            first = next(n for n, line in enumerate(lines) if line[2:5] in ("( )", "(•)"))
            return lines[first : lines.index("", first)]

        lines = option_lines()
        assert all(len(line) <= view.content_size.width for line in lines)  # no line left for the view to wrap at its edge
        continued = [line for line in lines if ")" not in line[:9]]
        assert continued and all(line.startswith(" " * 9) and line[9] != " " for line in continued)
        assert any("✓ right" in line for line in lines)
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        assert len(option_lines()) == 5


def test_an_options_mark_is_not_broken() -> None:
    """"✗ your choice" ends the option's last line when it fits there, else it has a line of its own, under the option's text."""
    from rich.console import Console

    from lab.tui.widgets.question_view import hang

    mark = Text("✗ your choice")
    assert hang(Text("x" * 40), 9, (Console(), 70), mark).plain == "x" * 40 + "  ✗ your choice"
    assert hang(Text("x" * 55), 9, (Console(), 70), mark).plain == "x" * 55 + "\n" + " " * 9 + "✗ your choice"


async def test_a_due_check_is_named_by_its_title(practice_content, store) -> None:
    """A failed check in the review queue reads as the scenario's objective ("the web target group has 4 healthy targets"), not its id."""
    clock = FakeClock()
    practice = PracticeStore.load(store.root)
    practice.record_checks("host-port-conflict", {"four-healthy": False, "no-such-check": False}, clock.now - timedelta(days=1))
    practice.save()
    app = make_app(store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await choose_row(app, pilot, "practice:review")
        due = app.screen
        assert isinstance(due, ChoiceScreen)
        table = due.query_one(DataTable)
        shown = {str(k.value): str(table.get_row(k)[1]) for k in table.rows}
        assert "the web target group has 4 healthy targets" in shown["scenario:host-port-conflict:four-healthy"]
        assert "four-healthy" not in shown["scenario:host-port-conflict:four-healthy"]
        assert "no-such-check" in shown["scenario:host-port-conflict:no-such-check"]  # a check the scenario no longer has: its id


async def test_a_choice_row_is_shown_as_written(store) -> None:
    """A row's text (a stem's first words, a check's title) is not read as markup: "[FARGATE]" was taken for a style and dropped (its `code` is drawn as code)."""
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.push_screen(ChoiceScreen("Review due (1)", ("kind", "what"), [("q", "question", "(`requiresCompatibilities: [FARGATE]`, [b]x[/b])")]))
        await pilot.pause()
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "requiresCompatibilities: [FARGATE]" in shown and ", [b]x[/b])" in shown


async def test_a_due_questions_inline_code_is_drawn_as_code_in_either_theme(store) -> None:
    """The due list draws a stem's `code` as the question does, without its backticks (they showed
    as typed), and a new theme draws it again in that theme's code colours."""
    clock = FakeClock()
    practice = PracticeStore.load(store.root)
    practice.record_answer("deploy-circuit-breaker-threshold", False, ["A"], clock.now - timedelta(days=1))
    practice.save()
    app = make_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_due()
        await pilot.pause()
        table = app.screen.query_one(DataTable)

        def code() -> tuple[set[str], object]:
            cell = table.get_row("question:deploy-circuit-breaker-threshold")[1]
            assert "`" not in cell.plain
            style = table.get_component_rich_style("inline-code")
            return {cell.plain[s.start : s.end] for s in cell.spans if s.style == style}, style

        coded, dark = code()
        assert "desiredCount: 4" in coded
        await pilot.press("f2")
        await pilot.pause()
        coded, light = code()
        assert "desiredCount: 4" in coded and light != dark


async def test_the_due_list_fits_80_columns(practice_content, store) -> None:
    """At 80x24 a due row's text wraps inside the screen (the rows ran past the right edge, cut at
    "failed: the web targe"); a question's row names it by its stem's first words and its id."""
    clock = FakeClock()
    practice = PracticeStore.load(store.root)
    practice.record_answer("fx-alarm", False, ["A"], clock.now - timedelta(days=1))
    practice.record_checks("host-port-conflict", {"four-healthy": False}, clock.now - timedelta(days=1))
    practice.save()
    app = make_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_due()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert sum(column.get_render_width(table) for column in table.columns.values()) <= table.scrollable_content_region.width
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "try it again" in shown and "(fx-alarm)" in shown


async def test_a_new_theme_recolours_an_open_questions_code(store) -> None:
    """f2 on a question draws its `code` in the new theme's code colours (it kept the old theme's)."""
    clock = FakeClock()
    app = make_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.start_practice("all", ids=["taskdef-generous-hard-limit-blocks-placement"])
        await pilot.pause()
        view = app.screen.query_one(QuestionView)

        def code_styles() -> set[Style]:
            shown = view.render()
            assert isinstance(shown, Content)
            return {span.style for span in shown.spans if shown.plain[span.start : span.end] == "memoryReservation"}

        before = code_styles()
        await pilot.press("f2")
        await pilot.pause()
        after = code_styles()
        assert after == {Style.from_rich_style(view.get_component_rich_style("inline-code"))} and after != before


def test_a_stems_opening_is_cut_after_a_word_and_never_inside_code() -> None:
    """A due row shows a stem's first paragraph, cut after a word with "…" when long, but not inside `code` (a lone backtick would show)."""
    from lab.tui.widgets.question_view import opening

    assert opening("Short stem\nwrapped.\n\nSecond paragraph.") == "Short stem wrapped."
    assert opening("one two three four five", limit=12) == "one two …"
    assert opening("one `two three` four five", limit=12) == "one …"
