"""Pilot tests: a learner's text is never parsed as Textual markup (issue 18)."""

from __future__ import annotations

from textual.widgets import TextArea

from lab.progress import ProgressStore
from lab.tui.app import LabApp

from .conftest import open_scenario, quiet

MARKUP_BOMBS = ("a[b=$c]: 1\n", "'[/]': 1\n", "'x[/foo]': 1\n", "RoleName: [\n")


async def test_keys_that_look_like_markup_never_end_the_tui(store: ProgressStore) -> None:
    """Apply, restart and grade refusals quoting `a[b=$c]` (and other bad markup) show as plain text."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        editor = bench.query_one("#edit-instance-role-yaml TextArea", TextArea)
        for text in MARKUP_BOMBS:
            editor.text = text
            await pilot.pause()
            for key in ("ctrl+s", "ctrl+r", "ctrl+g"):
                await pilot.press(key)
                await pilot.pause()
            assert app.is_running and app.screen is bench
        toasts = [str(t.render()) for t in app.screen.query("Toast")]
        assert any("unknown key 'a[b=$c]'" in t for t in toasts)
    assert app._exception is None


def test_event_and_why_texts_are_plain() -> None:
    """The event detail and the why-not-placed texts are Content, never markup strings."""
    from textual.content import Content

    from lab.tui.widgets.event_panel import _detail

    class Event:
        at = 1.0
        message = "service [bold]web[/] quoted a[b=$c]"

    assert isinstance(_detail(Event()), Content) and "a[b=$c]" in _detail(Event()).plain
