"""Provides ``WhyNotPlacedScreen``: for every instance, the first check that rejected it, or its rank.

The learner picks what to explain — a placement failure from the event log, a PENDING task,
or a service — and the table shows ``World.explain_placement`` for that task group now.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option

from lab.sim.events import PlacementFailed, TaskStateChanged
from lab.sim.world import TaskView, World
from lab.tui.screens import HELP_BINDING, LAB_CSS
from lab.tui.screens.footer import FittedFooter
from lab.tui.widgets.event_log import format_time

__all__ = ["WhyNotPlacedScreen", "subjects"]


def _failed(failure: PlacementFailed) -> str:
    return f"✕ failed {format_time(failure.at)} {failure.group} [{failure.reason}]"


def subjects(world: World, highlighted: Any = None) -> list[tuple[str, str]]:
    """What can be explained, as (task group, label); the best first guess comes first."""
    found: dict[str, str] = {}
    if isinstance(highlighted, TaskView):
        found[highlighted.group] = f"selected task {highlighted.task_id[:8]} ({highlighted.last_status}) of {highlighted.group}"
    elif isinstance(highlighted, PlacementFailed):
        found[highlighted.group] = f"selected event: {_failed(highlighted)}"
    elif isinstance(highlighted, TaskStateChanged):
        found[highlighted.group] = f"selected event: {highlighted.group}"
    # The newest failure of each group: while tasks wait, the scheduler fails again every pass.
    for failure in reversed(world.log.of_type(PlacementFailed)):
        found.setdefault(failure.group, _failed(failure))
    pending: Counter[str] = Counter(t.group for t in world.snapshot().tasks if t.last_status in ("PROVISIONING", "PENDING"))
    for group, count in sorted(pending.items()):
        found.setdefault(group, f"○ {count} PENDING task(s) of {group}")
    for svc in world.metrics().services:
        found.setdefault(f"service:{svc.name}", f"service:{svc.name} ({svc.running}/{svc.desired} running)")
    return list(found.items())


class WhyNotPlacedScreen(ModalScreen[None], FittedFooter):
    """Placement explained, instance by instance, for the chosen task group."""

    CSS_PATH = LAB_CSS
    BINDINGS = [HELP_BINDING, Binding("escape", "close", "Close", id="close-why")]  # Help first, as on every screen

    def __init__(self, world: World, highlighted: Any = None) -> None:
        super().__init__()
        self.world = world
        self.choices = subjects(world, highlighted)
        """(task group, label) the learner can pick from."""
        self.group: str | None = None
        """The group on show."""
        self.rows: list[Any] = []
        """Verdicts in table order."""

    def compose(self) -> ComposeResult:
        with Vertical(id="why"):
            yield Static(id="why-title", markup=False)  # names from the learner's files: plain text
            yield OptionList(*[Option(Content(label), id=group) for group, label in self.choices], id="why-subjects")
            yield Static(id="why-summary", markup=False)
            yield DataTable(id="why-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="why-detail", markup=False)
        yield Footer()  # its own keys, not the workbench's, whose esc would go back to the catalogue

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("instance", "first failed check", "rank", "AZ", "status", "strategy keys")
        if not self.choices:
            self.query_one("#why-title", Static).update("Nothing to place yet — no service, no pending task, no failure. (Esc)")
            return
        self.query_one(OptionList).highlighted = 0
        self.show_group(self.choices[0][0])

    @on(OptionList.OptionHighlighted)
    def _picked(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.show_group(event.option.id)

    def show_group(self, group: str) -> None:
        """Explain ``group``: every instance's first failed check, or its rank among those that passed."""
        if group == self.group:
            return
        self.group = group
        verdicts = self.world.explain_placement(group)
        self.query_one("#why-title", Static).update(
            f"Why not placed? — {group} at t={format_time(self.world.now)}  (Tab: list / table, Esc: close)"
        )
        passed = [v for v in verdicts if v.reason is None]
        rejected = Counter(v.reason for v in verdicts if v.reason is not None)
        summary = f"{len(verdicts)} instances: {len(passed)} passed every check"
        if rejected:
            summary += "; rejected: " + ", ".join(f"{reason} ×{n}" for reason, n in rejected.most_common())
        if passed:
            summary += ". Rank 1 is the strategies' first choice (keys: the value each strategy ranks on)."
        self.query_one("#why-summary", Static).update(summary)
        table = self.query_one(DataTable)
        table.clear()
        ordered = sorted(verdicts, key=lambda v: (v.rank is None, v.rank or 0, v.index))
        self.rows = ordered
        table.add_rows(
            tuple(
                Text(cell)  # a str cell would be parsed as markup
                for cell in (
                    v.ec2_instance_id,
                    "✓ passed every check" if v.reason is None else f"✕ {v.reason}",
                    str(v.rank) if v.rank else "—", v.availability_zone, v.status,
                    " ".join(map(str, v.strategy_keys)) or "—",
                )
            )
            for v in ordered
        )
        self._detail(0)

    @on(DataTable.RowHighlighted)
    def _row(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.cursor_row)

    def _detail(self, row: int) -> None:
        """The highlighted instance's verdict as a sentence."""
        if not 0 <= row < len(self.rows):
            self.query_one("#why-detail", Static).update("")
            return
        v = self.rows[row]
        if v.reason is None:
            text = f"{v.ec2_instance_id} passed every check; the strategies rank it {v.rank} (keys {' '.join(map(str, v.strategy_keys)) or '—'})."
        else:
            text = f"{v.ec2_instance_id} (container instance {v.container_instance_id[:8]}…) {v.detail}"
        self.query_one("#why-detail", Static).update(text)

    def action_close(self) -> None:
        self.app.pop_screen()
