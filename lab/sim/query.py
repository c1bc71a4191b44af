"""Provides the ECS cluster query language used by ``memberOf`` placement constraints.

``parse`` turns an expression into an immutable ``Expression`` whose ``matches`` tests one
container instance. Parsing validates everything it can (subjects, operators, argument
types, regular expressions) and compiles the tree into closures, so evaluating thousands of
instances per placement never re-parses. Grammar (docs/ecs-facts.md §1.4, AWS DG
``cluster-query-language.md``)::

    expression := and_expr (("||" | "or") and_expr)*
    and_expr   := not_expr (("&&" | "and") not_expr)*
    not_expr   := ("!" | "not") not_expr | "(" expression ")" | condition
    condition  := subject operator [argument]
    argument   := value | "[" value ("," value)* "]"
    value      := bare-word | 'single quoted' | "double quoted"

A bare value runs to the next space, parenthesis, bracket, comma, quote, ``&&`` or ``||``.
A bare regular expression (after ``=~``/``!~``) runs to the next space or unbalanced ``)``,
so ``t[23].*`` needs no quotes. Inside quotes, ``\\'`` (or ``\\"``) is the quote character
and ``\\\\`` is one backslash; any other backslash is kept, so ``'\\d+'`` is the regex ``\\d+``.

Semantics the AWS documentation leaves open, as chosen here:

* Operators are checked against the subject lists in the AWS doc (``agentVersion`` takes
  only ``==``, ``!=``, ``>``, ``>=``, ``<``, ``<=`` and so on). ``attribute:<name>`` takes
  every operator; ``task:group`` takes the equality, list, regex and ``exists`` families.
  The long forms ``greater_than``, ``greater_than_equal``, ``less_than`` and
  ``less_than_equal`` from the AWS operator table are accepted too.
* A missing attribute (or an instance fact that is empty or unparsable) makes every
  comparison false except the negative ones: ``!exists``, ``!=``, ``!in`` and ``!~`` are
  true, as in "``attribute:stack != prod`` selects instances without a stack".
* ``task:group`` is set-valued: ``==``, ``in`` and ``=~`` are true when *any* task group on
  the instance matches; ``!=``, ``!in`` and ``!~`` are true when *no* task group matches
  (so ``task:group != db`` equals ``not(task:group == db)``, the anti-affinity reading);
  ``exists`` is true when the instance runs any task.
* ``attribute`` ordering (``<``, ``>``, ...) is numeric when both sides are numbers and
  lexicographic otherwise; ``==``/``!=`` always compare strings.
* ``agentVersion`` compares dotted numbers (``1.9.0 < 1.14.5``; ``1.14 == 1.14.0``).
* ``registeredAt`` accepts ``2018-06-18``, ``2018-06-18T22:28:28``, ``...Z`` and
  ``...+00:00``; times without an offset are UTC. A date-only argument compares calendar
  days in UTC (``registeredAt == 2018-02-13`` means "registered that day").
* ``agentConnected`` compares with ``true``/``false`` (any case).
* Regular expressions are Java's (``java.util.regex``) with full-match semantics, like
  ``String.matches``: ``t2.*`` matches ``t2.micro`` but not ``xt2.micro``. ``\\d``, ``\\w``,
  ``\\s`` and case folding are ASCII-only as in Java unless ``(?u)`` leads the pattern.
  Java-only syntax is translated (``\\p{Lower}``, ``\\Q...\\E``, ``(?<name>...)``,
  ``\\k<name>``, ``\\h``, ``\\v``, ``\\R``, ``\\z``, ``\\x{...}``); possessive quantifiers and
  atomic groups work natively. Class intersection ``[a-z&&[^x]]``, nested classes,
  Unicode ``\\p{L}``-style properties and mid-pattern ``(?i)`` are refused with an error.
* A regex never stalls: it runs on RE2 (linear time) when RE2 can run it with the same
  meaning; one that needs backtracking (backreferences, lookaround, possessive or atomic
  groups, ``(?u)``) runs on Python's ``re`` unless a repeated group itself repeats or
  alternates, which is refused ("nested repetition"). One known difference: RE2 folds case
  with Unicode's rules, so ``(?i)k`` also matches the Kelvin sign U+212A.
"""

from __future__ import annotations

import difflib
import functools
import operator
import re
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Protocol, Union

__all__ = ["MAX_EXPRESSION_CHARS", "Expression", "InstanceFacts", "QueryError", "parse"]

MAX_EXPRESSION_CHARS = 2000
"""Longest expression ECS accepts (docs/ecs-facts.md §1.3, API:PlacementConstraint)."""

_ATTRIBUTE_PREFIX = "attribute:"
_MAX_ATTRIBUTE_NAME_CHARS = 128  # docs/ecs-facts.md §1.5
_ATTRIBUTE_NAME_RE = re.compile(r"[A-Za-z0-9_./\\-]+")
_SUBJECT_RE = re.compile(r"[A-Za-z0-9_./\\:-]+")
_IDENTIFIER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./\\:-")
_OPERATOR_CHARS = frozenset("=!<>~&|")

_ORDERING = frozenset({"==", "!=", ">", ">=", "<", "<="})
_EQUALITY_LIST_REGEX = frozenset({"==", "!=", "in", "!in", "=~", "!~"})
_ALL_OPERATORS = _ORDERING | _EQUALITY_LIST_REGEX | {"exists", "!exists"}
_OPERATOR_ORDER = ("==", "!=", ">", ">=", "<", "<=", "exists", "!exists", "in", "!in", "=~", "!~")

