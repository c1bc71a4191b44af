"""``PlainTable`` draws its plain cells exactly as ``DataTable`` would, in every state a cell can be in."""

from __future__ import annotations

import itertools

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable, Input

from lab.tui.widgets.plain_table import PlainTable

ROWS = [
    (Text("Foundations 0/13"), Text("new"), Text("★★"), Text("10"), Text("Tasks never start (ecr-pull-denied)"), Text("")),
    ("exam prep", "1 due", "", "", "Review due (1)", ""),
    (Text("styled", style="bold"), "[b]markup[/b]", ":smile:", Text("two\nlines"), Text("é wide 漢字"), None),
    (Text(""), "", "", "", "", "x" * 3),
    ("tab\there", Text("bell\x07"), "", "", "", ""),
]


class TableApp(App[None]):
    def __init__(self, table: type[DataTable] = PlainTable) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield Input()
        yield self.table(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("track", "status", "level", "min", "scenario", "effort")
        for i, row in enumerate(ROWS * 3):
            table.add_row(*row, key=str(i))


def assert_cells_as_datatable(table: PlainTable) -> None:
    for row, column in itertools.product(range(-1, table.row_count), range(len(table.columns))):
        width = table.ordered_columns[column].get_render_width(table)
        for cursor, hover in itertools.product((False, True), repeat=2):
            style = table._get_row_style(row, table.rich_style)
            ours = table._render_cell(row, column, style, width, cursor, hover)
            theirs = DataTable._render_cell(table, row, column, style, width, cursor, hover)
            assert ours == theirs, (row, column, cursor, hover)


async def test_plain_cells_are_drawn_as_datatable_draws_them() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(PlainTable)
        assert_cells_as_datatable(table)  # unfocused
        table.focus()
        await pilot.pause()
        table.move_cursor(row=2)
        assert_cells_as_datatable(table)  # focused, the cursor moved
        app.theme = "textual-light"
        await pilot.pause()
        assert_cells_as_datatable(table)


async def test_a_narrow_column_is_drawn_by_datatable() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(PlainTable)
        table.columns[table.ordered_columns[4].key].auto_width = False
        table.columns[table.ordered_columns[4].key].width = 3
        await pilot.pause()
        assert_cells_as_datatable(table)


async def lines(table_class: type[DataTable], focused: bool, theme: str) -> list[Strip]:
    """The table's lines as drawn, focused or not, the cursor on the third row."""
    app = TableApp(table_class)
    async with app.run_test(size=(100, 20)) as pilot:
        app.theme = theme
        table = app.query_one(DataTable)
        if focused:
            table.focus()
        table.move_cursor(row=2)
        await pilot.pause()
        return table.render_lines(Region(0, 0, *table.size))


@pytest.mark.parametrize(("focused", "theme"), [(False, "textual-dark"), (True, "textual-dark"), (True, "textual-light")])
async def test_the_table_is_drawn_line_for_line_as_datatable(focused: bool, theme: str) -> None:
    assert await lines(PlainTable, focused, theme) == await lines(DataTable, focused, theme)


async def sizes(table_class: type[DataTable], rows: list[tuple[object, ...]]) -> tuple[object, ...]:
    """The table's column widths and scrollable size once its rows are measured."""
    app = TableApp(table_class)
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(DataTable)
        table.clear()
        for i, row in enumerate(rows):
            table.add_row(*row, key=f"new-{i}")
        await pilot.pause()
        return [c.content_width for c in table.ordered_columns], table.virtual_size


PLAIN_ROWS = [ROWS[0], ROWS[1], ROWS[3], ("a", "b", "c", "d", "a much longer title than any other", "e")]
"""Rows PlainTable measures itself (with the others, DataTable measures every row)."""


@pytest.mark.parametrize("rows", [PLAIN_ROWS, ROWS])
async def test_the_table_is_sized_as_datatable(rows: list[tuple[object, ...]]) -> None:
    assert await sizes(PlainTable, rows) == await sizes(DataTable, rows)


async def test_styles_worked_out_in_one_drawing_are_not_kept_for_the_next() -> None:
    """Drawn again after the theme changed, the table has the new theme's styles, as DataTable would."""
    app = TableApp(PlainTable)
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(PlainTable)
        table.focus()
        table.move_cursor(row=2)
        await pilot.pause()
        table.render_lines(Region(0, 0, *table.size))  # dark
        app.theme = "textual-light"
        await pilot.pause()
        drawn = table.render_lines(Region(0, 0, *table.size))
    assert drawn == await lines(DataTable, True, "textual-light")
