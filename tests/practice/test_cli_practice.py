"""``lab quiz``, ``lab exam``, ``lab review``, and the bank in ``lab validate`` and ``lab list``: answers from stdin."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from lab import cli_practice
from lab.cli import main
from lab.practice import Context, PracticeStore, assemble_exam, load_bank, select_questions

from .conftest import BASE, T0, write_question


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The command line's clocks, driven by the test."""
    state: dict[str, object] = {"now": T0, "mono": 0.0}
    monkeypatch.setattr(cli_practice, "now", lambda: state["now"])
    monkeypatch.setattr(cli_practice, "monotonic", lambda: state["mono"])
    return state


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def quiz_items(context: Context, **kw):
    return select_questions(load_bank(context=context).questions, areas=list(context.topics.areas), area_of={t.id: t.area for t in context.topics.by_id.values()}, **kw)


def test_quiz_gives_feedback_with_every_explanation_and_saves_the_answers(content: Path, context: Context, monkeypatch, capsys, clock) -> None:
    items = quiz_items(context, topic="F5", seed=4)
    (item,) = items
    wrong = next(letter for i, (letter, _) in enumerate(item.options) if i not in item.correct)
    code, out, err = run(monkeypatch, capsys, ["quiz", "--topic", "F5", "--seed", "4"], f"x\n{wrong}\n")
    assert code == 0 and err == ""
    assert "Which TWO jobs use the task execution role? (Choose two.)" in out
    assert "'x' is not an option: answer with letters a-d" in out  # asked again
    assert f"Not quite: the answer is {item.correct_letters()}." in out
    for n in range(1, 5):
        assert f"Fixture explanation {n} for fx-two-exec." in out
    assert "Takeaway: Fixture takeaway for fx-two-exec." in out
    assert "Reference: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/Welcome.html (checked 2026-12-03)" in out
    assert out.rstrip().endswith("0 of 1 right.")
    store = PracticeStore.load()
    assert store.questions["fx-two-exec"].last_right is False
    assert store.deck.due(T0 + timedelta(days=1)) == ["q:fx-two-exec"]


def test_quiz_right_answers_and_links_to_the_scenario_and_lesson(content: Path, context: Context, monkeypatch, capsys, clock) -> None:
    (item,) = quiz_items(context, topic="C11", seed=1)
    code, out, _ = run(monkeypatch, capsys, ["quiz", "--topic", "C11", "--seed", "1"], item.correct_letters() + "\n")
    assert code == 0 and "Correct." in out and out.rstrip().endswith("1 of 1 right.")
    assert "Try it: lab start memory-fragmentation" in out and "Lesson: content/lessons/spread-then-binpack.md" in out
    assert PracticeStore.load().deck.cards == {}


