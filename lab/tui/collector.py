"""Provides ``Collector``: keeps the garbage collector's full passes out of ticks and keys.

A full (generation 2) collection walks every object the process holds. With a world of
5,000 tasks that takes over 100 ms, and Python starts one on its own whenever enough objects
have survived — in the middle of a simulation step or of a key press, which then takes that
long. While the app runs, the young generations are still collected as usual (they are
quick), but full passes happen only where they are short or expected:

- once a minute between two ticks, over the objects made since the last pass: everything
  that survived a pass is frozen (``gc.freeze``), so the next one does not walk it again;
- in full when a workbench opens or its world is rebuilt, a moment that pauses anyway
  (not when the app starts: that would delay its first frame).

Until the catalogue's first frame (``start(hold=True)``, then ``release``) no collection
runs at all: building and drawing the first screen makes many objects and frees few, so the
young passes it would start find almost nothing and only delay the frame.

Frozen objects that later become cyclic garbage wait for the next full pass; a world keeps
its tasks and events for its whole run, so that is little.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

__all__ = ["Collector"]

NO_AUTOMATIC_FULL_PASS = 1_000_000_000
"""Generation-1 collections between two automatic full passes: in effect, never."""


class Collector:
    """The app's garbage-collection policy (``start`` on mount, ``stop`` on unmount)."""

    def __init__(self, *, every_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every_s = every_s
        """Real seconds between two passes over the recently made objects."""
        self._clock = clock
        self._saved: tuple[int, int, int] | None = None
        self._last = clock()
        self._held = False

    @property
    def active(self) -> bool:
        """Whether the policy is in force."""
        return self._saved is not None

    def start(self, *, hold: bool = False) -> None:
        """Take over from Python's automatic full passes; with ``hold``, no collection at all until ``release``."""
        if self._saved is not None:
            return
        if hold and gc.isenabled():
            gc.disable()
            self._held = True
        self._saved = gc.get_threshold()
        young, middle, _ = self._saved
        gc.set_threshold(young, middle, NO_AUTOMATIC_FULL_PASS)
        # Only freezing: a collection here would delay the first frame, and the imports
        # left little garbage. The first full pass comes when a workbench opens.
        gc.freeze()
        self._last = self._clock()

    def release(self) -> None:
        """Collect young objects again, as ``start`` without ``hold`` would (the first frame is drawn)."""
        if self._held:
            self._held = False
            gc.enable()

    def stop(self) -> None:
        """Give full passes back to Python, as they were before ``start``."""
        if self._saved is None:
            return
        self.release()
        gc.set_threshold(*self._saved)
        self._saved = None
        gc.unfreeze()

    def tick(self) -> None:
        """Between two ticks: once ``every_s`` has passed, collect what is new, then freeze it."""
        if self._saved is not None and self._clock() - self._last >= self.every_s:
            self._collect()

    def settle(self) -> None:
        """A full pass over everything now (a workbench opens or restarts its world)."""
        if self._saved is not None:
            gc.unfreeze()
            self._collect()

    def _collect(self) -> None:
        """Collect what is not frozen, then freeze what survived."""
        gc.collect()
        gc.freeze()
        self._last = self._clock()
