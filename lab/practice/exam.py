"""Provides practice selections, exam assembly by domain weight, the exam session and its scoring.

Everything here is deterministic: selections and option orders come from a seeded
``random.Random``, and the clock is passed in (seconds from any monotonic origin), never read.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lab.config.shapes import did_you_mean
from lab.errors import UsageError
from lab.practice.model import DOP_DOMAINS, LETTERS, Option, Question

__all__ = [
    "PASS_MARK",
    "PRESETS",
    "SCENARIO_POINTS",
    "DomainScore",
    "Exam",
    "ExamResult",
    "ExamSession",
    "Item",
    "Preset",
    "QuestionItem",
    "ScenarioItem",
    "ScenarioOutcome",
    "assemble_exam",
    "domain_quota",
    "parse_letters",
    "present",
    "scaled_score",
    "score_exam",
    "select_questions",
]

PASS_MARK = 750
"""The DOP-C02 passing score on the 100–1000 scale."""

RESULT_VERSION = 1
"""The version of the exam result's JSON shape."""

SCENARIO_POINTS = 5
"""What one hands-on scenario is worth, in questions (its graded score is a fraction of this)."""


@dataclass(frozen=True)
class Preset:
    """An exam shape: how many questions in how many minutes."""

    name: str
    questions: int
    minutes: int


PRESETS: dict[str, Preset] = {
    "quick": Preset("quick", 20, 40),
    "full": Preset("full", 75, 180),
}
"""``full`` is the real DOP-C02's 75 questions in 180 minutes; ``quick`` keeps its pace roughly."""


@dataclass(frozen=True)
class QuestionItem:
    """A question as presented: its options in a shuffled order."""

    question: Question
    order: tuple[int, ...]
    """Authored option indexes in presented order (letter a is ``order[0]``)."""

    @property
    def kind(self) -> str:
        return "question"

    @property
    def options(self) -> tuple[tuple[str, Option], ...]:
        """(letter, option) pairs in presented order."""
        return tuple((LETTERS[i], self.question.options[j]) for i, j in enumerate(self.order))

    @property
    def correct(self) -> frozenset[int]:
        """Presented indexes of the correct options."""
        return frozenset(i for i, j in enumerate(self.order) if self.question.options[j].correct)

    def correct_letters(self) -> str:
        """The right answer as letters, e.g. ``a,c``."""
        return ",".join(LETTERS[i] for i in sorted(self.correct))

    def is_right(self, chosen: Iterable[int]) -> bool:
        """Right only when exactly the correct set is chosen (multiple response included)."""
        return frozenset(chosen) == self.correct


@dataclass(frozen=True)
class ScenarioItem:
    """A hands-on scenario inside an exam, graded by the lab's grader."""

    scenario_id: str
    title: str
    minutes: int

    @property
    def kind(self) -> str:
        return "scenario"


Item = QuestionItem | ScenarioItem


@dataclass(frozen=True)
class ScenarioOutcome:
    """A graded hands-on scenario: its score and the required checks that failed."""

    scenario_id: str
    score: int
    max_score: int
    passed: bool
    failed_checks: tuple[str, ...] = ()
    """Required checks that failed on some seed."""
    passed_checks: tuple[str, ...] = ()
    """Required checks that passed on every seed."""

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


def present(question: Question, rng: random.Random) -> QuestionItem:
    """A question with its options shuffled by ``rng``."""
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return QuestionItem(question, tuple(order))


def parse_letters(text: str, count: int) -> frozenset[int]:
    """Read an answer such as ``a``, ``a,c`` or ``A C`` into presented indexes.

    Raises:
        UsageError: a letter is not one of the options, or nothing was given.
    """
    # "a,c", "a c" and "ac" all mean a and c.
    letters = [ch for token in text.replace(",", " ").replace(";", " ").split() for ch in token]
    valid = LETTERS[:count]
    out: set[int] = set()
    for letter in letters:
        low = letter.lower()
        if len(low) != 1 or low not in valid:
            raise UsageError(f"'{letter}' is not an option: answer with letters {valid[0]}-{valid[-1]}, e.g. a or a,c")
        out.add(valid.index(low))
    if not out:
        raise UsageError(f"no answer: type letters {valid[0]}-{valid[-1]}, e.g. a or a,c")
    return frozenset(out)


