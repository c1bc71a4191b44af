"""Provides ``JumpModal``: asks for a simulated time to travel to, within the covered run."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from lab.tui.screens import HELP_BINDING, LAB_CSS
from lab.tui.screens.footer import FittedFooter
from lab.tui.widgets.event_log import format_time

__all__ = ["JumpModal", "parse_time"]

_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_time(text: str) -> float | None:
    """Seconds from ``hh:mm:ss``, ``mm:ss``, ``90``, ``90s``, ``5m`` or ``1h``; None if it is none of these."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(:\d{1,2}){1,2}(\.\d+)?", text):
        seconds = 0.0
        for part in text.split(":"):
            seconds = seconds * 60 + float(part)
        return seconds
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smh]?)", text)
    if match:
        return float(match.group(1)) * _UNITS[match.group(2)]
    return None


class JumpModal(ModalScreen[float | None], FittedFooter):
    """One input: the time to jump to; Enter travels, Esc cancels."""

    CSS_PATH = LAB_CSS
    BINDINGS = [HELP_BINDING, Binding("escape", "cancel", "Cancel")]  # Help first, as on every screen

    def __init__(self, now: float, horizon: float) -> None:
        super().__init__()
        self.now = now
        self.horizon = horizon

    def compose(self) -> ComposeResult:
        with Vertical(id="jump"):
            yield Static(f"Jump to a simulated time from 00:00:00 to {format_time(self.horizon)} (the run covered so far).", id="jump-title")
            yield Input(value=format_time(self.now), placeholder="hh:mm:ss, mm:ss, 90s, 5m", id="jump-input")
            yield Static("Enter travels there, Esc cancels. Playing on from a past time replays the run.", id="jump-note")
        yield Footer()  # its own keys, not the workbench's, whose esc would go back to the catalogue

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        at = parse_time(event.value)
        if at is None:
            self.query_one("#jump-note", Static).update(f"Not a time: {event.value!r}. Write hh:mm:ss, mm:ss, 90s or 5m.")
            return
        self.dismiss(min(at, self.horizon))

    def action_cancel(self) -> None:
        self.dismiss(None)
