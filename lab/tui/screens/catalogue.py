"""Provides ``CatalogueScreen``: scenarios by curriculum track with difficulty, time and progress."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from lab.practice.tracks import Tracks
from lab.progress import ProgressStore
from lab.tui.catalogue_index import CatalogueEntry, read_tracks, tracks_file
from lab.tui.screens import HELP_BINDING
from lab.tui.screens.footer import FittedFooter
from lab.tui.widgets.key_bar import KeyBar
from lab.tui.widgets.plain_table import PlainTable
from lab.tui.widgets.title_bar import TitleBar

__all__ = ["CatalogueScreen", "FilterBox"]


def status_label(store: ProgressStore, scenario_id: str) -> str:
    """``new``, ``attempted`` or ``passed 90/100`` (words, not colours)."""
    entry = store.scenarios.get(scenario_id)
    if entry is None or entry.status == "new":
        return "new"
    if entry.status == "passed":
        return f"✓ passed {entry.best_score}/{entry.max_score}"
    if entry.best_score is None:
        return "… attempted"
    return f"… attempted, best {entry.best_score}/{entry.max_score}"


def spent_label(store: ProgressStore, scenario_id: str) -> str:
    """Hints used and minutes spent, or empty for a new scenario."""
    entry = store.scenarios.get(scenario_id)
    if entry is None or entry.status == "new":
        return ""
    return f"{entry.hints_used} hint{'' if entry.hints_used == 1 else 's'} · {round(entry.seconds_spent / 60)} min"


def group_label(title: str, members: list[CatalogueEntry], store: ProgressStore) -> str:
    """``Foundations 2/5`` — a group's title and how many of its scenarios are passed."""
    passed = sum(1 for e in members if (s := store.scenarios.get(e.id)) is not None and s.status == "passed")
    return f"{title} {passed}/{len(members)}"


class FilterBox(Input):
    """The catalogue's filter box: Textual's compact ``Input``, compact from its construction.

    ``Input(compact=True)`` sets its compact class after it is built, and Textual restyles
    the box there and then, before it is mounted and styled again (1 ms before the first
    frame). Here the class is given to the constructor and the attribute defaults to it, so
    the box is styled once, when mounted.
    """

    compact = reactive(True, toggle_class="-textual-compact")

    def __init__(self, *, placeholder: str, id: str) -> None:  # noqa: A002 - Textual's name
        super().__init__(placeholder=placeholder, id=id, classes="-textual-compact", compact=True)


