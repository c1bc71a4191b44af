"""Learner progress and autosaved edits: atomic, under the data dir, robust to corruption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.progress import ProgressStore, data_dir


def test_data_dir_follows_xdg_and_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The data dir is $LAB_DATA_DIR, else $XDG_DATA_HOME/ecs-lab, else ~/.local/share/ecs-lab."""
    monkeypatch.delenv("LAB_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "ecs-lab"
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "mine"))
    assert data_dir() == tmp_path / "mine"


def test_grades_update_status_and_keep_the_best_score(tmp_path: Path) -> None:
    """A failed grade marks a scenario attempted, a pass marks it passed; the best score stays."""
    store = ProgressStore.load(tmp_path)
    store.record_grade("web", passed=False, score=40, max_score=100)
    assert store.get("web").status == "attempted"
    store.record_grade("web", passed=True, score=100, max_score=100)
    store.record_grade("web", passed=False, score=10, max_score=100)
    again = ProgressStore.load(tmp_path).get("web")
    assert (again.status, again.best_score, again.attempts) == ("passed", 100, 3)


def test_corrupt_progress_file_is_kept_aside_and_reported(tmp_path: Path) -> None:
    """An unreadable progress file is moved aside, reported, and the store starts empty."""
    (tmp_path / "progress.json").write_text("{not json", encoding="utf-8")
    store = ProgressStore.load(tmp_path)
    assert store.scenarios == {}
    assert store.problem and "progress.json.corrupt" in store.problem
    assert (tmp_path / "progress.json.corrupt").read_text(encoding="utf-8") == "{not json"
    store.record_grade("web", passed=True, score=1, max_score=1)
    assert json.loads((tmp_path / "progress.json").read_text())["scenarios"]["web"]["status"] == "passed"


def test_wrong_shapes_count_as_corrupt(tmp_path: Path) -> None:
    """A progress file with an unknown status or the wrong structure is treated as corrupt."""
    (tmp_path / "progress.json").write_text(json.dumps({"scenarios": {"web": {"status": "wizard"}}}))
    assert ProgressStore.load(tmp_path).problem


def test_edits_are_autosaved_and_restored(tmp_path: Path) -> None:
    """Saved edits come back by file name; a reset forgets them; no temporary files stay."""
    store = ProgressStore.load(tmp_path)
    store.save_edit("web", "task-definition.yaml", "family: web\n")
    assert ProgressStore.load(tmp_path).edits("web") == {"task-definition.yaml": "family: web\n"}
    assert [p.name for p in store.workspace("web").iterdir()] == ["task-definition.yaml"]
    store.reset_edits("web")
    assert store.edits("web") == {}


def test_hostile_file_names_are_refused(tmp_path: Path) -> None:
    """Edits never escape the scenario's workspace folder."""
    store = ProgressStore.load(tmp_path)
    for name in ("../x.yaml", "a/b.yaml", ".hidden"):
        with pytest.raises(ValueError):
            store.save_edit("web", name, "x")
