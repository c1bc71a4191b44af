"""Keeps the ``§N.M`` citations in code, docs and lessons pointing at headings of docs/ecs-facts.md.

Code comments and docs cite the ECS facts page by section number (``§7.2``). Each citation
must name a heading of that page, every heading number must be unique, and every section that
states facts must name at least one https source.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT / "docs" / "ecs-facts.md"

CITATION = re.compile(r"§ ?(?P<number>\d+(?:\.\d+)*)")
"""``§7.2``, ``§ 4``: a citation of a section of the facts page (a trailing period is prose)."""

NUMBERED_HEADING = re.compile(r"^#{1,6}[ \t]+(?P<number>\d+(?:\.\d+)*)\.?[ \t]+\S")
"""``## 7. Scaling``, ``### 7.2 Capacity providers``: a heading whose text starts with its number."""

ANY_HEADING = re.compile(r"^#{1,6}[ \t]+\S")
FENCE = re.compile(r"^[ \t]*(```|~~~)")


def citations(text: str) -> list[tuple[int, str]]:
    """Every ``§N`` / ``§N.M`` in ``text`` as (1-based line, number)."""
    return [(i, m["number"]) for i, line in enumerate(text.splitlines(), 1) for m in CITATION.finditer(line)]


def sections(text: str) -> list[tuple[int, str, str]]:
    """The numbered headings of a Markdown page as (line, number, body up to the next heading).

    Lines inside fenced code blocks are never headings.
    """
    found: list[tuple[int, str, list[str]]] = []
    current: list[str] | None = None
    in_fence = False
    for i, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and ANY_HEADING.match(line):
            match = NUMBERED_HEADING.match(line)
            current = None
            if match:
                current = []
                found.append((i, match["number"], current))
            continue
        if current is not None:
            current.append(line)
    return [(line, number, "\n".join(body)) for line, number, body in found]


def unresolved(files: dict[str, str], numbers: set[str]) -> list[str]:
    """``file:line: §N.M`` for each citation in ``files`` (name → text) with no such heading."""
    return [f"{name}:{line}: §{number}" for name, text in files.items() for line, number in citations(text) if number not in numbers]


def states_facts(body: str) -> bool:
    """Whether a section body has text of its own (not only blank lines and rules)."""
    return any(line.strip() and line.strip() != "---" for line in body.splitlines())


def cited_files() -> dict[str, str]:
    """The files whose citations must resolve: lab code, the docs (but the facts page), lessons."""
    paths = [
        *sorted((ROOT / "lab").rglob("*.py")),
        *sorted(p for p in (ROOT / "docs").glob("*.md") if p != FACTS),
        *sorted((ROOT / "content" / "lessons").glob("*.md")),
    ]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths}


def facts_sections() -> list[tuple[int, str, str]]:
    return sections(FACTS.read_text(encoding="utf-8"))


# -- the extractors, on made-up pages ------------------------------------------------------------


MADE_UP_PAGE = """\
# Facts

Intro with a link https://example.com that belongs to no section.

## 1. Placement

### 1.1 Order
- fact. Source: https://docs.aws.amazon.com/x.html

```text
## 9. not a heading (inside a fence)
```

### 1.2 Strategies
- a fact with no source

## 2. Resources

### 2.1 Units
- https://docs.aws.amazon.com/y.html

### 2.1 Units again

## Appendix A. Unconfirmed
- no links needed here
"""

MADE_UP_CODE = """\
RESERVED = 5  # agent ports; see §2.1
LIMIT = 10  # see §1.3, which the page lacks
DEFAULT = 1  # §1 and § 2 resolve; so does §1.1.
"""


def test_citation_extractor_finds_numbers_lines_and_forms() -> None:
    assert citations(MADE_UP_CODE) == [(1, "2.1"), (2, "1.3"), (3, "1"), (3, "2"), (3, "1.1")]
    assert citations("no citations, a § alone, §x") == []


def test_section_extractor_skips_fences_and_unnumbered_headings() -> None:
    found = sections(MADE_UP_PAGE)
    assert [(line, number) for line, number, _ in found] == [(5, "1"), (7, "1.1"), (14, "1.2"), (17, "2"), (19, "2.1"), (22, "2.1")]
    body_11 = found[1][2]
    assert "## 9." in body_11  # the fenced line stays body text
    assert "Unconfirmed" not in found[-1][2]  # the appendix ends the last numbered section


def test_a_bad_citation_is_reported_with_its_file_and_line() -> None:
    numbers = {number for _, number, _ in sections(MADE_UP_PAGE)}
    assert unresolved({"lab/made_up.py": MADE_UP_CODE}, numbers) == ["lab/made_up.py:2: §1.3"]
    assert unresolved({"lab/made_up.py": MADE_UP_CODE}, numbers | {"1.3"}) == []


def test_duplicates_and_sourceless_sections_are_found_on_a_made_up_page() -> None:
    found = sections(MADE_UP_PAGE)
    numbers = [number for _, number, _ in found]
    assert sorted({n for n in numbers if numbers.count(n) > 1}) == ["2.1"]
    sourceless = [number for _, number, body in found if states_facts(body) and "https://" not in body]
    assert sourceless == ["1.2"]


# -- the real page -------------------------------------------------------------------------------


def test_every_citation_resolves_to_a_heading_of_the_facts_page() -> None:
    numbers = {number for _, number, _ in facts_sections()}
    files = cited_files()
    assert any(citations(text) for text in files.values()), "no §-citations found: is the scan looking in the right place?"
    missing = unresolved(files, numbers)
    assert not missing, "citations with no heading in docs/ecs-facts.md:\n" + "\n".join(missing)


def test_the_facts_page_has_the_reference_numbering() -> None:
    numbers = [number for _, number, _ in facts_sections()]
    for top in range(1, 11):
        assert str(top) in numbers, f"docs/ecs-facts.md has no section {top}"
    subsections = {"1": 7, "2": 4, "3": 6, "4": 7, "5": 4, "6": 3, "7": 3, "8": 4, "9": 3}
    for top, count in subsections.items():
        for sub in range(1, count + 1):
            assert f"{top}.{sub}" in numbers, f"docs/ecs-facts.md has no section {top}.{sub}"
    assert re.search(r"^## Appendix.*[Uu]nconfirmed", FACTS.read_text(encoding="utf-8"), re.M), "the appendix of unconfirmed facts is missing"


def test_heading_numbers_are_unique() -> None:
    seen: dict[str, int] = {}
    duplicates: list[str] = []
    for line, number, _ in facts_sections():
        if number in seen:
            duplicates.append(f"docs/ecs-facts.md:{line}: §{number} (also at line {seen[number]})")
        seen.setdefault(number, line)
    assert not duplicates, "heading numbers used twice:\n" + "\n".join(duplicates)


def test_every_section_with_facts_names_an_https_source() -> None:
    sourceless = [f"docs/ecs-facts.md:{line}: §{number}" for line, number, body in facts_sections() if states_facts(body) and "https://" not in body]
    assert not sourceless, "sections stating facts without an https source:\n" + "\n".join(sourceless)


def test_code_cites_the_projects_own_facts_page() -> None:
    """Comments cite docs/ecs-facts.md, never the team reference outside the repository."""
    root = Path(__file__).resolve().parent.parent
    stale = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted((root / "lab").rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if "ecs-behaviour.md" in line or "behaviour reference" in line
    ]
    assert stale == []
