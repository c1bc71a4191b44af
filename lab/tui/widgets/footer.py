"""Provides ``Footer``: Textual's key footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

__all__ = ["Footer"]


class Footer(TextualFooter):
    """Textual's ``Footer``: the same look and keys, rebuilt once per change of what it shows.

    Textual's footer starts empty and recomposes (removes and mounts every key) after the next
    refresh for each change of the screen's bindings: a screen's first show publishes two (its
    focus, its resume), so the footer was built twice after the first frame, and the frame
    settled later. This one rebuilds in the same turn (a screen that publishes its bindings
    before its first refresh gets a complete first frame), once for several changes, and only
    when what it shows (each shown binding, its key display, enabled state and tooltip, the
    command palette's key) differs from what it was built with.
    """

    _rebuild_queued = False
    _built_with: Any = None

    def _shown(self) -> Any:
        """Everything ``compose`` reads from the screen and the app."""
        app = self.app
        bindings = self.screen.active_bindings
        shown = tuple((b, enabled, tooltip, app.get_key_display(b)) for (_, b, enabled, tooltip) in bindings.values() if b.show)
        palette = bindings.get(app.COMMAND_PALETTE_BINDING)
        palette_key = None if palette is None else (palette[1], palette[2], app.get_key_display(palette[1]))
        return shown, palette_key, self.show_command_palette, app.ENABLE_COMMAND_PALETTE, self.combine_groups

    def compose(self) -> ComposeResult:
        self._built_with = self._shown() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_queued:
            self._rebuild_queued = True
            self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_queued = False
        if self.is_attached and self._shown() != self._built_with:
            await self.recompose()
