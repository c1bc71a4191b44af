"""Provides ``WhyNotPlacedScreen``: for every instance, the first check that rejected it, or its rank."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from lab.sim.events import PlacementFailed
from lab.tui.session import Session

__all__ = ["WhyNotPlacedScreen"]


class WhyNotPlacedScreen(ModalScreen[None]):
    """Placement explained for the group of the latest placement failure (or the first service)."""

    BINDINGS = [Binding("escape", "close", "Close", id="close-why")]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def group(self) -> str | None:
        """The task group to explain."""
        world = self.session.world
        failures = world.log.of_type(PlacementFailed)
        if failures:
            return failures[-1].group  # type: ignore[no-any-return]
        if world.services:
            return f"service:{next(iter(world.services))}"
        return None

    def compose(self) -> ComposeResult:
        with Vertical(id="why"):
            yield Static(id="why-title")
            yield DataTable(id="why-table", cursor_type="row")

    def on_mount(self) -> None:
        group = self.group()
        title = self.query_one("#why-title", Static)
        table = self.query_one(DataTable)
        table.add_columns("instance", "AZ", "status", "first failed check", "rank")
        if group is None:
            title.update("Nothing to place yet.")
            return
        verdicts = self.session.world.explain_placement(group)
        title.update(f"Why not placed? — {group}, at t={self.session.world.now:.0f} s (Esc to close)")
        for v in verdicts:
            check = "passed every check" if v.reason is None else f"{v.reason}: {v.detail}"
            table.add_row(v.ec2_instance_id, v.availability_zone, v.status, check, str(v.rank) if v.rank else "—")

    def action_close(self) -> None:
        self.app.pop_screen()
