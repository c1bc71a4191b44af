"""Scoring: exact sets for multiple response, the 100–1000 scale, domains, time, hands-on scenarios."""

from __future__ import annotations

import pytest

from lab.practice import PASS_MARK, SCENARIO_POINTS, Exam, ExamSession, ScenarioItem, ScenarioOutcome, scaled_score, score_exam, select_questions

from .support import make_question


def exam_of(*questions, scenarios=(), minutes: int = 40) -> Exam:
    items = tuple(select_questions(list(questions), ids=[q.id for q in questions], seed=1)) + tuple(scenarios)
    return Exam("quick", 1, items, minutes, {})


def test_multiple_response_is_right_only_for_exactly_the_right_set() -> None:
    exam = exam_of(make_question("m", "D2", choose=2, options=5))
    item = exam.items[0]
    right = set(item.correct)
    one = {min(right)}
    extra = right | {next(i for i in range(5) if i not in right)}
    assert score_exam(exam, {0: right}).items[0]["right"] is True
    assert score_exam(exam, {0: one}).items[0]["right"] is False
    assert score_exam(exam, {0: extra}).items[0]["right"] is False
    assert score_exam(exam, {}).items[0]["right"] is False


def test_the_scale_runs_from_100_to_1000_with_750_to_pass() -> None:
    assert scaled_score(0, 20) == 100 and scaled_score(20, 20) == 1000
    assert scaled_score(14, 20) == 730 and scaled_score(15, 20) == 775
    assert PASS_MARK == 750


def test_results_break_down_by_domain_and_list_every_domain() -> None:
    qs = [make_question(f"q{i}", d) for i, d in enumerate(["D1", "D1", "D3", "D6"])]
    exam = exam_of(*qs)
    answers = {i: item.correct for i, item in enumerate(exam.items) if item.question.id in ("q0", "q2")}
    result = score_exam(exam, answers, flagged=[1])
    by = {d.code: (d.right, d.total, d.percent) for d in result.domains}
    assert by == {"D1": (1, 2, 50), "D2": (0, 0, 0), "D3": (1, 1, 100), "D4": (0, 0, 0), "D5": (0, 0, 0), "D6": (0, 1, 0)}
    assert result.scaled == scaled_score(2, 4) and not result.passed
    assert [r["flagged"] for r in result.items] == [False, True, False, False]
    assert len(result.wrong()) == 2


def test_a_session_keeps_time_flags_and_changed_answers_with_a_passed_in_clock() -> None:
    exam = exam_of(make_question("a"), make_question("b"), minutes=1)
    session = ExamSession(exam, started_at=1000.0)
    assert session.remaining(1010.0) == 50.0 and not session.timed_out(1059.9)
    session.answer(0, {1})
    session.answer(0, exam.items[0].correct)  # changed its mind
    session.answer(1, exam.items[1].correct)
    session.answer(1, ())  # cleared
    assert session.unanswered() == [1]
    assert session.toggle_flag(1) is True and session.toggle_flag(1) is False
    result = session.finish(1075.0)
    assert result.timed_out and result.time_used == 60.0
    assert [r["right"] for r in result.items] == [True, False]
    assert session.finish(2000.0) is result  # finishing again changes nothing


def test_a_hands_on_scenario_counts_its_graded_fraction() -> None:
    scenario = ScenarioItem("ecr-pull-denied", "Tasks never start", 10)
    exam = exam_of(make_question("a"), scenarios=[scenario])
    session = ExamSession(exam, started_at=0.0)
    session.answer(0, exam.items[0].correct)
    assert session.unanswered() == [1]
    session.record_scenario(ScenarioOutcome("ecr-pull-denied", 60, 100, False, ("no-pull-errors",), ("service-running",)))
    result = session.finish(600.0)
    hands_on = result.domains[-1]
    assert (hands_on.code, hands_on.right, hands_on.total) == ("hands-on", pytest.approx(0.6 * SCENARIO_POINTS), SCENARIO_POINTS)
    assert result.earned == pytest.approx(1 + 0.6 * SCENARIO_POINTS) and result.possible == 1 + SCENARIO_POINTS
    row = result.items[1]
    assert (row["kind"], row["score"], row["failed_checks"], row["right"]) == ("scenario", 60, ["no-pull-errors"], False)


def test_an_ungraded_scenario_earns_nothing() -> None:
    exam = exam_of(make_question("a"), scenarios=[ScenarioItem("s", "S", 10)])
    result = score_exam(exam, {0: exam.items[0].correct})
    assert result.earned == 1 and result.possible == 1 + SCENARIO_POINTS


def test_the_json_shape_is_stable() -> None:
    exam = exam_of(make_question("a"), make_question("b", "D5", choose=2, options=5))
    data = score_exam(exam, {0: exam.items[0].correct}, time_used=61.25).to_dict()
    assert sorted(data) == ["domains", "earned", "items", "pass_mark", "passed", "possible", "preset", "score", "seed", "time_limit_seconds", "time_used_seconds", "timed_out", "version"]
    assert data["version"] == 1 and isinstance(data["possible"], int) and all(isinstance(d["total"], int) for d in data["domains"])
    assert sorted(data["domains"][0]) == ["domain", "name", "percent", "right", "total"]
    assert sorted(data["items"][0]) == ["chosen", "correct", "domain", "flagged", "id", "kind", "number", "right"]
    assert data["time_used_seconds"] == 61.2 and len(data["items"][1]["correct"]) == 2
