"""Learner progress and autosaved edits: atomic, under the data dir, robust to corruption."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
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


# -- a store that never loses a write (issue 18) ------------------------------------------------



def _grade_in_a_process(root: str, start, index: int) -> None:  # type: ignore[no-untyped-def]
    start.wait()
    ProgressStore.load(Path(root)).record_grade("web", passed=index == 0, score=index, max_score=100)


@pytest.mark.slow
def test_parallel_grades_in_48_processes_lose_no_attempt(tmp_path: Path) -> None:
    """48 processes recording a grade at once: every attempt is counted, the pass and the best score kept."""
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=_grade_in_a_process, args=(str(tmp_path), start, i)) for i in range(48)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join()
    assert all(p.exitcode == 0 for p in procs)
    entry = ProgressStore.load(tmp_path).get("web")
    assert (entry.attempts, entry.status, entry.best_score) == (48, "passed", 47)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json", "progress.json.lock"]


def test_a_stale_store_never_overwrites_what_another_recorded(tmp_path: Path) -> None:
    """A store loaded before another process recorded a pass saves only its own changes."""
    stale = ProgressStore.load(tmp_path)
    stale.mark_attempted("web")
    ProgressStore.load(tmp_path).record_grade("web", passed=True, score=100, max_score=100)
    stale.add_time_spent("web", 30)
    stale.use_hints("web", 2)
    stale.reveal_solution("other")
    again = ProgressStore.load(tmp_path)
    web = again.get("web")
    assert (web.status, web.best_score, web.attempts, web.seconds_spent, web.hints_used) == ("passed", 100, 1, 30.0, 2)
    assert again.get("other").solution_revealed
    assert stale.get("web").status == "passed"  # the store also sees what the other process recorded


def _bump(doc: dict) -> dict:  # type: ignore[type-arg]
    doc["n"] = doc.get("n", 0) + 1
    return doc


def _bump_in_a_process(path: str, start) -> None:  # type: ignore[no-untyped-def]
    from lab.progress import update

    start.wait()
    for _ in range(5):
        update(Path(path), _bump)


@pytest.mark.slow
def test_update_is_a_reusable_locked_read_modify_write(tmp_path: Path) -> None:
    """``update(path, fn)`` serialises read-modify-write across processes on any JSON document."""
    from lab.progress import update

    path = tmp_path / "other.json"
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=_bump_in_a_process, args=(str(path), start)) for _ in range(12)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join()
    assert update(path, _bump) == {"n": 61}


CORRUPT = {
    "not utf-8": b'{"version": 1, "scenarios": {"w\xff": {}}}',
    "not json": b"{not json",
    "NaN": b'{"version": 1, "scenarios": {"web": {"status": "passed", "seconds_spent": NaN}}}',
    "Infinity": b'{"version": 1, "scenarios": {"web": {"seconds_spent": Infinity}}}',
    "attempts as text": b'{"version": 1, "scenarios": {"web": {"attempts": "3"}}}',
    "a bool as a score": b'{"version": 1, "scenarios": {"web": {"best_score": true}}}',
    "a list entry": b'{"version": 1, "scenarios": {"web": [1, 2]}}',
    "a list document": b"[1, 2]",
    "a newer version": b'{"version": 2, "scenarios": {}}',
    "no version": b'{"scenarios": {}}',
    "a huge integer": b'{"version": 1, "scenarios": {"web": {"attempts": ' + b"9" * 5000 + b"}}}",
    "negative time": b'{"version": 1, "scenarios": {"web": {"seconds_spent": -5}}}',
}


@pytest.mark.parametrize("raw", CORRUPT.values(), ids=CORRUPT.keys())
def test_any_corrupt_or_newer_file_is_kept_aside_and_the_lab_carries_on(tmp_path: Path, raw: bytes) -> None:
    """Whatever is in the file, loading never raises: it is kept aside byte for byte and reported."""
    (tmp_path / "progress.json").write_bytes(raw)
    store = ProgressStore.load(tmp_path)
    assert store.problem and store.scenarios == {}
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("progress.json.corrupt")]
    assert [p.read_bytes() for p in aside] == [raw]
    store.record_grade("web", passed=True, score=1, max_score=1)
    assert ProgressStore.load(tmp_path).get("web").status == "passed"


def test_a_second_corruption_never_overwrites_the_first(tmp_path: Path) -> None:
    """Each corrupt file is kept under its own name."""
    (tmp_path / "progress.json").write_bytes(b"first")
    ProgressStore.load(tmp_path)
    (tmp_path / "progress.json").write_bytes(b"second")
    ProgressStore.load(tmp_path)
    kept = sorted(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("progress.json.corrupt"))
    assert kept == [b"first", b"second"]


def test_temp_files_are_cleaned_after_an_interrupted_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails leaves no temp file; one left by a killed process goes at the next write."""
    store = ProgressStore.load(tmp_path)
    store.record_grade("web", passed=False, score=1, max_score=2)
    (tmp_path / ".progress.json.999999999.tmp").write_text("{half")  # a process killed mid-write

    def refuse(*_a: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    store.record_grade("web", passed=False, score=1, max_score=2)
    assert store.save_problem and "No space left" in store.save_problem
    monkeypatch.undo()
    store.record_grade("web", passed=True, score=2, max_score=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json", "progress.json.lock"]
    assert ProgressStore.load(tmp_path).get("web").attempts == 3  # the failed write was kept and retried


@pytest.mark.parametrize("fail", ["write", "replace"])
def test_a_full_disk_keeps_changes_in_memory_until_a_retry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str) -> None:
    """ENOSPC on write or rename: nothing raises, the change stays pending and is saved on retry."""
    store = ProgressStore.load(tmp_path)

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, fail, full)
    store.use_hints("web", 1)
    store.save_edit("web", "task-definition.yaml", "family: web\n")
    assert store.save_problem and store.pending
    assert store.get("web").hints_used == 1
    monkeypatch.undo()
    assert store.retry() is None and not store.pending
    again = ProgressStore.load(tmp_path)
    assert again.get("web").hints_used == 1
    assert again.edits("web") == {"task-definition.yaml": "family: web\n"}


