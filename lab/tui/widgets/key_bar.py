"""Provides ``KeyBar``: the screen's keys on one line, drawn as Textual's ``Footer`` draws them."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["KeyBar"]


class KeyBar(Widget):
    """Textual's ``Footer`` (not compact) as one widget: the same keys, places and colours.

    Textual's footer is a scrolling container with a widget per key, each restyled when its
    ``compact`` flag is bound, and it is rebuilt (every key removed and mounted again) each
    time the screen's bindings change. This bar draws the keys itself, as segments: each
    shown binding as `` key `` and ``description `` in the footer's key and description
    colours (dim when disabled), the command palette's key at the right edge after a
    ``▏``. When the bindings change it is only drawn again. A click on a key presses it, as
    on the footer; there is no hover colour and no tooltip.
    """

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--separator"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 100%;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._keys: list[tuple[int, int, str]] = []
        """Where each key is drawn: (first cell, end cell, key), for clicks."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    @property
    def shown_keys(self) -> list[str]:
        """The keys drawn last time, left to right (the command palette's last)."""
        return [key for _, _, key in self._keys]

    def _bindings_changed(self, screen: Screen) -> None:
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        app = self.app
        bindings = self.screen.active_bindings
        left: list[Segment] = []
        keys: list[tuple[int, int, str]] = []
        x = 0
        seen: set[str] = set()
        for _, binding, enabled, _tooltip in bindings.values():
            if not binding.show or binding.action in seen:
                continue  # the footer shows the first binding of each action
            seen.add(binding.action)
            dim = Style() if enabled else Style(dim=True)
            item = [Segment(f" {app.get_key_display(binding)} ", base + key_style + dim), Segment(f"{binding.description} ", base + description_style + dim)]
            length = sum(s.cell_length for s in item)
            keys.append((x, x + length, binding.key))
            left.extend(item)
            x += length
        right: list[Segment] = []
        palette = bindings.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
        if palette is not None:
            _, binding, enabled, _tooltip = palette
            dim = Style() if enabled else Style(dim=True)
            right = [
                Segment("▏", self.get_component_rich_style("key-bar--separator")),
                Segment(app.get_key_display(binding), base + key_style + dim),
                Segment(f" {binding.description}", base + description_style + dim),
                Segment(" ", base),
            ]
            right_x = width - sum(s.cell_length for s in right)
            keys.append((right_x + 1, width - 1, binding.key))
        else:
            right_x = width
        self._keys = keys
        line = Strip(left).crop_extend(0, max(0, right_x), base)
        return Strip.join([line, Strip(right)]).crop_extend(0, width, base).simplify()

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._keys:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
