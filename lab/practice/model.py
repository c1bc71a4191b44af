"""Provides the question model: plain objects the rest of the lab reads, and the exam domains.

Questions are validated with pydantic at the edge (``lab.practice.bank``) and then held as
frozen dataclasses, so nothing past the loader depends on pydantic's types.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DOP_DOMAINS",
    "LETTERS",
    "SAA_DOMAINS",
    "Domain",
    "Option",
    "Question",
    "Reference",
]

LETTERS = "abcde"
"""How options are named to the learner, in presented order."""


@dataclass(frozen=True)
class Domain:
    """One exam domain: its code, name and weight in percent of the scored questions."""

    code: str
    name: str
    weight: int


DOP_DOMAINS: tuple[Domain, ...] = (
    Domain("D1", "SDLC Automation", 22),
    Domain("D2", "Configuration Management and IaC", 17),
    Domain("D3", "Resilient Cloud Solutions", 15),
    Domain("D4", "Monitoring and Logging", 15),
    Domain("D5", "Incident and Event Response", 14),
    Domain("D6", "Security and Compliance", 17),
)
"""AWS Certified DevOps Engineer – Professional (DOP-C02) content domains and weights (exam guide)."""

SAA_DOMAINS: tuple[Domain, ...] = (
    Domain("D1", "Design Secure Architectures", 30),
    Domain("D2", "Design Resilient Architectures", 26),
    Domain("D3", "Design High-Performing Architectures", 24),
    Domain("D4", "Design Cost-Optimized Architectures", 20),
)
"""AWS Certified Solutions Architect – Associate (SAA-C03) content domains and weights (exam guide)."""


@dataclass(frozen=True)
class Option:
    """One answer option as authored."""

    text: str
    correct: bool
    why: str
    """Why this option is right or wrong."""


@dataclass(frozen=True)
class Reference:
    """An AWS documentation page the question was checked against."""

    url: str
    checked: str
    """The date (YYYY-MM-DD) the fact was checked against the page."""


@dataclass(frozen=True)
class Question:
    """A validated question."""

    id: str
    file: str
    """The file it was loaded from, as messages name it."""
    dop_domains: tuple[str, ...]
    """DOP-C02 domains; the first is the primary one (the one exam assembly counts it in)."""
    saa_domains: tuple[str, ...]
    topics: tuple[str, ...]
    """Content-map ids (A1..L5)."""
    difficulty: int
    stem: str
    choose: int
    options: tuple[Option, ...]
    takeaway: str
    references: tuple[Reference, ...]
    scenario: str | None = None
    lesson: str | None = None
    """A file name under ``content/lessons/``."""
    changed: str | None = None
    line: int = 1
    """The line of the ``id`` key (for messages about the whole question)."""

    @property
    def domain(self) -> str:
        """The primary DOP-C02 domain."""
        return self.dop_domains[0]

    @property
    def multiple(self) -> bool:
        """True for a multiple-response question."""
        return self.choose > 1

    @property
    def correct(self) -> frozenset[int]:
        """Indexes (authored order) of the correct options."""
        return frozenset(i for i, o in enumerate(self.options) if o.correct)
