"""Pilot tests of the Charts tab: series over simulated time, markers, the cursor and its keys."""

from __future__ import annotations

from textual.widgets import TabbedContent

from lab.progress import ProgressStore
from lab.tui.app import LabApp
from lab.tui.screens.workbench import WorkbenchScreen
from lab.tui.widgets.charts_view import ChartsView, braille_rows

from .conftest import quiet, until


async def open_charts(pilot) -> tuple[WorkbenchScreen, ChartsView]:
    bench = pilot.app.screen
    assert isinstance(bench, WorkbenchScreen)
    bench.query_one("#center", TabbedContent).active = "tab-charts"
    charts = bench.query_one("#charts", ChartsView)
    await until(pilot, lambda: charts.series is not None and charts.size.width > 0, "the charts drawn")
    charts.focus()
    await pilot.pause()
    return bench, charts


async def test_the_cursor_walks_back_to_the_scaling_markers_and_shows_their_values(store: ProgressStore) -> None:
    """After 15 minutes of unscaled-instances: { jumps to the scaling activities, ←/→ move, End follows again."""
    app = quiet(LabApp(store=store, scenario_id="unscaled-instances", seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = app.screen
        assert isinstance(bench, WorkbenchScreen)
        bench.advance(900)
        bench, charts = await open_charts(pilot)
        assert charts.cursor is None and charts.cursor_column == charts.now_column()
        titles = list(charts.values_at_cursor())
        assert titles[:2] == ["web tasks", "instances"] and "web requests" in titles and "web 5xx" in titles
        assert charts.values_at_cursor()["web tasks"]["desired"] == 10

        await pilot.press("left_curly_bracket")
        here = charts.markers_at_cursor()
        assert here and all(m.kind == "scaling" for m in here)
        last_scaling = here[-1]
        assert charts.cursor_time >= last_scaling.at
        assert charts.values_at_cursor()["web tasks"]["desired"] == int(last_scaling.label.rsplit("→", 1)[1])
        assert f"scaling: {last_scaling.label}" in charts.draw().plain

        column = charts.cursor_column
        await pilot.press("left")
        assert charts.cursor_column == column - 1
        await pilot.press("right", "right")
        assert charts.cursor_column == column + 1

        await pilot.press("home")
        assert charts.cursor_column == 0
        assert charts.values_at_cursor()["web tasks"]["desired"] == 2
        assert "deployment: web deployment started" in charts.draw().plain

        for expected in (10, 20, 30):
            await pilot.press("shift+right")
            assert charts.cursor_column == min(expected, charts.now_column())
        await pilot.press("end")
        assert charts.cursor is None and "following the run" in charts.draw().plain


async def test_a_resize_keeps_the_cursor_on_its_moment(store: ProgressStore) -> None:
    """The cursor on a scaling marker stays on it when the terminal narrows and widens again
    (it was kept as a column, so a resize moved it to another time)."""
    app = quiet(LabApp(store=store, scenario_id="unscaled-instances", seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.screen.advance(900)
        _, charts = await open_charts(pilot)
        await pilot.press("left_curly_bracket")
        marker = charts.markers_at_cursor()[-1]
        for width in (80, 160, 120):
            await pilot.resize_terminal(width, 40)
            await until(pilot, lambda: charts.columns == max(10, charts.size.width - 2) and charts.size.width > 0, "the charts resized")
            start, end = charts.span(charts.cursor_column)
            assert start <= marker.at < end, (width, marker.at, start, end)
            assert marker in charts.markers_at_cursor()


async def test_the_cursor_never_passes_the_latest_reading(store: ProgressStore) -> None:
    app = quiet(LabApp(store=store, scenario_id="unscaled-instances", seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.screen.advance(120)
        _, charts = await open_charts(pilot)
        now = charts.now_column()
        await pilot.press("right", "right", "shift+right")
        assert charts.cursor_column == now
        assert charts.cursor_time <= charts.series.now


async def test_applies_and_restarts_are_marked(store: ProgressStore) -> None:
    """An apply puts an A at its time; a restart starts the charts over with its own mark at 0."""
    app = quiet(LabApp(store=store, scenario_id="ecr-pull-denied", seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = app.screen
        assert isinstance(bench, WorkbenchScreen)
        bench.advance(60)
        await pilot.press("ctrl+s")
        bench.advance(60)
        _, charts = await open_charts(pilot)
        applies = [m for m in bench.session.series.markers if m.kind == "apply"]
        assert [m.at for m in applies] == [60.0]
        strip = next(line for line in charts.draw().plain.splitlines() if line and set(line) <= set("·SDXFA*"))
        assert "A" in strip
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert [(m.at, m.kind) for m in bench.session.series.markers if m.kind == "apply"] == [(0.0, "apply")]
        assert bench.session.series.now == 0.0


async def test_charts_are_drawn_only_while_their_tab_shows(store: ProgressStore) -> None:
    """Playing with another tab open costs the charts nothing: they draw when their tab opens."""
    app = quiet(LabApp(store=store, scenario_id="unscaled-instances", seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = app.screen
        bench.advance(300)
        charts = bench.query_one("#charts", ChartsView)
        assert charts.series is None
        await open_charts(pilot)
        assert charts.series is bench.session.series and "web tasks" in charts.draw().plain


def test_braille_lines_join_their_steps() -> None:
    """A step from the bottom to the top fills the column between, so risers show."""
    cells = braille_rows([0, 0, 7, 7], rows=2)
    assert cells[1][0] == 0x40 | 0x80  # both dot columns of the first cell on the bottom dot row
    assert cells[0][1] & 0x01 and cells[1][1] & 0x40  # the riser spans both rows of the second cell
    assert braille_rows([None, None], rows=1) == [[0]]


async def test_tab_from_the_tab_row_reaches_the_charts_and_arrows_scroll_them(store: ProgressStore) -> None:
    """No mouse: Tab lands on the charts, ←/→ move the cursor, ↓ scrolls the charts below the fold."""
    from textual.widgets import Tabs

    app = quiet(LabApp(store=store, scenario_id="unscaled-instances", seed=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bench = app.screen
        bench.advance(600)
        center = bench.query_one("#center", TabbedContent)
        center.active = "tab-charts"
        center.query_one(Tabs).focus()
        await pilot.pause()
        await pilot.press("tab")
        charts = bench.query_one("#charts", ChartsView)
        assert app.focused is charts
        await pilot.press("left")
        assert charts.cursor == charts.now_column() - 1
        scroll = bench.query_one("#charts-scroll")
        assert scroll.max_scroll_y > 0
        await pilot.press("down", "down")
        assert scroll.scroll_y > 0


def test_a_few_failures_beside_many_are_drawn_above_the_floor_and_the_legend_says_so() -> None:
    """3 errors a minute after a peak of 2,000 are under half a dot of the chart's scale: drawn one dot
    up, not on the floor with the minutes that had none (they looked the same), with a note in the legend."""
    from lab.sim.series import Chart, Line

    class Series:
        duration_s = now = 600.0
        markers: list = []

        def __init__(self, few: float) -> None:
            self.points = ((0.0, 0.0), (200.0, few), (400.0, 2000.0))

        def charts(self) -> list[Chart]:
            return [Chart("web 5xx", "per min", (Line("per min", self.points),), top=2000.0)]

        def markers_between(self, start: float, end: float) -> list:
            return []

    def drawn(few: float) -> tuple[str, str]:
        """The chart's title line and its bottom row of braille, the cursor on the few errors."""
        view = ChartsView()
        view.series = Series(few)  # type: ignore[assignment]
        view.cursor = 25
        lines = view.draw().plain.split("\n")
        title = next(n for n, line in enumerate(lines) if line.startswith("web 5xx"))
        return lines[title], lines[title + 3]

    title, floor = drawn(3.0)
    assert "per min 3 " in title and title.endswith("(top 2000 per min; small values above 0 drawn 1 dot up)")
    assert floor[5] == "⣀" and floor[30] not in (" ", "⣀")  # 0 to 200 s: none; 200 to 400 s: 3 a minute (58 columns over 600 s)
    title, floor = drawn(0.0)
    assert title.endswith("(top 2000 per min)") and floor[30] == "⣀"
    title, _ = drawn(0.4)
    assert "per min 0.4 " in title  # not "0" beside a raised dot
