"""Provides ``EventLogView``: the simulation's events, newest first, filterable, with a cursor.

It reads the world's event log incrementally (``EventLog.since``) and keeps the positions
of the events that pass the filter; lines are drawn only when they are on screen.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from rich.text import Text
from textual.message import Message

from lab.sim.events import PlacementFailed, TaskStateChanged
from lab.tui.widgets.line_view import LineView

__all__ = ["NOISY", "EventLogView", "format_time", "short_ids"]

NOISY = frozenset({"ImagePullStarted", "ImagePullFinished", "ContainerStateChanged", "ContainerHealthChanged", "AppLogged"})
"""Event types hidden unless the filter asks for them: the log stays about what matters."""


def format_time(at: float) -> str:
    """Simulated seconds as ``hh:mm:ss``."""
    whole = int(at)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


LONG_ID = re.compile(r"\b([0-9a-f]{8})[0-9a-f]{24}\b")
"""Task and container-instance ids (32 hex digits): the log shows their first 8, as the console does."""


def short_ids(message: str) -> str:
    """``message`` with every 32-digit id cut to its first 8 digits and an ellipsis."""
    return LONG_ID.sub(r"\1…", message)


def _style(event: Any) -> str:
    if isinstance(event, PlacementFailed):
        return "dim yellow" if event.repeated else "yellow"
    if isinstance(event, TaskStateChanged) and getattr(event, "last_status", "") == "STOPPED":
        return "red"
    return ""


class EventLogView(LineView):
    """Events, newest first; the highlighted one is shown in full by the parent."""

    class Highlighted(Message):
        """The cursor moved to an event (None: the log is empty)."""

        def __init__(self, view: EventLogView, event: Any) -> None:
            super().__init__()
            self.view = view
            self.event = event

        @property
        def control(self) -> EventLogView:
            return self.view

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.events: list[Any] = []
        """Every event read so far, oldest first."""
        self.matches: list[int] = []
        """Positions in ``events`` of the events that pass the filter, oldest first."""
        self.filter_text = ""
        """Only events whose type or message contains this text (case-insensitive)."""
        self.cursor = 0
        self._texts: list[str] = []
        """What the filter searches, per event (its type and message in lower case), made on first use."""
        self._hidden: set[int] = set()
        """Repeated placement failures a newer repeat of the same group stands for."""
        self._repeats: dict[str, tuple[int, float, int]] = {}
        """Group → (position of its newest repeated failure, when the message was posted, attempts since)."""

    def _passes(self, event: Any) -> bool:
        name = type(event).__name__
        wanted = self.filter_text
        if not wanted:
            return name not in NOISY
        return wanted in name.lower() or wanted in event.message.lower()

    def _searchable(self) -> list[str]:
        """``_texts`` for every event read so far (an event's message is formatted once, not per key)."""
        texts = self._texts
        for event in self.events[len(texts):]:
            # NUL cannot be typed into the filter, so no match spans the two parts.
            texts.append(f"{type(event).__name__.lower()}\0{event.message.lower()}")
        return texts

    def extend(self, new_events: list[Any]) -> None:
        """Read events appended to the world's log since the last call."""
        if not new_events:
            return
        start = len(self.events)
        self.events.extend(new_events)
        before = len(self.matches)
        self._fold_repeats(start)
        self.matches.extend(i for i in range(start, len(self.events)) if i not in self._hidden and self._passes(self.events[i]))
        if self.cursor:
            self.cursor = min(len(self.matches) - 1, self.cursor + len(self.matches) - before)
        self.reset_lines(len(self.matches), self._widest())
        self._announce()

    def _fold_repeats(self, start: int) -> None:
        """Show one line per run of repeated placement failures: the newest, with a count.

        While tasks wait, the scheduler fails every pass; ECS posts the message once (§4.6).
        """
        for i in range(start, len(self.events)):
            event = self.events[i]
            if not isinstance(event, PlacementFailed):
                continue
            if not event.repeated:
                self._repeats[event.group] = (i, event.at, 0)
                continue
            previous, since, attempts = self._repeats.get(event.group, (i, event.at, 0))
            if previous != i and self.events[previous].repeated:
                self._hidden.add(previous)
                at = bisect.bisect_left(self.matches, previous)
                if at < len(self.matches) and self.matches[at] == previous:
                    del self.matches[at]
            self._repeats[event.group] = (i, since, attempts + 1)

    def repeat_text(self, index: int) -> str:
        """The line for a repeated placement failure at ``index`` in ``events``."""
        event = self.events[index]
        _, since, attempts = self._repeats.get(event.group, (index, event.at, 1))
        return (
            f"(service {event.service}) still unable to place a task, same cause: {attempts} more attempt"
            f"{'s' if attempts != 1 else ''} since {format_time(since)} (ECS does not post the message again for 6 hours)"
        )

    def clear(self) -> None:
        """Forget every event (the world restarted)."""
        self._hidden, self._repeats = set(), {}
        self.events, self.matches, self.cursor = [], [], 0
        self.reset_lines(0)
        self._announce()

    def set_filter(self, text: str) -> None:
        """Show only the events matching ``text``.

        A key typed into the filter searches strings made once per event, and typing more of
        the same word searches only the events that matched so far: a log of 100,000 events
        still answers each key in milliseconds.
        """
        old, wanted = self.filter_text, text.lower().strip()
        self.filter_text = wanted
        hidden = self._hidden
        if not wanted:
            self.matches = [i for i, e in enumerate(self.events) if i not in hidden and self._passes(e)]
        else:
            texts = self._searchable()
            within = self.matches if old and wanted.startswith(old) else range(len(texts))
            self.matches = [i for i in within if wanted in texts[i] and i not in hidden]
        self.cursor = 0
        self.reset_lines(len(self.matches), self._widest())
        self.scroll_home(animate=False)
        self._announce()

    def _widest(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def relayout(self) -> None:
        """Lines are cut at the new width."""
        self.reset_lines(len(self.matches), self._widest())

    def event_at(self, line: int) -> Any:
        """The event drawn on ``line`` (0 = newest)."""
        return self.events[self.matches[-1 - line]]

    @property
    def highlighted(self) -> Any:
        """The event under the cursor, or None."""
        return self.event_at(self.cursor) if self.matches else None

    def line_text(self, index: int) -> Text:
        """One event: simulated time and its ECS message."""
        event = self.event_at(index)
        marker = "▶ " if index == self.cursor and self.has_focus else "  "
        text = Text(f"{marker}{format_time(event.at)} ", style="bold" if index == self.cursor else "")
        message = self.repeat_text(self.matches[-1 - index]) if isinstance(event, PlacementFailed) and event.repeated else event.message
        text.append(short_ids(message), style=_style(event))
        return text

    def cursor_moved(self) -> None:
        self._announce()

    def _announce(self) -> None:
        self.post_message(self.Highlighted(self, self.highlighted))
