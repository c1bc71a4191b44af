"""Spaced repetition with fsrs on a fake clock: misses come back when due, right answers push them out."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lab.practice import Deck, question_key, scenario_key, split_key

from .conftest import T0


def test_a_question_answered_right_the_first_time_makes_no_card() -> None:
    deck = Deck()
    assert deck.record(question_key("a"), True, T0) is None
    assert deck.cards == {} and deck.due(T0 + timedelta(days=30)) == []


def test_a_miss_comes_back_the_next_day_and_not_before_its_due_time() -> None:
    deck = Deck()
    card = deck.record(question_key("a"), False, T0)
    assert card is not None and T0 < card.due <= T0 + timedelta(hours=1)
    assert deck.due(T0) == []
    assert deck.due(T0 + timedelta(days=1)) == ["q:a"]


def test_right_answers_push_a_card_further_out_each_time() -> None:
    deck = Deck()
    deck.record("q:a", False, T0)
    now, gaps = T0, []
    for _ in range(4):
        now = deck.cards["q:a"].due
        before = now
        deck.record("q:a", True, now)
        gaps.append(deck.cards["q:a"].due - before)
    assert gaps == sorted(gaps) and gaps[-1] >= timedelta(days=2)
    deck.record("q:a", False, deck.cards["q:a"].due)  # forgot it again: back soon
    assert deck.cards["q:a"].due - deck.cards["q:a"].last_review <= timedelta(hours=1)


def test_the_schedule_is_deterministic_and_survives_a_round_trip() -> None:
    def run() -> Deck:
        deck = Deck()
        t = T0
        for i, right in enumerate([False, True, True, False, True]):
            t += timedelta(hours=7 * i)
            deck.record("q:x", right, t)
            deck.record(scenario_key("spot-without-draining", "tasks-moved"), right, t)
        return deck

    a, b = run(), run()
    assert a.to_dict() == b.to_dict()
    again = Deck.from_dict(a.to_dict())
    assert again.to_dict() == a.to_dict()
    assert again.due(T0 + timedelta(days=365)) == a.due(T0 + timedelta(days=365))


def test_due_lists_the_longest_overdue_first() -> None:
    deck = Deck()
    deck.record("q:late", False, T0)
    deck.record("q:later", False, T0 + timedelta(hours=2))
    assert deck.due(T0 + timedelta(days=1)) == ["q:late", "q:later"]
    assert deck.next_due() == deck.cards["q:late"].due


def test_keys_name_questions_and_scenario_checks() -> None:
    assert split_key(question_key("placement-binpack")) == ("question", "placement-binpack", None)
    assert split_key(scenario_key("ecr-pull-denied", "no-pull-errors")) == ("scenario", "ecr-pull-denied", "no-pull-errors")


def test_the_clock_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Deck().record("q:a", False, datetime(2026, 12, 3))
