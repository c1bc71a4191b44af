"""Provides ``TitleBar``: one line with the screen's title, drawn as Textual's ``Header`` draws it."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

__all__ = ["TitleBar"]


class TitleBar(Widget):
    """The title line of Textual's ``Header(show_clock=False, icon="")``, as one widget.

    Textual's header is four widgets (the bar, its icon, its title, the clock's space) with
    their own styles, and it sets its title after it is mounted, which lays the screen out
    again after its first paint. This bar looks the same — the title centred between the
    icon's 8 cells and the clock's 10 — and has it from the start. It follows the app's and
    the screen's title and sub-title. (No click: the header's hidden icon opened the command
    palette and a click made it three lines high; ctrl+p still opens the palette.)
    """

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 10 0 8;
        content-align: center middle;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def on_mount(self) -> None:
        for obj in (self.app, self.screen):
            self.watch(obj, "title", self._retitle, init=False)
            self.watch(obj, "sub_title", self._retitle, init=False)

    def _retitle(self) -> None:
        self.refresh()

    def render(self) -> Content:
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        return app.format_title(title, sub_title)
