"""Provides ``SimDriver``: the pace of the simulation — play / pause, speed, step, run to the end.

The simulator never reads a clock; the driver does. On every timer tick it advances the
world by ``speed × tick`` simulated seconds, event by event, and stops once ``budget_s`` of
real time is used, so that a key pressed meanwhile is handled within one tick however big
the cluster is (a busy world then runs slower than the chosen speed, never less
responsively). Tests call ``advance`` instead of sleeping.
"""

from __future__ import annotations

import time

from lab.tui.session import SPEEDS, Session

__all__ = ["SimDriver"]


class SimDriver:
    """Advances a session's world on behalf of the workbench."""

    def __init__(self, session: Session, *, tick_s: float = 0.1, slice_s: float = 5.0, budget_s: float = 0.02) -> None:
        self.session = session
        self.tick_s = tick_s
        """Real seconds between ticks."""
        self.slice_s = slice_s
        """Largest simulated step taken at once."""
        self.budget_s = budget_s
        """Real time a tick may spend simulating."""
        self.playing = False
        self.speed_index = 2
        self.running_to_end = False
        """Run as fast as the budget allows until the scenario ends."""
        self.behind = False
        """The last tick could not cover speed x tick within its budget (a busy world)."""
        self.seeking: float | None = None
        """A time travel still under way: the simulated time it goes to."""
        self.seek_budget_s = 0.06
        """Real time a tick may spend replaying towards ``seeking`` (keys are still read between ticks)."""

    @property
    def speed(self) -> int:
        """Simulated seconds per real second."""
        return SPEEDS[self.speed_index]

    def set_speed(self, index: int) -> None:
        """Choose one of ``SPEEDS`` by position."""
        self.speed_index = max(0, min(len(SPEEDS) - 1, index))

    def toggle(self) -> None:
        """Play or pause (pausing also stops a run to the end and a time travel under way).

        During a run to the end the world is moving, so the key pauses it: it must not start
        playing instead (which is what a plain toggle of ``playing`` did).
        """
        self.playing = not self.playing and not self.running_to_end and not self.session.finished
        self.running_to_end = False
        self.seeking = None

    def jump(self, at: float) -> None:
        """Travel to simulated time ``at`` within the covered run (paused); a long replay goes on over the next ticks."""
        self.playing = self.running_to_end = False
        target = max(0.0, min(at, self.session.horizon))
        now = self.session.jump_to(target, deadline=time.perf_counter() + self.seek_budget_s)
        self.seeking = target if now < target else None

    def run_to_end(self) -> None:
        """Start running to the end of the scenario (in budgeted slices)."""
        if not self.session.finished:
            self.running_to_end = True
            self.seeking = None

    def tick(self) -> bool:
        """One timer tick; returns True when the world moved (its clock or its log)."""
        if self.seeking is not None:
            now = self.session.jump_to(self.seeking, deadline=time.perf_counter() + self.seek_budget_s)
            if now >= self.seeking:
                self.seeking = None
            return True
        if not (self.playing or self.running_to_end) or self.session.finished:
            self.playing = self.running_to_end = False
            return False
        now, logged = self.session.world.now, len(self.session.world.log)
        target = self.session.duration if self.running_to_end else now + self.speed * self.tick_s
        self.session.advance_until(target, deadline=time.perf_counter() + self.budget_s)
        self.behind = not self.running_to_end and self.session.world.now < target
        if self.session.finished:
            self.playing = self.running_to_end = False
        return self.session.world.now > now or len(self.session.world.log) > logged

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` now, in slices (for tests and scripted use)."""
        self.session.run_for(seconds, slice_s=self.slice_s)

    def step(self) -> None:
        """Run to the next event in the log (ending a time travel under way where it got to)."""
        self.seeking = None
        self.session.step_to_next_event()
