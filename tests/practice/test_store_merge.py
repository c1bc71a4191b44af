"""Two sessions saving practice at once keep both: the store replays its changes under the lock."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from lab.practice.store import PracticeStore

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def test_a_stale_session_does_not_overwrite_answers_saved_meanwhile(tmp_path: Path) -> None:
    tui = PracticeStore.load(tmp_path)
    cli = PracticeStore.load(tmp_path)
    cli.record_answer("q-one", False, ["a"], NOW)
    cli.save()
    tui.record_answer("q-two", True, ["b"], NOW)
    tui.save()
    tui.save()  # nothing pending: saving again changes nothing
    stored = PracticeStore.load(tmp_path)
    assert sorted(stored.questions) == ["q-one", "q-two"]
    assert stored.questions["q-one"].seen == 1 and stored.questions["q-two"].right == 1
    assert sorted(tui.questions) == ["q-one", "q-two"], "the saving session sees the merged state"


def test_many_processes_answering_lose_nothing(tmp_path: Path) -> None:
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_answer_one, [(str(tmp_path), f"q-{n}") for n in range(16)])
    assert len(PracticeStore.load(tmp_path).questions) == 16


def _answer_one(args: tuple[str, str]) -> None:
    root, qid = args
    store = PracticeStore.load(Path(root))
    store.record_answer(qid, False, ["a"], NOW)
    store.save()
