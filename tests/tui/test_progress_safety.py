"""Pilot tests: the TUI never loses what another process recorded, and never dies for a full disk."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import TextArea

from lab.progress import ProgressStore
from lab.tui.app import LabApp

from .conftest import FIXED_ROLE, open_scenario, quiet


@pytest.mark.slow
async def test_a_pass_recorded_by_lab_grade_survives_the_tui_saving(store: ProgressStore, tmp_path: Path) -> None:
    """With the workbench open, `lab grade --solution`'s pass (a real process) is kept after hints, Esc and quit."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        # Another process grades a passing answer into the same data folder.
        answer = tmp_path / "answer"
        answer.mkdir()
        (answer / "instance-role.yaml").write_text(FIXED_ROLE)
        done = subprocess.run(
            [sys.executable, "-m", "lab", "grade", "ecr-pull-denied", "--answer", str(answer)],
            env={**os.environ, "LAB_DATA_DIR": str(store.root)},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        await pilot.press("ctrl+t")  # a hint: saved
        bench._save_time()  # the 30-second autosave
        await pilot.press("escape", "escape")  # back to the catalogue (saves the time again)
        await pilot.pause()
    entry = ProgressStore.load(store.root).get("ecr-pull-denied")
    assert (entry.status, entry.best_score, entry.attempts, entry.hints_used) == ("passed", 100, 1, 1)


@pytest.mark.parametrize("fail", ["write", "replace"])
async def test_a_full_disk_is_a_message_and_the_edit_is_kept_and_retried(store: ProgressStore, monkeypatch: pytest.MonkeyPatch, fail: str) -> None:
    """ENOSPC while typing: a notification, the text stays in the editor and in memory, the next save writes it."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        real = getattr(os, fail)

        def full(*a: object, **k: object) -> object:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, fail, full)
        editor = bench.query_one("#edit-instance-role-yaml TextArea", TextArea)
        editor.text = "RoleName: typed-while-full\n"
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert any("No space left" in str(n.message) for n in app._notifications)
        assert bench.session.files["instance-role.yaml"].text == "RoleName: typed-while-full\n"
        assert store.save_problem
        monkeypatch.setattr(os, fail, real)
        bench._save_time()  # the next autosave retries
        await pilot.pause()
        assert store.save_problem is None
        assert app.is_running
    again = ProgressStore.load(store.root)
    assert again.edits("ecr-pull-denied")["instance-role.yaml"] == "RoleName: typed-while-full\n"
    assert again.get("ecr-pull-denied").hints_used == 1


async def test_an_unwritable_data_folder_does_not_end_the_tui(tmp_path: Path) -> None:
    """A data folder that cannot exist (its parent is a file): the TUI opens, edits and says why it cannot save."""
    (tmp_path / "file").write_text("x")
    store = ProgressStore.load(tmp_path / "file" / "data")
    app = quiet(LabApp(store=store))
    said: list[str] = []
    notify = app.notify
    # Every message shown, kept: a toast leaves app._notifications when its 10 s are up, which
    # a loaded machine can spend between the failed save and the end of the test.
    app.notify = lambda message, **kw: (said.append(str(message)), notify(message, **kw))[1]  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        editor = bench.query_one("#edit-instance-role-yaml TextArea", TextArea)
        editor.text = "RoleName: x\n"
        await pilot.pause()
        await pilot.press("ctrl+t", "escape")
        await pilot.pause()
        await pilot.press("y")  # leave: the edit was not applied, so Esc asked first
        await pilot.pause()
        assert app.is_running
        assert any("not saved" in message for message in said), said


async def test_the_catalogue_shows_a_pass_recorded_by_another_process(store: ProgressStore) -> None:
    """Back on the catalogue (from any screen), what `lab grade` recorded meanwhile is shown."""
    from textual.widgets import DataTable

    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        ProgressStore.load(store.root).record_grade("ecr-pull-denied", passed=True, score=100, max_score=100)
        await pilot.press("question_mark")  # help, then back: the catalogue resumes
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        row = [k.value for k in table.rows].index("ecr-pull-denied")
        assert "passed 100/100" in str(table.get_row_at(row)[1])


def test_any_bytes_in_the_progress_file_load_without_an_exception() -> None:
    """Property: whatever the file holds, loading returns a store (kept aside when unreadable)."""
    import tempfile

    from hypothesis import given, settings
    from hypothesis import strategies as st

    documents = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["version", "scenarios", "web", "status", "attempts", "best_score", "seconds_spent", "hints_used", "solution_revealed"]), inner, max_size=4),
        max_leaves=12,
    )
    import json as _json

    raw_files = st.binary(max_size=40) | documents.map(lambda d: _json.dumps(d).encode())

    @settings(max_examples=150, deadline=None)
    @given(raw_files)
    def check(raw: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "progress.json").write_bytes(raw)
            store = ProgressStore.load(root)
            aside = [p for p in root.iterdir() if p.name.startswith("progress.json.corrupt")]
            assert (store.problem is None) == (not aside)
            if aside:
                assert aside[0].read_bytes() == raw and store.scenarios == {}
            store.record_grade("web", passed=False, score=1, max_score=2)
            assert ProgressStore.load(root).get("web").attempts >= 1

    check()
