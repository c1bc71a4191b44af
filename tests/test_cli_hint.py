"""Behaviour tests for ``lab hint``: the next hint on the command line, recorded as the TUI's ctrl+t.

``lab hint ID`` reveals the next hint and records the count in progress (``use_hints``, the
same change the workbench makes); ``--all`` lists the revealed ones; an unknown scenario
exits 2; past the last hint it says there are no more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.cli import main
from lab.progress import ProgressStore
from lab.scenario.loader import find_scenario, load_scenario

SCENARIO = "sg-blocks-alb"


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def hints() -> list[str]:
    hints = load_scenario(find_scenario(SCENARIO)).scenario.hints
    assert len(hints) >= 2
    return hints


def test_each_call_reveals_the_next_hint_and_records_it(capsys, hints, _isolated_learner_data: Path):
    for number, hint in enumerate(hints, start=1):
        code, out, err = run_main(capsys, "hint", SCENARIO)
        assert code == 0, err
        assert out == f"Hint {number} of {len(hints)}: {hint}\n"
        assert ProgressStore.load(_isolated_learner_data).get(SCENARIO).hints_used == number


def test_past_the_last_hint_it_says_so_and_records_nothing_more(capsys, hints, _isolated_learner_data: Path):
    for _ in hints:
        run_main(capsys, "hint", SCENARIO)
    before = (_isolated_learner_data / "progress.json").read_bytes()
    code, out, _ = run_main(capsys, "hint", SCENARIO)
    assert code == 0
    assert out.startswith(f"No more hints: all {len(hints)} for {SCENARIO} are revealed")
    assert (_isolated_learner_data / "progress.json").read_bytes() == before


def test_all_lists_the_revealed_hints_only(capsys, hints):
    code, out, _ = run_main(capsys, "hint", SCENARIO, "--all")
    assert code == 0
    assert out.startswith(f"No hints revealed yet for {SCENARIO} ({len(hints)} in all)")
    run_main(capsys, "hint", SCENARIO)
    run_main(capsys, "hint", SCENARIO)
    code, out, _ = run_main(capsys, "hint", SCENARIO, "--all")
    assert code == 0
    assert out == "".join(f"Hint {n} of {len(hints)}: {h}\n" for n, h in enumerate(hints[:2], start=1))


def test_all_records_nothing(capsys, _isolated_learner_data: Path):
    run_main(capsys, "hint", SCENARIO, "--all")
    assert ProgressStore.load(_isolated_learner_data).get(SCENARIO).hints_used == 0


def test_a_hint_keeps_what_grading_recorded(capsys, _isolated_learner_data: Path):
    """The count is merged into the file under its lock: a recorded grade stays."""
    ProgressStore.load(_isolated_learner_data).record_grade(SCENARIO, passed=False, score=20, max_score=100)
    run_main(capsys, "hint", SCENARIO)
    entry = ProgressStore.load(_isolated_learner_data).get(SCENARIO)
    assert (entry.status, entry.best_score, entry.attempts, entry.hints_used) == ("attempted", 20, 1, 1)


def test_hints_seen_in_the_tui_count(capsys, hints, _isolated_learner_data: Path):
    """Two hints already seen in the lab (ctrl+t records them with use_hints): the next is the third."""
    ProgressStore.load(_isolated_learner_data).use_hints(SCENARIO, 2)
    code, out, _ = run_main(capsys, "hint", SCENARIO)
    assert code == 0 and out == f"Hint 3 of {len(hints)}: {hints[2]}\n"


@pytest.mark.parametrize("ref", ["no-such-scenario", "../etc/passwd"])
def test_an_unknown_scenario_exits_2(capsys, ref, _isolated_learner_data: Path):
    code, out, err = run_main(capsys, "hint", ref)
    assert code == 2 and out == ""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (_isolated_learner_data / "progress.json").exists()
