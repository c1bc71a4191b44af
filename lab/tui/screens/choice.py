"""Provides ``ChoiceScreen``: a titled list to pick one entry from (practice by topic, exam presets, the due queue)."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from lab.tui.screens import HELP_BINDING, LAB_CSS
from lab.tui.screens.footer import FittedFooter
from lab.tui.widgets.question_view import INLINE_CODE_CSS, inline

__all__ = ["ChoiceScreen", "ChoiceTable"]


class ChoiceTable(DataTable[Text]):
    """Rows of (key, cells…): each column but the last as wide as its widest cell, the last takes
    the rest of the width and wraps. Cells are authors' text, drawn as the questions draw it:
    never read as markup, `` `code` `` in the theme's code style."""

    COMPONENT_CLASSES = {"inline-code"}
    DEFAULT_CSS = "ChoiceTable {" + INLINE_CODE_CSS + "}"

    def __init__(self, columns: tuple[str, ...], rows: list[tuple[str, ...]], *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.labels = columns
        self.entries = rows
        self._filled_width = 0

    def on_mount(self) -> None:
        # The code's colours are put into the cells when they are filled: a new theme fills them again.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.fill())

    def on_resize(self, event: events.Resize) -> None:
        if self.size.width != self._filled_width:
            self.fill()

    def fill(self) -> None:
        """(Re)build the columns for the table's width and the rows, the cursor kept on its row."""
        self._filled_width = self.size.width
        code_style = self.get_component_rich_style("inline-code")
        cells = [[inline(cell, code_style) for cell in cells] for _, *cells in self.entries]
        widths = [max([len(label), *(row[i].cell_len for row in cells)]) for i, label in enumerate(self.labels[:-1])]
        # Each column is padded by a cell on either side; room is kept for the vertical scrollbar.
        rest = self.size.width - sum(widths) - 2 * len(self.labels) - self.styles.scrollbar_size_vertical
        row = self.cursor_row
        self.clear(columns=True)
        for label, width in zip(self.labels, [*widths, max(10, rest)]):
            self.add_column(Text(label), width=width)
        for (key, *_), shown in zip(self.entries, cells):
            self.add_row(*shown, key=key, height=None)
        self.move_cursor(row=row, animate=False)


class ChoiceScreen(FittedFooter, Screen[str | None]):
    """Rows of (key, cells…); Enter dismisses with the highlighted row's key, Esc with None."""

    CSS_PATH = LAB_CSS
    BINDINGS = [
        HELP_BINDING,  # first, as on every screen
        Binding("enter", "choose", "Choose", id="choice-choose"),
        Binding("escape", "cancel", "Back", id="choice-back"),
    ]

    def __init__(self, title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], *, note: str = "") -> None:
        super().__init__()
        self.heading = title
        self.columns = columns
        self.rows = rows
        self.note = note

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="choice"):
            yield Static(self.heading, id="choice-title")
            if self.note:
                yield Static(self.note, id="choice-note")
            yield ChoiceTable(self.columns, self.rows, id="choice-table")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ChoiceTable).focus()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(str(event.row_key.value))

    def action_choose(self) -> None:
        table = self.query_one(ChoiceTable)
        if table.row_count:
            self.dismiss(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
