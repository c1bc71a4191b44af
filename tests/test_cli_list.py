"""``lab list`` from its cache: the same output as computing it, never stale, and cheap to start."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lab.cli import main

ROOT = Path(__file__).resolve().parent.parent
PICK = ("ecr-pull-denied", "task-role-s3")


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def shelf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scenarios folder with two shipped scenarios, and a copy of the content beside it."""
    (tmp_path / "scenarios").mkdir()
    for sid in PICK:
        shutil.copy(ROOT / "scenarios" / f"{sid}.yaml", tmp_path / "scenarios")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    monkeypatch.setenv("LAB_SCENARIOS", str(tmp_path / "scenarios"))
    monkeypatch.setenv("LAB_CONTENT", str(tmp_path / "content"))
    return tmp_path


@pytest.mark.parametrize("args", [(), ("--json",), ("--questions",), ("--questions", "--json")])
def test_a_cached_listing_is_the_computed_one(capsys, monkeypatch, tmp_path, args):
    """The first run fills the cache, the second reads it; both print what an uncached run prints."""
    first = run_main(capsys, "list", *args)
    second = run_main(capsys, "list", *args)
    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a folder")  # the cache cannot be written: no error, computed
    uncached = run_main(capsys, "list", *args)
    assert first == second == uncached
    assert first[0] == 0
    assert ("C11" if "--questions" in args else "ecr-pull-denied") in first[1]


def test_an_edited_scenario_is_listed_as_it_is_now(capsys, shelf):
    path = shelf / "scenarios" / "task-role-s3.yaml"
    _, out, _ = run_main(capsys, "list")
    title = next(line for line in out.splitlines() if line.startswith("task-role-s3")).split("  ")[-2]
    path.write_text(path.read_text(encoding="utf-8").replace(f"title: {title}", "title: A new title", 1), encoding="utf-8")
    _, out, _ = run_main(capsys, "list")
    assert "A new title" in out
    path.write_text(path.read_text(encoding="utf-8").replace("kind: service-running", "kind: service-runing", 1), encoding="utf-8")
    for _ in range(2):  # computed, then from the cache: the same complaint
        code, out, err = run_main(capsys, "list")
        assert code == 0 and "task-role-s3" not in out
        assert "task-role-s3.yaml: does not load:" in err and "service-runing" in err


def test_a_changed_question_bank_is_counted_as_it_is_now(capsys, shelf):
    _, before, _ = run_main(capsys, "list", "--questions", "--json")
    victim = sorted((shelf / "content" / "questions").rglob("*.yaml"))[0]
    victim.unlink()
    _, after, _ = run_main(capsys, "list", "--questions", "--json")
    assert before != after


def test_a_removed_lesson_is_seen(capsys, shelf):
    """A scenario's lesson lives under content/: removing it makes the scenario fail to load."""
    _, out, _ = run_main(capsys, "list")
    assert "ecr-pull-denied" in out
    for lesson in (shelf / "content" / "lessons").glob("*.md"):
        lesson.unlink()
    _, out, err = run_main(capsys, "list")
    assert "ecr-pull-denied.yaml: does not load:" in err


@pytest.mark.slow
def test_a_cached_listing_builds_no_models():
    """From the cache, ``lab list`` imports no pydantic, PyYAML, question bank, scenario loader or simulator."""
    code = (
        "import sys\n"
        "from lab.cli import main\n"
        "main(['list'])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pydantic', 'yaml', 'numpy', 'textual')"
        " or m.startswith(('lab.practice', 'lab.scenario.loader', 'lab.sim', 'lab.config'))]\n"
        "print('LOADED:' + ','.join(sorted(bad)), file=sys.stderr)\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "lab.practice" in first.stderr  # the first run computes the listing
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert second.stderr.strip().splitlines()[-1] == "LOADED:"