def select_questions(
    questions: Sequence[Question],
    *,
    topic: str | None = None,
    domain: str | None = None,
    scenario: str | None = None,
    ids: Iterable[str] | None = None,
    count: int | None = None,
    seed: int = 0,
    areas: Iterable[str] = (),
    area_of: Mapping[str, str] | None = None,
) -> list[QuestionItem]:
    """Questions for practice, filtered, shuffled by ``seed``, options shuffled too.

    Args:
        questions: the bank.
        topic: a content-map id (``C11``) or an area slug (``placement``).
        domain: a DOP-C02 domain (``D3``): questions tagged with it anywhere in their list.
        scenario: questions linked to this scenario.
        ids: only these question ids, in this order (the due queue).
        count: at most this many.
        seed: the shuffle's seed.
        areas: the known area slugs (so ``--topic placement`` means the area).
        area_of: area slug by topic id.

    Raises:
        UsageError: an unknown topic or domain, or nothing matches.
    """
    rng = random.Random(seed)
    pool = list(questions)
    area_set = set(areas)
    if topic is not None:
        if topic in area_set:
            pool = [q for q in pool if any((area_of or {}).get(t) == topic for t in q.topics)]
        else:
            known = {t for q in questions for t in q.topics} | set(area_of or {})
            if topic not in known:
                guess = did_you_mean(topic, sorted(known | area_set))
                raise UsageError(f"unknown topic '{topic}'" + (f"; did you mean '{guess}'?" if guess else "; give a content-map id such as C11 or an area such as placement"))
            pool = [q for q in pool if topic in q.topics]
    if domain is not None:
        codes = [d.code for d in DOP_DOMAINS]
        if domain.upper() not in codes:
            raise UsageError(f"unknown domain '{domain}': DOP-C02 domains are {', '.join(codes)}")
        pool = [q for q in pool if domain.upper() in q.dop_domains]
    if scenario is not None:
        pool = [q for q in pool if q.scenario == scenario]
    if ids is not None:
        order = list(ids)
        by_id = {q.id: q for q in pool}
        pool = [by_id[i] for i in order if i in by_id]
    else:
        pool.sort(key=lambda q: q.id)
        rng.shuffle(pool)
    if count is not None:
        if count < 1:
            raise UsageError("--count must be at least 1")
        pool = pool[:count]
    if not pool:
        raise UsageError("no question matches " + _describe(topic, domain, scenario, ids))
    return [present(q, rng) for q in pool]


def _describe(topic: str | None, domain: str | None, scenario: str | None, ids: Iterable[str] | None) -> str:
    parts = [f"topic {topic}" if topic else "", f"domain {domain}" if domain else "", f"scenario {scenario}" if scenario else "", "the due queue" if ids is not None else ""]
    chosen = [p for p in parts if p]
    return " and ".join(chosen) if chosen else "(the bank is empty)"


def domain_quota(count: int) -> dict[str, int]:
    """How many questions each DOP-C02 domain gets out of ``count`` (largest remainder by weight)."""
    total = sum(d.weight for d in DOP_DOMAINS)
    exact = {d.code: count * d.weight / total for d in DOP_DOMAINS}
    quota = {code: int(v) for code, v in exact.items()}
    left = count - sum(quota.values())
    # Ties go to the earlier domain: the order of DOP_DOMAINS, so the result never varies.
    for code in sorted(exact, key=lambda c: (-(exact[c] - quota[c]), c))[:left]:
        quota[code] += 1
    return quota


@dataclass(frozen=True)
class Exam:
    """An assembled exam: its items in order, time limit and how it was built."""

    preset: str
    seed: int
    items: tuple[Item, ...]
    minutes: int
    quota: dict[str, int]
    """Questions wanted per primary domain."""
    notes: tuple[str, ...] = ()
    """Where the bank could not meet the quota (short domains, a short bank)."""

    @property
    def limit_seconds(self) -> float:
        return self.minutes * 60.0


