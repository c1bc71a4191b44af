"""Provides spaced repetition of missed questions and failed scenario checks, scheduled by ``fsrs``.

A card is made the first time something is missed (a question answered wrong, a required
check failed); from then on every answer reviews it: right is ``Good``, wrong is ``Again``.
The clock is an argument of every call (timezone-aware UTC datetimes), and the scheduler's
fuzzing is off, so the same answers at the same times give the same due dates.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import fsrs

__all__ = ["Deck", "question_key", "scenario_key", "split_key"]


def question_key(question_id: str) -> str:
    """The card key of a question."""
    return f"q:{question_id}"


def scenario_key(scenario_id: str, check_id: str) -> str:
    """The card key of one scenario check."""
    return f"s:{scenario_id}:{check_id}"


def split_key(key: str) -> tuple[str, str, str | None]:
    """``("question", id, None)`` or ``("scenario", scenario id, check id)``."""
    kind, _, rest = key.partition(":")
    if kind == "s":
        sid, _, check = rest.partition(":")
        return "scenario", sid, check
    return "question", rest, None


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("the clock must be timezone-aware (UTC)")
    return now


@dataclass
class Deck:
    """The learner's cards by key, and the scheduler that reviews them."""

    cards: dict[str, fsrs.Card] = field(default_factory=dict)
    scheduler: fsrs.Scheduler = field(default_factory=lambda: fsrs.Scheduler(enable_fuzzing=False))

    def record(self, key: str, right: bool, now: datetime) -> fsrs.Card | None:
        """Review ``key`` with the answer's outcome; a first miss makes its card.

        Returns:
            The card after the review, or None when a never-missed item was answered right.
        """
        now = _aware(now)
        card = self.cards.get(key)
        if card is None:
            if right:
                return None
            # A stable id (fsrs would otherwise derive one from the wall clock).
            card = fsrs.Card(card_id=zlib.crc32(key.encode("utf-8")), due=now)
        card, _log = self.scheduler.review_card(card, fsrs.Rating.Good if right else fsrs.Rating.Again, review_datetime=now)
        self.cards[key] = card
        return card

    def due(self, now: datetime) -> list[str]:
        """Keys due at ``now``, the longest overdue first."""
        now = _aware(now)
        return [k for k, c in sorted(self.cards.items(), key=lambda kv: (kv[1].due, kv[0])) if c.due <= now]

    def next_due(self) -> datetime | None:
        """When the next card falls due (None with no cards)."""
        return min((c.due for c in self.cards.values()), default=None)

    def to_dict(self) -> dict[str, Any]:
        return {k: c.to_dict() for k, c in sorted(self.cards.items())}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deck:
        """Cards as ``to_dict`` wrote them.

        Raises:
            ValueError, KeyError, TypeError: the data is not cards.
        """
        if not isinstance(data, dict):
            raise TypeError("cards is not a mapping")
        return cls({str(k): fsrs.Card.from_dict(v) for k, v in data.items()})
