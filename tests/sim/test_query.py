"""Tests for the cluster query language (lab.sim.query)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lab.sim.query import MAX_EXPRESSION_CHARS, Expression, QueryError, parse


@dataclass(frozen=True)
class Facts:
    """One container instance as the query language sees it."""

    attributes: Mapping[str, str] = field(default_factory=dict)
    agent_connected: bool = True
    agent_version: str = "1.68.2"
    ec2_instance_id: str = "i-abcd1234"
    registered_at: str = "2018-03-01T10:00:00Z"
    running_tasks_count: int = 0
    task_groups: Collection[str] = ()


T2_EAST_1A = Facts(
    attributes={
        "ecs.instance-type": "t2.micro",
        "ecs.availability-zone": "us-east-1a",
        "stack": "prod",
        "cpus": "8",
    }
)


def attrs(**values: str) -> Facts:
    return Facts(attributes=values)


# --- the AWS documentation examples ------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "facts", "expected"),
    [
        ("attribute:ecs.instance-type =~ t2.*", T2_EAST_1A, True),
        ("attribute:ecs.instance-type =~ t2.*", Facts(attributes={"ecs.instance-type": "m5.large"}), False),
        ("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", T2_EAST_1A, True),
        (
            "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
            Facts(attributes={"ecs.availability-zone": "us-east-1c"}),
            False,
        ),
        (
            "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
            Facts(attributes={"ecs.instance-type": "g2.2xlarge", "ecs.availability-zone": "us-east-1a"}),
            True,
        ),
        (
            "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
            Facts(attributes={"ecs.instance-type": "g2.2xlarge", "ecs.availability-zone": "us-east-1d"}),
            False,
        ),
        ("task:group == service:production", Facts(task_groups=("service:production",)), True),
        ("task:group == service:production", Facts(task_groups=("service:staging",)), False),
        ("not(task:group == database)", Facts(task_groups=("service:web",)), True),
        ("not(task:group == database)", Facts(task_groups=("service:web", "database")), False),
        ("runningTasksCount == 1", Facts(running_tasks_count=1), True),
        ("runningTasksCount == 1", Facts(running_tasks_count=2), False),
        ("agentVersion < 1.14.5", Facts(agent_version="1.14.4"), True),
        ("agentVersion < 1.14.5", Facts(agent_version="1.20.0"), False),
        ("registeredAt < 2018-02-13", Facts(registered_at="2018-02-12T23:59:59Z"), True),
        ("registeredAt < 2018-02-13", Facts(registered_at="2018-02-13T00:00:00Z"), False),
        ("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", Facts(ec2_instance_id="i-wxyx7890"), True),
        ("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", Facts(ec2_instance_id="i-00000000"), False),
        ("attribute:stack exists", T2_EAST_1A, True),
        ("attribute:stack exists", Facts(), False),
        ("attribute:stack !exists", T2_EAST_1A, False),
        ("attribute:stack !exists", Facts(), True),
        (
            "attribute:ecs.instance-type =~ t3.* or (attribute:ecs.availability-zone == us-east-1a "
            "and attribute:env == prod)",
            Facts(attributes={"ecs.instance-type": "m5.large", "ecs.availability-zone": "us-east-1a", "env": "prod"}),
            True,
        ),
        (
            "attribute:ecs.instance-type =~ t3.* or (attribute:ecs.availability-zone == us-east-1a "
            "and attribute:env == prod)",
            Facts(attributes={"ecs.instance-type": "m5.large", "ecs.availability-zone": "us-east-1b", "env": "prod"}),
            False,
        ),
        ("attribute:ecs.instance-type == t2.small", Facts(attributes={"ecs.instance-type": "t2.small"}), True),
    ],
)
def test_documented_examples_parse_and_evaluate(expression: str, facts: Facts, expected: bool) -> None:
    """Every example from the AWS cluster-query-language page gives the documented result."""
    assert parse(expression).matches(facts) is expected


# --- operators ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attribute:stack == prod", True),
        ("attribute:stack equals prod", True),
        ("attribute:stack == dev", False),
        ("attribute:stack != dev", True),
        ("attribute:stack not_equals dev", True),
        ("attribute:stack != prod", False),
        ("attribute:cpus > 4", True),
        ("attribute:cpus greater_than 8", False),
        ("attribute:cpus >= 8", True),
        ("attribute:cpus greater_than_equal 9", False),
        ("attribute:cpus < 10", True),
        ("attribute:cpus less_than 8", False),
        ("attribute:cpus <= 8", True),
        ("attribute:cpus less_than_equal 7", False),
        ("attribute:stack exists", True),
        ("attribute:stack !exists", False),
        ("attribute:stack not_exists", False),
        ("attribute:stack in [dev, prod]", True),
        ("attribute:stack in [dev]", False),
        ("attribute:stack !in [dev]", True),
        ("attribute:stack not_in [dev, prod]", False),
        ("attribute:stack =~ pr.d", True),
        ("attribute:stack matches p.*", True),
        ("attribute:stack =~ dev", False),
        ("attribute:stack !~ dev", True),
        ("attribute:stack not_matches pr.*", False),
    ],
)
def test_every_operator_in_both_spellings(expression: str, expected: bool) -> None:
    """Each operator, written as a symbol or as a word, compares an attribute correctly."""
    assert parse(expression).matches(T2_EAST_1A) is expected


def test_operators_need_no_spaces_around_symbols() -> None:
    """Symbolic operators and connectors parse without surrounding spaces."""
    expression = parse("runningTasksCount>=1&&attribute:stack==prod||!attribute:x exists")
    assert str(expression) == "runningTasksCount >= 1 and attribute:stack == prod or not(attribute:x exists)"


def test_attribute_ordering_is_numeric_when_both_sides_are_numbers() -> None:
    """``10 > 9`` holds numerically even though '10' < '9' as strings."""
    assert parse("attribute:cpus > 9").matches(attrs(cpus="10"))
    assert parse("attribute:weight <= 1.5").matches(attrs(weight="1.25"))


def test_attribute_ordering_is_lexicographic_otherwise() -> None:
    """Non-numeric values order as strings."""
    assert parse("attribute:tier < m").matches(attrs(tier="gold"))
    assert not parse("attribute:tier < m").matches(attrs(tier="silver"))
    assert parse("attribute:cpus < abc").matches(attrs(cpus="10"))


def test_attribute_equality_is_string_equality() -> None:
    """``==`` compares text exactly, so 8 and 8.0 differ."""
    assert not parse("attribute:cpus == 8.0").matches(attrs(cpus="8"))


# --- subjects ----------------------------------------------------------------------------


def test_agent_connected_compares_true_and_false() -> None:
    """agentConnected reads the agent's connection as true/false, in any case."""
    assert parse("agentConnected == true").matches(Facts(agent_connected=True))
    assert parse("agentConnected == FALSE").matches(Facts(agent_connected=False))
    assert parse("agentConnected != true").matches(Facts(agent_connected=False))
    assert parse("agentConnected in [false]").matches(Facts(agent_connected=False))
    assert parse("agentConnected =~ t.*").matches(Facts(agent_connected=True))


