"""Every workbench pane and action is reachable without a mouse: a Pilot walk by key only."""

from __future__ import annotations

import pytest
from textual.containers import VerticalScroll
from textual.widgets import TextArea

from lab.progress import ProgressStore
from lab.tui.app import LabApp
from lab.tui.screens.catalogue import CatalogueScreen
from lab.tui.screens.confirm import ConfirmModal
from lab.tui.screens.help import HelpScreen
from lab.tui.screens.jump import JumpModal, parse_time
from lab.tui.screens.lesson import LessonScreen
from lab.tui.screens.why import WhyNotPlacedScreen
from lab.tui.screens.workbench import WorkbenchScreen
from lab.tui.widgets.charts_view import ChartsView
from lab.tui.widgets.cluster_map import ClusterMap
from lab.tui.widgets.event_log import EventLogView
from lab.tui.widgets.metrics_panel import MetricsPanel
from lab.tui.widgets.objectives import ObjectiveList

from .conftest import footer_line, open_scenario, quiet, shown_footer_key
from .test_time_travel import save_svg


def test_times_are_read_as_clock_times_or_units() -> None:
    """The jump input takes hh:mm:ss, mm:ss, seconds and 90s / 5m / 1h; anything else is refused."""
    assert [parse_time(t) for t in ("00:01:30", "1:30", "90", "90s", "5m", "1h", " 2.5m ")] == [90, 90, 90, 90, 300, 3600, 150]
    assert parse_time("soon") is None and parse_time("1:2:3:4") is None and parse_time("") is None


@pytest.mark.slow
async def test_every_pane_and_action_is_reached_by_key(store: ProgressStore) -> None:
    """F3-F8 focus each pane (each scrolls by key), tabs go by alt+n and ctrl+PgUp/PgDn, every action has its key; Esc asks about unapplied edits."""
    app = quiet(LabApp(store=store))
    reached: set[str] = set()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        bench.advance(120)  # a covered run to travel in, events to move through
        await pilot.pause()

        def focused_in(selector: str) -> bool:
            focused = app.focused
            return focused is not None and any(node is focused or focused in node.walk_children() for node in bench.query(selector))

        await pilot.press("f3")
        assert isinstance(app.focused, ObjectiveList) and focused_in("#left")
        objectives = app.focused
        await pilot.press("down")
        assert objectives.picked == 1 and "in this run" not in objectives.objectives[1].title
        left = bench.query_one("#left", VerticalScroll)
        await pilot.press("end")
        assert left.scroll_y == left.max_scroll_y
        await pilot.press("home")
        assert left.scroll_y == 0
        reached.add("brief")

        await pilot.press("f4")
        area = app.focused
        assert isinstance(area, TextArea) and focused_in("#center")
        before = area.text
        last = area.document.line_count - 1
        area.move_cursor((last, 0))
        await pilot.press("tab")  # YAML: two spaces, never a tab character (the file stays valid)
        assert area.text != before and "\t" not in area.text
        assert area.document[last] == "  " + before.split("\n")[last]
        reached.add("editor")

        center = bench.query_one("#center")
        first = center.active
        await pilot.press("alt+2")
        assert center.active != first and isinstance(app.focused, TextArea)
        await pilot.press("ctrl+pageup")
        assert center.active == first
        await pilot.press("ctrl+pagedown", "ctrl+pagedown", "ctrl+pagedown")
        assert center.active == "tab-charts" and isinstance(app.focused, ChartsView)
        reached.add("tabs")

        await pilot.press("f5")
        assert isinstance(app.focused, ChartsView)
        await pilot.press("home", "right", "right", "enter")  # travel to the cursor
        bench.finish_jump()
        await pilot.pause()
        assert bench.session.viewing_past
        reached.add("charts")

        await pilot.press("f6")
        assert isinstance(app.focused, ClusterMap) and focused_in("#right")
        await pilot.press("down", "pagedown")
        reached.add("cluster")

        await pilot.press("f7")
        assert isinstance(app.focused, EventLogView) and focused_in("#events")
        shown = app.focused.highlighted
        await pilot.press("down")
        assert app.focused.highlighted != shown or app.focused.line_count < 2
        reached.add("events")

        await pilot.press("f8")
        assert focused_in("#metrics-scroll") and bench.query_one("#metrics", MetricsPanel).region.height > 0
        await pilot.press("pagedown")
        reached.add("metrics")

        # Time travel and the clock.
        now = bench.session.world.now
        await pilot.press("right_square_bracket")
        bench.finish_jump()
        assert bench.session.world.now > now
        await pilot.press("t", "left_square_bracket")
        bench.finish_jump()
        assert bench.travel_step == 300 and bench.session.world.now == 0
        await pilot.press("j")
        assert isinstance(app.screen, JumpModal)
        await pilot.press(*"1:00", "enter")  # the current time is selected: typing replaces it
        bench.finish_jump()
        await pilot.pause()
        assert bench.session.world.now == 60
        reached.update({"travel", "jump"})

        await pilot.press("space")
        assert bench.driver.playing
        await pilot.press("space", "full_stop")
        assert not bench.driver.playing and bench.session.world.now > 60
        await pilot.press("plus", "minus", "minus")
        assert bench.driver.speed_index == 1
        await pilot.press("E", "space")  # run to the end, then stop it
        assert not bench.driver.running_to_end and not bench.driver.playing
        reached.update({"play", "step", "speed", "to-end"})

        await pilot.press("h")
        assert bench.hints_shown == 1
        await pilot.press("w")
        assert isinstance(app.screen, WhyNotPlacedScreen)
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "R")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        reached.update({"hint", "why", "help", "reset-files"})

        # Esc with the editor's unapplied edit asks; "n" stays; after an Apply, Esc leaves.
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmModal)
        save_svg(app, "leave-with-unapplied-edits-120x40")
        await pilot.press("n")
        assert isinstance(app.screen, WorkbenchScreen)
        await pilot.press("a")
        assert bench.session.unapplied() == [] and bench.session.applied_at is not None
        await pilot.press("r")
        assert bench.session.world.now == 0
        await pilot.press("g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("escape")  # the results
        reached.update({"leave-asks", "apply", "restart", "grade"})
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CatalogueScreen)
    assert reached == {
        "brief", "editor", "tabs", "charts", "cluster", "events", "metrics", "travel", "jump", "play", "step", "speed",
        "to-end", "hint", "why", "help", "reset-files", "leave-asks", "apply", "restart", "grade",
    }  # fmt: skip


