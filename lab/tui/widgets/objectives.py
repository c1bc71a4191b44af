"""Provides ``ObjectiveList``: each check's title with its live status, one line each, and the hints.

One line per objective keeps the briefing and hints on screen at 120×40 with seven
objectives; a title too long for the pane ends in "…". Focused (Tab or F3), ↑/↓ pick an
objective and it shows in full under its line.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from lab.tui.session import Objective

__all__ = ["ObjectiveList"]

WIDE_LINES = 60
"""Cells from which a line spells the state out ("✓ so far") and the points ("10 pts")."""


class ObjectiveList(Static, can_focus=True):
    """Objectives with a glyph and a word for their state, then the hints revealed so far."""

    BINDINGS = [
        Binding("up", "pick(-1)", "Previous objective", show=False),
        Binding("down", "pick(1)", "Next objective", show=False),
    ]

    DEFAULT_CSS = "ObjectiveList:focus { background-tint: $foreground 5%; }"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.objectives: list[Objective] = []
        self.hints: list[str] = []
        self.total_hints = 0
        self.picked = 0
        """The objective shown in full while the list has the focus."""

    def show(self, objectives: list[Objective], hints: list[str], total_hints: int) -> None:
        """Redraw with new states."""
        self.objectives, self.hints, self.total_hints = objectives, hints, total_hints
        self.picked = min(self.picked, max(0, len(objectives) - 1))
        self._draw()

    def action_pick(self, delta: int) -> None:
        """Show the previous / next objective in full (at the ends, the pane scrolls instead)."""
        picked = self.picked + delta
        if not 0 <= picked < len(self.objectives):
            parent = self.parent
            if parent is not None and hasattr(parent, "scroll_relative"):
                parent.scroll_relative(y=delta)
            return
        self.picked = picked
        self._draw()
        self.scroll_visible()

    def watch_has_focus(self, has_focus: bool) -> None:
        # Not on_focus / on_blur: they run before Widget._on_focus / _on_blur set has_focus,
        # so the list drew its unfocused look on focus and kept the details after a blur.
        super().watch_has_focus(has_focus)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = max(20, self.content_region.width or self.size.width or 40)
        text = Text()
        # A narrow pane (the left column at 120 columns is ~27 cells) keeps the state as a
        # glyph, explained once in the title line, so that the titles keep most of the room.
        wide = width >= WIDE_LINES
        text.append("Objectives", style="bold")
        text.append("  F3 ↑↓ details\n" if not self.has_focus else "\n", style="dim")
        for i, o in enumerate(self.objectives):
            glyph, word, style = _look(o)
            if wide:
                tag = "required" if o.required else f"{o.points} pts"
                head = f"{glyph} {word:<7} "
            else:
                tag = "*" if o.required else f"{o.points}p"
                head = f"{'~' if o.met and not o.final else glyph} "
            picked = self.has_focus and i == self.picked
            room = width - cell_len(head) - cell_len(tag) - 1
            title = o.title if cell_len(o.title) <= room else _cut(o.title, room)
            text.append(head, style=style + (" reverse" if picked else ""))
            text.append(title, style="bold" if picked else "")
            text.append(f" {tag}\n", style="dim")
            if picked:
                full = "required" if o.required else f"{o.points} points"
                text.append(f"  {o.title} ({full}; {_state(o)})\n", style="italic")
        if not wide and self.objectives:
            text.append("✓ met  ~ so far  · not yet  ✗ failed  * required\n", style="dim")
        if any(o.broken for o in self.objectives):
            text.append("A failed objective stays failed in this run: ctrl+r runs it again from 0 s with your files.\n", style="dim")
        text.append(f"\nHints {len(self.hints)} of {self.total_hints}", style="bold")
        text.append("  (h or ctrl+t for the next)\n" if len(self.hints) < self.total_hints else "\n", style="dim")
        for i, hint in enumerate(self.hints, start=1):
            text.append(f"{i}. {hint}\n")
        self.update(text)


def _look(o: Objective) -> tuple[str, str, str]:
    """Glyph, word and colour of an objective's state."""
    if o.met:
        return "✓", "met" if o.final else "so far", "green"
    if o.final:
        return "✗", "failed", "red"
    return "·", "not yet", "yellow"


def _state(o: Objective) -> str:
    if o.met:
        return "met for good" if o.final else "met so far"
    return "failed for good in this run" if o.final else "not met yet"


def _cut(title: str, room: int) -> str:
    """``title`` cut to ``room`` cells, ending in "…"."""
    out, used = [], 0
    for ch in title:
        used += cell_len(ch)
        if used > max(0, room - 1):
            break
        out.append(ch)
    return "".join(out).rstrip() + "…"
