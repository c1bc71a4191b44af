"""Provides ``FileEditor``: a learner file in a TextArea (highlighting, line numbers, undo) and its errors.

Importing it speeds up Textual's tab-width helper for tab-free lines (``_install_tab_fast_path``).
"""

from __future__ import annotations

from collections import defaultdict

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Static, TextArea

from lab.errors import Diagnostic
from lab.scenario.workspace import MAX_ANSWER_BYTES

__all__ = ["CodeArea", "FileEditor"]


def _install_tab_fast_path() -> None:
    """Make Textual's ``get_tab_widths`` skip its regex on a line without tabs (same result).

    TextArea runs it over the whole line on every edit and every cursor move: 10-25 ms for a
    1 MB line, most of the time left per key once the line is drawn cut to the width. It
    splits a line at its tabs, so a tab-free line is one part with no tab. Installed only if
    Textual's own function answers so on samples (any other behaviour keeps it untouched);
    ``tests/tui/test_long_line.py`` compares the two on random lines.
    """
    import importlib

    import textual.expand_tabs as tabs

    original = tabs.get_tab_widths
    if getattr(original, "lab_fast_path", False):
        return
    samples = ("", "a", "key: value", "字 é\r\x1b")
    if any(original(line, size) != ([(line, 0)] if line else []) for line in samples for size in (1, 4)):
        return

    def get_tab_widths(line: str, tab_size: int = 4) -> list[tuple[str, int]]:
        if "\t" in line:
            return original(line, tab_size)
        return [(line, 0)] if line else []

    get_tab_widths.lab_fast_path = True  # type: ignore[attr-defined]
    get_tab_widths.original = original  # type: ignore[attr-defined]
    # Each of Textual's modules that imported the function by name holds its own reference.
    for name in ("textual.expand_tabs", "textual._cells", "textual._wrap", "textual.document._wrapped_document"):
        module = importlib.import_module(name)
        if getattr(module, "get_tab_widths", None) is original:
            module.get_tab_widths = get_tab_widths  # type: ignore[attr-defined]


_install_tab_fast_path()

ERROR_HIGHLIGHT = "lab.error"
"""Highlight name of a line with a problem (underlined, tinted; readable without colour)."""

LONG_LINE = 10_000
"""Lines longer than this (characters) are drawn without syntax colours or marks (issue 18)."""


class CodeArea(TextArea):
    """A code editor that also marks the lines that have problems.

    It adds its own highlight to the syntax highlights TextArea computes (the private
    ``_build_highlight_map`` / ``_highlights`` of Textual's TextArea, checked against Textual
    8.2.8; ``tests/tui`` covers the mark).

    A line over ``LONG_LINE`` characters is drawn plain, from the characters up to the right
    edge of the view, and every line of such a document is cut to the visible width before it
    reaches the compositor: TextArea would otherwise map every byte of the line to a code point
    (a Python loop) and hand strips as wide as the line to every layer, on each key and each
    cursor blink — seconds per key for a 1 MB line (``benchmarks/bench_editor.py``, issue 18).
    That drawing goes through TextArea's private ``_render_line`` with ``_highlights`` emptied
    for the line (``tests/tui/test_long_line.py`` covers it).
    """

    error_lines: frozenset[int] = frozenset()
    """0-based lines to mark."""

    _window: tuple[int, int] | None = None
    """While a long line is drawn: its index and how many of its characters can show."""

    def get_line(self, line_index: int) -> Text:
        """The line to draw; while a long line is drawn, only the characters up to the window's right edge."""
        window = self._window
        if window is None or window[0] != line_index:
            return super().get_line(line_index)
        return Text(self.document[line_index][: window[1]], end="", no_wrap=True)

    def mark_lines(self, lines: frozenset[int]) -> None:
        """Mark ``lines`` (0-based) as having problems."""
        if lines == self.error_lines:
            return
        self.error_lines = lines
        self._build_highlight_map()
        self.refresh()

    def _build_highlight_map(self) -> None:
        super()._build_highlight_map()
        for line in self.error_lines:
            self._highlights[line].append((0, None, ERROR_HIGHLIGHT))

    def render_line(self, y: int) -> Strip:
        if self.soft_wrap or self.virtual_size.width <= LONG_LINE:
            return super().render_line(y)
        # Without soft wrap TextArea pads every line to the longest one: here each strip is
        # cut to the visible width before anything measures it. ``_render_line`` rather than
        # ``render_line`` keeps strips as wide as the document out of TextArea's 1,024-entry
        # line cache (a megabyte each: a gigabyte after some scrolling).
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y  # without soft wrap, one screen row per document line
        document = self.document
        if 0 <= row < document.line_count and len(document[row]) > LONG_LINE:
            # An empty map skips the syntax colours of this line: TextArea maps every byte of
            # a highlighted line to its code point in a Python loop.
            highlights, self._highlights = self._highlights, defaultdict(list)
            self._window = (row, _prefix_covering(document[row], scroll_x + self.content_region.width))
            try:
                strip = self._render_line(y)
            finally:
                self._highlights, self._window = highlights, None
        else:
            strip = self._render_line(y)
        return _head(strip, self.content_region.width)

    def _watch_theme(self, theme: str) -> None:
        super()._watch_theme(theme)
        current = self._theme
        if current is not None:
            dark = current.name != "github_light"
            mark = Style(bgcolor="#6b1d1d" if dark else "#f5c6c6", underline=True)
            current.syntax_styles = {**current.syntax_styles, ERROR_HIGHLIGHT: mark}  # our copy of the theme


