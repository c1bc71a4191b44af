"""Pilot tests of the main learner flow: open, fix, apply, watch, grade, find progress again."""

from __future__ import annotations

from textual.widgets import DataTable, TextArea

from lab.progress import ProgressStore
from lab.tui.app import LabApp
from lab.tui.screens.results import ResultsScreen
from lab.tui.widgets.cluster_map import ClusterMap

from .conftest import FIXED_ROLE, open_scenario, quiet


def running_web_tasks(bench) -> int:
    return sum(1 for t in bench.session.world.snapshot().tasks if t.last_status == "RUNNING" and t.group == "service:web")


async def test_fix_apply_run_grade_and_see_it_passed(store: ProgressStore) -> None:
    """Open the ECR scenario, fix the role, apply, see tasks RUNNING, grade a pass, find it in the catalogue."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        bench.advance(60)
        assert running_web_tasks(bench) == 0
        editor = bench.query_one("#edit-instance-role-yaml TextArea", TextArea)
        editor.focus()
        editor.text = FIXED_ROLE
        await pilot.pause()
        assert bench.session.files["instance-role.yaml"].errors == []
        await pilot.press("ctrl+s")  # apply, from inside the editor
        assert bench.session.applied_at == 60
        bench.advance(240)
        await pilot.pause()
        assert running_web_tasks(bench) == 3
        chips = [bench.query_one("#cluster-map", ClusterMap).line_text(i).plain for i in range(bench.query_one("#cluster-map", ClusterMap).line_count)]
        assert sum("● web:" in line and "RUNNING" in line for line in chips) == 3
        await pilot.press("ctrl+g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ResultsScreen)
        assert app.screen.report.passed
        await pilot.press("escape")  # close the results
        await pilot.press("escape")  # leave the editor
        await pilot.press("escape")  # back to the catalogue
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        row = [k.value for k in table.rows].index("ecr-pull-denied")
        assert "passed 100/100" in str(table.get_row_at(row)[1])
    assert ProgressStore.load(store.root).get("ecr-pull-denied").status == "passed"


async def test_broken_yaml_shows_its_line_and_apply_is_refused(store: ProgressStore) -> None:
    """Broken YAML shows the error at its line; Apply is refused with that message; every keystroke is on disk."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        editor = bench.query_one("#edit-instance-role-yaml TextArea", TextArea)
        editor.focus()
        editor.text = "RoleName: ecsInstanceRole\n"
        editor.move_cursor(editor.document.end)
        typed = "Policies: [\n"
        for ch in typed:
            await pilot.press("enter" if ch == "\n" else ("space" if ch == " " else ch))
            # autosaved on every change: a kill now loses nothing
            assert store.edits("ecr-pull-denied")["instance-role.yaml"] == editor.text
        errors = bench.session.files["instance-role.yaml"].errors
        assert errors and errors[0].line == 3
        shown = str(bench.query_one("#edit-instance-role-yaml .file-errors").render())
        assert "line 3" in shown
        assert editor.error_lines == {2}  # the line itself is marked in the editor
        before = len(bench.session.world.log)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert len(bench.session.world.log) == before
        assert bench.session.applied_at is None
        assert any("Apply refused: instance-role.yaml:3:" in n.message for n in app._notifications)
        await pilot.press("ctrl+z")  # undo works in the editor
        await pilot.pause()
        assert editor.text != "RoleName: ecsInstanceRole\n" + typed
    assert ProgressStore.load(store.root).edits("ecr-pull-denied")["instance-role.yaml"] == editor.text


async def test_reopening_restores_edits_and_progress(store: ProgressStore) -> None:
    """Edits and hints from one session are there when the scenario is opened again in a new app."""
    async with quiet(LabApp(store=store)).run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(pilot.app, pilot)
        bench.query_one("#edit-instance-role-yaml TextArea", TextArea).text = FIXED_ROLE
        await pilot.press("ctrl+t")  # one hint
        await pilot.pause()
    again = quiet(LabApp(store=ProgressStore.load(store.root)))
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = again.screen.query_one(DataTable)
        row = [k.value for k in table.rows].index("ecr-pull-denied")
        assert "attempted" in str(table.get_row_at(row)[1])
        assert "1 hint ·" in str(table.get_row_at(row)[5])
        bench = await open_scenario(again, pilot)
        assert bench.query_one("#edit-instance-role-yaml TextArea", TextArea).text == FIXED_ROLE
        assert bench.hints_shown == 1
        assert "1. " in str(bench.query_one("#left .objectives").render())


