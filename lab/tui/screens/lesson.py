"""Provides ``LessonScreen``: a lesson from content/lessons/, opened from a question."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

from lab.tui.screens import HELP_BINDING, LAB_CSS
from lab.tui.screens.footer import FittedFooter

__all__ = ["LessonScreen"]


class LessonScreen(ModalScreen[None], FittedFooter):
    """One lesson as Markdown (the project's own text)."""

    CSS_PATH = LAB_CSS
    BINDINGS = [HELP_BINDING, Binding("escape,l", "close", "Close", id="close-lesson")]  # Help first, as on every screen

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="lesson"):
            yield Markdown(self.markdown)
        yield Footer()  # its own keys, not those of the screen beneath, whose esc would go back

    def action_close(self) -> None:
        self.app.pop_screen()
