"""Exam assembly by DOP-C02 domain weight, practice selection and option shuffling."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.errors import UsageError
from lab.practice import DOP_DOMAINS, PRESETS, QuestionItem, ScenarioItem, assemble_exam, domain_quota, parse_letters, select_questions

from .support import bank_of, make_question

FULL = {d.code: 30 for d in DOP_DOMAINS}


def test_quotas_follow_the_weights() -> None:
    """22/17/15/15/14/17 % of 20 and of 75, rounded by largest remainder."""
    assert domain_quota(20) == {"D1": 5, "D2": 3, "D3": 3, "D4": 3, "D5": 3, "D6": 3}
    assert domain_quota(75) == {"D1": 17, "D2": 13, "D3": 11, "D4": 11, "D5": 10, "D6": 13}


@given(st.integers(0, 500))
def test_quotas_add_up_and_stay_within_one_of_the_exact_share(n: int) -> None:
    quota = domain_quota(n)
    assert sum(quota.values()) == n
    for d in DOP_DOMAINS:
        assert abs(quota[d.code] - n * d.weight / 100) < 1


@pytest.mark.parametrize("preset", ["quick", "full"])
def test_an_exam_has_the_preset_size_time_and_domain_mix(preset: str) -> None:
    exam = assemble_exam(bank_of(FULL), preset, seed=7)
    shape = PRESETS[preset]
    assert len(exam.items) == shape.questions and exam.minutes == shape.minutes
    mix = Counter(item.question.domain for item in exam.items if isinstance(item, QuestionItem))
    assert dict(mix) == domain_quota(shape.questions)
    assert len({item.question.id for item in exam.items}) == shape.questions
    assert exam.notes == ()


def test_the_same_seed_gives_the_same_exam_and_another_seed_another() -> None:
    bank = bank_of(FULL)
    a, b = assemble_exam(bank, "quick", seed=3), assemble_exam(list(reversed(bank)), "quick", seed=3)
    assert a == b  # the bank's order does not matter either
    c = assemble_exam(bank, "quick", seed=4)
    assert [i.question.id for i in a.items] != [i.question.id for i in c.items]


def test_a_short_domain_is_topped_up_from_the_others_and_noted() -> None:
    bank = bank_of({"D1": 1, "D2": 10, "D3": 10, "D4": 10, "D5": 10, "D6": 10})
    exam = assemble_exam(bank, "quick", seed=1)
    assert len(exam.items) == 20
    assert exam.notes == ("D1 has 1 questions of the 5 its weight asks for",)


def test_a_short_bank_gives_a_shorter_exam_with_a_note() -> None:
    exam = assemble_exam(bank_of({"D1": 2, "D4": 3}), "quick", seed=1)
    assert len(exam.items) == 5
    assert exam.notes[-1] == "the bank has only 5 questions: the exam is shorter"


def test_hands_on_scenarios_come_last_and_add_their_minutes() -> None:
    scenarios = [ScenarioItem("ecr-pull-denied", "Tasks never start", 10), ScenarioItem("memory-fragmentation", "Fragmentation", 10)]
    exam = assemble_exam(bank_of(FULL), "quick", seed=1, scenarios=scenarios)
    assert exam.items[-2:] == tuple(scenarios) and exam.minutes == 60
    with pytest.raises(UsageError, match="at most three"):
        assemble_exam(bank_of(FULL), "quick", seed=1, scenarios=scenarios * 2)


def test_bad_presets_and_empty_banks_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown preset 'huge'"):
        assemble_exam(bank_of(FULL), "huge")
    with pytest.raises(UsageError, match="empty"):
        assemble_exam([], "quick")


def test_options_are_shuffled_and_the_key_follows_them() -> None:
    q = make_question("multi", choose=2, options=5)
    orders = set()
    for seed in range(20):
        (item,) = select_questions([q], seed=seed)
        orders.add(item.order)
        assert sorted(item.order) == [0, 1, 2, 3, 4]
        assert {item.order[i] for i in item.correct} == {0, 1}
        assert item.is_right(item.correct) and item.correct_letters().count(",") == 1
    assert len(orders) > 5


def test_practice_selection_filters_by_topic_area_domain_and_scenario() -> None:
    bank = [make_question("a", "D1", topics=("C11",)), make_question("b", "D3", topics=("E8", "C12")), make_question("c", "D6", topics=("F3",))]
    bank[2] = type(bank[2])(**{**bank[2].__dict__, "scenario": "task-role-s3"})
    area_of = {"C11": "placement", "C12": "placement", "E8": "load-balancing", "F3": "iam"}
    ids = lambda items: sorted(i.question.id for i in items)  # noqa: E731
    assert ids(select_questions(bank, topic="C12", area_of=area_of)) == ["b"]
    assert ids(select_questions(bank, topic="placement", areas=["placement", "iam"], area_of=area_of)) == ["a", "b"]
    assert ids(select_questions(bank, domain="d6")) == ["c"]
    assert ids(select_questions(bank, scenario="task-role-s3")) == ["c"]
    assert [i.question.id for i in select_questions(bank, ids=["c", "a", "zz"])] == ["c", "a"]
    assert len(select_questions(bank, count=2, seed=5)) == 2
    with pytest.raises(UsageError, match="unknown topic 'C1l'; did you mean"):
        select_questions(bank, topic="C1l", area_of=area_of)
    with pytest.raises(UsageError, match="unknown domain 'D9'"):
        select_questions(bank, domain="D9")
    with pytest.raises(UsageError, match="no question matches scenario nope"):
        select_questions(bank, scenario="nope")


@pytest.mark.parametrize(("text", "expected"), [("a", {0}), ("A", {0}), ("a,c", {0, 2}), ("c a", {0, 2}), ("ac", {0, 2}), (" b ; d ", {1, 3})])
def test_answers_are_read_from_letters(text: str, expected: set[int]) -> None:
    assert parse_letters(text, 4) == frozenset(expected)


@pytest.mark.parametrize("text", ["e", "1", "a,x", "", ",", "abcde"])
def test_other_answers_are_refused_with_one_line(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_letters(text, 4)
    assert "\n" not in str(info.value)