def assemble_exam(
    questions: Sequence[Question],
    preset: str | Preset = "quick",
    *,
    seed: int = 0,
    scenarios: Sequence[ScenarioItem] = (),
) -> Exam:
    """Build an exam by DOP-C02 domain weight, deterministically for a seed.

    Each question counts in its primary (first) domain. A domain the bank cannot fill is
    topped up from the domains with questions to spare, most under-filled first, and noted.
    Hands-on scenarios (at most three) come after the questions and add their minutes.

    Raises:
        UsageError: an unknown preset, more than three scenarios, or an empty bank.
    """
    shape = preset if isinstance(preset, Preset) else PRESETS.get(preset)
    if shape is None:
        raise UsageError(f"unknown preset '{preset}': {', '.join(PRESETS)}")
    if len(scenarios) > 3:
        raise UsageError("an exam holds at most three hands-on scenarios")
    if not questions:
        raise UsageError("the question bank is empty: nothing to build an exam from")
    rng = random.Random(seed)
    quota = domain_quota(shape.questions)
    pools: dict[str, list[Question]] = {d.code: [] for d in DOP_DOMAINS}
    for q in sorted(questions, key=lambda q: q.id):
        pools[q.domain].append(q)
    for pool in pools.values():
        rng.shuffle(pool)
    chosen: dict[str, list[Question]] = {code: pool[: quota[code]] for code, pool in pools.items()}
    notes: list[str] = []
    short = shape.questions - sum(len(v) for v in chosen.values())
    for code in quota:
        if len(chosen[code]) < quota[code]:
            notes.append(f"{code} has {len(chosen[code])} questions of the {quota[code]} its weight asks for")
    while short > 0:
        spare = [c for c in quota if len(pools[c]) > len(chosen[c])]
        if not spare:
            notes.append(f"the bank has only {sum(len(v) for v in chosen.values())} questions: the exam is shorter")
            break
        # Top up the domain furthest below its share, so the mix stays as close to the weights as it can.
        code = min(spare, key=lambda c: (len(chosen[c]) / max(quota[c], 0.5), c))
        chosen[code].append(pools[code][len(chosen[code])])
        short -= 1
    picked = [q for code in quota for q in chosen[code]]
    rng.shuffle(picked)
    items: list[Item] = [present(q, rng) for q in picked]
    items += list(scenarios)
    minutes = shape.minutes + sum(s.minutes for s in scenarios)
    return Exam(shape.name, seed, tuple(items), minutes, quota, tuple(notes))


def scaled_score(earned: float, possible: float) -> int:
    """The 100–1000 scaled score: linear in the fraction earned.

    AWS does not publish its scaling (it equates forms of different difficulty); a linear
    map keeps 750 at about 72 % right, which is what practice tools commonly assume.
    """
    if possible <= 0:
        return 100
    return int(round(100 + 900 * max(0.0, min(1.0, earned / possible))))


@dataclass(frozen=True)
class DomainScore:
    """Right answers in one domain (or the hands-on part)."""

    code: str
    name: str
    right: float
    total: float

    @property
    def percent(self) -> int:
        return int(round(100 * self.right / self.total)) if self.total else 0


@dataclass(frozen=True)
class ExamResult:
    """A finished exam."""

    preset: str
    seed: int
    scaled: int
    passed: bool
    earned: float
    possible: float
    domains: tuple[DomainScore, ...]
    time_used: float
    time_limit: float
    timed_out: bool
    items: tuple[dict[str, Any], ...]
    """Per item: number, kind, id, domain, chosen, correct, right, flagged (or the scenario's score)."""

    def wrong(self) -> list[int]:
        """Indexes of the items answered wrong or not at all."""
        return [i for i, item in enumerate(self.items) if not item["right"]]

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape (``lab exam --format json``); ``version`` changes when it does."""
        return {
            "version": RESULT_VERSION,
            "preset": self.preset,
            "seed": self.seed,
            "score": self.scaled,
            "pass_mark": PASS_MARK,
            "passed": self.passed,
            "earned": round(self.earned, 3),
            "possible": int(self.possible),
            "time_used_seconds": round(self.time_used, 1),
            "time_limit_seconds": self.time_limit,
            "timed_out": self.timed_out,
            "domains": [
                {"domain": d.code, "name": d.name, "right": round(d.right, 3), "total": int(d.total), "percent": d.percent} for d in self.domains
            ],
            "items": list(self.items),
        }


@dataclass
class ExamSession:
    """An exam being taken: answers, flags and the clock (passed in, never read)."""

    exam: Exam
    started_at: float
    """The clock reading when the exam started, in seconds."""
    answers: dict[int, frozenset[int]] = field(default_factory=dict)
    flagged: set[int] = field(default_factory=set)
    outcomes: dict[str, ScenarioOutcome] = field(default_factory=dict)
    """Graded hands-on scenarios by id."""
    finished: ExamResult | None = None

    def remaining(self, now: float) -> float:
        """Seconds left (never below zero)."""
        return max(0.0, self.exam.limit_seconds - (now - self.started_at))

    def timed_out(self, now: float) -> bool:
        return self.remaining(now) <= 0

    def answer(self, index: int, chosen: Iterable[int]) -> None:
        """Record (or change) the answer to item ``index``; an empty choice clears it."""
        picked = frozenset(chosen)
        if picked:
            self.answers[index] = picked
        else:
            self.answers.pop(index, None)

    def toggle_flag(self, index: int) -> bool:
        """Flag or unflag an item for review; return whether it is now flagged."""
        if index in self.flagged:
            self.flagged.discard(index)
            return False
        self.flagged.add(index)
        return True

    def record_scenario(self, outcome: ScenarioOutcome) -> None:
        """Keep a hands-on scenario's graded result (the last grading counts)."""
        self.outcomes[outcome.scenario_id] = outcome

    def unanswered(self) -> list[int]:
        """Items with no answer yet (scenarios: not graded yet)."""
        out = []
        for i, item in enumerate(self.exam.items):
            done = item.scenario_id in self.outcomes if isinstance(item, ScenarioItem) else i in self.answers
            if not done:
                out.append(i)
        return out

    def finish(self, now: float) -> ExamResult:
        """Score the exam; unanswered items count as wrong. Idempotent once finished."""
        if self.finished is not None:
            return self.finished
        used = min(self.exam.limit_seconds, max(0.0, now - self.started_at))
        self.finished = score_exam(self.exam, self.answers, self.outcomes, flagged=self.flagged, time_used=used, timed_out=self.timed_out(now))
        return self.finished


