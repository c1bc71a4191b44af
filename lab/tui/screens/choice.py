"""Provides ``ChoiceScreen``: a titled list to pick one entry from (practice by topic, exam presets, the due queue)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from lab.tui.screens import HELP_BINDING, LAB_CSS

__all__ = ["ChoiceScreen"]


class ChoiceScreen(Screen[str | None]):
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
            yield DataTable(id="choice-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*self.columns)
        for key, *cells in self.rows:
            # As Text: the table reads a str as markup, and rows hold authors' text ("[FARGATE]").
            table.add_row(*map(Text, cells), key=key)
        table.focus()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(str(event.row_key.value))

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self.dismiss(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