def test_ec2_instance_id_supports_equality_lists_and_regex() -> None:
    """ec2InstanceId takes ==, !=, in, !in, =~ and !~."""
    facts = Facts(ec2_instance_id="i-0abc")
    assert parse("ec2InstanceId == i-0abc").matches(facts)
    assert parse("ec2InstanceId != i-0def").matches(facts)
    assert parse("ec2InstanceId !in [i-0def]").matches(facts)
    assert parse("ec2InstanceId =~ i-0.*").matches(facts)
    assert not parse("ec2InstanceId !~ i-0.*").matches(facts)


def test_running_tasks_count_compares_numbers() -> None:
    """runningTasksCount orders as an integer."""
    facts = Facts(running_tasks_count=12)
    assert parse("runningTasksCount > 9").matches(facts)
    assert parse("runningTasksCount <= 12").matches(facts)
    assert not parse("runningTasksCount < 2").matches(facts)
    assert parse("runningTasksCount != 0").matches(facts)


@pytest.mark.parametrize(
    ("expression", "version", "expected"),
    [
        ("agentVersion < 1.9.0", "1.14.5", False),
        ("agentVersion > 1.9.0", "1.14.5", True),
        ("agentVersion < 1.14.5", "1.9.0", True),
        ("agentVersion == 1.14", "1.14.0", True),
        ("agentVersion >= 1.14.0", "1.14", True),
        ("agentVersion <= 1.2", "1.10", False),
        ("agentVersion > 1.0.0", "1.0.1", True),
        ("agentVersion < 2", "v1.99.99", True),
    ],
)
def test_agent_version_compares_dotted_numbers(expression: str, version: str, expected: bool) -> None:
    """agentVersion compares component by component as numbers, not as text."""
    assert parse(expression).matches(Facts(agent_version=version)) is expected


