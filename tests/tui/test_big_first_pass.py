"""A big service's first scheduler pass spreads over ticks: keys are handled while it places tasks.

With a tick budget of zero every tick places one task and hands the UI its turn: the clock
says "placing…", a key typed meanwhile is applied before the pass is done, and the run logs
what it logs without pauses. Sixty tasks are enough to show it; a 400-task world left in
the process made the timing-sensitive walk of ``test_keys.py`` that runs next fail.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from lab.progress import ProgressStore
from lab.scenario.loader import load_scenario
from lab.scenario.simdoc import build_world
from lab.tui.app import LabApp
from lab.tui.screens.workbench import WorkbenchScreen
from lab.tui.session import Session
from lab.tui.widgets.event_log import EventLogView
from tests.sim.test_service_paused_pass import big_service

from .conftest import quiet


async def test_keys_are_handled_while_the_first_pass_places_tasks(store: ProgressStore, tmp_path: Path) -> None:
    loaded = load_scenario(big_service(tmp_path / "big", tasks=60, instances=4))
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        session = Session(loaded, store, seed=1)
        bench = WorkbenchScreen(session)
        await app.push_screen(bench)
        await pilot.pause()
        for timer in list(bench._timers):  # the test ticks by hand
            timer.stop()
        bench.driver.budget_s = 0.0  # every tick stops after the least it may do: one placement
        bench.driver.playing = True
        ticks = 0
        while not session.world.pausing:
            bench._tick()
            ticks += 1
            assert ticks < 100, "the first pass never paused"
        await pilot.pause()
        assert "placing…" in str(bench.query_one("#clock", Static).render())

        bench.query_one("#events Input", Input).focus()
        await pilot.press("x")
        bench._tick()
        assert session.world.pausing  # still placing, one task a tick
        assert all(view.filter_text == "x" for view in bench.query(EventLogView))

        bench.driver.budget_s = 60.0  # a generous tick finishes the pass
        bench._tick()
        await pilot.pause()
        assert not session.world.pausing
        assert "placing…" not in str(bench.query_one("#clock", Static).render())

        session.world.run(90.0)
        reference = build_world(loaded, seed=1)
        reference.run(90.0)
        assert session.world.log.to_jsonl() == reference.log.to_jsonl()
