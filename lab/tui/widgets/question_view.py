"""Provides ``QuestionView``: a question with its options, and after an answer every option's explanation.

Everything the learner or an author wrote is put into ``Text`` objects, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import Static

from lab.practice import QuestionItem

__all__ = ["QuestionView", "question_text", "reflow"]


def question_text(
    item: QuestionItem,
    *,
    number: int,
    total: int,
    chosen: Iterable[int] = (),
    cursor: int | None = None,
    revealed: bool = False,
    flagged: bool = False,
) -> Text:
    """The question as styled text: stem, lettered options, and the feedback once revealed."""
    q = item.question
    picked = set(chosen)
    out = Text()
    out.append(f"Question {number} of {total}", style="bold")
    out.append(f"   {' '.join(q.topics)} · DOP-C02 {q.domain} · level {q.difficulty}", style="dim")
    if flagged:
        out.append("   ⚑ flagged", style="bold")
    out.append("\n\n")
    out.append(reflow(q.stem))
    out.append("\n")
    if q.multiple:
        out.append(f"Choose {q.choose}.", style="italic")
        out.append("\n")
    out.append("\n")
    for i, (letter, option) in enumerate(item.options):
        pointer = "›" if cursor == i else " "
        box = ("[x]" if i in picked else "[ ]") if q.multiple else ("(•)" if i in picked else "( )")
        style = ""
        if revealed:
            style = "bold green" if option.correct else ("red" if i in picked else "")
        line = Text(f"{pointer} {box} {letter}) ", style="bold" if cursor == i else "")
        line.append(option.text, style=style)
        if revealed:
            line.append("  ✓ right" if option.correct else ("  ✗ your choice" if i in picked else ""), style=style)
        out.append_text(line)
        out.append("\n")
    if revealed:
        out.append("\n")
        out.append_text(feedback_text(item, picked))
    return out


def reflow(text: str) -> str:
    """``text`` with each paragraph's lines joined into one, for the view to wrap at its width.

    Stems are written wrapped at ~95 columns: shown as written they broke mid-sentence at 80
    columns. Blank lines and indented lines (a Dockerfile, a YAML snippet) are kept as they are.
    """
    out: list[str] = []
    joinable = False
    for line in text.strip().split("\n"):
        prose = bool(line.strip()) and not line[0].isspace()
        if prose and joinable:
            out[-1] += " " + line.strip()
        else:
            out.append(line)
        joinable = prose
    return "\n".join(out)


def feedback_text(item: QuestionItem, picked: set[int]) -> Text:
    """Right or wrong, why for every option, the takeaway, what changed, the references and links."""
    q = item.question
    out = Text()
    if item.is_right(picked):
        out.append("✓ Correct.", style="bold green")
    elif not picked:
        out.append(f"– Not answered. The answer is {item.correct_letters()}.", style="bold")
    else:
        out.append(f"✗ Not quite. The answer is {item.correct_letters()}.", style="bold red")
    out.append("\n\n")
    for letter, option in item.options:
        out.append(f"{letter}) ", style="bold")
        out.append("right — " if option.correct else "wrong — ", style="green" if option.correct else "")
        out.append(option.why)
        out.append("\n")
    out.append("\nTakeaway: ", style="bold")
    out.append(q.takeaway)
    out.append("\n")
    if q.changed:
        out.append("What changed: ", style="bold")
        out.append(q.changed)
        out.append("\n")
    for ref in q.references:
        out.append("Reference: ", style="bold")
        out.append(ref.url)
        out.append(f" (checked {ref.checked})", style="dim")
        out.append("\n")
    links = []
    if q.scenario:
        links.append(f"o opens the scenario {q.scenario}")
    if q.lesson:
        links.append(f"l opens the lesson {q.lesson}")
    if links:
        out.append(" · ".join(links), style="italic")
        out.append("\n")
    return out


class QuestionView(Static):
    """Shows one question; the screen that owns it sets what is chosen and whether to reveal."""

    def show(self, item: QuestionItem, **state: object) -> None:
        """Render ``item`` with ``question_text``'s keyword state."""
        self.update(question_text(item, **state))  # type: ignore[arg-type]