# Valid operators per subject as listed in the AWS cluster-query-language doc; the doc lists
# none for task:group, which gets the set-membership families.
_SUBJECT_OPERATORS: dict[str, frozenset[str]] = {
    "agentConnected": _EQUALITY_LIST_REGEX,
    "agentVersion": _ORDERING,
    "ec2InstanceId": _EQUALITY_LIST_REGEX,
    "registeredAt": _ORDERING,
    "runningTasksCount": _ORDERING,
    "task:group": _EQUALITY_LIST_REGEX | {"exists", "!exists"},
}
_FIXED_SUBJECTS = tuple(_SUBJECT_OPERATORS)
_DYNAMIC_SUBJECTS = frozenset({"agentConnected", "runningTasksCount", "task:group"})
_SUBJECT_LIST = "attribute:<name>, agentConnected, agentVersion, ec2InstanceId, registeredAt, runningTasksCount or task:group"

_SYMBOLIC_OPERATORS = ("==", "!=", ">=", "<=", "=~", "!~", ">", "<")
_WORD_OPERATORS = {
    "equals": "==",
    "not_equals": "!=",
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
    "exists": "exists",
    "not_exists": "!exists",
    "in": "in",
    "not_in": "!in",
    "matches": "=~",
    "not_matches": "!~",
}
_OPERATOR_HELP = (
    "expected one of ==, !=, >, >=, <, <=, exists, !exists, in, !in, =~, !~ "
    "(or equals, not_equals, greater_than, greater_than_equal, less_than, less_than_equal, "
    "not_exists, not_in, matches, not_matches)"
)
# Arguments are pre-parsed to the subject's own type (int, version tuple, date, float, str).
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_VERSION_RE = re.compile(r"[vV]?(\d+(?:\.\d+)*)")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_COUNT_RE = re.compile(r"\d+")
_OPERATOR_WORD_RE = re.compile(r"[A-Za-z_]+")


class QueryError(ValueError):
    """A cluster query expression that cannot be parsed; ``str`` is the full message."""

    def __init__(self, message: str, offset: int, expression: str = "") -> None:
        super().__init__(message, offset, expression)  # all three: simpy re-raises a copy built from args
        self.message = message
        """What is wrong and what was expected; names the offset where that helps."""
        self.offset = offset
        """0-based character offset in the expression where the problem starts."""
        self.expression = expression
        """The expression that failed to parse."""

    def __str__(self) -> str:
        return self.message

    def caret(self) -> str:
        """Returns the expression with a ``^`` under the offending character, for display."""
        return f"{self.expression}\n{' ' * self.offset}^"


class InstanceFacts(Protocol):
    """What an expression reads from one container instance."""

    @property
    def attributes(self) -> Mapping[str, str]:
        """Attribute name to value (``ecs.instance-type`` and custom attributes)."""

    @property
    def agent_connected(self) -> bool:
        """Whether the container agent is connected."""

    @property
    def agent_version(self) -> str:
        """Container agent version, e.g. ``1.68.2``."""

    @property
    def ec2_instance_id(self) -> str:
        """EC2 instance id, e.g. ``i-0abc1234``."""

    @property
    def registered_at(self) -> str:
        """Registration time as an ISO-8601 date or datetime string."""

    @property
    def running_tasks_count(self) -> int:
        """Tasks in the RUNNING state on the instance."""

    @property
    def task_groups(self) -> Collection[str]:
        """Group of every task on the instance (duplicates allowed)."""


_Predicate = Callable[[InstanceFacts], bool]


@dataclass(frozen=True)
class _Condition:
    """One ``subject operator [argument]`` test."""

    subject: str
    operator: str
    values: tuple[str, ...]
    predicate: _Predicate = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class _Not:
    """Negation of its operand."""

    operand: _Node
    predicate: _Predicate = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class _And:
    """True when every operand is true (flattened, two or more operands)."""

    operands: tuple[_Node, ...]
    predicate: _Predicate = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class _Or:
    """True when any operand is true (flattened, two or more operands)."""

    operands: tuple[_Node, ...]
    predicate: _Predicate = field(compare=False, hash=False, repr=False)


_Node = Union[_Condition, _Not, _And, _Or]


@dataclass(frozen=True)
class Expression:
    """A parsed, compiled cluster query expression; immutable and hashable."""

    source: str
    """The text the expression was parsed from."""
    _node: _Node = field(repr=False)
    _subjects: frozenset[str] = field(repr=False, compare=False, hash=False)

    def matches(self, facts: InstanceFacts) -> bool:
        """Tests one container instance.

        Args:
            facts: The instance's attributes, agent state, registration time and tasks.

        Returns:
            True when the instance satisfies the expression.
        """
        return self._node.predicate(facts)

    def subjects(self) -> frozenset[str]:
        """Returns every subject the expression reads, e.g. ``{'attribute:stack', 'task:group'}``."""
        return self._subjects

    @property
    def is_static(self) -> bool:
        """True when the result depends only on attributes, ``ec2InstanceId``, ``registeredAt``
        and ``agentVersion``, so it can be cached until the instance's attributes change."""
        return self._subjects.isdisjoint(_DYNAMIC_SUBJECTS)

    def __str__(self) -> str:
        """Returns the canonical text: symbolic operators, ``and``/``or``/``not(...)``,
        minimal parentheses and values quoted only when needed; it parses back to an
        equivalent expression."""
        return _render(self._node, 0)