async def test_the_narrow_layout_reaches_its_folded_panes_by_key(store: ProgressStore) -> None:
    """At 80x24 F3 and F7 open the Brief and Events tabs and focus what they hold."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        await pilot.press("f3")
        assert bench.query_one("#center").active == "tab-brief" and app.focused is not None
        await pilot.press("f7")
        assert bench.query_one("#center").active == "tab-events" and isinstance(app.focused, EventLogView)
        await pilot.press("f8")
        assert isinstance(app.focused, MetricsPanel)


@pytest.mark.parametrize("size", [(120, 40), (200, 50)])
async def test_one_line_objectives_keep_the_briefing_in_view(store: ProgressStore, size: tuple[int, int]) -> None:
    """task-role-s3 has ten objectives: one line each, so the briefing still starts on screen; focused, one shows in full."""
    from textual.widgets import Markdown

    app = quiet(LabApp(store=store))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot, "task-role-s3")
        objectives = bench.query_one("#left ObjectiveList", ObjectiveList)
        assert len(objectives.objectives) == 10
        lines = str(objectives.render()).splitlines()
        assert len(lines) <= 1 + 10 + 2 + 4  # title, one line per objective, the glyphs explained, hints
        left = bench.query_one("#left")
        assert bench.query_one("#left Markdown", Markdown).region.y < left.region.bottom - 5
        await pilot.press("f3", "down", "down")
        picked = objectives.objectives[2]
        assert picked.title in str(objectives.render()).replace("\n", " ") or picked.title[:30] in str(objectives.render())
        save_svg(app, f"objectives-focused-{size[0]}x{size[1]}")


async def test_objectives_drop_the_details_when_they_lose_the_focus(store: ProgressStore) -> None:
    """Focused, the list shows the picked objective in full; on F4 the details go, also when nothing else redraws it (a finished run)."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot, "memory-fragmentation")
        bench.advance(600)  # the run is over: no tick redraws the objectives from here on
        await pilot.pause()
        objectives = bench.query_one("#left ObjectiveList", ObjectiveList)
        await pilot.press("f3")
        await pilot.pause()
        picked = objectives.objectives[0]
        assert f"{picked.title} (required;" in str(objectives.render())
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.focused, TextArea)
        shown = str(objectives.render())
        assert f"{picked.title} (required;" not in shown and "F3 ↑↓ details" in shown


