"""``TitleBar`` draws the line Textual's ``Header(show_clock=False, icon="")`` draws, and follows the titles."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Header, Static

from lab.tui.widgets.title_bar import TitleBar


class TitleApp(App[None]):
    TITLE = "ECS Lab"

    def __init__(self, bar: type) -> None:
        super().__init__()
        self.bar = bar

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="") if self.bar is Header else TitleBar()
        yield Static("body")


async def top_line(bar: type, width: int, title: str | None = None, sub_title: str | None = None) -> list[tuple[object, ...]]:
    """The first line of the screen as seen: per cell its character and background, and a character's own style (a space's colour does not show)."""
    app = TitleApp(bar)
    async with app.run_test(size=(width, 5)) as pilot:
        if title is not None:
            app.screen.title = title
        if sub_title is not None:
            app.sub_title = sub_title
        await pilot.pause()
        strip = app.screen._compositor.render_strips()[0]
        seen = []
        for segment in strip:
            style = segment.style
            assert style is not None
            for char in segment.text:
                seen.append((char, style.bgcolor) if char == " " else (char, style.bgcolor, style.color, style.without_color))
        return seen


@pytest.mark.parametrize(("width", "title", "sub_title"), [(100, None, None), (120, "ecr-pull-denied · Tasks never start", None), (40, None, "exam — 12 min left"), (20, "a very long title that does not fit", None)])
async def test_the_title_bar_looks_like_the_header(width: int, title: str | None, sub_title: str | None) -> None:
    assert await top_line(TitleBar, width, title, sub_title) == await top_line(Header, width, title, sub_title)