def test_unparsable_agent_version_only_satisfies_not_equals() -> None:
    """An instance whose agent version is unknown behaves like a missing value."""
    facts = Facts(agent_version="")
    assert not parse("agentVersion < 9").matches(facts)
    assert not parse("agentVersion == 1.0").matches(facts)
    assert parse("agentVersion != 1.0").matches(facts)


@pytest.mark.parametrize(
    ("expression", "registered_at", "expected"),
    [
        ("registeredAt < 2018-02-13", "2018-02-12", True),
        ("registeredAt == 2018-02-13", "2018-02-13T17:30:00Z", True),
        ("registeredAt > 2018-02-13", "2018-02-13T23:59:59Z", False),
        ("registeredAt >= 2018-02-13", "2018-02-13T00:00:01Z", True),
        ("registeredAt < 2018-06-18T22:28:28Z", "2018-06-18T22:28:27Z", True),
        ("registeredAt == 2018-06-18T22:28:28+00:00", "2018-06-18T22:28:28Z", True),
        ("registeredAt == 2018-06-18T22:28:28", "2018-06-18T22:28:28Z", True),
        ("registeredAt > 2018-06-18T22:28:28+02:00", "2018-06-18T21:00:00Z", True),
        ("registeredAt != 2018-02-13", "2018-02-14T00:00:00Z", True),
        ("registeredAt < 2018-02-13", "2018-02-12T23:00:00-02:00", False),
    ],
)
def test_registered_at_compares_dates_and_datetimes(
    expression: str, registered_at: str, expected: bool
) -> None:
    """registeredAt compares instants in UTC, and whole UTC days for a date-only argument."""
    assert parse(expression).matches(Facts(registered_at=registered_at)) is expected


# --- missing attributes and task groups -------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attribute:stack == prod", False),
        ("attribute:stack != prod", True),
        ("attribute:stack > 1", False),
        ("attribute:stack <= zzz", False),
        ("attribute:stack exists", False),
        ("attribute:stack !exists", True),
        ("attribute:stack in [prod, dev]", False),
        ("attribute:stack !in [prod, dev]", True),
        ("attribute:stack =~ .*", False),
        ("attribute:stack !~ .*", True),
    ],
)
def test_missing_attribute_satisfies_only_negative_operators(expression: str, expected: bool) -> None:
    """A missing attribute makes comparisons false except !exists, !=, !in and !~."""
    assert parse(expression).matches(Facts()) is expected


@pytest.mark.parametrize(
    ("expression", "groups", "expected"),
    [
        ("task:group == db", ("web", "db"), True),
        ("task:group == db", ("web",), False),
        ("task:group != db", ("web", "db"), False),
        ("task:group != db", ("web",), True),
        ("task:group != db", (), True),
        ("task:group in [db, cache]", ("cache",), True),
        ("task:group in [db, cache]", ("web",), False),
        ("task:group !in [db, cache]", ("web", "cache"), False),
        ("task:group !in [db, cache]", ("web",), True),
        ("task:group =~ service:.*", ("family:batch", "service:web"), True),
        ("task:group !~ service:.*", ("family:batch", "service:web"), False),
        ("task:group !~ service:.*", ("family:batch",), True),
        ("task:group exists", ("family:batch",), True),
        ("task:group exists", (), False),
        ("task:group !exists", (), True),
    ],
)
def test_task_group_is_a_set_any_for_positive_none_for_negative(
    expression: str, groups: tuple[str, ...], expected: bool
) -> None:
    """task:group positive operators need one matching task; negative ones need none."""
    assert parse(expression).matches(Facts(task_groups=groups)) is expected