async def test_reset_asks_first_then_restores_the_starting_files(store: ProgressStore) -> None:
    """Reset asks for confirmation; "no" keeps the edits, "yes" brings back the starting content."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        start = bench.session.files["instance-role.yaml"].text
        editor = bench.query_one("#edit-instance-role-yaml TextArea", TextArea)
        editor.text = FIXED_ROLE
        await pilot.pause()
        bench.query_one("#center Tabs").focus()
        await pilot.press("R", "n")
        await pilot.pause()
        assert editor.text == FIXED_ROLE
        await pilot.press("R", "y")
        await pilot.pause()
        assert editor.text == start
        assert store.edits("ecr-pull-denied").get("instance-role.yaml", start) == start


async def test_workbench_folds_into_tabs_at_80_by_24(store: ProgressStore) -> None:
    """At 80x24 the side panes become tabs; the editor keeps the full width."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        await pilot.pause()
        assert bench.narrow and bench.has_class("-narrow")
        assert bench.query_one("#timeline").region.height == 1
        assert bench.query_one("#center").region.width == 80
        assert not bench.query_one("#right").display
        bench.query_one("#center").active = "tab-cluster"
        bench.advance(30)
        await pilot.pause()
        tab_map = bench.query_one("#tab-cluster ClusterMap", ClusterMap)
        assert tab_map.region.width > 60 and tab_map.line_count > 3


async def test_external_editor_round_trip(store: ProgressStore, monkeypatch, tmp_path) -> None:
    """ctrl+o hands the current file to $EDITOR (app suspended) and loads what it saved."""
    import contextlib

    script = tmp_path / "editor.sh"
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(FIXED_ROLE, encoding="utf-8")
    script.write_text(f'#!/bin/sh\ncp "{fixed}" "$1"\n', encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    app = quiet(LabApp(store=store))
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert bench.session.files["instance-role.yaml"].text == FIXED_ROLE
        assert bench.query_one("#edit-instance-role-yaml TextArea", TextArea).text == FIXED_ROLE


async def test_a_hint_revealed_by_lab_hint_is_shown_and_counted_in_the_workbench(store: ProgressStore, capsys, monkeypatch) -> None:
    """`lab hint` records like ctrl+t: the workbench opens with it shown, and ctrl+t then reveals the second."""
    from lab.cli import main

    monkeypatch.setenv("LAB_DATA_DIR", str(store.root))
    assert main(["hint", "ecr-pull-denied"]) == 0
    app = quiet(LabApp(store=ProgressStore.load(store.root)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        assert bench.hints_shown == 1
        assert "1. " in str(bench.query_one("#left .objectives").render())
        await pilot.press("ctrl+t")
        await pilot.pause()
    assert ProgressStore.load(store.root).get("ecr-pull-denied").hints_used == 2
    capsys.readouterr()
    assert main(["hint", "ecr-pull-denied", "--all"]) == 0
    assert capsys.readouterr().out.startswith("Hint 1 of ")


async def test_arrows_in_the_filter_box_pick_the_match_enter_opens(store: ProgressStore) -> None:
    """Typing filters; ↓ in the filter box highlights the next match, and Enter opens that one, not the first."""
    from textual.widgets import Input

    from lab.tui.screens.workbench import WorkbenchScreen

    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press(*"memory")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        table = app.screen.query_one(DataTable)
        assert [k.value for k in table.rows] == ["memory-fragmentation", "memory-limit-oom"]
        await pilot.press("down")
        assert isinstance(app.focused, Input) and table.cursor_row == 1
        await pilot.press("up", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, WorkbenchScreen) and app.screen.session.scenario.id == "memory-limit-oom"


async def test_a_hint_revealed_at_80x24_is_shown_where_the_learner_is(store: ProgressStore) -> None:
    """Folded into tabs, the hints live on the Brief tab: ctrl+t from the editor says the hint in a notification."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot, "host-port-conflict")
        await pilot.pause()
        assert bench.narrow and bench.query_one("#center").active != "tab-brief"
        await pilot.press("ctrl+t")
        await pilot.pause()
        first = bench.session.scenario.hints[0]
        assert any(first in n.message and "Hint 1 of" in n.message for n in app._notifications)
