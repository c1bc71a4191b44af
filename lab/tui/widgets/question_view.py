"""Provides ``QuestionView``: a question with its options, and after an answer every option's explanation.

Everything the learner or an author wrote is put into ``Text`` objects, never parsed as markup;
only Markdown's inline code (`` `x` ``) and strong emphasis (``**x**``) are drawn as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual import events
from textual.visual import VisualType
from textual.widgets import Static

from lab.practice import QuestionItem

__all__ = ["INLINE_CODE_CSS", "QuestionView", "inline", "opening", "question_text", "reflow"]

INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*")
"""Markdown's inline code and strong emphasis, the two that questions are written with."""

INLINE_CODE_CSS = """
&:dark > .inline-code { background: $warning 10%; color: $text-warning 95%; }
&:light > .inline-code { background: $error 5%; color: $text-error 95%; }
"""
"""Inline code as the ``Markdown`` widget draws it (in the lessons and the briefings): the rules
inside the CSS block of a widget that declares the ``inline-code`` component class."""


def question_text(
    item: QuestionItem,
    *,
    number: int,
    total: int,
    chosen: Iterable[int] = (),
    cursor: int | None = None,
    revealed: bool = False,
    flagged: bool = False,
    code_style: Style | str = "bold",
    wrap: tuple[Console, int] | None = None,
) -> Text:
    """The question as styled text: stem, lettered options, and the feedback once revealed.

    ``code_style`` is inline code's style (the view passes its theme's). With ``wrap`` (a
    console and the view's width) an option's long text is wrapped under its own first word.
    """
    q = item.question
    picked = set(chosen)
    out = Text()
    out.append(f"Question {number} of {total}", style="bold")
    out.append(f"   {' '.join(q.topics)} · DOP-C02 {q.domain} · level {q.difficulty}", style="dim")
    if flagged:
        out.append("   ⚑ flagged", style="bold")
    out.append("\n\n")
    for n, line in enumerate(reflow(q.stem).split("\n")):
        if n:
            out.append("\n")
        # An indented line is a code block's: its backticks are the code's own.
        out.append_text(Text(line) if line[:1].isspace() else inline(line, code_style))
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
        head = Text(f"{pointer} {box} {letter}) ", style="bold" if cursor == i else "")
        body = Text(style=head.style)
        body.append_text(inline(option.text, code_style, style))
        mark = Text(("✓ right" if option.correct else ("✗ your choice" if i in picked else "")) if revealed else "", style=style)
        out.append_text(head)
        out.append_text(hang(body, head.cell_len, wrap, mark))
        out.append("\n")
    if revealed:
        out.append("\n")
        out.append_text(feedback_text(item, picked, code_style))
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


def opening(text: str, limit: int = 100) -> str:
    """``text``'s first paragraph (reflowed), for a list row: cut after a word at most ``limit``
    characters in, never inside `` `code` ``, and then ended with "…"."""
    first = reflow(text).split("\n")[0]
    if len(first) <= limit:
        return first
    cut = first.rfind(" ", 0, limit)
    while cut > 0 and first.count("`", 0, cut) % 2:  # inside code: cut before it
        cut = first.rfind(" ", 0, cut)
    return first[:cut] + " …" if cut > 0 else first


def hang(text: Text, indent: int, wrap: tuple[Console, int] | None, mark: Text) -> Text:
    """``text`` and two spaces and ``mark``, wrapped at the width in ``wrap`` less ``indent``, its lines after the first indented by ``indent``.

    The mark is not broken: it ends the last line, or has a line of its own. As is (the view
    wraps it at its left edge) without ``wrap``, or when the width leaves too little room.
    """
    if wrap is None or wrap[1] - indent < 20:
        return Text("  ").join([text, mark]) if mark else text
    console, width = wrap
    lines = text.wrap(console, width - indent)
    if mark and lines[-1].cell_len + 2 + mark.cell_len <= width - indent:
        lines[-1] = Text("  ").join([lines[-1], mark])
    elif mark:
        lines.append(mark)
    return Text("\n" + " " * indent).join(lines)


def inline(text: str, code_style: Style | str, style: Style | str = "") -> Text:
    """``text`` in ``style``, with its `` `code` `` in ``code_style`` and its ``**strong**`` words bold, the marks dropped."""
    out = Text(style=style)
    at = 0
    for match in INLINE.finditer(text):
        out.append(text[at : match.start()])
        code, strong = match.groups()
        if code is not None:
            out.append(code, style=code_style)
        else:
            out.append(strong, style="bold")
        at = match.end()
    out.append(text[at:])
    return out


def feedback_text(item: QuestionItem, picked: set[int], code_style: Style | str = "bold") -> Text:
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
        out.append_text(inline(option.why, code_style))
        out.append("\n")
    out.append("\nTakeaway: ", style="bold")
    out.append_text(inline(q.takeaway, code_style))
    out.append("\n")
    if q.changed:
        out.append("What changed: ", style="bold")
        out.append_text(inline(q.changed, code_style))
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

    COMPONENT_CLASSES = {"inline-code"}
    DEFAULT_CSS = "QuestionView {" + INLINE_CODE_CSS + "}"

    _shown: tuple[QuestionItem, dict[str, object]] | None = None
    """The question on view and its state, drawn again when the width changes (options wrap at it)."""
    _drawn_width = 0

    def show(self, item: QuestionItem, **state: object) -> None:
        """Render ``item`` with ``question_text``'s keyword state."""
        self._shown = (item, state)
        self._draw()

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        """Show ``content`` in place of a question (the exam's hands-on items)."""
        self._shown = None
        super().update(content, layout=layout)

    def on_mount(self) -> None:
        # The code's colours are put into the text when it is drawn: a new theme draws it again.
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None and self.content_size.width != self._drawn_width:
            self._draw()

    def _theme_changed(self, _theme: object) -> None:
        if self._shown is not None:
            self._draw()

    def _draw(self) -> None:
        assert self._shown is not None
        item, state = self._shown
        self._drawn_width = width = self.content_size.width
        code_style = self.get_component_rich_style("inline-code")
        text = question_text(item, code_style=code_style, wrap=(self.app.console, width) if width else None, **state)  # type: ignore[arg-type]
        super().update(text)