# --- boolean structure -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "equivalent"),
    [
        ("attribute:a exists or attribute:b exists and attribute:c exists",
         "attribute:a exists or (attribute:b exists and attribute:c exists)"),
        ("not attribute:a exists and attribute:b exists",
         "(not attribute:a exists) and attribute:b exists"),
        ("!attribute:a exists || attribute:b exists && attribute:c exists",
         "(not(attribute:a exists)) or (attribute:b exists and attribute:c exists)"),
        ("(attribute:a exists or attribute:b exists) and attribute:c exists",
         "(attribute:a exists and attribute:c exists) or (attribute:b exists and attribute:c exists)"),
        ("not not attribute:a exists", "attribute:a exists"),
        ("not(attribute:a exists or attribute:b exists)", "attribute:a !exists and attribute:b !exists"),
    ],
)
def test_precedence_is_not_then_and_then_or(expression: str, equivalent: str) -> None:
    """``not`` binds tighter than ``and``, which binds tighter than ``or``; parentheses override."""
    left, right = parse(expression), parse(equivalent)
    for a in (False, True):
        for b in (False, True):
            for c in (False, True):
                present = {name: "x" for name, on in (("a", a), ("b", b), ("c", c)) if on}
                facts = Facts(attributes=present)
                assert left.matches(facts) == right.matches(facts), (a, b, c)


def test_canonical_text_uses_minimal_parentheses() -> None:
    """``str`` renders symbols, lower-case connectors and only the parentheses needed."""
    expression = parse("(attribute:a equals x || attribute:b not_in ['p q', r]) && not (agentVersion>1)")
    assert str(expression) == "(attribute:a == x or attribute:b !in ['p q', r]) and not(agentVersion > 1)"


# --- values, quoting and regular expressions --------------------------------------------


def test_quoted_values_keep_spaces_and_quotes() -> None:
    """Single and double quotes allow spaces, and a backslash escapes the quote character."""
    facts = attrs(team="data science", owner="o'brien")
    assert parse("attribute:team == 'data science'").matches(facts)
    assert parse('attribute:team == "data science"').matches(facts)
    assert parse("attribute:owner == 'o\\'brien'").matches(facts)
    assert parse('attribute:owner == "o\'brien"').matches(facts)
    assert parse("attribute:team in ['data science', \"ops\"]").matches(facts)


def test_bare_values_may_contain_colons_dots_and_dashes() -> None:
    """Words such as service:production, t2.*, 1.14.5 and 2018-02-13 need no quotes."""
    expression = parse("attribute:label == service:production && attribute:zone == us-east-1a")
    assert expression.matches(attrs(label="service:production", zone="us-east-1a"))


def test_regex_uses_full_match_like_java_string_matches() -> None:
    """``t2.*`` matches t2.micro but not xt2.micro, and ``t2`` does not match t2.micro."""
    assert parse("attribute:type =~ t2.*").matches(attrs(type="t2.micro"))
    assert not parse("attribute:type =~ t2.*").matches(attrs(type="xt2.micro"))
    assert not parse("attribute:type =~ t2").matches(attrs(type="t2.micro"))


