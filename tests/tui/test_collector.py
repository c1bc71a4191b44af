"""The app's garbage-collection policy: no automatic full pass while it runs, one a minute between ticks."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from lab.progress import ProgressStore
from lab.tui.app import LabApp
from lab.tui.collector import Collector

from .conftest import open_scenario, quiet


@pytest.fixture
def full_passes() -> Iterator[list[int]]:
    """Counts the full (generation 2) collections that start while the test runs."""
    seen: list[int] = []

    def callback(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(2)

    gc.callbacks.append(callback)
    try:
        yield seen
    finally:
        gc.callbacks.remove(callback)


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    __slots__ = ("__weakref__", "me")

    def __init__(self) -> None:
        self.me = self


def make_survivors(count: int) -> list[Node]:
    """Objects that survive the young collections, as a growing world's do."""
    return [Node() for _ in range(count)]


def enough_to_trigger_a_full_pass() -> int:
    """More survivors than the process holds: Python starts a full pass once the survivors
    since the last one exceed a quarter of the long-lived objects, however big the test run made the heap."""
    return max(300_000, len(gc.get_objects()))


def test_python_would_run_full_passes_without_the_policy(full_passes: list[int]) -> None:
    """The reference: with Python's own thresholds, enough survivors start a full pass.

    Python's defaults are set here: an earlier test in the same worker may have left the app's
    policy (or a frozen heap) behind, and the reference is about Python, not about that."""
    saved, enabled = gc.get_threshold(), gc.isenabled()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    gc.enable()
    try:
        _reference_full_pass(full_passes)
    finally:
        gc.set_threshold(*saved)
        if not enabled:
            gc.disable()


def _reference_full_pass(full_passes: list[int]) -> None:
    kept = make_survivors(enough_to_trigger_a_full_pass())
    assert full_passes, "expected Python to start at least one full collection"
    del kept


def test_started_policy_runs_no_full_pass_on_its_own(full_passes: list[int]) -> None:
    collector = Collector(clock=lambda: 0.0)
    before = gc.get_threshold()
    collector.start()
    try:
        count = enough_to_trigger_a_full_pass()
        full_passes.clear()
        kept = make_survivors(count)
        assert full_passes == []
        assert gc.get_freeze_count() > 0
        del kept
    finally:
        collector.stop()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_tick_collects_once_a_minute_and_frees_cycles(full_passes: list[int]) -> None:
    now = [0.0]
    collector = Collector(every_s=60.0, clock=lambda: now[0])
    collector.start()
    try:
        full_passes.clear()
        nodes = make_survivors(50_000)  # promoted past the young generations while referenced
        refs = [weakref.ref(n) for n in nodes[::1000]]
        del nodes  # now garbage cycles that only a full pass frees
        now[0] = 59.0
        collector.tick()
        assert full_passes == []
        assert all(ref() is not None for ref in refs)  # young collections leave them be
        now[0] = 60.0
        collector.tick()
        assert full_passes == [2]
        assert all(ref() is None for ref in refs)  # the cycles were freed
        collector.tick()
        assert full_passes == [2]  # not again until another minute has passed
    finally:
        collector.stop()


def test_hold_collects_nothing_until_released() -> None:
    collector = Collector(clock=lambda: 0.0)
    collector.start(hold=True)
    try:
        assert not gc.isenabled()
        collector.release()
        assert gc.isenabled() and collector.active
    finally:
        collector.stop()
    assert gc.isenabled()


def test_stop_ends_a_hold() -> None:
    collector = Collector(clock=lambda: 0.0)
    collector.start(hold=True)
    collector.stop()
    assert gc.isenabled()


async def test_app_applies_the_policy_while_it_runs(store: ProgressStore) -> None:
    before = gc.get_threshold()
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.collector.active
        assert gc.isenabled()  # held only until the catalogue's first frame
        bench = await open_scenario(app, pilot)
        bench.advance(60)
        assert gc.get_threshold()[2] > before[2]
    assert not app.collector.active
    assert gc.get_threshold() == before
