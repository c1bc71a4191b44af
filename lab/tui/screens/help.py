"""Provides ``HelpScreen``: what the keys do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

from lab.tui.screens import LAB_CSS
from lab.tui.screens.footer import FittedFooter

__all__ = ["HELP", "HelpScreen"]

HELP = """\
# ECS Lab — keys

Ctrl keys work everywhere, also while you type in an editor. Plain keys work when the
editor does not have the focus (Esc or Tab leaves the editor).

| key | does |
|---|---|
| ? or F1 | this list (F1 also while you type in an editor) |
| Enter | open the highlighted scenario (type to filter the catalogue) |
| / | filter the catalogue |
| ctrl+s  (a) | apply your files to the running simulation: new revision, service update, role update |
| ctrl+r  (r) | restart from time zero with your files |
| ctrl+g  (g) | grade: the canonical run on every seed, in the background |
| ctrl+t  (h) | reveal the next hint (hints used are recorded) |
| ctrl+n  (w) | why not placed? — every instance's first failed check, and the strategies' ranking |
| ctrl+o | edit the current file in $VISUAL / $EDITOR |
| ctrl+z / ctrl+y | undo / redo in the editor |
| space | play / pause the simulation |
| . | step to the next event |
| E | run to the end of the scenario |
| + / - | faster / slower (x1, x10, x60, x600) |
| R | reset every file to its starting content (asks first) |
| ↑ ↓ in the event log | move; the highlighted event is shown in full below |
| ← → in the charts | move the cursor (shift: 10 columns); its values and events show on top |
| { } in the charts | previous / next marker (S scaling, D deployment, X failed, F fault, A apply) |
| Enter in the charts | travel to the cursor's time |
| [ ] | travel back / forward in simulated time by the step (t: 10 s, 1 min, 5 min) |
| j | jump to a simulated time already covered (play replays the run from there; an Apply in the past discards what came after) |
| F3 F4 F5 F6 F7 F8 | focus the briefing and objectives / editor / charts / cluster or tasks / events / metrics (↑↓ PgUp PgDn scroll) |
| alt+1..9, ctrl+PgUp / ctrl+PgDn | centre tab by number / previous / next (files, charts) |
| Home / End in the charts | the start of the run / follow the run again |
| s (results) | show the solution (before a pass: asks, and marks the attempt as revealed) |
| f2 | dark / light theme |
| ctrl+p | command palette ("scenario: open …", "sim: pause", …) |
| a–e, ↑↓ space (practice, exam) | choose an option; Enter answers (practice), then Enter for the next |
| o / l (practice, review, exam review) | open the question's scenario / lesson (after answering) |
| ← → p n u f (exam) | previous / next item, the next unanswered or flagged one, flag for review |
| Home / End (exam) | the first / last item |
| o / g (exam, hands-on) | open the scenario to edit it / grade it for the exam |
| ctrl+s, Esc (exam) | submit (asks first); the exam submits itself when the time is up |
| a / w / f (exam results) | review all / the wrong / the flagged items with their explanations |
| ← → p n (exam review) | previous / next reviewed item |
| escape | leave the editor / close / back to the catalogue (asks first when edits are not applied) |
| ctrl+q | quit (with an exam not submitted: asks first; ctrl+q again quits) |

At 80x24 the panes become tabs: Brief (objectives, hints, briefing), one per file, Cluster,
Events (with the metrics). Edits are saved as you type and come back when you reopen a
scenario. NO_COLOR is respected; states are always shown by a glyph and a word.
"""


class HelpScreen(ModalScreen[None], FittedFooter):
    """The key reference."""

    CSS_PATH = LAB_CSS
    BINDINGS = [Binding("escape,question_mark,f1", "close", "Close", id="close-help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)
        yield Footer()  # its own keys, not those of the screen beneath, whose esc would go back

    def action_close(self) -> None:
        self.app.pop_screen()
