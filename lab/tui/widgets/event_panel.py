"""Provides ``EventPanel``: the event log with its filter box and the highlighted event in full."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from lab.tui.widgets.event_log import EventLogView, format_time

__all__ = ["EventPanel"]


class EventPanel(Vertical):
    """Filter, newest-first events, and the full text of the highlighted one."""

    class FilterChanged(Message):
        """The learner typed into the filter box."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter events (type, task, reason…)", classes="event-filter", compact=True)
        yield EventLogView(classes="event-log")
        yield Static(classes="event-detail")

    @property
    def log_view(self) -> EventLogView:
        """The log inside the panel."""
        return self.query_one(EventLogView)

    def set_filter(self, text: str) -> None:
        """Filter the log (the parent keeps every panel's filter the same)."""
        box = self.query_one(Input)
        if box.value != text:
            with box.prevent(Input.Changed):
                box.value = text
        self.log_view.set_filter(text)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    @on(EventLogView.Highlighted)
    def _highlighted(self, event: EventLogView.Highlighted) -> None:
        self.query_one(".event-detail", Static).update(_detail(event.event))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.log_view.focus()


def _detail(event: Any) -> Content:
    # Plain Content: messages quote names from the learner's files, never markup.
    if event is None:
        return Content("no events match")
    return Content(f"{format_time(event.at)} {type(event).__name__}: {event.message}")
