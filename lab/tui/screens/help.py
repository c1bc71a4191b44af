"""Provides ``HelpScreen``: what the keys do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

__all__ = ["HELP", "HelpScreen"]

HELP = """\
# ECS Lab — keys

| key | does |
|---|---|
| Enter | open the highlighted scenario |
| / | filter the catalogue |
| space | play / pause the simulation |
| . | step to the next event |
| + / - | faster / slower (x1, x10, x60, x600) |
| E | run to the end of the scenario |
| ctrl+a | apply your files to the running simulation (new revision, service update, role update) |
| ctrl+r | restart from time zero with your files |
| ctrl+g | grade: the canonical run on every seed |
| ctrl+t | reveal the next hint |
| ctrl+w | why not placed? |
| ctrl+p | command palette |
| escape | back / close |
| ctrl+q | quit |

Your edits are saved as you type and come back when you reopen a scenario.
"""


class HelpScreen(ModalScreen[None]):
    """The key reference."""

    BINDINGS = [Binding("escape,question_mark", "close", "Close", id="close-help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)

    def action_close(self) -> None:
        self.app.pop_screen()