@functools.lru_cache(maxsize=1024)
def parse(expression: str) -> Expression:
    """Parses and compiles a cluster query expression.

    Results are cached by text, since expressions are immutable.

    Args:
        expression: The ``memberOf`` expression, at most 2000 characters.

    Returns:
        The compiled expression.

    Raises:
        QueryError: The expression is empty, too long or malformed; the error carries the
            0-based offset of the problem.
    """
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise QueryError(
            f"expression is {len(expression)} characters long; the limit is "
            f"{MAX_EXPRESSION_CHARS}",
            MAX_EXPRESSION_CHARS,
            expression,
        )
    if not expression.strip():
        raise QueryError(
            "empty expression; expected a condition such as "
            "'attribute:ecs.instance-type =~ t2.*'",
            0,
            expression,
        )
    node = _Parser(expression).parse()
    return Expression(expression, node, frozenset(_collect_subjects(node)))


# --- parsing -----------------------------------------------------------------------------


class _Parser:
    """Recursive-descent parser over the raw text; it lexes on demand because the
    argument after ``=~`` is lexed differently from other values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.end = len(text)

    def fail(self, message: str, offset: int) -> QueryError:
        return QueryError(message, offset, self.text)

    def parse(self) -> _Node:
        node = self.parse_or()
        self.skip_spaces()
        if self.pos < self.end:
            if self.text[self.pos] == ")":
                raise self.fail(f"unexpected ')' at offset {self.pos} with no matching '('", self.pos)
            raise self.fail(
                f"unexpected {self.describe()} at offset {self.pos}; expected 'and', 'or', "
                "')' or the end of the expression",
                self.pos,
            )
        return node

    # -- lexing helpers --

    def skip_spaces(self) -> None:
        while self.pos < self.end and self.text[self.pos].isspace():
            self.pos += 1

    def describe(self) -> str:
        """Names what is at the cursor, for error messages."""
        if self.pos >= self.end:
            return "the end of the expression"
        char = self.text[self.pos]
        if char in "()[],":
            return f"'{char}'"
        stop = self.pos
        while stop < self.end and not self.text[stop].isspace() and self.text[stop] not in "()[],":
            stop += 1
        snippet = self.text[self.pos : stop]
        if len(snippet) > 24:
            snippet = snippet[:24] + "..."
        return f"'{snippet}'"

    def at_keyword(self, word: str) -> bool:
        """True when ``word`` starts at the cursor and is not the prefix of a longer name."""
        if not self.text.startswith(word, self.pos):
            return False
        after = self.pos + len(word)
        return after >= self.end or self.text[after] not in _IDENTIFIER_CHARS

    def at_connector_or_close(self) -> bool:
        if self.pos >= self.end or self.text[self.pos] == ")":
            return True
        return (
            self.text.startswith(("&&", "||"), self.pos)
            or self.at_keyword("and")
            or self.at_keyword("or")
        )

    # -- grammar --

    def parse_or(self) -> _Node:
        operands = [self.parse_and()]
        while True:
            self.skip_spaces()
            if self.text.startswith("||", self.pos):
                self.pos += 2
            elif self.at_keyword("or"):
                self.pos += 2
            else:
                break
            operands.append(self.parse_and())
        return _make_or(operands)

    def parse_and(self) -> _Node:
        operands = [self.parse_not()]
        while True:
            self.skip_spaces()
            if self.text.startswith("&&", self.pos):
                self.pos += 2
            elif self.at_keyword("and"):
                self.pos += 3
            else:
                break
            operands.append(self.parse_not())
        return _make_and(operands)

    def parse_not(self) -> _Node:
        self.skip_spaces()
        if self.pos >= self.end:
            raise self.fail(
                f"expected a condition at offset {self.pos}, found the end of the expression",
                self.pos,
            )
        if self.text[self.pos] == "!" and not self.text.startswith(("!=", "!~"), self.pos):
            if self.at_keyword("!exists") or self.at_keyword("!in"):
                raise self.fail(
                    f"expected a subject ({_SUBJECT_LIST}) at offset {self.pos}, "
                    f"found operator {self.describe()}",
                    self.pos,
                )
            self.pos += 1
            return _make_not(self.parse_not())
        if self.at_keyword("not"):
            self.pos += 3
            return _make_not(self.parse_not())
        if self.text[self.pos] == "(":
            open_at = self.pos
            self.pos += 1
            node = self.parse_or()
            self.skip_spaces()
            if self.pos < self.end and self.text[self.pos] == ")":
                self.pos += 1
                return node
            raise self.fail(
                f"expected ')' to close the '(' at offset {open_at}, found {self.describe()} "
                f"at offset {self.pos}",
                self.pos,
            )
        return self.parse_condition()

    def parse_condition(self) -> _Condition:
        subject = self.read_subject()
        self.skip_spaces()
        op_at = self.pos
        op_text, op = self.read_operator(subject)
        allowed = _SUBJECT_OPERATORS.get(subject, _ALL_OPERATORS)
        if op not in allowed:
            listed = ", ".join(o for o in _OPERATOR_ORDER if o in allowed)
            raise self.fail(
                f"operator '{op_text}' cannot be used with {subject} (offset {op_at}); "
                f"{subject} supports {listed}",
                op_at,
            )
        values: tuple[str, ...]
        value_offsets: tuple[int, ...]
        if op in ("exists", "!exists"):
            self.skip_spaces()
            if not self.at_connector_or_close():
                raise self.fail(
                    f"operator '{op_text}' takes no argument, found {self.describe()} "
                    f"at offset {self.pos}",
                    self.pos,
                )
            values, value_offsets = (), ()
        elif op in ("in", "!in"):
            values, value_offsets = self.read_list(op_text)
        else:
            value, value_at = self.read_value(op_text, regex=op in ("=~", "!~"))
            values, value_offsets = (value,), (value_at,)
        try:
            predicate = _compile_condition(subject, op, values)
        except _ArgumentError as problem:
            index = min(problem.value_index, len(value_offsets) - 1)
            offset = value_offsets[index] if value_offsets else op_at
            raise self.fail(f"{problem.message} (offset {offset})", offset) from None
        return _Condition(subject, op, values, predicate)

    def read_subject(self) -> str:
        self.skip_spaces()
        start = self.pos
        match = _SUBJECT_RE.match(self.text, self.pos)
        if match is None:
            raise self.fail(
                f"expected a subject ({_SUBJECT_LIST}) at offset {start}, found {self.describe()}",
                start,
            )
        word = match.group()
        self.pos = match.end()
        if word.startswith(_ATTRIBUTE_PREFIX):
            name = word[len(_ATTRIBUTE_PREFIX) :]
            if not name:
                raise self.fail(
                    f"unknown subject '{word}' at offset {start} "
                    "(did you mean 'attribute:<name>'?)",
                    start,
                )
            if not _ATTRIBUTE_NAME_RE.fullmatch(name):
                bad = next(ch for ch in name if not _ATTRIBUTE_NAME_RE.fullmatch(ch))
                raise self.fail(
                    f"attribute name '{name}' at offset {start} contains '{bad}'; names use "
                    "letters, digits, '-', '_', '/', '\\' and '.'",
                    start,
                )
            if len(name) > _MAX_ATTRIBUTE_NAME_CHARS:
                raise self.fail(
                    f"attribute name at offset {start} is {len(name)} characters long; "
                    f"the limit is {_MAX_ATTRIBUTE_NAME_CHARS}",
                    start,
                )
            return word
        if word in _SUBJECT_OPERATORS:
            return word
        raise self.fail(
            f"unknown subject '{word}' at offset {start}{_suggest_subject(word)}", start
        )

    def read_operator(self, subject: str) -> tuple[str, str]:
        """Returns the operator as written and its canonical symbolic form."""
        start = self.pos
        if self.pos >= self.end:
            raise self.fail(
                f"expected an operator after '{subject}' at offset {start}, found the end of "
                f"the expression; {_OPERATOR_HELP}",
                start,
            )
        for symbol in ("!exists", "!in"):
            if self.at_keyword(symbol):
                self.pos += len(symbol)
                return symbol, symbol
        for symbol in _SYMBOLIC_OPERATORS:
            if self.text.startswith(symbol, self.pos):
                after = self.pos + len(symbol)
                if after < self.end and self.text[after] in _OPERATOR_CHARS:
                    break
                self.pos = after
                return symbol, symbol
        word_match = _OPERATOR_WORD_RE.match(self.text, self.pos)
        if word_match is not None and word_match.group() in _WORD_OPERATORS:
            if self.at_keyword(word_match.group()):
                self.pos = word_match.end()
                return word_match.group(), _WORD_OPERATORS[word_match.group()]
        stop = self.pos
        if self.text[stop] in _OPERATOR_CHARS:
            while stop < self.end and self.text[stop] in _OPERATOR_CHARS:
                stop += 1
        else:
            while (
                stop < self.end
                and not self.text[stop].isspace()
                and self.text[stop] not in "()[],'\""
            ):
                stop += 1
        found = self.text[start : max(stop, start + 1)]
        raise self.fail(f"unknown operator '{found}' at offset {start}; {_OPERATOR_HELP}", start)

    def read_value(self, op_text: str, *, regex: bool = False) -> tuple[str, int]:
        """Returns one argument and its offset."""
        self.skip_spaces()
        start = self.pos
        if self.pos < self.end and self.text[self.pos] in "'\"":
            return self.read_quoted(), start
        stop = _scan_bare_regex(self.text, self.pos) if regex else _scan_bare(self.text, self.pos)
        if stop == start:
            raise self.fail(
                f"expected a value after '{op_text}' at offset {start}, found {self.describe()}",
                start,
            )
        self.pos = stop
        return self.text[start:stop], start

    def read_quoted(self) -> str:
        quote = self.text[self.pos]
        start = self.pos
        index = self.pos + 1
        chars: list[str] = []
        while index < self.end:
            char = self.text[index]
            if char == "\\" and index + 1 < self.end and self.text[index + 1] in (quote, "\\"):
                chars.append(self.text[index + 1])
                index += 2
                continue
            if char == quote:
                self.pos = index + 1
                return "".join(chars)
            chars.append(char)
            index += 1
        raise self.fail(
            f"unterminated quoted value starting at offset {start}; expected a closing {quote}",
            start,
        )

    def read_list(self, op_text: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        self.skip_spaces()
        if self.pos >= self.end or self.text[self.pos] != "[":
            raise self.fail(
                f"expected '[' to start the list after '{op_text}' at offset {self.pos}, "
                f"found {self.describe()}",
                self.pos,
            )
        open_at = self.pos
        self.pos += 1
        values: list[str] = []
        offsets: list[int] = []
        while True:
            self.skip_spaces()
            if self.pos >= self.end:
                raise self.fail(f"expected ']' to close the list at offset {self.pos}", self.pos)
            if self.text[self.pos] == "]":
                if not values:
                    raise self.fail(
                        f"the list after '{op_text}' at offset {open_at} is empty; "
                        "give at least one value",
                        open_at,
                    )
                raise self.fail(
                    f"expected a value after ',' at offset {self.pos}, found ']'", self.pos
                )
            value, value_at = self.read_value(op_text)
            values.append(value)
            offsets.append(value_at)
            self.skip_spaces()
            if self.pos >= self.end:
                raise self.fail(f"expected ']' to close the list at offset {self.pos}", self.pos)
            if self.text[self.pos] == ",":
                self.pos += 1
                continue
            if self.text[self.pos] == "]":
                self.pos += 1
                return tuple(values), tuple(offsets)
            raise self.fail(
                f"expected ',' or ']' in the list at offset {self.pos}, found {self.describe()}",
                self.pos,
            )


def _scan_bare(text: str, start: int) -> int:
    """Returns where a bare (unquoted) value starting at ``start`` ends."""
    index = start
    while index < len(text):
        char = text[index]
        if char.isspace() or char in "()[],'\"":
            break
        if char in "&|" and text.startswith(char * 2, index):
            break
        index += 1
    return index


def _scan_bare_regex(text: str, start: int) -> int:
    """Returns where a bare regex ends: the next space or unbalanced ``)``."""
    index = start
    depth = 0
    in_class = False
    while index < len(text):
        char = text[index]
        if char.isspace():
            break
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        index += 1
    return min(index, len(text))


def _suggest_subject(word: str) -> str:
    if word == "attribute" or word.lower().startswith("attr"):
        return " (did you mean 'attribute:<name>'?)"
    for subject in _FIXED_SUBJECTS:
        if subject.lower() == word.lower():
            return f" (did you mean '{subject}'?)"
    close = difflib.get_close_matches(word, _FIXED_SUBJECTS, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f"; expected {_SUBJECT_LIST}"


def _make_not(operand: _Node) -> _Not:
    inner = operand.predicate
    return _Not(operand, lambda facts: not inner(facts))


def _make_and(operands: list[_Node]) -> _Node:
    if len(operands) == 1:
        return operands[0]
    flat: list[_Node] = []
    for node in operands:
        flat.extend(node.operands if isinstance(node, _And) else (node,))
    predicates = tuple(node.predicate for node in flat)
    if len(predicates) == 2:
        first, second = predicates
        return _And(tuple(flat), lambda facts: first(facts) and second(facts))
    return _And(tuple(flat), lambda facts: all(p(facts) for p in predicates))


def _make_or(operands: list[_Node]) -> _Node:
    if len(operands) == 1:
        return operands[0]
    flat: list[_Node] = []
    for node in operands:
        flat.extend(node.operands if isinstance(node, _Or) else (node,))
    predicates = tuple(node.predicate for node in flat)
    if len(predicates) == 2:
        first, second = predicates
        return _Or(tuple(flat), lambda facts: first(facts) or second(facts))
    return _Or(tuple(flat), lambda facts: any(p(facts) for p in predicates))


def _collect_subjects(node: _Node) -> set[str]:
    if isinstance(node, _Condition):
        return {node.subject}
    if isinstance(node, _Not):
        return _collect_subjects(node.operand)
    found: set[str] = set()
    for operand in node.operands:
        found |= _collect_subjects(operand)
    return found


# --- compiling conditions ----------------------------------------------------------------


class _ArgumentError(Exception):
    """An argument the subject cannot compare with; the parser adds the offset."""

    def __init__(self, message: str, value_index: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.value_index = value_index


def _compile_condition(subject: str, op: str, values: tuple[str, ...]) -> _Predicate:
    if subject == "task:group":
        return _compile_task_group(op, values)
    if subject == "runningTasksCount":
        return _compile_ordered(op, _parse_count(values[0]), _running_tasks)
    if subject == "agentVersion":
        return _compile_ordered(op, _parse_version_argument(values[0]), _agent_version_key)
    if subject == "registeredAt":
        return _compile_registered_at(op, values[0])
    getter: Callable[[InstanceFacts], str | None]
    if subject == "agentConnected":
        if op in ("==", "!=", "in", "!in"):
            for index, value in enumerate(values):
                if value.lower() not in ("true", "false"):
                    raise _ArgumentError(
                        f"agentConnected compares with true or false; found '{value}'", index
                    )
            values = tuple(value.lower() for value in values)
        getter = _agent_connected_text
    elif subject == "ec2InstanceId":
        getter = _ec2_instance_id
    else:
        getter = _attribute_getter(subject[len(_ATTRIBUTE_PREFIX) :])
    return _compile_string(op, values, getter)


def _compile_string(
    op: str, values: tuple[str, ...], getter: Callable[[InstanceFacts], str | None]
) -> _Predicate:
    """Compiles a test on a single string that may be missing (``None``)."""
    if op == "exists":
        return lambda facts: getter(facts) is not None
    if op == "!exists":
        return lambda facts: getter(facts) is None
    if op in ("in", "!in"):
        members = frozenset(values)
        if op == "in":
            return lambda facts: getter(facts) in members
        return lambda facts: getter(facts) not in members
    if op in ("=~", "!~"):
        fullmatch = _compile_regex(values[0]).fullmatch

        def regex_matches(facts: InstanceFacts) -> bool:
            text = getter(facts)
            return text is not None and fullmatch(text) is not None

        if op == "=~":
            return regex_matches
        return lambda facts: not regex_matches(facts)
    value = values[0]
    if op == "==":
        return lambda facts: getter(facts) == value
    if op == "!=":
        return lambda facts: getter(facts) != value
    compare = _COMPARE[op]
    value_number = _number(value)

    def ordered(facts: InstanceFacts) -> bool:
        text = getter(facts)
        if text is None:
            return False
        if value_number is not None:
            text_number = _number(text)
            if text_number is not None:
                return compare(text_number, value_number)
        return compare(text, value)

    return ordered


def _compile_ordered(
    op: str, argument: object, getter: Callable[[InstanceFacts], object | None]
) -> _Predicate:
    """Compiles ``==``/``!=``/ordering on a typed subject that may be missing (``None``)."""
    compare = _COMPARE[op]
    if op == "!=":
        return lambda facts: getter(facts) != argument
    if op == "==":
        return lambda facts: getter(facts) == argument

    def ordered(facts: InstanceFacts) -> bool:
        current = getter(facts)
        return current is not None and compare(current, argument)

    return ordered


def _compile_task_group(op: str, values: tuple[str, ...]) -> _Predicate:
    """Compiles a test on the set of task groups: any-match, or no-match when negated."""
    if op == "exists":
        return lambda facts: len(facts.task_groups) > 0
    if op == "!exists":
        return lambda facts: len(facts.task_groups) == 0
    if op in ("=~", "!~"):
        fullmatch = _compile_regex(values[0]).fullmatch

        def any_matches(facts: InstanceFacts) -> bool:
            return any(fullmatch(group) is not None for group in facts.task_groups)

        if op == "=~":
            return any_matches
        return lambda facts: not any_matches(facts)
    members = frozenset(values)
    if op in ("==", "in"):
        return lambda facts: not members.isdisjoint(facts.task_groups)
    return lambda facts: members.isdisjoint(facts.task_groups)


def _compile_registered_at(op: str, value: str) -> _Predicate:
    if _DATE_RE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise _ArgumentError(f"registeredAt date '{value}' is not a real date") from None
        return _compile_ordered(op, day, _registered_day)
    instant = _instant(value)
    if instant is None:
        raise _ArgumentError(
            f"registeredAt compares dates; found '{value}', expected a form such as "
            "2018-06-18, 2018-06-18T22:28:28, 2018-06-18T22:28:28Z or 2018-06-18T22:28:28+00:00"
        )
    return _compile_ordered(op, instant, _registered_instant)


def _parse_count(value: str) -> int:
    if not _COUNT_RE.fullmatch(value):
        raise _ArgumentError(f"runningTasksCount compares whole numbers; found '{value}'")
    return int(value)


def _parse_version_argument(value: str) -> tuple[int, ...]:
    key = _version_key(value)
    if key is None:
        raise _ArgumentError(
            f"agentVersion compares dotted version numbers such as 1.14.5; found '{value}'"
        )
    return key


def _attribute_getter(name: str) -> Callable[[InstanceFacts], str | None]:
    return lambda facts: facts.attributes.get(name)


def _agent_connected_text(facts: InstanceFacts) -> str:
    return "true" if facts.agent_connected else "false"


def _ec2_instance_id(facts: InstanceFacts) -> str | None:
    return facts.ec2_instance_id or None


def _running_tasks(facts: InstanceFacts) -> int:
    return facts.running_tasks_count


def _agent_version_key(facts: InstanceFacts) -> tuple[int, ...] | None:
    return _version_key(facts.agent_version)


def _registered_instant(facts: InstanceFacts) -> datetime | None:
    return _instant(facts.registered_at)


def _registered_day(facts: InstanceFacts) -> date | None:
    instant = _instant(facts.registered_at)
    return None if instant is None else instant.date()


# Instance facts repeat across evaluations, so parsing them is cached.


@functools.lru_cache(maxsize=4096)
def _number(text: str) -> float | None:
    return float(text) if _NUMBER_RE.fullmatch(text) else None


@functools.lru_cache(maxsize=1024)
def _version_key(text: str) -> tuple[int, ...] | None:
    """Dotted version as an int tuple with trailing zeros dropped, so 1.14 == 1.14.0."""
    match = _VERSION_RE.fullmatch(text.strip()) if text else None
    if match is None:
        return None
    parts = [int(part) for part in match.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


@functools.lru_cache(maxsize=4096)
def _instant(text: str) -> datetime | None:
    """ISO date or datetime as an aware UTC datetime; naive times are taken as UTC."""
    if not text:
        return None
    try:
        if _DATE_RE.fullmatch(text):
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


# --- Java regular expressions ------------------------------------------------------------

# Contents of a character class for java.util.regex POSIX names (ASCII, as in Java).
_POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "\\x21-\\x2F\\x3A-\\x40\\x5B-\\x60\\x7B-\\x7E",
    "Graph": "\\x21-\\x7E",
    "Print": "\\x20-\\x7E",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
}
_HORIZONTAL_SPACE = " \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000"
_VERTICAL_SPACE = "\\n\\x0B\\f\\r\\x85\\u2028\\u2029"
_INLINE_FLAGS_RE = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])")


class _Matcher(Protocol):
    """A compiled regex: what the predicates call."""

    def fullmatch(self, text: str) -> object | None: ...


try:  # google-re2: a linear-time engine (no backtracking), see pyproject.toml
    import re2 as _re2
except ImportError:  # pragma: no cover - the dependency is declared; this only keeps the lab usable
    _re2 = None


@functools.lru_cache(maxsize=512)
def _compile_regex(pattern: str) -> _Matcher:
    """Compiles a Java regex for full matching, or raises ``_ArgumentError``.

    A learner's regex must never stall grading (``i-((\\w|\\w)+)+Z`` takes a backtracking
    engine hours on a long id). Patterns RE2 can run with the same meaning run on RE2, in
    time linear in the text. The few it cannot (backreferences, lookaround, possessive or
    atomic groups, ``(?u)``, a ``$`` with more pattern after it) run on Python's ``re`` only when no repeated group itself
    repeats or alternates, the shape that makes backtracking exponential; otherwise they
    are refused with a message.
    """
    translated, flags = _java_to_python(pattern)
    try:
        with warnings.catch_warnings():
            # Python warns (FutureWarning) about set syntax that Java reads differently.
            warnings.simplefilter("error")
            compiled = re.compile(translated, flags)  # validates, with Python's messages
    except (re.error, FutureWarning, OverflowError, RecursionError) as problem:  # huge repeats, deep nesting
        reason = problem.msg if isinstance(problem, re.error) else str(problem)
        raise _ArgumentError(f"invalid regular expression '{pattern}': {reason}") from None
    linear = _linear_regex(translated, flags)
    if linear is not None:
        return linear
    if _nested_repetition(translated):
        raise _ArgumentError(
            f"regular expression '{pattern}' repeats a group that itself repeats or alternates "
            "(nested repetition) and uses a feature only a backtracking engine runs "
            "(a backreference, lookaround, a possessive or atomic group, (?u), or a $ with more pattern after it): it could run "
            "for hours; write it without the nested repetition"
        )
    return compiled


def _linear_regex(translated: str, flags: int) -> _Matcher | None:
    """The translated pattern on RE2, or None when RE2 cannot run it with the same meaning."""
    if _re2 is None or not flags & re.ASCII:
        return None  # RE2's \w, \d, \s and \b are ASCII-only: (?u) patterns stay on ``re``
    text = _to_re2_syntax(translated)
    if text is None:
        return None
    options = _re2.Options()
    options.log_errors = False
    try:
        return _re2.compile(text, options)
    except _re2.error:
        return None


_JAVA_SPACE = "\\t\\n\\x0b\\f\\r "
"""Java's (and Python's ASCII) \\s; RE2's \\s lacks the vertical tab."""