def test_bare_regex_may_contain_brackets_and_groups() -> None:
    """A bare regex runs to the next space or unbalanced ')', so classes and groups need no quotes."""
    expression = parse("not(attribute:type =~ (t2|t3)[.]micro) and attribute:type =~ t[23].*")
    assert expression.matches(attrs(type="t3.large"))
    assert not expression.matches(attrs(type="t3.micro"))


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("\\p{Lower}+", "abc", True),
        ("\\p{Lower}+", "aBc", False),
        ("[\\p{Upper}_]+", "AB_C", True),
        ("\\P{Digit}+", "abc", True),
        ("\\QA.B\\E", "A.B", True),
        ("\\QA.B\\E", "AxB", False),
        ("(?<zone>[a-z])-\\k<zone>", "a-a", True),
        ("(?<zone>[a-z])-\\k<zone>", "a-b", False),
        ("a*+b", "aaab", True),
        ("(?>ab|a)c", "ac", True),
        ("\\d+", "42", True),
        ("\\d+", "\u0664\u0662", False),
        ("(?i)PROD", "prod", True),
        ("x\\h+y", "x \ty", True),
        ("end\\z", "end", True),
        ("\\x{41}b", "Ab", True),
    ],
)
def test_java_regex_syntax_is_translated(pattern: str, value: str, expected: bool) -> None:
    """Java-only regex syntax (POSIX \\p{...}, \\Q..\\E, named groups, possessives) works; \\d is ASCII."""
    assert parse(f"attribute:v =~ '{pattern}'").matches(attrs(v=value)) is expected


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("[a-z&&[^x]]", "character class intersection"),
        ("[a-d[m-p]]", "nested character class"),
        ("\\p{L}+", "Unicode property"),
        ("a(?i)b", "after the start"),
        ("ab\\G", "\\G"),
        ("(unclosed", "invalid regular expression"),
    ],
)
def test_unsupported_or_invalid_regex_is_refused(pattern: str, fragment: str) -> None:
    """Regex features Python cannot mirror, and invalid patterns, fail at parse time."""
    with pytest.raises(QueryError) as caught:
        parse(f"attribute:v =~ '{pattern}'")
    assert fragment in caught.value.message
    assert caught.value.offset == len("attribute:v =~ ")


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "offset", "fragment"),
    [
        ("runningTasksCount =< 1", 18, "unknown operator '=<' at offset 18; expected one of ==, !=,"),
        ("attribute:az in [us-east-1a, us-east-1b", 39, "expected ']' to close the list at offset 39"),
        ("attribute == prod", 0, "unknown subject 'attribute' at offset 0 (did you mean 'attribute:<name>'?)"),
        ("attribute: == prod", 0, "did you mean 'attribute:<name>'?"),
        ("agentversion < 1.2", 0, "did you mean 'agentVersion'?"),
        ("instanceType == t2", 0, "unknown subject 'instanceType'"),
        ("attribute:stack ==", 18, "expected a value after '==' at offset 18"),
        ("attribute:stack", 15, "expected an operator after 'attribute:stack'"),
        ("attribute:stack in prod", 19, "expected '[' to start the list after 'in'"),
        ("attribute:stack in []", 19, "is empty"),
        ("attribute:stack in [a b]", 22, "expected ',' or ']' in the list"),
        ("attribute:stack == 'prod", 19, "unterminated quoted value"),
        ("(attribute:stack == prod", 24, "expected ')' to close the '(' at offset 0"),
        ("attribute:stack == prod)", 23, "unexpected ')'"),
        ("attribute:stack == prod env", 24, "unexpected 'env' at offset 24; expected 'and', 'or'"),
        ("attribute:stack == prod and", 27, "expected a condition"),
        ("attribute:stack exists prod", 23, "operator 'exists' takes no argument"),
        ("runningTasksCount =~ 1", 18, "operator '=~' cannot be used with runningTasksCount"),
        ("agentVersion exists", 13, "cannot be used with agentVersion"),
        ("runningTasksCount > many", 20, "runningTasksCount compares whole numbers"),
        ("agentVersion < latest", 15, "agentVersion compares dotted version numbers"),
        ("registeredAt < yesterday", 15, "registeredAt compares dates"),
        ("registeredAt < 2018-02-30", 15, "not a real date"),
        ("agentConnected == yes", 18, "agentConnected compares with true or false"),
        ("attribute:a:b exists", 0, "contains ':'"),
        ("attribute:stack == (prod)", 19, "expected a value after '=='"),
        ("   ", 0, "empty expression"),
        ("!in [a]", 0, "expected a subject"),
    ],
)
def test_malformed_expressions_report_message_and_offset(expression: str, offset: int, fragment: str) -> None:
    """Each malformed expression raises QueryError naming the problem at the right offset."""
    with pytest.raises(QueryError) as caught:
        parse(expression)
    assert caught.value.offset == offset
    assert fragment in str(caught.value)
    assert caught.value.expression == expression


def test_query_error_is_a_value_error_with_a_caret() -> None:
    """QueryError subclasses ValueError and can point at the offending character."""
    with pytest.raises(ValueError) as caught:
        parse("runningTasksCount =< 1")
    assert isinstance(caught.value, QueryError)
    assert caught.value.caret() == "runningTasksCount =< 1\n                  ^"


def test_expression_length_limit_is_2000_characters() -> None:
    """Expressions up to 2000 characters parse; longer ones are rejected at offset 2000."""
    prefix = "attribute:stack == "
    longest = prefix + "x" * (MAX_EXPRESSION_CHARS - len(prefix))
    assert len(longest) == 2000
    assert parse(longest).matches(attrs(stack="x" * (2000 - len(prefix))))
    with pytest.raises(QueryError) as caught:
        parse(longest + "x")
    assert caught.value.offset == 2000
    assert "2001 characters long; the limit is 2000" in caught.value.message


