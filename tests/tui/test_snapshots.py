"""Snapshots of the screens a learner sees: catalogue, workbench mid-run, why-not-placed, results.

Deterministic: a fixed terminal size, the scenario's first seed, a fixed simulated time, an
empty progress store, no animations, no cursor blink, notifications cleared.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import TextArea

from lab.progress import ProgressStore
from lab.tui.app import LabApp
from lab.tui.screens.workbench import WorkbenchScreen

from .conftest import FIXED_ROLE, quiet, until

pytestmark = pytest.mark.snapshot

ROOT = Path(__file__).resolve().parents[2]
SHOWN = ("ecr-pull-denied", "host-port-conflict")
"""The scenarios the snapshots list: scenarios added later do not change the pictures."""


@pytest.fixture(autouse=True)
def fixed_catalogue(tmp_path, monkeypatch) -> None:
    """A scenario folder with just ``SHOWN`` (and the real lessons next to it)."""
    folder = tmp_path / "lab" / "scenarios"
    folder.mkdir(parents=True)
    for sid in SHOWN:
        shutil.copy(ROOT / "scenarios" / f"{sid}.yaml", folder / f"{sid}.yaml")
    (tmp_path / "lab" / "content").symlink_to(ROOT / "content")
    monkeypatch.setenv("LAB_SCENARIOS", str(folder))


def make_app(tmp_path, scenario_id: str | None = None) -> LabApp:
    """The lab on an empty progress store, seed 1."""
    return quiet(LabApp(store=ProgressStore.load(tmp_path / "data"), scenario_id=scenario_id, seed=1))


async def settle(pilot) -> None:
    """Stop blinking cursors and toasts so the picture does not depend on timing."""
    for widget in pilot.app.screen.query("TextArea, Input"):
        widget.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


class TestCatalogue:
    def test_catalogue(self, snap_compare, tmp_path) -> None:
        """Scenarios grouped by topic with level, minutes and status."""

        async def run_before(pilot) -> None:
            await settle(pilot)

        assert snap_compare(make_app(tmp_path), terminal_size=(100, 24), run_before=run_before)


class TestWorkbench:
    def test_workbench_mid_run(self, snap_compare, tmp_path) -> None:
        """The role fixed and applied at 30 s, then at 150 s: tasks running on the map, stops in the log, metrics."""

        async def run_before(pilot) -> None:
            bench = pilot.app.screen
            assert isinstance(bench, WorkbenchScreen)
            bench.advance(30)  # the broken role: tasks stop with CannotPull
            bench.query_one("#edit-instance-role-yaml TextArea", TextArea).text = FIXED_ROLE
            await pilot.pause()
            assert bench.session.apply() == []  # the fix goes in at t=30 (no toast in the picture)
            bench.advance(120)  # the service backs off, then starts its tasks
            bench.query_one("#center Tabs").focus()
            await settle(pilot)

        assert snap_compare(make_app(tmp_path, "ecr-pull-denied"), terminal_size=(120, 40), run_before=run_before)

    def test_workbench_at_80x24(self, snap_compare, tmp_path) -> None:
        """At 80x24 the panes fold into tabs; the cluster tab after 30 s."""

        async def run_before(pilot) -> None:
            bench = pilot.app.screen
            bench.advance(30)
            bench.query_one("#center").active = "tab-cluster"
            await settle(pilot)

        assert snap_compare(make_app(tmp_path, "host-port-conflict"), terminal_size=(80, 24), run_before=run_before)


    def test_workbench_in_the_light_theme(self, snap_compare, tmp_path) -> None:
        """F2 switches to the light theme: the same workbench stays legible (objectives, map, log, metrics)."""

        async def run_before(pilot) -> None:
            bench = pilot.app.screen
            bench.advance(120)
            await pilot.press("f2")
            await settle(pilot)

        assert snap_compare(make_app(tmp_path, "host-port-conflict"), terminal_size=(120, 40), run_before=run_before)


class TestCharts:
    def test_charts_after_a_fix(self, snap_compare, tmp_path) -> None:
        """The role fixed and applied at 30 s, then on to 10 minutes: the Charts tab, ] twice puts the cursor on the deployment completing."""

        async def run_before(pilot) -> None:
            bench = pilot.app.screen
            assert isinstance(bench, WorkbenchScreen)
            bench.advance(30)
            bench.query_one("#edit-instance-role-yaml TextArea", TextArea).text = FIXED_ROLE
            await pilot.pause()
            assert bench.session.apply() == []
            bench.advance(570)
            bench.query_one("#center").active = "tab-charts"
            charts = bench.query_one("#charts")
            # The keys below move the cursor by columns of the drawn width.
            await until(pilot, lambda: charts.series is not None and charts.size.width > 0, "the charts drawn")
            charts.focus()
            await pilot.press("home", "right_curly_bracket", "right_curly_bracket")
            await settle(pilot)

        assert snap_compare(make_app(tmp_path, "ecr-pull-denied"), terminal_size=(120, 40), run_before=run_before)


class TestWhyNotPlaced:
    def test_why_not_placed(self, snap_compare, tmp_path) -> None:
        """A placement failure explained: every instance, its first failed check or its rank."""

        async def run_before(pilot) -> None:
            bench = pilot.app.screen
            bench.advance(120)
            # The workbench settled first: its footer's keys arrive after the first frame, and a
            # screen under a modal is not waited for, so the picture showed them only when the
            # machine was slow enough for them to arrive before ctrl+n.
            await settle(pilot)
            await pilot.press("ctrl+n")  # why not placed?
            await settle(pilot)

        assert snap_compare(make_app(tmp_path, "host-port-conflict"), terminal_size=(120, 40), run_before=run_before)


class TestResults:
    def test_results_after_a_pass(self, snap_compare, tmp_path) -> None:
        """The graded run passed: per check points and messages, then the debrief."""

        async def run_before(pilot) -> None:
            bench = pilot.app.screen
            bench.query_one("#edit-instance-role-yaml TextArea", TextArea).text = FIXED_ROLE
            await pilot.pause()
            bench._grade()  # the graded run in its worker, without the "Grading…" toast
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            await settle(pilot)

        assert snap_compare(make_app(tmp_path, "ecr-pull-denied"), terminal_size=(120, 40), run_before=run_before)