class CatalogueScreen(FittedFooter, Screen[None]):
    """Every scenario, grouped by curriculum track in order; type to filter, Enter to open."""

    BINDINGS = [
        HELP_BINDING,  # first, as on every screen
        Binding("enter", "open_scenario", "Open", id="open-scenario"),
        Binding("slash", "focus_filter", "Filter", id="focus-filter"),
    ]

    class Opened(Message):
        """The learner chose a scenario."""

        def __init__(self, scenario_id: str) -> None:
            super().__init__()
            self.scenario_id = scenario_id

    def __init__(self, scenarios: list[CatalogueEntry], store: ProgressStore, tracks: Tracks | None = None, *, first_frame: bool = False) -> None:
        """Args:
            tracks: the curriculum's tracks (``read_index``); read from the tracks file when not given.
            first_frame: the catalogue is the app's first frame (no scenario opened over it at
                start): it is then focused before it is first drawn, and its keys are on a ``KeyBar``.
        """
        super().__init__()
        self.scenarios = scenarios
        self.store = store
        self.tracks = tracks if tracks is not None else read_tracks(tracks_file())
        self.first_frame = first_frame
        if first_frame:
            # The table, not the filter box first (Textual's "*"): whether the screen's resume or
            # its mount comes first, the table is then drawn once, focused.
            # (Only then: under a scenario opened at start the catalogue is built as before.)
            self.AUTO_FOCUS = "#catalogue-table"  # type: ignore[misc]  # Textual reads self.AUTO_FOCUS

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Vertical(id="catalogue"):
            yield Static("Scenarios and exam practice — type to filter, Enter to open", id="catalogue-title")
            yield FilterBox(placeholder="type to filter: id, title or topic", id="catalogue-filter")
            yield PlainTable(id="catalogue-table", cursor_type="row", zebra_stripes=True)
        if self.first_frame:
            yield KeyBar()
            return
        # Under a scenario opened at start, Textual's own footer, as before: the workbench
        # snapshots were taken with the catalogue built the old way beneath them. (Imported
        # only then: 1 ms before the first frame otherwise.)
        from textual.widgets import Footer

        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Text, not str: DataTable reads a str label as markup, and Rich's markup loads its
        # table of ~3,600 emoji names on first use (3 ms before the first frame, for none).
        table.add_columns(*(Text(label) for label in ("track", "status", "level", "min", "scenario", "effort")))
        self.refill("")
        if not self.first_frame:
            table.focus()
            return
        # Focused now, not with ``table.focus()`` (a later turn): the screen's auto-focus would
        # first focus the filter box, and the table would be drawn twice, unfocused then focused.
        self.set_focus(table)

    def on_resize(self, event: events.Resize) -> None:
        """A resize to the size the screen is laid out at: no second layout (Textual's handler skipped).

        Textual sends a new screen the terminal's size three times (the app's resize, again
        from the app's idle check, then after the screen's first layout). Sent while the
        catalogue is being composed, they arrive apart and do not merge, and each laid the
        whole screen out again before the first frame (5-9 ms CPU). Anything else waiting to be
        laid out still is, on Textual's next refresh.
        """
        if event.size == self.outer_size:
            event.prevent_default()

    def on_screen_suspend(self) -> None:
        self._left = True

    def on_screen_resume(self) -> None:
        """Back from a scenario (or any screen): show the status as stored now, by any process.

        Not on the first show: ``on_mount`` has just filled the table from the store.
        """
        if getattr(self, "_left", False) and self.is_mounted and self.query(DataTable):
            self.store.refresh()
            self.refill(self.query_one(Input).value)

    def refill(self, text: str) -> None:
        """Show the scenarios matching ``text``, grouped by their first topic."""
        table = self.query_one(DataTable)
        table.clear()
        wanted = text.lower().strip()
        entries = getattr(self.app, "practice_entries", None)
        first = True
        for key, status, title in entries() if entries else ():
            if wanted and wanted not in f"exam practice quiz review due {title}".lower():
                continue
            table.add_row("exam prep" if first else "", status, "", "", title, "", key=key)
            first = False
        tracks = self.tracks

        def group(s: CatalogueEntry) -> str:
            if not tracks.by_id:
                return s.topics[0]
            return s.track if s.track in tracks.by_id else ""

        rows = sorted(self.scenarios, key=lambda s: (tracks.order(group(s)), group(s), s.difficulty, s.id))
        members: dict[str, list[CatalogueEntry]] = {}
        for s in rows:
            members.setdefault(group(s), []).append(s)
        previous: str | None = None
        for s in rows:
            track_title = tracks.by_id[s.track].title if s.track in tracks.by_id else ""
            haystack = " ".join([s.id, s.title, track_title, *s.topics]).lower()
            if wanted and wanted not in haystack:
                continue
            key = group(s)
            title = tracks.by_id[key].title if key in tracks.by_id else (key or "Other")
            label = group_label(title, members[key], self.store) if key != previous else ""
            previous = group(s)
            cells = (label, status_label(self.store, s.id), "★" * s.difficulty, str(s.minutes), f"{s.title} ({s.id})", spent_label(self.store, s.id))
            table.add_row(*(Text(c) for c in cells), key=s.id)  # titles from scenario files: never markup

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

    def on_key(self, event: events.Key) -> None:
        """Typing a letter anywhere on the catalogue goes to the filter box; in the box, ↑ ↓ move the highlight."""
        box = self.query_one(Input)
        if box.has_focus and event.key in ("up", "down"):
            # Enter in the box opens the highlighted row: these pick which, as in a picker.
            event.stop()
            table = self.query_one(DataTable)
            if event.key == "down":
                table.action_cursor_down()
            else:
                table.action_cursor_up()
            return
        if event.is_printable and event.character and not box.has_focus and event.character not in "/?":
            event.stop()
            box.focus()
            box.insert_text_at_cursor(event.character)

    def action_focus_filter(self) -> None:
        self.query_one(Input).focus()

    def action_open_scenario(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key:
                self.post_message(self.Opened(str(key)))
