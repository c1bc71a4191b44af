"""Questions made in memory for the assembly and scoring tests."""

from __future__ import annotations

from lab.practice import Option, Question, Reference


def make_question(qid: str, domain: str = "D1", *, choose: int = 1, options: int = 4, topics: tuple[str, ...] = ("C11",)) -> Question:
    """A valid question whose first ``choose`` options are correct."""
    opts = tuple(Option(f"option {i} of {qid}", i < choose, f"why {i}") for i in range(options))
    return Question(
        id=qid, file=f"{qid}.yaml", dop_domains=(domain,), saa_domains=(), topics=topics, difficulty=1,
        stem=f"stem of {qid}" + (" (Choose two.)" if choose == 2 else ""), choose=choose, options=opts,
        takeaway="t", references=(Reference("https://docs.aws.amazon.com/x", "2026-12-03"),),
    )


def bank_of(per_domain: dict[str, int]) -> list[Question]:
    """``n`` questions in each domain."""
    return [make_question(f"{d.lower()}-{i:03d}", d) for d, n in per_domain.items() for i in range(n)]
