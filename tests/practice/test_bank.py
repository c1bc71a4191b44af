"""Loading and validating questions: every rule of the format gives a positioned error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.errors import SourceError, SourceErrors
from lab.practice import Context, load_bank, load_question, validate_files
from lab.practice.bank import Context as BankContext

from .conftest import BASE, ROOT, write_question


def problems(content: Path, context: Context, text: str, **kw) -> list[str]:
    """The messages (``file:line:col: message``) for one question file, relative to the bank."""
    path = write_question(content, text, **kw)
    try:
        load_question(path, context, display=f"{path.parent.name}/{path.name}", area_folder=True)
    except SourceErrors as exc:
        return [str(d) for d in exc.diagnostics]
    except SourceError as exc:
        return [str(exc)]
    return []


def test_the_base_question_and_the_fixture_bank_load(content: Path, context: Context) -> None:
    assert problems(content, context, BASE) == []
    bank = load_bank(content / "questions", context)
    assert bank.problems == []
    assert len(bank.questions) == 13


def test_the_project_bank_loads_without_problems() -> None:
    """Every question shipped under content/questions passes every rule."""
    bank = load_bank(ROOT / "content" / "questions", BankContext.default(ROOT / "content", ROOT / "scenarios"))
    assert [str(d) for d in bank.problems] == []
    assert bank.questions


def test_the_project_bank_gives_no_answer_away_by_its_length() -> None:
    """A learner who always picks the longest option must not pass: in December 2026 that
    scored 74 % (the correct option was the strictly longest in 165 of 224 single-answer
    questions). Chance with four options is 25 %; the bank stays at or under it, both ways."""
    bank = load_bank(ROOT / "content" / "questions", BankContext.default(ROOT / "content", ROOT / "scenarios"))
    single = [q for q in bank.questions if not q.multiple]
    longest = [q.id for q in single if all(len(next(o for o in q.options if o.correct).text) > len(o.text) for o in q.options if not o.correct)]
    shortest = [q.id for q in single if all(len(next(o for o in q.options if o.correct).text) < len(o.text) for o in q.options if not o.correct)]
    assert len(longest) <= len(single) // 4, f"correct option strictly longest in {len(longest)} of {len(single)}"
    assert len(shortest) <= len(single) // 4, f"correct option strictly shortest in {len(shortest)} of {len(single)}"
    every_right_longer = [
        q.id for q in bank.questions if q.multiple and min(len(o.text) for o in q.options if o.correct) > max(len(o.text) for o in q.options if not o.correct)
    ]
    assert every_right_longer == [], "every correct option outlasts every wrong one"


def test_a_question_is_plain_data_after_loading(content: Path, context: Context) -> None:
    q = load_question(write_question(content, BASE), context)
    assert (q.id, q.domain, q.topics, q.choose, q.multiple) == ("base-question", "D3", ("C11",), 1, False)
    assert q.correct == frozenset({0})
    assert q.stem == "A team wants the fewest instances. Which strategy?"
    assert q.references[0].checked == "2026-12-03"


BROKEN = [
    # (what is broken, the replacement (old, new), the expected diagnostic)
    ("unknown key, with a suggestion", ("takeaway:", "takeway:"), "placement/base-question.yaml:19:1: unknown key 'takeway'; did you mean 'takeaway'?"),
    ("a missing required key", ("takeaway: Binpack packs; spread spreads.\n", ""), "placement/base-question.yaml:1:1: missing required key 'takeaway'"),
    ("a wrong type", ("difficulty: 2", "difficulty: two"), "placement/base-question.yaml:5:13: 'difficulty': Input should be 1, 2 or 3"),
    ("correct must be a boolean", ("    correct: true", "    correct: yes please"), "placement/base-question.yaml:11:14: 'correct': Input should be a valid boolean"),
    ("an unknown domain", ("DOP-C02: [D3]", "DOP-C02: [D7]"), "placement/base-question.yaml:3:13:"),
    ("no DOP-C02 domain", ("  DOP-C02: [D3]", "  SAA-C03: [D1]"), "placement/base-question.yaml:3:3: missing required key 'DOP-C02'"),
    ("id and file name differ", ("id: base-question", "id: other-question"), "placement/base-question.yaml:1:5: the id 'other-question' must match the file name 'base-question.yaml' (expected id: base-question)"),
    ("an id that is not kebab-case", ("id: base-question", "id: Base_Question"), "placement/base-question.yaml:1:5: id 'Base_Question' must be kebab-case"),
    ("three options", ("  - text: random\n    why: Random does not fill instances first.\n", ""), "placement/base-question.yaml:10:3: a question has 4 or 5 options, this one has 3"),
    ("an option without an explanation", ("    why: Random does not fill instances first.\n", ""), "placement/base-question.yaml:15:5: missing required key 'why'"),
    ("an empty explanation", ("why: Random does not fill instances first.", "why: ''"), "placement/base-question.yaml:16:10: option 3 has an empty 'why'"),
    ("two options with the same text", ("text: random", "text: Binpack  on MEMORY"), "placement/base-question.yaml:15:11: option 3 has the same text as option 1"),
    ("more correct options than choose", ("  - text: random\n", "  - text: random\n    correct: true\n"), "placement/base-question.yaml:16:14: 'choose' is 1 but 2 options are marked correct: true"),
    ("fewer correct options than choose", ("    correct: true\n", ""), "placement/base-question.yaml:8:9: 'choose' is 1 but 0 options are marked correct: true"),
    ("choose out of range", ("choose: 1", "choose: 4"), "placement/base-question.yaml:8:9: 'choose' must be 1, 2 or 3, not 4"),
    ("a multiple response stem without (Choose two.)", ("choose: 1", "choose: 2"), "placement/base-question.yaml:6:7: a question with choose: 2 must say \"(Choose two.)\" in its stem"),
    ("a single response stem saying (Choose two.)", ("Which strategy?", "Which strategy? (Choose two.)"), "placement/base-question.yaml:6:7: the stem says \"(Choose two.)\" but choose is 1"),
    ("no reference", ("references:\n  - url: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html\n    checked: 2026-12-03\n", "references: []\n"), "placement/base-question.yaml:20:13: 'references': List should have at least 1 item"),
    ("a reference without https", ("url: https://docs", "url: http://docs"), "placement/base-question.yaml:21:10: reference URL 'http://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html' must start with https://"),
    ("a reference off AWS", ("https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html", "https://example.com/ecs"), "placement/base-question.yaml:21:10: reference URL 'https://example.com/ecs' must be AWS documentation"),
    ("a look-alike AWS domain", ("https://docs.aws.amazon.com/", "https://docs.aws.amazon.com.evil.example/"), "must be AWS documentation"),
    ("a reference without a date", ("    checked: 2026-12-03\n", ""), "placement/base-question.yaml:21:5: missing required key 'checked'"),
    ("a date that is not one", ("checked: 2026-12-03", "checked: 2026-13-40"), "placement/base-question.yaml:22:14: 'checked' must be a date YYYY-MM-DD, not '2026-13-40'"),
    ("an unknown topic, with a suggestion", ("topics: [C11]", "topics: [C111]"), "placement/base-question.yaml:4:10: unknown topic 'C111'; did you mean 'C11'?"),
    ("an unknown scenario", ("takeaway:", "scenario: memory-fragmentaton\ntakeaway:"), "placement/base-question.yaml:19:11: no shipped scenario 'memory-fragmentaton'; did you mean 'memory-fragmentation'?"),
    ("an unknown lesson", ("takeaway:", "lesson: spread-then-binpak.md\ntakeaway:"), "placement/base-question.yaml:19:9: lesson 'spread-then-binpak.md' is not a file under content/lessons/; did you mean 'spread-then-binpack.md'?"),
    ("a lesson outside the lessons", ("takeaway:", "lesson: ../topics.yaml\ntakeaway:"), "placement/base-question.yaml:19:9: lesson '../topics.yaml' is not a file under content/lessons/"),
    ("an empty stem", ("stem: |\n  A team wants the fewest instances. Which strategy?\n", "stem: ' '\n"), "placement/base-question.yaml:6:7: 'stem' must not be empty"),
    ("not a mapping", (BASE, "- just\n- a list\n"), "placement/base-question.yaml:1:1: expected a question"),
    ("broken YAML", ("choose: 1", "choose: [1"), "placement/base-question.yaml:9:8:"),
    ("a duplicate key", ("difficulty: 2", "difficulty: 2\ndifficulty: 3"), "placement/base-question.yaml:6:1: duplicate key 'difficulty'"),
]


@pytest.mark.parametrize(("what", "change", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_each_rule_gives_a_positioned_error(content: Path, context: Context, what: str, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in BASE
    found = problems(content, context, BASE.replace(old, new, 1))
    assert any(p.startswith(expected) or expected in p for p in found), found
    assert all(re.match(r"^placement/base-question\.yaml:\d+:\d+: ", p) for p in found), found


def test_a_question_in_the_wrong_area_folder_is_refused(content: Path, context: Context) -> None:
    """The folder is the area of the first topic (C11 is placement)."""
    found = problems(content, context, BASE, area="iam")
    assert found == ["iam/base-question.yaml:4:10: a question whose first topic is C11 belongs in questions/placement/, not questions/iam/"]


def test_every_problem_in_a_file_is_reported_at_once(content: Path, context: Context) -> None:
    text = BASE.replace("choose: 1", "choose: 2").replace("topics: [C11]", "topics: [Z9]").replace("checked: 2026-12-03", "checked: soon")
    assert len(problems(content, context, text)) == 4  # stem wording, answer key, topic, date


def test_duplicate_ids_and_stems_across_the_bank(content: Path, context: Context) -> None:
    write_question(content, BASE)
    write_question(content, BASE.replace("id: base-question", "id: twin-stem"), name="twin-stem")
    write_question(content, BASE.replace("Which strategy?", "Which one?").replace("[C11]", "[I1]"), area="scaling", name="base-question")
    bank = load_bank(content / "questions", context)
    messages = [str(d) for d in bank.problems]
    assert any("twin-stem.yaml:6:7: the same stem as question 'base-question'" in m for m in messages), messages
    assert any("scaling/base-question.yaml:1:5: id 'base-question' is used twice" in m for m in messages), messages


def test_stems_are_compared_without_case_and_spacing(content: Path, context: Context) -> None:
    write_question(content, BASE)
    write_question(content, BASE.replace("id: base-question", "id: shouting").replace("A team wants the fewest instances.", "A  TEAM wants the\n  fewest instances."), name="shouting")
    assert [d.message for d in load_bank(content / "questions", context).problems][0].startswith("the same stem as question 'base-question'")


def test_validate_files_reports_only_the_named_files_but_checks_against_the_bank(content: Path, context: Context) -> None:
    clash = write_question(content, BASE.replace("id: base-question", "id: fx-daemon").replace("Which strategy?", "Which one?").replace("[C11]", "[B1]"), area="architecture", name="fx-daemon")
    write_question(content, BASE.replace("takeaway:", "takeway:"), name="broken-elsewhere")
    questions, found = validate_files([clash], content / "questions", context)
    assert questions == []
    assert [d.message for d in found] == ["id 'fx-daemon' is used twice (first in content/questions/placement/fx-daemon.yaml:1)"]
    assert {d.file for d in found} == {"content/questions/architecture/fx-daemon.yaml"}


def test_topics_are_the_content_map_ids(topics) -> None:
    """content/topics.yaml carries A1..L5 with the area slugs of the question format."""
    ids = list(topics.by_id)
    assert len(ids) == 104 and ids[0] == "A1" and ids[-1] == "L5"
    assert topics.by_id["C11"].area == "placement" and topics.by_id["D4"].area == "task-definition"
    assert list(topics.areas) == ["containers", "architecture", "placement", "task-definition", "load-balancing", "iam", "ecr", "deployments", "scaling", "operations", "fargate", "beanstalk"]
    shared = Path("/work/shared/content-map.md")
    if shared.is_file():
        rows = re.findall(r"^\| ([A-L]\d+) \| [^|]+? \| ([^|]+?) \|", shared.read_text(encoding="utf-8"), re.M)
        assert [(i, t.strip()) for i, t in rows] == [(t.id, t.title) for t in topics.by_id.values()]


# -- any text: a question or a positioned error -------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=400), st.lists(st.sampled_from(BASE.splitlines()), max_size=30).map("\n".join)))
def test_any_text_loads_or_gives_a_positioned_error(content: Path, context: Context, text: str) -> None:
    path = content / "questions" / "placement" / "base-question.yaml"
    try:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    except UnicodeEncodeError:
        return
    try:
        load_question(path, context)
    except SourceErrors as exc:
        assert exc.diagnostics
        assert all(d.line >= 0 and d.col >= 0 and d.message for d in exc.diagnostics)
    except SourceError as exc:
        assert exc.line >= 0 and exc.message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(BASE)), junk=st.text(alphabet=":-[]{}|>'\" \n#abc1", max_size=6))
def test_a_damaged_question_gives_errors_inside_the_file(content: Path, context: Context, cut: int, junk: str) -> None:
    text = BASE[:cut] + junk + BASE[cut:]
    path = write_question(content, text)
    lines = text.count("\n") + 2
    try:
        load_question(path, context)
    except SourceErrors as exc:
        assert all(0 <= d.line <= lines for d in exc.diagnostics)
    except SourceError as exc:
        assert 0 <= exc.line <= lines
