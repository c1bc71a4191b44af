"""Time travel: jump back and forth within the covered run; the replay logs what the first run logged."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.progress import ProgressStore
from lab.scenario.loader import find_scenario, load_scenario
from lab.tui.session import Session
from lab.tui.sim_driver import SimDriver

from .conftest import FIXED_ROLE


def make_session(tmp_path: Path, name: str = "one") -> Session:
    return Session(load_scenario(find_scenario("ecr-pull-denied")), ProgressStore.load(tmp_path / name), seed=1)


def straight_run(tmp_path: Path, *, apply_at: float, until: float) -> str:
    """The log of a run that applies the fixed role at ``apply_at`` and plays on to ``until``."""
    session = make_session(tmp_path, "straight")
    session.run_for(apply_at)
    session.edit("instance-role.yaml", FIXED_ROLE)
    assert session.apply() == []
    session.run_for(until - apply_at)
    return session.world.log.to_jsonl()


def test_jump_back_and_play_on_logs_what_a_straight_run_logged(tmp_path: Path) -> None:
    """Play (ticks that stop mid-instant), apply, play; jump back before the apply and play on: the same log, byte for byte."""
    session = make_session(tmp_path)
    driver = SimDriver(session)
    driver.budget_s = 0.0  # each tick stops after one event: the apply may fall mid-instant
    driver.toggle()
    while session.world.now < 90:
        driver.tick()
    session.edit("instance-role.yaml", FIXED_ROLE)
    assert session.apply() == []
    applied = session.world.now
    session.run_for(600 - applied)
    assert session.horizon == 600
    expected = straight_run(tmp_path, apply_at=applied, until=600)
    assert session.world.log.to_jsonl() == expected

    assert session.jump_to(30) == 30 and session.viewing_past
    assert session.world.now == 30 and session.applied_at is None
    assert all(event.at <= 30 for event in session.world.log)
    assert session.jump_to(applied + 10) == applied + 10 and session.applied_at == applied
    session.jump_to(10)
    session.run_for(600)
    assert not session.viewing_past
    assert session.world.log.to_jsonl() == expected
    assert [m.at for m in session.series.markers if m.kind == "apply"] == [applied]


def test_an_apply_in_the_past_discards_the_abandoned_future(tmp_path: Path) -> None:
    """Jump back to 40 s, apply there: the run covered only to 40 s and the later apply is gone."""
    session = make_session(tmp_path)
    session.run_for(300)
    session.edit("instance-role.yaml", FIXED_ROLE)
    session.apply()
    session.run_for(300)
    session.jump_to(40)
    assert session.viewing_past and session.horizon == 600
    assert session.apply() == []
    assert session.horizon == 40 and not session.viewing_past
    assert [change.at for change in session.applies] == [40]
    session.run_for(560)
    assert session.world.log.to_jsonl() == straight_run(tmp_path, apply_at=40, until=600)


def test_jumps_stay_within_the_covered_run(tmp_path: Path) -> None:
    """A jump past the covered run stops at its end; before zero, at zero; a restart forgets the covered run."""
    session = make_session(tmp_path)
    session.run_for(120)
    assert session.jump_to(10_000) == 120
    assert session.jump_to(-5) == 0
    session.jump_to(120)
    session.restart()
    assert session.horizon == 0 and session.jump_to(60) == 0


# -- in the workbench ------------------------------------------------------------------------------


def save_svg(app, name: str) -> None:
    """With LAB_SCREENSHOTS set to a folder, keep an SVG of the screen there (to look at as PNG)."""
    import os

    folder = os.environ.get("LAB_SCREENSHOTS")
    if folder:
        app.save_screenshot(f"{name}.svg", path=folder)


@pytest.mark.slow
@pytest.mark.parametrize("size", [(120, 40), (200, 50)])
async def test_the_workbench_travels_back_and_plays_on_to_the_same_log(tmp_path: Path, size: tuple[int, int]) -> None:
    """Apply at 60 s, play to 300 s; `[` and `j` travel back (banner, event log, objectives of that instant); play: the straight run's log."""
    from textual.widgets import Input, Static, TextArea

    from lab.tui.app import LabApp
    from lab.tui.screens.jump import JumpModal
    from lab.tui.widgets.event_panel import EventPanel

    from .conftest import open_scenario, quiet

    expected = straight_run(tmp_path, apply_at=60, until=300)
    app = quiet(LabApp(store=ProgressStore.load(tmp_path / "app")))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        bench.advance(60)
        editor = bench.query_one("#edit-instance-role-yaml TextArea", TextArea)
        editor.text = FIXED_ROLE
        await pilot.pause()
        await pilot.press("ctrl+s")  # apply
        bench.advance(240)
        await pilot.pause()
        assert bench.session.world.log.to_jsonl() == expected
        banner = bench.query_one("#travel-banner", Static)
        assert not banner.display

        await pilot.press("left_square_bracket")  # one minute back
        bench.finish_jump()
        await pilot.pause()
        assert bench.session.world.now == 240 and bench.session.viewing_past
        assert banner.display and "Viewing t=00:04:00 (past)" in str(banner.render())
        assert "◀ past" in str(bench.query_one("#clock", Static).render())

        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, JumpModal)
        app.screen.query_one(Input).value = "00:00:30"
        await pilot.press("enter")
        bench.finish_jump()
        await pilot.pause()
        assert bench.session.world.now == 30 and bench.session.applied_at is None
        shown = bench.query_one("#events", EventPanel).log_view
        assert shown.line_count == len(bench.session.world.log)
        assert all(event.at <= 30 for event in bench.session.world.log)
        running = {o.title: o for o in bench.session.objectives()}["web runs 3 tasks by 300 s and keeps them"]
        assert not running.met
        save_svg(app, f"time-travel-past-{size[0]}x{size[1]}")

        bench.advance(270)  # play on: the apply at 60 s is replayed
        await pilot.pause()
        assert not bench.session.viewing_past and not banner.display
        assert bench.session.world.log.to_jsonl() == expected


async def test_an_apply_after_a_jump_back_says_the_future_is_discarded(tmp_path: Path) -> None:
    """Viewing the past, ctrl+s applies there and the notification says the rest of the run is gone."""
    from textual.widgets import TextArea

    from lab.tui.app import LabApp

    from .conftest import open_scenario, quiet

    app = quiet(LabApp(store=ProgressStore.load(tmp_path / "app")))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        bench.advance(300)
        bench.jump_to(120)
        bench.finish_jump()
        editor = bench.query_one("#edit-instance-role-yaml TextArea", TextArea)
        editor.text = FIXED_ROLE
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert bench.session.horizon == 120 and not bench.session.viewing_past
        assert any("discarded" in str(n.message) for n in app._notifications)
