"""``KeyBar`` draws the line Textual's ``Footer`` draws, follows the focus, and a click presses a key."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input

from lab.tui.widgets.key_bar import KeyBar


class KeysApp(App[None]):
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("f2", "toggle", "Theme"),
        Binding("f3", "toggle", "Theme again"),  # a second key of one action: the footer shows the first
        Binding("f4", "hidden", "Hidden", show=False),
    ]

    def __init__(self, bar: type) -> None:
        super().__init__()
        self.bar = bar
        self.toggled = 0
        self.help_disabled = False

    def compose(self) -> ComposeResult:
        yield Input()
        yield DataTable()
        yield self.bar()

    def action_toggle(self) -> None:
        self.toggled += 1

    def action_help(self) -> None:
        pass

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "help" and self.help_disabled else True  # None: shown, disabled


async def bottom_line(bar: type, width: int, focus: str, theme: str, help_disabled: bool = False) -> list[tuple[object, ...]]:
    """The last line of the screen as seen: per cell its character and background, and a character's own style."""
    app = KeysApp(bar)
    app.help_disabled = help_disabled
    async with app.run_test(size=(width, 6)) as pilot:
        app.theme = theme
        app.query_one(focus).focus()
        await pilot.pause()
        await pilot.pause()
        strip = app.screen._compositor.render_strips()[-1]
        seen: list[tuple[object, ...]] = []
        for segment in strip:
            style = segment.style
            assert style is not None
            for char in segment.text:
                seen.append((char, style.bgcolor) if char == " " else (char, style.bgcolor, style.color, style.bold, style.dim))
        return seen


@pytest.mark.parametrize(
    ("width", "focus", "theme", "help_disabled"),
    [(100, "DataTable", "textual-dark", False), (80, "Input", "textual-dark", False), (120, "DataTable", "textual-light", False), (100, "DataTable", "textual-dark", True)],
)
async def test_the_key_bar_looks_like_the_footer(width: int, focus: str, theme: str, help_disabled: bool) -> None:
    assert await bottom_line(KeyBar, width, focus, theme, help_disabled) == await bottom_line(Footer, width, focus, theme, help_disabled)


async def test_a_click_on_a_key_presses_it() -> None:
    app = KeysApp(KeyBar)
    async with app.run_test(size=(100, 6)) as pilot:
        await pilot.pause()
        line = "".join(s.text for s in app.screen._compositor.render_strips()[-1])
        await pilot.click(KeyBar, offset=(line.index("Theme"), 0))
        await pilot.pause()
        assert app.toggled == 1


async def test_the_key_bar_follows_the_focus() -> None:
    app = KeysApp(KeyBar)
    async with app.run_test(size=(100, 6)) as pilot:
        bar = app.query_one(KeyBar)
        app.query_one(DataTable).focus()
        await pilot.pause()
        with_table = bar.shown_keys
        app.query_one(Input).focus()
        await pilot.pause()
        assert with_table == ["ctrl+q", "question_mark", "f2", "ctrl+p"]
        assert bar.shown_keys == ["ctrl+q", "f2", "ctrl+p"]  # "?" is typed into the box