def _to_re2_syntax(translated: str) -> str | None:
    """The translation's Python spellings in RE2's, or None when one has no equal there.

    ``\\Z`` is RE2's ``\\z``; ``\\U0001f600`` is ``\\x{1f600}``; ``\\s`` is spelled out (RE2's
    lacks ``\\x0b``); ``\\S`` inside a class, and ``$`` before more of the pattern, cannot be.
    """
    out: list[str] = []
    index, length, in_class = 0, len(translated), False
    while index < length:
        char = translated[index]
        if char == "\\" and index + 1 < length:
            code = translated[index + 1]
            if code == "Z" and not in_class:
                out.append("\\z")
            elif code == "U":
                out.append("\\x{%x}" % int(translated[index + 2 : index + 10], 16))
                index += 8
            elif code == "s":
                out.append(_JAVA_SPACE if in_class else f"[{_JAVA_SPACE}]")
            elif code == "S":
                if in_class:
                    return None
                out.append(f"[^{_JAVA_SPACE}]")
            else:
                out.append(translated[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            out.append(char)
            index += 1
            for prefix in ("^", "]"):
                if translated.startswith(prefix, index):
                    out.append(prefix)
                    index += 1
            continue
        if char == "$" and translated[index + 1 :].strip(")"):
            # Java's and Python's ``$`` also match before a final line terminator, which the
            # rest of the pattern may then consume ('$[^a]' matches a newline); RE2's only at the end.
            return None
        out.append(char)
        index += 1
    return "".join(out)


def _nested_repetition(pattern: str) -> bool:
    """Whether a group repeated by ``*``, ``+`` or ``{n,m}`` holds a repetition or an alternation."""
    frames: list[bool] = [False]  # per open group: does it hold a repetition or an alternation?
    index, length, in_class = 0, len(pattern), False
    while index < length:
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
            index += 1
            continue
        if char == "[":
            in_class = True
            index += 1 + pattern.startswith("^", index + 1) + pattern.startswith("]", index + 1)
            continue
        if char == "(":
            frames.append(False)
            index += 2 if pattern.startswith("(?", index) else 1
            continue
        if char == "|":
            frames[-1] = True
        elif char in "*+" or (char == "{" and re.match(r"\{\d*,?\d*\}", pattern[index:])):
            frames[-1] = True
        elif char == ")" and len(frames) > 1:
            inner = frames.pop()
            after = pattern[index + 1 : index + 2]
            bounded = re.match(r"\{(\d+)\}", pattern[index + 1 :])
            repeated = after in ("*", "+") or (after == "{" and not (bounded and int(bounded.group(1)) <= 1))
            if inner and repeated:
                return True
            frames[-1] = frames[-1] or inner or repeated
        index += 1
    return False


def _java_to_python(pattern: str) -> tuple[str, int]:
    """Translates java.util.regex syntax to Python ``re`` syntax plus flags."""
    out: list[str] = []
    flags = re.ASCII
    index = 0
    length = len(pattern)
    in_class = False

    def refuse(what: str) -> _ArgumentError:
        return _ArgumentError(f"regular expression '{pattern}' uses {what}, which is not supported")

    while index < length:
        char = pattern[index]
        if char == "\\":
            if index + 1 >= length:
                raise _ArgumentError(f"regular expression '{pattern}' ends with a lone backslash")
            code = pattern[index + 1]
            index += 2
            if code == "Q":
                stop = pattern.find("\\E", index)
                literal = pattern[index:] if stop < 0 else pattern[index:stop]
                out.append("".join("\\" + c if not c.isalnum() else c for c in literal))
                index = length if stop < 0 else stop + 2
            elif code in "pP":
                name, index = _read_property_name(pattern, index, refuse)
                contents = _POSIX_CLASSES.get(name.removeprefix("Is"))
                if contents is None:
                    raise refuse(f"the Unicode property \\{code}{{{name}}}")
                if in_class:
                    if code == "P":
                        raise refuse("a negated \\P{...} inside a character class")
                    out.append(contents)
                else:
                    out.append(("[^" if code == "P" else "[") + contents + "]")
            elif code in "hvHV":
                contents = _HORIZONTAL_SPACE if code in "hH" else _VERTICAL_SPACE
                if code.isupper():
                    if in_class:
                        raise refuse(f"\\{code} inside a character class")
                    out.append("[^" + contents + "]")
                else:
                    out.append(contents if in_class else "[" + contents + "]")
            elif code == "R" and not in_class:
                out.append("(?:\\r\\n|[" + _VERTICAL_SPACE + "])")
            elif code == "z" and not in_class:
                out.append("\\Z")
            elif code == "Z" and not in_class:
                out.append("(?=\\n?\\Z)")
            elif code == "e":
                out.append("\\x1b")
            elif code == "x" and index < length and pattern[index] == "{":
                stop = pattern.find("}", index)
                digits = pattern[index + 1 : stop] if stop > 0 else ""
                if not re.fullmatch(r"[0-9a-fA-F]{1,6}", digits):
                    raise _ArgumentError(f"regular expression '{pattern}' has a bad \\x{{...}} escape")
                out.append("\\U%08x" % int(digits, 16))
                index = stop + 1
            elif code == "k" and index < length and pattern[index] == "<":
                stop = pattern.find(">", index)
                if stop < 0:
                    raise _ArgumentError(f"regular expression '{pattern}' has an unterminated \\k<name>")
                out.append(f"(?P={pattern[index + 1 : stop]})")
                index = stop + 1
            elif code == "c" and index < length:
                out.append("\\x%02x" % (ord(pattern[index]) ^ 0x40))
                index += 1
            elif code in "GXRzZ" or (code == "b" and pattern.startswith("{", index)):
                raise refuse(f"\\{code}" + (" inside a character class" if in_class else ""))
            else:
                out.append("\\" + code)
            continue
        if in_class:
            if char == "[":
                raise refuse("a nested character class")
            if pattern.startswith("&&", index):
                raise refuse("character class intersection '&&'")
            if char == "]":
                in_class = False
            out.append(char)
            index += 1
            continue
        if char == "[":
            in_class = True
            out.append(char)
            index += 1
            if pattern.startswith("^", index):
                out.append("^")
                index += 1
            continue
        if char == "(" and pattern.startswith("(?<", index) and index + 3 < length:
            if pattern[index + 3].isalpha():
                out.append("(?P<")
                index += 3
                continue
        if char == "(" and pattern.startswith("(?", index):
            match = _INLINE_FLAGS_RE.match(pattern, index)
            if match is not None:
                on, off, closer = match.group(1), match.group(2) or "", match.group(3)
                if set(on + off) - set("imsxuU"):
                    raise refuse(f"the inline flag group '{match.group()}'")
                unicode_on = "u" in on or "U" in on
                on = on.replace("u", "").replace("U", "")
                off = off.replace("u", "").replace("U", "")
                if closer == ")":
                    if out:
                        raise refuse(
                            f"the inline flag group '{match.group()}' after the start "
                            "(use a scoped group such as (?i:...))"
                        )
                    if unicode_on:
                        flags &= ~re.ASCII
                    if on:
                        out.append(f"(?{on})")
                elif on or off:
                    out.append(f"(?{on}{'-' + off if off else ''}:")
                else:
                    out.append("(?:")
                index = match.end()
                continue
        out.append(char)
        index += 1
    return "".join(out), flags


def _read_property_name(
    pattern: str, index: int, refuse: Callable[[str], _ArgumentError]
) -> tuple[str, int]:
    if index >= len(pattern):
        raise refuse("an incomplete \\p escape")
    if pattern[index] != "{":
        return pattern[index], index + 1
    stop = pattern.find("}", index)
    if stop < 0:
        raise refuse("an unterminated \\p{...} escape")
    return pattern[index + 1 : stop], stop + 1


# --- rendering ---------------------------------------------------------------------------


def _render(node: _Node, parent_precedence: int) -> str:
    if isinstance(node, _Or):
        text = " or ".join(_render(operand, 1) for operand in node.operands)
        return f"({text})" if parent_precedence > 1 else text
    if isinstance(node, _And):
        text = " and ".join(_render(operand, 2) for operand in node.operands)
        return f"({text})" if parent_precedence > 2 else text
    if isinstance(node, _Not):
        return f"not({_render(node.operand, 0)})"
    if node.operator in ("exists", "!exists"):
        return f"{node.subject} {node.operator}"
    if node.operator in ("in", "!in"):
        items = ", ".join(_render_value(value, regex=False) for value in node.values)
        return f"{node.subject} {node.operator} [{items}]"
    regex = node.operator in ("=~", "!~")
    return f"{node.subject} {node.operator} {_render_value(node.values[0], regex=regex)}"


def _render_value(value: str, *, regex: bool) -> str:
    scan = _scan_bare_regex if regex else _scan_bare
    if value and value[0] not in "'\"" and scan(value, 0) == len(value):
        return value
    quote = '"' if "'" in value and '"' not in value else "'"
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return f"{quote}{escaped}{quote}"