def score_exam(
    exam: Exam,
    answers: Mapping[int, Iterable[int]],
    outcomes: Mapping[str, ScenarioOutcome] | None = None,
    *,
    flagged: Iterable[int] = (),
    time_used: float = 0.0,
    timed_out: bool = False,
) -> ExamResult:
    """Score an exam: one point a question (exactly the right set), ``SCENARIO_POINTS`` a scenario.

    A hands-on scenario earns its graded fraction of ``SCENARIO_POINTS``; one never graded earns 0.
    """
    outcomes = outcomes or {}
    flags = set(flagged)
    # [points earned, points possible]: possible is always whole (a question is 1, a scenario SCENARIO_POINTS).
    per: dict[str, list[float]] = {d.code: [0.0, 0] for d in DOP_DOMAINS}
    hands_on: list[float] = [0.0, 0]
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(exam.items):
        if isinstance(item, QuestionItem):
            chosen = frozenset(answers.get(i, ()))
            right = item.is_right(chosen)
            per[item.question.domain][0] += 1.0 if right else 0.0
            per[item.question.domain][1] += 1
            rows.append({
                "number": i + 1, "kind": "question", "id": item.question.id, "domain": item.question.domain,
                "chosen": [LETTERS[c] for c in sorted(chosen)], "correct": [LETTERS[c] for c in sorted(item.correct)],
                "right": right, "flagged": i in flags,
            })
        else:
            outcome = outcomes.get(item.scenario_id)
            credit = SCENARIO_POINTS * outcome.fraction if outcome else 0.0
            hands_on[0] += credit
            hands_on[1] += SCENARIO_POINTS
            rows.append({
                "number": i + 1, "kind": "scenario", "id": item.scenario_id, "domain": "hands-on",
                "score": outcome.score if outcome else None, "max_score": outcome.max_score if outcome else None,
                "failed_checks": list(outcome.failed_checks) if outcome else [],
                "passed_checks": list(outcome.passed_checks) if outcome else [],
                "right": bool(outcome and outcome.passed), "flagged": i in flags,
            })
    # Every domain is listed, even one the exam has no question in, so the JSON shape never varies.
    domains = [DomainScore(d.code, d.name, per[d.code][0], per[d.code][1]) for d in DOP_DOMAINS]
    if hands_on[1]:
        domains.append(DomainScore("hands-on", "Hands-on scenarios", hands_on[0], hands_on[1]))
    earned = sum(d.right for d in domains)
    possible = sum(d.total for d in domains)
    scaled = scaled_score(earned, possible)
    return ExamResult(exam.preset, exam.seed, scaled, scaled >= PASS_MARK, earned, possible, tuple(domains), time_used, exam.limit_seconds, timed_out, tuple(rows))
