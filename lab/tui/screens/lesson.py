"""Provides ``LessonScreen``: a lesson from content/lessons/, opened from a question."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from lab.tui.screens import LAB_CSS

__all__ = ["LessonScreen"]


class LessonScreen(ModalScreen[None]):
    """One lesson as Markdown (the project's own text)."""

    CSS_PATH = LAB_CSS
    BINDINGS = [Binding("escape,l", "close", "Close", id="close-lesson")]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="lesson"):
            yield Markdown(self.markdown)

    def action_close(self) -> None:
        self.app.pop_screen()
