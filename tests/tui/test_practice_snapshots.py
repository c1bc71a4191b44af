"""Snapshots of exam practice: a question's feedback, and an exam's results (fixture bank, fixed seeds and clocks)."""

from __future__ import annotations

import pytest

from lab.progress import ProgressStore

from .test_practice import FakeClock, make_app, practice_content  # noqa: F401  (the fixture)

pytestmark = pytest.mark.snapshot


async def settle(pilot) -> None:
    pilot.app.clear_notifications()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_feedback_after_a_wrong_multiple_response_answer(snap_compare, practice_content, tmp_path) -> None:  # noqa: F811
    """Every option's explanation, the right ones marked, the takeaway and the reference."""
    app = make_app(ProgressStore.load(tmp_path / "data"), FakeClock(), seed=1)

    async def run_before(pilot) -> None:
        app.start_practice("all", ids=["fx-two-exec"])
        await pilot.pause()
        screen = app.screen
        wrong = next(i for i in range(4) if i not in screen.item.correct)
        await pilot.press("abcd"[wrong], "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)


def test_exam_results_with_the_domain_breakdown(snap_compare, practice_content, tmp_path) -> None:  # noqa: F811
    """A finished quick exam: the verdict, the time used and the per-domain table."""
    clock = FakeClock()
    app = make_app(ProgressStore.load(tmp_path / "data"), clock, seed=7)

    async def run_before(pilot) -> None:
        app.start_exam("quick")
        await pilot.pause()
        screen = app.screen
        for index, item in enumerate(screen.exam.items[:8]):
            screen.session.answer(index, item.correct)
        clock.advance(17 * 60 + 5)
        screen.finish()
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 24), run_before=run_before)
