"""Provides ``TimelineBar``: the simulated clock and play / pause, speed, step and run-to-end buttons."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Static

from lab.tui.widgets.event_log import format_time

__all__ = ["TimelineBar"]


class TimelineBar(Horizontal):
    """One line: clock and state on the left, mouse-friendly controls on the right."""

    class Pressed(Message):
        """A control was clicked: ``action`` names the screen action to run."""

        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    CONTROLS = (
        ("toggle_play", "▶ play"),
        ("step", "›| step"),
        ("to_end", "» end"),
        ("speed(0)", "x1"),
        ("speed(1)", "x10"),
        ("speed(2)", "x60"),
        ("speed(3)", "x600"),
        ("apply", "apply"),
        ("grade", "grade"),
    )
    """(action, label) of each button."""

    _controls: tuple[bool, int] | None = None
    """(playing, speed) the buttons show."""

    _clock: tuple[str, ...] = ()
    """The clock's parts, most needed first: time and state, the apply time, the seed."""

    def compose(self) -> ComposeResult:
        yield Static(id="clock")
        for action, label in self.CONTROLS:
            yield Button(label, name=action, compact=True, classes="timeline-button", id="play-button" if action == "toggle_play" else None)

    def show(
        self,
        *,
        now: float,
        duration: float,
        playing: bool,
        speed: int,
        seed: int,
        applied_at: float | None,
        running_to_end: bool,
        behind: bool = False,
        seeking: float | None = None,
        past: bool = False,
        placing: bool = False,
    ) -> None:
        """Redraw the clock and mark the active controls.

        ``past``: a time before the covered run's end is shown; ``placing``: a scheduler pass
        is placing tasks over several ticks (a big service's first pass).
        """
        state = "» to end" if running_to_end else ("▶ playing" if playing else "‖ paused")
        if seeking is not None:
            state = f"⟲ to {format_time(seeking)}"
        elif past:
            state += " ◀ past"
        if placing:
            state += " · placing…"
        # "placing…" already says why the clock lags; both would not fit the clock's width.
        busy = playing and behind and not placing
        if busy:
            state += " (busy: slower than"
        speed_text = f" x{speed})" if busy else f" x{speed}"
        self._clock = (f"{format_time(now)}/{format_time(duration)} {state}{speed_text}", f" · applied {format_time(applied_at)}" if applied_at is not None else "", f" · seed {seed}")
        self._draw_clock()
        if (playing, speed) == self._controls:
            return
        self._controls = (playing, speed)
        for button in self.query(Button):
            if button.name == "toggle_play":
                button.label = "‖ pause" if playing else "▶ play"
            if button.name and button.name.startswith("speed("):
                button.set_class(str(button.label) == f"x{speed}", "-active")

    def on_resize(self) -> None:
        self._draw_clock()

    def _draw_clock(self) -> None:
        """The clock, then the apply time, then the seed, as many as fit (at 120 columns the buttons leave 51 cells)."""
        clock = self.query_one("#clock", Static)
        room = clock.content_region.width or 10_000
        text = ""
        for part in self._clock:
            if text and cell_len(text + part) > room:
                break
            text += part
        clock.update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Pressed(event.button.name or ""))
