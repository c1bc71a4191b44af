"""Provides ``ChartsView``: the run's time series as braille line charts over simulated time, with markers and a cursor.

The x axis is the scenario's whole run (the future stays blank), so a marker keeps its
column as the run plays. Each chart is a title row with the values at the cursor and a few
rows of braille (2 × 4 dots a cell), drawn as steps: a line joins its readings vertically,
so a desired count going 2 → 4 shows as a riser; a value above 0 too small for a dot of the
chart's scale is drawn one dot up, and the chart's legend then says so. Under the charts a
strip marks scaling activities (S), deployments (D; X failed), faults (F) and applies (A);
the cursor column is drawn reversed, and the rows under the strip list what happened in the
cursor's span.

Drawn by the project rather than with textual-plotext (see pyproject.toml): the cursor and
the markers are columns of our own grid, and one redraw is a few thousand cell writes.
"""

from __future__ import annotations

import bisect
import math

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from lab.sim.series import Chart, Marker, RunSeries
from lab.tui.widgets.event_log import format_time

__all__ = ["MARKER_GLYPHS", "ChartsView", "braille_rows"]

PLOT_ROWS = 3
"""Text rows of braille per chart (12 dot levels)."""

COLOURS = ("cyan", "green", "yellow", "magenta", "red", "bright_blue")
"""Line colours, in a chart's line order."""

MARKER_GLYPHS = {"scaling": "S", "deployment": "D", "fault": "F", "apply": "A"}
"""One letter per marker kind (a failed deployment is X; several markers in a cell, *)."""

MARKER_STYLES = {"scaling": "bold cyan", "deployment": "bold green", "fault": "bold red", "apply": "bold yellow", "failed": "bold red"}

RAISED_NOTE = "; small values above 0 drawn 1 dot up"
"""The legend's note on a chart where a value too small for a dot is drawn one dot above the floor."""

_DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""Braille dot bits by (dot row from the top, dot column)."""


def braille_rows(levels: list[int | None], rows: int) -> list[list[int]]:
    """Dot bits per cell for one line: ``levels`` has one dot level (0 = bottom) per dot column, None where unknown.

    Consecutive known levels are joined by a vertical run, so steps stay connected.
    """
    cells = [[0] * ((len(levels) + 1) // 2) for _ in range(rows)]
    top = rows * 4 - 1
    previous: int | None = None
    for x, level in enumerate(levels):
        if level is None:
            previous = None
            continue
        low, high = (level, level) if previous is None else (min(level, previous), max(level, previous))
        for dot in range(low, high + 1):
            from_top = top - dot
            cells[from_top // 4][x // 2] |= _DOT_BITS[from_top % 4][x % 2]
        previous = level
    return cells


class ChartsView(Widget, can_focus=True):
    """Every chart of a ``RunSeries``; left / right move the cursor, { and } jump between markers, Enter travels there."""

    class JumpRequested(Message):
        """The learner asked to see the world at the cursor's time (Enter)."""

        def __init__(self, at: float) -> None:
            super().__init__()
            self.at = at

    BINDINGS = [
        Binding("left", "cursor(-1)", "Earlier", show=False),
        Binding("right", "cursor(1)", "Later", show=False),
        Binding("shift+left", "cursor(-10)", show=False),
        Binding("shift+right", "cursor(10)", show=False),
        Binding("left_curly_bracket", "marker(-1)", "Previous marker", show=False),
        Binding("right_curly_bracket", "marker(1)", "Next marker", show=False),
        Binding("enter", "jump", "Travel to the cursor", show=False),
        Binding("home", "home", show=False),
        Binding("end", "follow", "Follow now", show=False),
    ]

    DEFAULT_CSS = "ChartsView { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; } ChartsView:focus { background-tint: $foreground 5%; }"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._picture = Text()
        self._rows = 1
        self.series: RunSeries | None = None
        self.cursor: int | None = None
        """The cursor's column, or None: it follows the latest reading."""
        self._cursor_at = 0.0
        """The moment the cursor stands for (a marker's time, or its column's middle): a resize
        puts the cursor on the column that holds it at the new width."""
        self._drawn: tuple[object, ...] | None = None

    # -- reading -------------------------------------------------------------------------------

    @property
    def columns(self) -> int:
        """Cells across a chart."""
        return max(10, (self.size.width or 60) - 2)

    def span(self, column: int) -> tuple[float, float]:
        """The simulated times a column covers, ``[start, end)``."""
        duration = self.series.duration_s if self.series else 1.0
        return column * duration / self.columns, (column + 1) * duration / self.columns

    def now_column(self) -> int:
        """The column of the latest reading."""
        if self.series is None or self.series.duration_s <= 0:
            return 0
        return self._column_of(self.series.now)

    @property
    def cursor_column(self) -> int:
        """Where the cursor is drawn."""
        return self.now_column() if self.cursor is None else min(self.cursor, self.now_column())

    @property
    def cursor_time(self) -> float:
        """The time the cursor shows values at: its column's end, or the latest reading."""
        if self.series is None:
            return 0.0
        return min(self.series.now, self.span(self.cursor_column)[1])

    def values_at_cursor(self) -> dict[str, dict[str, float | None]]:
        """Chart title → line name → value at the cursor."""
        if self.series is None:
            return {}
        at = self.cursor_time
        return {c.title: {line.name: line.value_at(at) for line in c.lines} for c in self.series.charts()}

    def markers_at_cursor(self) -> list[Marker]:
        """The markers in the cursor column's span (the last column also takes the latest instant)."""
        if self.series is None:
            return []
        start, end = self.span(self.cursor_column)
        return self.series.markers_between(start, end if self.cursor_column < self.columns - 1 else end + 1e-9)

    # -- drawing -------------------------------------------------------------------------------

    def show(self, series: RunSeries) -> None:
        """Redraw from the series (skipped when nothing it shows has changed)."""
        self.series = series
        key = (id(series), series.now, len(series.markers), self.size.width, self.cursor)
        if key == self._drawn:
            return
        self._drawn = key
        self._picture = self.draw()
        rows = len(self._picture.plain.splitlines()) or 1
        if rows != self._rows:
            self._rows = rows
            self.styles.height = rows  # a new height lays the screen out again
        # Same height: repaint this widget only. A layout pass would also measure the other
        # panes, and a cluster map of 5,000 tasks takes a tenth of a second to measure.
        self.refresh()

    def render(self) -> Text:
        return self._picture

    def on_resize(self) -> None:
        if self.series is not None:
            if self.cursor is not None:
                self.cursor = self._column_of(self._cursor_at)
            self.show(self.series)

    def _column_of(self, at: float) -> int:
        """The column that holds the simulated time ``at``."""
        duration = self.series.duration_s if self.series else 1.0
        return max(0, min(self.columns - 1, int(at * self.columns / max(duration, 1e-9))))

    def _place_cursor(self, column: int, at: float | None = None) -> None:
        """The cursor to ``column``, standing for ``at`` (default: the column's middle)."""
        self.cursor = column
        start, end = self.span(column)
        self._cursor_at = (start + end) / 2 if at is None else at
        self._redraw()

    def draw(self) -> Text:
        """The whole picture as rich text."""
        text = Text(no_wrap=True, overflow="crop")
        series = self.series
        if series is None:
            return text
        width, cursor, now_column = self.columns, self.cursor_column, self.now_column()
        at = self.cursor_time
        state = "following the run (←/→ cursor, {/} markers, Enter travels)" if self.cursor is None else "cursor (←/→, {/} markers, Enter travels there, End follows)"
        text.append(f"t {format_time(at)}", style="bold reverse")
        text.append(f"  {state}\n", style="dim")
        here = self.markers_at_cursor()
        for marker in here[:3]:
            text.append(f"{format_time(marker.at)} ", style="dim")
            text.append(f"{marker.kind}: {marker.label}\n", style=MARKER_STYLES.get(marker.kind, ""))
        if len(here) > 3:
            text.append(f"… and {len(here) - 3} more here\n", style="dim")
        if not here:
            text.append("no marker at the cursor\n", style="dim")
        self._marker_strip(text, series, width, cursor)
        middle = format_time(series.duration_s / 2)
        axis = format_time(0.0).ljust(max(9, width // 2 - 4)) + middle
        text.append(axis.ljust(max(len(axis) + 1, width - 8))[: max(0, width - 8)] + format_time(series.duration_s) + "\n", style="dim")
        charts = series.charts()
        if not charts:
            text.append("no readings yet\n", style="dim")
        for chart in charts:
            self._chart(text, chart, width, cursor, now_column, at)
        text.rstrip()
        return text

    def _chart(self, text: Text, chart: Chart, width: int, cursor: int, now_column: int, at: float) -> None:
        top = chart.top
        text.append(chart.title, style="bold")
        for i, line in enumerate(chart.lines):
            value = line.value_at(at)
            # Under 1 with a decimal: "0" beside a raised dot would say there were none.
            shown = "–" if value is None else f"{value:.0f}" if value >= 1 or value == 0 else f"{value:.1f}"
            text.append(" · ", style="dim")
            text.append(f"{line.name} ", style=COLOURS[i % len(COLOURS)])
            text.append(shown, style=f"bold {COLOURS[i % len(COLOURS)]}")
        dots = PLOT_ROWS * 4 - 1
        # A value above 0 but under half a dot (3 errors a minute beside 2,000) is drawn one dot
        # up, not on the floor with the zeros: the legend says so when it happens.
        raised = False
        now = self.series.now if self.series else 0.0
        step = (self.series.duration_s if self.series else 1.0) / (width * 2)
        last_x = min(width * 2, (now_column + 1) * 2)
        grids = []
        for line in chart.lines:
            # The reading in force at each dot column's end: a bisection in C from the last one.
            levels: list[int | None] = [None] * (width * 2)
            points, i = line.points, 0
            for x in range(last_x):
                i = bisect.bisect_right(points, (min(now, (x + 1) * step), math.inf), lo=i)
                if i:
                    value = points[i - 1][1]
                    level = round(value / top * dots)
                    if level == 0 and value > 0:
                        level, raised = 1, True
                    levels[x] = level
            grids.append(braille_rows(levels, PLOT_ROWS))
        text.append(f"  (top {top:.0f} {chart.unit}{RAISED_NOTE if raised else ''})\n", style="dim")
        for row in range(PLOT_ROWS):
            # Runs of cells in one style go in as one span: a few dozen instead of a cell each.
            run: list[str] = []
            run_style = ""
            for column in range(width):
                bits, colour = 0, ""
                # The first line wins a shared cell's colour: it is the one the title names first.
                for g in range(len(grids) - 1, -1, -1):
                    cell = grids[g][row][column]
                    if cell:
                        bits |= cell
                        colour = COLOURS[g % len(COLOURS)]
                style = f"{colour} reverse" if column == cursor else colour
                if style != run_style and run:
                    text.append("".join(run), style=run_style or None)
                    run = []
                run_style = style
                run.append(chr(0x2800 + bits) if bits else ("│" if column == cursor else " "))
            if run:
                text.append("".join(run), style=run_style or None)
            text.append("\n")

    def _marker_strip(self, text: Text, series: RunSeries, width: int, cursor: int) -> None:
        cells: list[list[Marker]] = [[] for _ in range(width)]
        for marker in series.markers:
            column = min(width - 1, int(marker.at * width / max(series.duration_s, 1e-9)))
            cells[column].append(marker)
        for column, here in enumerate(cells):
            if not here:
                glyph, style = "·", "dim"
            elif len(here) > 1:
                glyph, style = "*", "bold"
            else:
                failed = here[0].kind == "deployment" and here[0].label.endswith("failed")
                glyph = "X" if failed else MARKER_GLYPHS.get(here[0].kind, "?")
                style = MARKER_STYLES["failed" if failed else here[0].kind]
            text.append(glyph, style=f"{style} reverse" if column == cursor else style)
        text.append("\n")

    # -- keys ----------------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        """Move the cursor ``delta`` columns (it stops at the latest reading)."""
        self._place_cursor(max(0, min(self.now_column(), self.cursor_column + delta)))

    def action_jump(self) -> None:
        """Ask the workbench to travel to the cursor's time; the cursor then follows the run again."""
        if self.series is None:
            return
        at = self.cursor_time
        self.cursor = None
        self.post_message(self.JumpRequested(at))

    def action_home(self) -> None:
        """The cursor to the start of the run."""
        self._place_cursor(0, 0.0)

    def action_follow(self) -> None:
        """The cursor follows the run again."""
        self.cursor = None
        self._redraw()

    def action_marker(self, direction: int) -> None:
        """Jump the cursor to the next (1) or previous (-1) column with a marker."""
        if self.series is None:
            return
        at_column: dict[int, float] = {}  # column → its last marker's time
        for m in self.series.markers:
            at_column[self._column_of(m.at)] = m.at
        here = self.cursor_column
        if direction > 0:
            later = [c for c in sorted(at_column) if c > here]
            target = later[0] if later else None
        else:
            earlier = [c for c in sorted(at_column) if c < here]
            target = earlier[-1] if earlier else None
        if target is not None:
            column = min(target, self.now_column())
            self._place_cursor(column, at_column[target] if column == target else None)

    def _redraw(self) -> None:
        if self.series is not None:
            self.show(self.series)
