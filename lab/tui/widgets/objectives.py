"""Provides ``ObjectiveList``: each check's title with its live status in the running simulation."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from lab.tui.session import Objective

__all__ = ["ObjectiveList"]


class ObjectiveList(Static):
    """Objectives with a glyph and a word for their state, then the hints revealed so far."""

    def show(self, objectives: list[Objective], hints: list[str], total_hints: int) -> None:
        """Redraw."""
        text = Text()
        text.append("Objectives\n", style="bold")
        for o in objectives:
            if o.met:
                mark, word, style = "✓", "met" if o.final else "so far", "green"
            else:
                mark, word, style = "✗", "failed" if o.final else "not yet", "red" if o.final else "yellow"
            tag = "required" if o.required else f"{o.points} pts"
            text.append(f"{mark} {word:<7}", style=style)
            text.append(f" {o.title} ")
            text.append(f"({tag})\n", style="dim")
        if any(o.broken for o in objectives):
            text.append("A failed objective stays failed in this run: ctrl+r runs it again from 0 s with your files.\n", style="dim")
        text.append(f"\nHints {len(hints)} of {total_hints}", style="bold")
        text.append("  (h or ctrl+t for the next)\n" if len(hints) < total_hints else "\n", style="dim")
        for i, hint in enumerate(hints, start=1):
            text.append(f"{i}. {hint}\n")
        self.update(text)
