"""Pilot test: a read-only scenario file is shown but typing does not change it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from lab.progress import ProgressStore
from lab.tui.app import LabApp
from lab.tui.screens.workbench import WorkbenchScreen
from tests.scenario.test_readonly_files import readonly_copy

from .conftest import quiet


async def test_typing_in_a_read_only_file_changes_nothing(store: ProgressStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readonly_copy(tmp_path / "scenarios")
    monkeypatch.setenv("LAB_SCENARIOS", str(tmp_path / "scenarios"))
    app = quiet(LabApp(scenario_id="ecr-pull-denied", store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = app.screen
        assert isinstance(bench, WorkbenchScreen)
        editor = bench.query_one("#edit-service-yaml TextArea", TextArea)
        before = editor.text
        assert editor.read_only
        editor.focus()
        editor.move_cursor(editor.document.end)
        for key in ("x", "y", "enter", "backspace", "backspace", "backspace"):
            await pilot.press(key)
        await pilot.pause()
        assert editor.text == before
        assert bench.session.files["service.yaml"].text == before
        assert "service.yaml" not in store.edits("ecr-pull-denied")
        shown = str(bench.query_one("#edit-service-yaml .file-errors").render())
        assert "read-only" in shown
        # The other files stay editable.
        role = bench.query_one("#edit-instance-role-yaml TextArea", TextArea)
        role.focus()
        role.move_cursor(role.document.end)
        await pilot.press("x")
        await pilot.pause()
        assert role.text.endswith("x")
        # The external editor refuses the read-only file.
        bench.query_one("#center").active = "tab-service-yaml"
        editor.focus()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert any("service.yaml is read-only" in n.message for n in app._notifications)