# --- expression objects ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "subjects", "static"),
    [
        ("attribute:ecs.instance-type =~ t2.*", {"attribute:ecs.instance-type"}, True),
        ("ec2InstanceId == i-1 or registeredAt < 2018-01-01 or agentVersion > 1", {"ec2InstanceId", "registeredAt", "agentVersion"}, True),
        ("attribute:stack == prod and task:group != db", {"attribute:stack", "task:group"}, False),
        ("runningTasksCount == 0", {"runningTasksCount"}, False),
        ("not(agentConnected == true)", {"agentConnected"}, False),
    ],
)
def test_subjects_and_is_static(expression: str, subjects: set[str], static: bool) -> None:
    """subjects() lists what an expression reads; is_static is False once it reads live state."""
    parsed = parse(expression)
    assert parsed.subjects() == frozenset(subjects)
    assert parsed.is_static is static


def test_parse_is_cached_and_expressions_are_immutable_and_hashable() -> None:
    """Parsing the same text twice returns the same object, which is frozen and hashable."""
    first = parse("attribute:stack == prod")
    assert parse("attribute:stack == prod") is first
    assert hash(first) == hash(parse("attribute:stack == prod"))
    assert {first: 1}[first] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.source = "other"  # type: ignore[misc]
    assert repr(first) == "Expression(source='attribute:stack == prod')"


def test_canonical_text_round_trips_to_itself() -> None:
    """Rendering is idempotent: parsing the canonical text renders the same text."""
    for text in (
        "not(task:group == database)",
        "attribute:x =~ 'a b' or attribute:y in ['it\\'s', \"q\"] and attribute:z !exists",
        "attribute:v =~ '\\d+' and attribute:w == 'back\\\\slash'",
    ):
        canonical = str(parse(text))
        assert str(parse(canonical)) == canonical
        assert isinstance(parse(canonical), Expression)


# --- property: canonical text round-trips to the same truth value -----------------------

NAMES = ("stack", "env", "ecs.instance-type", "zone")
VALUES = ("prod", "dev", "t2.micro", "us-east-1a", "10", "9", "a b", "it's", 'say "hi"', "x\\y", "and")
PATTERNS = ("t2.*", "prod|dev", "[a-z]+", "us-east-1[ab]", "\\d+", "(a|i).*", ".* .*")

Oracle = Callable[[Mapping[str, str]], bool]


def _written(value: str, draw: st.DrawFn) -> str:
    """Writes a value bare when that is safe, otherwise quoted in a drawn style."""
    if re.fullmatch(r"[A-Za-z0-9.:-]+", value) and draw(st.booleans()):
        return value
    quote = draw(st.sampled_from(["'", '"']))
    return quote + value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


def _numeric(value: str) -> float | None:
    return float(value) if re.fullmatch(r"\d+", value) else None


@st.composite
def conditions(draw: st.DrawFn) -> tuple[str, Oracle]:
    name = draw(st.sampled_from(NAMES))
    subject = f"attribute:{name}"
    kind = draw(st.sampled_from(["==", "!=", "in", "!in", "exists", "!exists", "=~", "!~", ">", "<="]))
    spelled = draw(st.sampled_from({
        "==": ["==", "equals"], "!=": ["!=", "not_equals"], "in": ["in"], "!in": ["!in", "not_in"],
        "exists": ["exists"], "!exists": ["!exists", "not_exists"], "=~": ["=~", "matches"],
        "!~": ["!~", "not_matches"], ">": [">", "greater_than"], "<=": ["<=", "less_than_equal"],
    }[kind]))
    if kind in ("exists", "!exists"):
        present = kind == "exists"
        return f"{subject} {spelled}", lambda a: (name in a) is present
    if kind in ("in", "!in"):
        items = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3))
        text = f"{subject} {spelled} [{', '.join(_written(v, draw) for v in items)}]"
        if kind == "in":
            return text, lambda a: a.get(name) in items
        return text, lambda a: a.get(name) not in items
    if kind in ("=~", "!~"):
        pattern = draw(st.sampled_from(PATTERNS))
        written = pattern if " " not in pattern and draw(st.booleans()) else "'" + pattern.replace("\\", "\\\\") + "'"
        hit: Oracle = lambda a: name in a and re.fullmatch(pattern, a[name], re.ASCII) is not None
        if kind == "=~":
            return f"{subject} {spelled} {written}", hit
        return f"{subject} {spelled} {written}", lambda a: not hit(a)
    value = draw(st.sampled_from(VALUES))
    text = f"{subject} {spelled} {_written(value, draw)}"
    if kind == "==":
        return text, lambda a: a.get(name) == value
    if kind == "!=":
        return text, lambda a: a.get(name) != value

    def ordered(a: Mapping[str, str]) -> bool:
        if name not in a:
            return False
        left, right = _numeric(a[name]), _numeric(value)
        if left is not None and right is not None:
            return left > right if kind == ">" else left <= right
        return a[name] > value if kind == ">" else a[name] <= value

    return text, ordered