def test_an_unwritable_data_folder_is_a_message_not_a_crash(tmp_path: Path) -> None:
    """A data folder that cannot be created (its parent is a file) only sets ``save_problem``."""
    (tmp_path / "file").write_text("x")
    store = ProgressStore.load(tmp_path / "file" / "data")
    store.record_grade("web", passed=True, score=1, max_score=1)
    store.save_edit("web", "a.yaml", "x: 1\n")
    assert store.save_problem and store.get("web").status == "passed"


def test_temp_files_of_killed_editors_are_cleaned_and_links_never_read(tmp_path: Path) -> None:
    """A killed autosave's temp file goes when the edits are read; a planted link or FIFO is never read."""
    store = ProgressStore.load(tmp_path)
    store.save_edit("web", "a.yaml", "x: 1\n")
    folder = store.workspace("web")
    (folder / ".a.yaml.999999999.tmp").write_text("x: half")  # pid 999999999 is not running
    (tmp_path / "secret").write_text("secret\n")
    (folder / "b.yaml").symlink_to(tmp_path / "secret")
    os.mkfifo(folder / "c.yaml")
    assert store.edits("web") == {"a.yaml": "x: 1\n"}
    assert sorted(p.name for p in folder.iterdir()) == ["a.yaml", "b.yaml", "c.yaml"]


def _grade_forever(root: str) -> None:
    store = ProgressStore.load(Path(root))
    while True:
        store.record_grade("web", passed=False, score=1, max_score=2)
        store.save_edit("web", "a.yaml", "x: 1\n" * 200)


@pytest.mark.slow
def test_sigkill_during_saves_never_corrupts_and_leaves_no_temp_file_behind(tmp_path: Path) -> None:
    """30 writers killed at arbitrary moments: the file always loads; the next write removes their temp files."""
    import random
    import signal
    import time

    ctx = multiprocessing.get_context("fork")
    rng = random.Random(18)
    # The edit the writers save, saved once before them: the end state below does not depend
    # on a writer getting through a whole save before its kill, which a loaded machine can
    # deny all 30 of them.
    assert ProgressStore.load(tmp_path).save_edit("web", "a.yaml", "x: 1\n" * 200) is None
    for _ in range(30):
        writer = ctx.Process(target=_grade_forever, args=(str(tmp_path),))
        writer.start()
        time.sleep(rng.uniform(0.01, 0.08))  # where the kill lands: anywhere in a save
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        store = ProgressStore.load(tmp_path)
        assert store.problem is None
    store.record_grade("web", passed=True, score=2, max_score=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json", "progress.json.lock", "workspaces"]
    assert store.edits("web") == {"a.yaml": "x: 1\n" * 200}
    assert [p.name for p in store.workspace("web").iterdir()] == ["a.yaml"]


def test_a_large_edit_is_saved_and_restored_whole(tmp_path: Path) -> None:
    """A 2 MiB edit (a learner pasted a log into a file) comes back in a new session (issue 18)."""
    store = ProgressStore.load(tmp_path)
    text = "# " + "x" * (2 * 1024 * 1024) + "\nserviceName: web\n"
    assert store.save_edit("demo", "service.yaml", text) is None
    assert ProgressStore.load(tmp_path).edits("demo") == {"service.yaml": text}


def test_an_edit_too_large_to_read_back_is_kept_in_memory_and_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the limit nothing is written (it could not be read back); the other files still save."""
    import lab.progress

    monkeypatch.setattr(lab.progress, "MAX_EDIT_BYTES", 1024)
    store = ProgressStore.load(tmp_path)
    big = "y" * 5000
    problem = store.save_edit("demo", "big.yaml", big)
    assert problem is not None and problem.startswith("big.yaml not saved: over") and "kept in memory" in problem
    assert store.save_edit("demo", "small.yaml", "a: 1\n") is not None  # the big one is still pending
    assert store.edits("demo") == {"big.yaml": big, "small.yaml": "a: 1\n"}
    assert ProgressStore.load(tmp_path).edits("demo") == {"small.yaml": "a: 1\n"}
    assert store.save_edit("demo", "big.yaml", "b: 2\n") is None  # made smaller: saved, the problem clears
    assert ProgressStore.load(tmp_path).edits("demo") == {"big.yaml": "b: 2\n", "small.yaml": "a: 1\n"}
