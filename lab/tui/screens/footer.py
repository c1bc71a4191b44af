"""Provides ``FittedFooter``: a screen whose footer shows more keys, and longer names, as the terminal widens.

Each screen declares its keys as they fit at 80 columns beside the command palette's key. Its
``FOOTER_WIDER`` steps then say, most wanted first, which hidden keys to show and which short
names to spell out when there is room. The screen's ``active_bindings`` (what Textual's
``Footer`` and the catalogue's ``KeyBar`` draw) takes the steps in order while the keys still
fit, and stops at the first that does not: a wider terminal shows what a narrower one shows, and
more. The keys are fitted again when the terminal's width changes.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from rich.cells import cell_len
from textual import events, on
from textual.binding import ActiveBinding
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.app import App

__all__ = ["FittedFooter", "Wider"]


class Wider(NamedTuple):
    """One step of a footer with room to spare: show the binding with this ``id`` (hidden at 80
    columns), named ``description`` if one is given (its longer name)."""

    id: str
    description: str = ""


THEME = Wider("toggle-theme")
"""f2 Theme (the app's key), the last step on every screen."""


def footer_width(app: App[Any], bindings: dict[str, ActiveBinding], *, compact: bool) -> int:
    """The cells the footer's keys take, the command palette's key included.

    As Textual's ``Footer`` draws them (the ``KeyBar`` draws them the same): the first shown
    binding of each action, `` key description `` each (compact: ``key description`` and a
    margin), then the palette's key with its border and a cell after it.
    """
    padding = 2 if compact else 3
    seen: set[str] = set()
    width = 0
    for _, binding, _, _ in bindings.values():
        if binding.show and binding.action not in seen:
            seen.add(binding.action)
            width += cell_len(app.get_key_display(binding)) + cell_len(binding.description) + padding
    palette = bindings.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
    if palette is not None:
        width += cell_len(app.get_key_display(palette.binding)) + cell_len(palette.binding.description) + 3
    return width


def _widened(active: ActiveBinding, step: Wider) -> ActiveBinding:
    if active.binding.id != step.id:
        return active
    binding = dataclasses.replace(active.binding, show=True, description=step.description or active.binding.description)
    return active._replace(binding=binding)


class FittedFooter(Screen[Any]):
    """A screen whose footer takes its ``FOOTER_WIDER`` steps, then f2 Theme, while they fit.

    A screen lists it first (``class S(FittedFooter, Screen[None])``), a modal screen after
    ``ModalScreen``: Textual takes a screen's default CSS (a modal's see-through background)
    through the first base of each class only.
    """

    FOOTER_WIDER: ClassVar[tuple[Wider, ...]] = ()
    """Keys to show (or names to spell out) when there is room, most wanted first."""

    _fitted_width = 0
    """The terminal's width the keys were last fitted to."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's active bindings with as many of the footer's steps taken as fit the terminal."""
        active = super().active_bindings
        app = self.app
        self._fitted_width = room = app.size.width
        compact = bool(self.query_children("Footer.-compact"))  # a footer is yielded by the screen itself
        for step in (*self.FOOTER_WIDER, THEME):
            if not any(a.binding.id == step.id for a in active.values()):
                continue  # not a key here now (a plain key while an editor has the focus)
            wider = {key: _widened(a, step) for key, a in active.items()}
            if footer_width(app, wider, compact=compact) > room:
                break
            active = wider
        return active

    @on(events.Resize)
    def _fit_footer(self) -> None:
        # Also sent to a screen coming back from under a modal one after the terminal was resized.
        # Several arrive for one change (and three for a new screen): the footer is built once.
        if self.app.size.width != self._fitted_width:
            self.refresh_bindings()
