"""Provides ``CatalogueScreen``: scenarios by topic with difficulty, time and progress."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from lab.progress import ProgressStore
from lab.scenario.schema import Scenario

__all__ = ["CatalogueScreen"]


def status_label(store: ProgressStore, scenario_id: str) -> str:
    """``new``, ``attempted`` or ``passed 90/100`` (words, not colours)."""
    entry = store.scenarios.get(scenario_id)
    if entry is None or entry.status == "new":
        return "new"
    if entry.status == "passed":
        return f"✓ passed {entry.best_score}/{entry.max_score}"
    return f"… attempted {entry.best_score or 0}/{entry.max_score or 0}"


class CatalogueScreen(Screen[None]):
    """Every scenario, grouped by topic; type to filter, Enter to open."""

    BINDINGS = [
        Binding("enter", "open_scenario", "Open", id="open-scenario"),
        Binding("slash", "focus_filter", "Filter", id="focus-filter"),
    ]

    class Opened(Message):
        """The learner chose a scenario."""

        def __init__(self, scenario_id: str) -> None:
            super().__init__()
            self.scenario_id = scenario_id

    def __init__(self, scenarios: list[Scenario], store: ProgressStore) -> None:
        super().__init__()
        self.scenarios = scenarios
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="catalogue"):
            yield Static("Scenarios — type to filter, Enter to open", id="catalogue-title")
            yield Input(placeholder="filter: id, title or topic", id="catalogue-filter")
            yield DataTable(id="catalogue-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("topic", "scenario", "level", "min", "status")
        self.refill("")
        if self.store.problem:
            self.notify(self.store.problem, severity="warning", timeout=10)
        table.focus()

    def on_screen_resume(self) -> None:
        """Back from a scenario: show its new status."""
        if self.is_mounted and self.query(DataTable):
            self.refill(self.query_one(Input).value)

    def refill(self, text: str) -> None:
        """Show the scenarios matching ``text``, grouped by their first topic."""
        table = self.query_one(DataTable)
        table.clear()
        wanted = text.lower().strip()
        rows = sorted(self.scenarios, key=lambda s: (s.topics[0], s.difficulty, s.id))
        for s in rows:
            haystack = " ".join([s.id, s.title, *s.topics]).lower()
            if wanted and wanted not in haystack:
                continue
            table.add_row(s.topics[0], f"{s.title} ({s.id})", "★" * s.difficulty, str(s.minutes), status_label(self.store, s.id), key=s.id)

    @on(Input.Changed, "#catalogue-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.refill(event.value)

    @on(Input.Submitted, "#catalogue-filter")
    def _submit(self) -> None:
        self.action_open_scenario()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.post_message(self.Opened(str(event.row_key.value)))

    def action_focus_filter(self) -> None:
        self.query_one(Input).focus()

    def action_open_scenario(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key:
                self.post_message(self.Opened(str(key)))