def _prefix_covering(line: str, cells: int) -> int:
    """How many characters of ``line`` fill at least ``cells`` cells (all of them if fewer).

    Rich counts a tab as no cell (TextArea widens it), so this may keep more than needed, never less.
    """
    count = cells + 1
    while count < len(line) and cell_len(line[:count]) < cells:
        count *= 2
    return min(count, len(line))


def _head(strip: Strip, width: int) -> Strip:
    """The first ``width`` cells of ``strip``, measuring only the text it keeps.

    ``Strip.crop`` measures each segment whole: a million cells for a long line or its padding.
    """
    out: list[Segment] = []
    remaining = width
    for segment in strip:
        if remaining <= 0:
            break
        text, limit = segment.text, remaining
        while True:  # a prefix long enough to fill the width (zero-width characters need more)
            piece = text[:limit]
            cells = cell_len(piece)
            if cells >= remaining or len(piece) == len(text):
                break
            limit *= 2
        kept = Segment(piece, segment.style, segment.control)
        if cells > remaining:
            kept, cells = kept.split_cells(remaining)[0], remaining
        out.append(kept)
        remaining -= cells
    return Strip(out, width - remaining)


def _oversized(text: str) -> bool:
    """Larger than an answer file may be (the lab refuses it; the editor shows it plain)."""
    return len(text) > MAX_ANSWER_BYTES or len(text.encode("utf-8")) > MAX_ANSWER_BYTES


class FileEditor(Vertical):
    """One file: the editor, then its problems, each at its line (``⚠ 7:5 message``)."""

    class Edited(Message):
        """The text changed (posted on every keystroke: the parent autosaves it)."""

        def __init__(self, editor: FileEditor, text: str) -> None:
            super().__init__()
            self.editor = editor
            self.text = text

        @property
        def control(self) -> FileEditor:
            return self.editor

    def __init__(self, file_name: str, text: str, *, readonly: bool = False, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes="file-editor")
        self.file_name = file_name
        """The learner file this editor holds."""
        self.readonly = readonly
        """The scenario shows the file but the learner does not edit it."""
        self._initial = text
        self.language = "json" if file_name.endswith(".json") else "yaml"
        """The file's syntax, coloured while the file is no larger than an answer file can be."""
        self.notice: str | None = None
        """Why the editor shows some of the text without colours (a line under the problems)."""
        self._shown: Text | None = None

    def compose(self) -> ComposeResult:
        plain = _oversized(self._initial)
        area = CodeArea.code_editor(self._initial, language=None if plain else self.language, soft_wrap=False, read_only=self.readonly, classes="file-text")
        if not self.file_name.lower().startswith("dockerfile"):
            # YAML forbids tabs in indentation: Tab inserts spaces up to the next stop of two.
            area.indent_type, area.indent_width = "spaces", 2
        yield area
        yield Static(classes="file-errors")

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._follow_theme, init=True)
        self._colour(self._initial)

    def _follow_theme(self) -> None:
        """A light editor in a light theme: syntax colours stay readable."""
        self.text_area.theme = "monokai" if self.app.current_theme.dark else "github_light"

    @property
    def text_area(self) -> CodeArea:
        """The editor."""
        return self.query_one(CodeArea)

    def set_text(self, text: str) -> None:
        """Replace the text (an external edit or a reset); undo can bring the old one back."""
        area = self.text_area
        if area.text != text:
            area.replace(text, area.document.start, area.document.end)

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        event.stop()
        text = event.text_area.text
        self._colour(text)
        self.post_message(self.Edited(self, text))

    def _colour(self, text: str) -> None:
        """Syntax colours off past the size of an answer file, back on below it; say so.

        Tree-sitter re-parses the whole document on every key (a tenth of a second for a
        megabyte); the lab refuses a file that size anyway, so its colours would tell nothing.
        """
        area = self.text_area
        plain = _oversized(text)
        if plain != (area.language is None):
            selection, scroll = area.selection, area.scroll_offset
            area.language = None if plain else self.language  # a new document: the cursor goes home
            area.selection = selection
            area.scroll_to(scroll.x, scroll.y, animate=False, immediate=True)
        if plain:
            self.notice = f"no syntax colours: the file is over {MAX_ANSWER_BYTES // 1024} KiB"
        elif area.virtual_size.width > LONG_LINE:
            self.notice = f"no syntax colours on lines over {LONG_LINE:,} characters"
        else:
            self.notice = None

    def show_errors(self, errors: list[Diagnostic]) -> None:
        """Show problems at their lines, and highlight the first one's line in the editor.

        The ``notice`` (colours off), if any, is the last line.
        """
        widget = self.query_one(".file-errors", Static)
        widget.set_class(bool(errors), "-invalid")
        self.text_area.mark_lines(frozenset(d.line - 1 for d in errors if d.line >= 1))
        if self.readonly:
            text = Text("read-only: this file is part of the scenario — read it; it is not yours to edit", style="bold")
        elif not errors:
            text = Text("✓ valid — Apply (ctrl+s) sends it to the cluster", style="green")
        else:
            text = Text()
            room = 3 if self.notice is None else 2  # the panel shows four lines
            for d in errors[:room]:
                where = f"line {d.line}, col {d.col}: " if d.line >= 1 else ""  # about the whole file
                text.append(f"⚠ {where}{d.message}\n")
            if len(errors) > room:
                text.append(f"… {len(errors) - room} more\n")
            text.rstrip()
        if self.notice is not None:
            text.append("\n")
            text.append(f"ⓘ {self.notice}", style="not bold italic")
        if text != self._shown:  # the same problems after a key: no new layout of the screen
            self._shown = text
            widget.update(text)