def _combine(children: st.SearchStrategy[tuple[str, Oracle]]) -> st.SearchStrategy[tuple[str, Oracle]]:
    def both(pair: tuple[tuple[str, Oracle], tuple[str, Oracle], str]) -> tuple[str, Oracle]:
        (left, left_fn), (right, right_fn), word = pair
        if word in ("and", "&&"):
            return f"({left}) {word} ({right})", lambda a: left_fn(a) and right_fn(a)
        return f"({left}) {word} ({right})", lambda a: left_fn(a) or right_fn(a)

    def negated(pair: tuple[tuple[str, Oracle], str]) -> tuple[str, Oracle]:
        (inner, inner_fn), word = pair
        return f"{word}({inner})", lambda a: not inner_fn(a)

    return st.one_of(
        st.tuples(children, children, st.sampled_from(["and", "&&", "or", "||"])).map(both),
        st.tuples(children, st.sampled_from(["not", "!", "not "])).map(negated),
    )


expressions = st.recursive(conditions(), _combine, max_leaves=8)
attribute_maps = st.dictionaries(st.sampled_from(NAMES), st.sampled_from(VALUES + ("t2.large", "prodx", "42")), max_size=4)


@settings(max_examples=300, deadline=None)
@given(expressions, st.lists(attribute_maps, min_size=1, max_size=5))
def test_canonical_text_round_trips_to_the_same_truth_value(
    generated: tuple[str, Oracle], maps: list[dict[str, str]]
) -> None:
    """For random expressions and attributes, parse, str and re-parse agree with a reference model."""
    text, oracle = generated
    parsed = parse(text)
    reparsed = parse(str(parsed))
    assert str(reparsed) == str(parsed)
    for attributes in maps:
        facts = Facts(attributes=attributes)
        expected = oracle(attributes)
        assert parsed.matches(facts) is expected, (text, attributes)
        assert reparsed.matches(facts) is expected, (str(parsed), attributes)


# --- the linear-time engine gives the same answers (issue 18) -----------------------------

_TOKENS = st.sampled_from(
    ["a", "b", "1", ".", "\\d", "\\w", "\\s", "\\S", "[ab]", "[^a]", "[\\s1]", "x?", "a*", "b+", "(a|b)", "(?:ab)*",
     "{2}", "\\.", "-", "(?i:A)", "\\Qa.\\E", "\\p{Lower}", "\\h", "$", "^", "\\z", "\\b"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TOKENS, min_size=1, max_size=6).map("".join), st.text(alphabet="ab1 .-\t\x0bAé\n", max_size=8))
@example("$[^a]", "\n")  # Java's $ matches before a final newline, RE2's only at the end
@example("(a$)\\s", "a\n")
def test_re2_and_python_re_agree_on_ordinary_regexes(pattern: str, text: str) -> None:
    """Every regex RE2 runs gives the answer Python's ``re`` (the Java translation) gives."""
    from lab.sim.query import _ArgumentError, _compile_regex, _java_to_python

    try:
        compiled = _compile_regex(pattern)
    except _ArgumentError:
        return
    translated, flags = _java_to_python(pattern)
    assert (compiled.fullmatch(text) is not None) == (re.compile(translated, flags).fullmatch(text) is not None)
