"""Provides ``ResultsScreen``: per check pass/fail, points and message; debrief after a pass."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

from lab.grading.report import Report
from lab.tui.screens import HELP_BINDING, LAB_CSS
from lab.tui.screens.footer import FittedFooter
from lab.tui.session import Session

__all__ = ["ResultsScreen", "results_markdown"]


def results_markdown(session: Session, report: Report, *, show_solution: bool = False) -> str:
    """The results as Markdown: verdict, one line per check, then debrief and lesson on a pass."""
    verdict = "✓ PASSED" if report.passed else "✗ FAILED"
    lines = [f"# {verdict} — {report.score}/{report.max_score}", f"Seeds: {', '.join(str(s.seed) for s in report.seeds)}", ""]
    for check in report.worst():
        mark = "✓ PASS" if check.passed else "✗ FAIL"
        tag = "required" if check.required else "optional"
        lines.append(f"- **{mark}** {check.title} — {check.awarded}/{check.points} ({tag})")
        if not check.passed:
            lines.append(f"  - {check.message}")
    if report.apply_errors:
        lines += ["", "## AWS refused part of your files", *[f"- `{d}`" for d in report.apply_errors]]
    scenario = session.scenario
    if not report.passed:
        lines += ["", "Not yet. Esc goes back to your files; ctrl+t there reveals the next hint; s shows the solution (it asks first, and the attempt is then marked as revealed)."]
    if report.passed:
        lines += ["", "## Debrief", scenario.debrief]
        if scenario.lesson:
            lesson = Path(session.loaded.document.file).resolve().parent.parent / "content" / scenario.lesson
            try:
                from lab.yaml_source import read_regular

                lines += ["", read_regular(lesson, max_bytes=1024 * 1024).decode("utf-8", errors="replace")]
            except OSError:
                pass  # a lesson that cannot be read (missing, a FIFO, too large) is left out
    if show_solution:
        lines += ["", "## Solution"]
        for name, content in scenario.solution.items():
            lines += [f"### {name}", "```yaml", str(content).rstrip(), "```"]
    return "\n".join(lines)


class ResultsScreen(ModalScreen[None], FittedFooter):
    """The graded run's results."""

    CSS_PATH = LAB_CSS
    BINDINGS = [
        HELP_BINDING,  # first, as on every screen
        Binding("escape", "dismiss", "Close", id="close-results"),
        Binding("s", "solution", "Show solution", id="show-solution"),
    ]

    def __init__(self, session: Session, report: Report) -> None:
        super().__init__()
        self.session = session
        self.report = report

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="results"):
            yield Markdown(results_markdown(self.session, self.report), id="results-body")
        yield Footer()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.app.pop_screen()

    def action_solution(self) -> None:
        from lab.tui.screens.confirm import ConfirmModal

        entry = self.session.store.get(self.session.scenario.id)
        if self.report.passed or entry.solution_revealed:
            self._reveal()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.session.store.reveal_solution(self.session.scenario.id)
                self._reveal()

        self.app.push_screen(ConfirmModal("Show the solution? The attempt will be marked as revealed."), answered)

    def _reveal(self) -> None:
        self.query_one(Markdown).update(results_markdown(self.session, self.report, show_solution=True))
