"""Provides ``LineView``: a scrolling list of text lines that renders only the visible ones.

A subclass says how many lines there are (``line_count``) and how to draw one
(``line_text``); the Line API asks only for the rows on screen, so a view over 5,000 tasks
or 50,000 events costs what a screenful costs.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["LineView"]


class LineView(ScrollView, can_focus=True):
    """Lines drawn on demand, with a cursor; call ``reset_lines`` when the content changes."""

    DEFAULT_CSS = "LineView { height: 1fr; }"

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("home", "move_to(0)", "Top", show=False),
        Binding("pageup", "move(-10)", show=False),
        Binding("pagedown", "move(10)", show=False),
    ]
    """Move the cursor."""

    cursor = 0
    """The highlighted line."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._count = 0
        self._width = 1
        self._cache: LRUCache[tuple[int, int, int, Style], Strip] = LRUCache(512)

    @property
    def line_count(self) -> int:
        """Lines in the view now."""
        return self._count

    def line_text(self, index: int) -> Text:
        """The text of line ``index`` (0 is the top)."""
        raise NotImplementedError

    def reset_lines(self, count: int, width: int | None = None) -> None:
        """The content changed: ``count`` lines, at most ``width`` cells wide."""
        self._count = count
        self._width = max(1, width if width is not None else self.size.width)
        self._cache.clear()
        self.virtual_size = Size(self._width, count)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """Draw one visible row."""
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base: Style = self.rich_style
        if index >= self._count:
            return Strip.blank(width, base)
        # The style is part of the key: a theme switch or focus changes the background.
        key = (index, scroll_x, width, base)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        text = self.line_text(index)
        text.no_wrap = True
        text.truncate(scroll_x + width, overflow="ellipsis")
        segments = [s for s in text.render(self.app.console) if s.text != "\n"]
        strip = Strip(Segment.apply_style(segments, base)).crop(scroll_x, scroll_x + width).extend_cell_length(width, base)
        self._cache[key] = strip
        return strip

    def action_move(self, delta: int) -> None:
        """Move the cursor (and keep it on screen)."""
        self.action_move_to(self.cursor + delta)

    def action_move_to(self, line: int) -> None:
        """Put the cursor on ``line``."""
        if not self._count:
            return
        self.cursor = max(0, min(self._count - 1, line))
        top, height = int(self.scroll_y), max(1, self.scrollable_content_region.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
        self._cache.clear()
        self.refresh()
        self.cursor_moved()

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on the clicked line."""
        self.focus()
        self.action_move_to(int(self.scroll_y) + event.y)

    def cursor_moved(self) -> None:
        """Called after the cursor moved (subclasses post their message)."""

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_resize(self) -> None:
        """A new width may change the layout: subclasses rebuild in ``relayout``."""
        self.relayout()

    def relayout(self) -> None:
        """Recompute the lines for the current width (default: nothing depends on it)."""
        self._cache.clear()
        self.refresh()
