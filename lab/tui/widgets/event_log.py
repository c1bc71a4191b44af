"""Provides ``EventLogView``: the simulation's events, newest first, filterable."""

from __future__ import annotations

from textual.widgets import RichLog

__all__ = ["EventLogView", "format_time"]

NOISY = {"ImagePullStarted", "ImagePullFinished", "ContainerStateChanged", "ContainerHealthChanged"}
"""Event types hidden unless the filter asks for them: the log stays about what matters."""


def format_time(at: float) -> str:
    """Simulated seconds as ``hh:mm:ss``."""
    whole = int(at)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class EventLogView(RichLog):
    """Events, newest first (it re-renders the tail it shows)."""

    DEFAULT_CSS = "EventLogView { height: 1fr; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(wrap=True, markup=False, highlight=False, auto_scroll=False, **kwargs)  # type: ignore[arg-type]
        self.filter_text = ""
        """Only events whose type or message contains this text (case-insensitive)."""
        self.limit = 200

    def show(self, events: list) -> None:
        """Render the newest events that pass the filter."""
        wanted = self.filter_text.lower()
        rows = []
        for event in reversed(events):
            name = type(event).__name__
            if not wanted and name in NOISY:
                continue
            line = f"{format_time(event.at)} {event.message}"
            if wanted and wanted not in line.lower() and wanted not in name.lower():
                continue
            rows.append(line)
            if len(rows) >= self.limit:
                break
        self.clear()
        for line in rows:
            self.write(line)
        self.scroll_home(animate=False)
