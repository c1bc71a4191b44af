"""Provides ``ConfirmModal``: a yes/no question answered with the keyboard or the mouse."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from lab.tui.screens import HELP_BINDING, LAB_CSS
from lab.tui.screens.footer import FittedFooter

__all__ = ["ConfirmModal", "QuitModal"]


class ConfirmModal(ModalScreen[bool], FittedFooter):
    """Asks a question; dismisses with True (yes) or False (no)."""

    CSS_PATH = LAB_CSS
    BINDINGS = [HELP_BINDING, Binding("y", "yes", "Yes"), Binding("n,escape", "no", "No")]  # Help first, as on every screen

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self.question)
            with Horizontal():
                yield Button("Yes (y)", id="yes", variant="warning")
                yield Button("No (n)", id="no", variant="primary")
        yield Footer()  # its own keys, not those of the screen beneath, whose esc would go back

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class QuitModal(ConfirmModal):
    """The question before quitting with an exam not submitted (the app quits on a second ctrl+q)."""
