"""Pilot tests of the main learner flow in the terminal lab."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, TextArea

from lab.progress import ProgressStore
from lab.tui.app import LabApp
from lab.tui.screens.results import ResultsScreen
from lab.tui.screens.workbench import WorkbenchScreen

FIXED_ROLE = """\
RoleName: ecsInstanceRole
AssumeRolePolicyDocument:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Principal: {Service: ec2.amazonaws.com}
      Action: sts:AssumeRole
ManagedPolicyArns:
  - arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role
"""


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore.load(tmp_path / "data")


async def open_ecr_scenario(app: LabApp, pilot) -> WorkbenchScreen:
    table = app.screen.query_one(DataTable)
    row = [k.value for k in table.rows].index("ecr-pull-denied")
    table.move_cursor(row=row)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, WorkbenchScreen)
    return app.screen


async def test_fix_apply_run_grade_and_see_it_passed(store: ProgressStore) -> None:
    """Open the ECR scenario, fix the role, apply, see tasks RUNNING, grade a pass, find it in the catalogue."""
    app = LabApp(store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_ecr_scenario(app, pilot)
        bench.advance(60)
        assert not [t for t in bench.session.world.snapshot().tasks if t.last_status == "RUNNING"]
        editor = bench.query_one("#edit-instance-role-yaml", TextArea)
        editor.text = FIXED_ROLE
        await pilot.pause()
        assert bench.session.files["instance-role.yaml"].errors == []
        await pilot.press("ctrl+a")
        bench.advance(240)
        await pilot.pause()
        running = [t for t in bench.session.world.snapshot().tasks if t.last_status == "RUNNING" and t.group == "service:web"]
        assert len(running) == 3
        assert "RUNNING" in str(bench.query_one("#cluster-map").render())
        await pilot.press("ctrl+g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ResultsScreen)
        assert app.screen.report.passed
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        row = [k.value for k in table.rows].index("ecr-pull-denied")
        assert "passed" in str(table.get_row_at(row)[-1])
    assert ProgressStore.load(store.root).get("ecr-pull-denied").status == "passed"


async def test_broken_yaml_shows_its_line_and_apply_is_refused(store: ProgressStore) -> None:
    """Typing broken YAML shows the error at its line; Apply is refused; the text is kept on disk."""
    app = LabApp(store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_ecr_scenario(app, pilot)
        editor = bench.query_one("#edit-instance-role-yaml", TextArea)
        editor.text = "RoleName: ecsInstanceRole\nPolicies: [\n"
        await pilot.pause()
        errors = bench.session.files["instance-role.yaml"].errors
        assert errors and errors[0].line == 3
        assert "3:" in str(bench.query_one("#err-instance-role-yaml").render())
        assert bench.session.apply()
        before = len(bench.session.world.log)
        await pilot.press("ctrl+a")
        assert len(bench.session.world.log) == before
    assert store.edits("ecr-pull-denied")["instance-role.yaml"] == "RoleName: ecsInstanceRole\nPolicies: [\n"


async def test_reopening_restores_edits(store: ProgressStore) -> None:
    """Edits typed in one session are in the editor when the scenario is opened again."""
    async with LabApp(store=store).run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_ecr_scenario(pilot.app, pilot)
        bench.query_one("#edit-instance-role-yaml", TextArea).text = FIXED_ROLE
        await pilot.pause()
    again = LabApp(store=ProgressStore.load(store.root))
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_ecr_scenario(again, pilot)
        assert bench.query_one("#edit-instance-role-yaml", TextArea).text == FIXED_ROLE


async def test_workbench_fits_80_by_24(store: ProgressStore) -> None:
    """At 80x24 the side panels fold away and the editor, events and clock stay visible."""
    app = LabApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bench = await open_ecr_scenario(app, pilot)
        await pilot.pause()
        assert bench.has_class("-narrow")
        assert bench.query_one("#clock").region.height == 1
        assert bench.query_one("#tabs").region.width > 60