WORKBENCH_FOOTERS = {
    80: "? Help|^s Apply|^g Grade|^t Hint|space Play/pause|esc Back|^q Quit",
    100: "? Help|^s Apply|^r Restart|^g Grade|^t Hint|^n Why?|space Play/pause|esc Back|^q Quit",
    140: "? Help|^s Apply|^r Restart|^g Grade|^t Hint|^n Why?|^o $EDITOR|space Play/pause|. Step|esc Catalogue|^q Quit|f2 Theme",
}
"""The workbench's footer by terminal width, outside the editor: at 80 columns only these fit beside
the palette's key; wider, the keys hidden at 80 show, most wanted first, then esc's longer name."""

WORKBENCH_EDITOR_FOOTERS = {
    80: "f1 Help|^s Apply|^r Restart|^g Grade|^t Hint|esc Back|^q Quit",
    100: "f1 Help|^s Apply|^r Restart|^g Grade|^t Hint|^n Why?|^o $EDITOR|esc Catalogue|^q Quit",
    140: "f1 Help|^s Apply|^r Restart|^g Grade|^t Hint|^n Why?|^o $EDITOR|esc Catalogue|^q Quit|f2 Theme",
}
"""With the editor focused, where plain keys (? space .) are typed: the room they leave goes to the next keys."""


@pytest.mark.parametrize("width", [80, 100, 140])
async def test_every_workbench_footer_key_is_whole_and_the_wider_footer_shows_more(store: ProgressStore, width: int) -> None:
    """Whatever has the focus (F3-F8), no footer key runs under the palette's key and Help is first
    (at 80 columns esc and ^q Quit were cut off, and a stray "q" of "^q Quit" showed after "^p palette"
    while the editor had the focus); with more columns the keys hidden at 80 (Restart, Why?, $EDITOR,
    Step, Theme) come back."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(width, 24 if width == 80 else 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        for focus in ("f3", "f4", "f5", "f6", "f7", "f8"):
            await pilot.press(focus)
            await pilot.pause()
            expected = WORKBENCH_EDITOR_FOOTERS if focus == "f4" else WORKBENCH_FOOTERS
            assert footer_line(bench) == expected[width], focus


async def test_the_workbench_footer_is_fitted_again_when_the_terminal_is_resized(store: ProgressStore) -> None:
    """80 → 100 columns: keys hidden at 80 show; → 80: they go, the rest whole. Also when the
    terminal is resized under a modal screen: the workbench's footer fits once that is closed.
    (Both widths fold the panes into tabs: the focus stays in the events.)"""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        await pilot.press("f7")
        await pilot.pause()
        for width in (100, 80):
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            assert footer_line(bench) == WORKBENCH_FOOTERS[width]
        for width in (100, 80):
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is bench
            assert footer_line(bench) == WORKBENCH_FOOTERS[width]


async def test_a_modal_screen_shows_its_own_keys(store: ProgressStore) -> None:
    """Why-not-placed, Help, a lesson, the time jump and a yes/no question show their own footer over the
    workbench's: esc closes them (or answers No), not "esc Back" to the catalogue as the footer beneath said."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)  # the focus on the tab row: plain keys work
        for opened, footer in (
            ("ctrl+n", "? Help|esc Close"),  # why not placed?
            ("question_mark", "esc Close"),  # Help: ? and F1 close it too
            ("j", "f1 Help|esc Cancel"),  # jump to a time: ? is typed in the time
            ("R", "? Help|y Yes|n No"),  # reset every file?
            (LessonScreen("# A lesson"), "? Help|esc Close"),
        ):
            if isinstance(opened, str):
                await pilot.press(opened)
            else:
                app.push_screen(opened)
            await pilot.pause()
            assert app.screen is not bench
            assert footer_line(app.screen) == footer, type(app.screen).__name__
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is bench


async def test_the_workbench_footer_shows_help_at_80_columns(store: ProgressStore) -> None:
    """At 80x24 the footer's keys run out after a few: Help, the key that lists every other key, is among those on screen, with a key that works there (F1 in the editor, where ? is typed)."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        for focus, help_key in (("f4", "f1"), ("f7", "question_mark")):  # in the editor and outside it
            await pilot.press(focus)
            await pilot.pause()
            shown = shown_footer_key(bench, "app.help")
            assert shown.key == help_key
            await pilot.press(help_key)
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is bench