def test_quiz_by_area_domain_and_count_stops_at_the_end_of_input(content: Path, monkeypatch, capsys, clock) -> None:
    code, out, _ = run(monkeypatch, capsys, ["quiz", "--topic", "placement", "--count", "3", "--seed", "2"], "a\n")
    assert code == 0 and "3 questions (seed 2)" in out and "Question 2/3" in out and out.rstrip().endswith("of 1 right.")
    code, out, _ = run(monkeypatch, capsys, ["quiz", "--domain", "D5", "--seed", "2"], "q\n")
    assert "2 questions" in out and out.rstrip().endswith("0 of 0 right.")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["quiz", "--topic", "C1l"], "unknown topic 'C1l'; did you mean"),
        (["quiz", "--domain", "D8"], "unknown domain 'D8'"),
        (["quiz", "--scenario", "nope"], "no question matches scenario nope"),
        (["quiz", "--count", "0"], "--count must be at least 1"),
        (["exam", "--hands-on", "4"], "--hands-on takes 1, 2 or 3"),
        (["exam", "--scenario", "nope"], "no scenario 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(content: Path, monkeypatch, capsys, clock, argv: list[str], message: str) -> None:
    code, out, err = run(monkeypatch, capsys, argv)
    assert code == 2 and message in err and err.count("\n") == 1


def test_exam_json_is_stable_and_the_exam_is_kept(content: Path, context: Context, monkeypatch, capsys, clock) -> None:
    exam = assemble_exam(load_bank(context=context).questions, "quick", seed=11)
    answers = "".join(item.correct_letters() + "\n" for item in exam.items)
    code, out, err = run(monkeypatch, capsys, ["exam", "--seed", "11", "--format", "json"], answers)
    data = json.loads(out)
    assert code == 0 and data["score"] == 1000 and data["passed"] is True
    assert [d["domain"] for d in data["domains"]] == ["D1", "D2", "D3", "D4", "D5", "D6"]
    assert len(data["items"]) == 12 and all(i["right"] for i in data["items"])
    assert "Question 1/12" in err  # the questions went to stderr
    assert "the bank has only 12 questions" in err
    assert PracticeStore.load().exams[0]["score"] == 1000


def test_exam_text_fails_with_the_breakdown_flags_and_a_second_look(content: Path, context: Context, monkeypatch, capsys, clock) -> None:
    exam = assemble_exam(load_bank(context=context).questions, "quick", seed=5)
    first = exam.items[0]
    # Flag the first item and answer it right; skip everything else; the second look keeps the answer.
    code, out, _ = run(monkeypatch, capsys, ["exam", "--seed", "5"], f"f\n{first.correct_letters()}\n" + "\n" * 30)
    assert code == 1
    assert "Flagged." in out and "Second look: 12 unanswered or flagged item(s)" in out
    assert "Score: 175 / 1000 — FAIL (pass mark 750)" in out
    assert "D1 SDLC Automation" in out and "Time used: 00:00 of 40:00" in out
    result = PracticeStore.load().exams[0]
    assert result["items"][0]["flagged"] is True and result["items"][0]["right"] is True


def test_exam_stops_when_time_runs_out(content: Path, monkeypatch, capsys, clock) -> None:
    class Ticking(io.StringIO):
        def readline(self, *a):  # every answer takes ten minutes
            clock["mono"] = float(clock["mono"]) + 600.0
            return super().readline(*a)

    monkeypatch.setattr("sys.stdin", Ticking("a\n" * 20))
    code = main(["exam", "--seed", "3", "--format", "json"])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == 1 and "Time is up." in err
    assert data["timed_out"] is True and data["time_used_seconds"] == 2400.0
    assert sum(1 for i in data["items"] if i["chosen"]) == 4


def test_review_lists_what_is_due_the_next_day(content: Path, context: Context, monkeypatch, capsys, clock) -> None:
    code, out, _ = run(monkeypatch, capsys, ["review"])
    assert "Nothing is due." in out
    (item,) = quiz_items(context, topic="J7", seed=1)
    wrong = next(letter for i, (letter, _) in enumerate(item.options) if i not in item.correct)
    run(monkeypatch, capsys, ["quiz", "--topic", "J7", "--seed", "1"], wrong + "\n")
    code, out, _ = run(monkeypatch, capsys, ["review"])
    assert "Nothing is due. Next: 2026-12-03T09:01+00:00." in out
    clock["now"] = T0 + timedelta(days=1)
    code, out, _ = run(monkeypatch, capsys, ["review"])
    assert code == 0 and "1 due:" in out and "question fx-alarm" in out and "lab quiz --due" in out
    code, out, _ = run(monkeypatch, capsys, ["review", "--json"])
    assert json.loads(out)["due"][0]["id"] == "fx-alarm"
    code, out, _ = run(monkeypatch, capsys, ["quiz", "--due", "--seed", "9"], "q\n")
    assert "1 question (seed 9)" in out and "Which log driver" in out


def test_validate_refuses_a_broken_question_with_its_position(content: Path, monkeypatch, capsys, clock) -> None:
    path = write_question(content, BASE.replace("    correct: true\n", "", 1))
    code, out, _ = run(monkeypatch, capsys, ["validate", str(path)])
    assert code == 1
    assert "content/questions/placement/base-question.yaml:8:9: 'choose' is 1 but 0 options are marked correct: true" in out
    code, out, _ = run(monkeypatch, capsys, ["validate", "content/questions/placement/fx-binpack.yaml"])
    assert code == 0 and "questions: 1 of 1 ok" in out
    code, out, _ = run(monkeypatch, capsys, ["validate", "content/questions"])
    assert code == 1 and "questions: 12 of 13 ok" in out


def test_list_counts_questions_per_area_and_per_topic(content: Path, monkeypatch, capsys, clock) -> None:
    code, out, _ = run(monkeypatch, capsys, ["list"])
    assert code == 0
    assert any(line.split()[:2] == ["placement", "4"] for line in out.splitlines())
    code, out, _ = run(monkeypatch, capsys, ["list", "--questions", "--json"])
    rows = {r["topic"]: r["questions"] for r in json.loads(out)}
    assert rows["C11"] == 1 and rows["F5"] == 1 and rows["A1"] == 0 and len(rows) == 104


def test_exam_with_a_hands_on_scenario_grades_it_like_lab_grade(content: Path, monkeypatch, capsys, clock, tmp_path: Path) -> None:
    """The learner's folder holds the scenario's solution: the hands-on item scores 100 and counts."""
    import yaml

    from lab.scenario.loader import find_scenario, load_scenario

    loaded = load_scenario(find_scenario("fargate-no-execution-role"))
    folder = tmp_path / "work" / "fargate-no-execution-role"
    folder.mkdir(parents=True)
    for name, text in loaded.scenario.solution.items():
        (folder / name).write_text(text if isinstance(text, str) else yaml.safe_dump(text, sort_keys=False), encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, ["exam", "--seed", "2", "--format", "json", "--scenario", "fargate-no-execution-role", "--workdir", str(tmp_path / "work")], "\n" * 40)
    data = json.loads(out)
    row = data["items"][-1]
    assert (row["kind"], row["id"], row["score"], row["right"]) == ("scenario", "fargate-no-execution-role", 100, True)
    assert data["domains"][-1] == {"domain": "hands-on", "name": "Hands-on scenarios", "right": 5.0, "total": 5, "percent": 100}
    assert data["time_limit_seconds"] == (40 + loaded.scenario.minutes) * 60
    assert "Graded: 100/100 — passed" in err and code == 1  # the questions were all skipped


def test_a_failed_hands_on_check_comes_back_in_the_due_queue(content: Path, monkeypatch, capsys, clock, tmp_path: Path) -> None:
    """The starting files fail the scenario's required checks; the next day they are due."""
    code, out, err = run(monkeypatch, capsys, ["exam", "--seed", "2", "--format", "json", "--scenario", "fargate-no-execution-role", "--workdir", str(tmp_path / "w")], "\n" * 12 + "\n")
    assert (tmp_path / "w" / "fargate-no-execution-role").is_dir()  # the starting files were written
    row = json.loads(out)["items"][-1]
    assert row["right"] is False and row["failed_checks"]
    clock["now"] = T0 + timedelta(days=1)
    code, out, _ = run(monkeypatch, capsys, ["review"])
    assert f"scenario fargate-no-execution-role, check {row['failed_checks'][0]}" in out and "lab start fargate-no-execution-role" in out


def test_lab_grade_sends_failed_checks_to_the_due_queue(content: Path, monkeypatch, capsys, clock, tmp_path: Path) -> None:
    code, _, _ = run(monkeypatch, capsys, ["start", "fargate-no-execution-role", "--dir", str(tmp_path / "answer")])
    code, _, _ = run(monkeypatch, capsys, ["grade", "fargate-no-execution-role", "--answer", str(tmp_path / "answer")])
    assert code == 1
    clock["now"] = T0 + timedelta(days=1)
    code, out, _ = run(monkeypatch, capsys, ["review"])
    assert "scenario fargate-no-execution-role, check" in out


def test_validate_with_no_paths_checks_the_scenarios_and_the_bank(content: Path, monkeypatch, capsys, clock, tmp_path: Path) -> None:
    import shutil

    from .conftest import ROOT

    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(ROOT / "scenarios" / "fargate-no-execution-role.yaml", folder)
    shutil.copy(ROOT / "scenarios" / "memory-fragmentation.yaml", folder)
    monkeypatch.setenv("LAB_SCENARIOS", str(folder))
    write_question(content, BASE.replace("topics: [C11]", "topics: [C11]\nscenario: task-role-s3"))  # not shipped here
    code, out, _ = run(monkeypatch, capsys, ["validate"])
    assert code == 1
    assert "fargate-no-execution-role.yaml: ok" in out and "memory-fragmentation.yaml: ok" in out
    assert "content/questions/placement/base-question.yaml:5:11: no shipped scenario 'task-role-s3'" in out
    assert "questions: 12 of 13 ok" in out


def test_a_question_reaches_the_terminal_escaped(content: Path, monkeypatch, capsys, clock) -> None:
    """A stem, an option and a takeaway can hold terminal escapes and workflow commands: quiz shows them inert."""
    hostile = (
        BASE.replace("  A team wants", "  ::error file=q::stem\n  A team wants")
        .replace("  - text: random", '  - text: "random \\e]0;title\\a"')
        .replace("takeaway: Binpack packs; spread spreads.", 'takeaway: "\\u202eBinpack packs; spread spreads."')
    )
    write_question(content, hostile, name="base-question")
    code, out, _ = run(monkeypatch, capsys, ["quiz", "--topic", "C11", "--count", "20", "--seed", "1"], "a\n" * 20)
    assert code == 0 and "Question" in out
    assert "\x1b" not in out and "\u202e" not in out
    assert not any(line.lstrip().startswith("::") for line in out.splitlines())
    assert ":\\:error file=q::stem A team wants" in out and "random \\x1b]0;title\\x07" in out and "Takeaway: \\u202eBinpack" in out


def test_validate_finds_a_questions_folder_from_a_bare_file_name(content: Path, monkeypatch, capsys, clock) -> None:
    """Validating `q.yaml` from inside its area folder judges the folder it is in, not "."."""
    write_question(content, BASE)
    monkeypatch.chdir(content / "questions" / "placement")
    code, out, _ = run(monkeypatch, capsys, ["validate", "base-question.yaml"])
    assert (code, out) == (0, "questions: 1 of 1 ok\n")


def test_validate_defuses_a_question_file_named_like_a_workflow_command(content: Path, monkeypatch, capsys, clock) -> None:
    """The file name starts each problem line; a name starting with `::` must not become a runner command."""
    write_question(content, BASE, name="::warning::hi")
    monkeypatch.chdir(content / "questions" / "placement")
    code, out, _ = run(monkeypatch, capsys, ["validate", "::warning::hi.yaml"])
    assert code == 1
    assert out.startswith(":\\:warning::hi.yaml:1:5: the id 'base-question' must match the file name")
    assert not any(line.startswith("::") for line in out.splitlines())
