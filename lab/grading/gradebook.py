"""Provides the gradebook: many learners' JSON reports read, checked and summarised for a class.

``lab gradebook REPORTS...`` reads the JSON reports ``lab grade --format json`` writes (schema
``1``, see ``docs/grading-in-ci.md``), from files or folders, and builds:

- a learner × scenario matrix: per pair the **best** attempt (passed first, then the higher
  score; reports carry no time, so "latest" could only come from file dates, which copies
  and CI artifacts do not keep) and the number of attempts (reports for that pair);
- per-check failure rates across the class, hardest first, with the most common failure
  message;
- per-scenario pass rates and per-topic mastery (a scenario's content-map topics are given
  by the caller: the shell takes them from the question bank's scenario links).

Which learner a report belongs to is a :class:`LearnerRule`: the first folder below the
folder named on the command line (``learners/<name>/...``, the default), the report's parent
folder, or a field of the report. Every problem in the input is collected and raised together
as ``file:line:col: message`` lines (:class:`~lab.errors.SourceErrors`); nothing is written.
The renderers are in ``lab.grading.gradebook_render``.
"""

from __future__ import annotations

import errno
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lab.errors import Diagnostic, SourceError, SourceErrors, UsageError
from lab.grading.report import SCHEMA_VERSION
from lab.yaml_source import UnsafeFile, load_text, read_regular, validation_diagnostics

__all__ = [
    "MAX_REPORT_BYTES",
    "Cell",
    "CheckOutcome",
    "CheckStat",
    "Entry",
    "Found",
    "Gradebook",
    "LearnerRule",
    "LearnerStat",
    "ScenarioStat",
    "TopicInfo",
    "TopicStat",
    "build_gradebook",
    "find_reports",
    "read_reports",
]

MAX_REPORT_BYTES = 1024 * 1024
"""Largest report read. A real one is a few KiB (tens with many seeds)."""

MAX_REPORTS = 100_000
"""Most report files one gradebook reads (a class of 1,000 × 100 scenarios)."""


# -- what a report must hold -------------------------------------------------------------


class _Model(BaseModel):
    # Strict: "true" is not a bool and "40" is not a score. Extra keys are ignored because
    # schema 1 may gain fields without a bump.
    model_config = ConfigDict(extra="ignore", strict=True, allow_inf_nan=False)


class _CheckModel(_Model):
    id: str = Field(min_length=1)
    title: str
    required: bool
    points: int = Field(ge=0)
    passed: bool
    message: str


class _ScenarioModel(_Model):
    id: str = Field(min_length=1)
    title: str


class _ReportModel(_Model):
    schema_version: Literal[1]
    scenario: _ScenarioModel
    passed: bool
    score: int = Field(ge=0)
    max_score: int = Field(ge=0)
    checks: list[_CheckModel]


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerRule:
    """How a report's learner is told: ``folder``, ``parent`` or ``field:NAME``.

    - ``folder``: the first folder below the folder given on the command line
      (``lab gradebook learners/`` with ``learners/ada/x.json`` and ``learners/ada/retry/x.json``
      gives ``ada`` for both); for a report directly inside that folder (``lab gradebook
      learners/*``) or a file given by itself, the name of the folder it is in.
    - ``parent``: the name of the folder the report is in.
    - ``field:NAME``: the report's string field ``NAME`` (a dotted path reaches into objects:
      ``field:meta.learner``).
    """

    kind: Literal["folder", "parent", "field"] = "folder"
    field: str = ""

    @classmethod
    def parse(cls, text: str) -> LearnerRule:
        """The rule written as on the command line.

        Raises:
            UsageError: not ``folder``, ``parent`` or ``field:NAME``.
        """
        if text in ("folder", "parent"):
            return cls(text)  # type: ignore[arg-type]
        if text.startswith("field:") and text[len("field:") :].strip(". "):
            return cls("field", text[len("field:") :])
        raise UsageError(f"--learner must be folder, parent or field:NAME (got {text!r})")

    def describe(self) -> str:
        """The rule as the option spells it."""
        return f"field:{self.field}" if self.kind == "field" else self.kind


@dataclass(frozen=True)
class Found:
    """A report file to read: where it is, how messages name it, the folder argument it came from."""

    path: Path
    display: str
    root: Path | None
    """The folder argument the file was found under; None for a file given by itself."""


@dataclass(frozen=True)
class CheckOutcome:
    """One check of one report."""

    id: str
    title: str
    required: bool
    points: int
    passed: bool
    message: str


@dataclass(frozen=True)
class Entry:
    """One report read: whose, which scenario, the verdict and its checks."""

    file: str
    learner: str
    scenario_id: str
    scenario_title: str
    passed: bool
    score: int
    max_score: int
    checks: tuple[CheckOutcome, ...]

    @property
    def fraction(self) -> float:
        """Score over the points available (a scenario worth 0 points: 1 when passed, else 0)."""
        if self.max_score:
            return min(self.score / self.max_score, 1.0)
        return 1.0 if self.passed else 0.0


def _text(name: str) -> str:
    """A file-system name as text: bytes that are not UTF-8 shown as U+FFFD, never a lone surrogate."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def find_reports(refs: Sequence[str], *, skip: Path | None = None) -> list[Found]:
    """The report files named by ``refs``: files as given, folders searched for ``*.json``.

    A folder is searched recursively in name order; hidden files and folders (``.git``) are
    passed over, and so is ``skip`` (the gradebook's own output folder). Links inside a
    folder are not followed. The same file named twice is read once.

    Raises:
        UsageError: a reference does not exist, a folder holds no ``.json`` file, or there
            are more than ``MAX_REPORTS`` files.
    """
    found: list[Found] = []
    seen: set[tuple[int, int]] = set()
    skip_id = _file_id(skip) if skip is not None else None

    def add(path: Path, root: Path | None) -> None:
        ident = _file_id(path)
        if ident is not None and ident in seen:
            return
        if ident is not None:
            seen.add(ident)
        found.append(Found(path, _text(str(path)), root))
        if len(found) > MAX_REPORTS:
            raise UsageError(f"more than {MAX_REPORTS:,} report files; make a gradebook per class or per assignment")

    for ref in refs:
        path = Path(ref)
        if path.is_dir():
            before = len(found)
            for dirpath, dirnames, filenames in os.walk(path):
                here = Path(dirpath)
                dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and (skip_id is None or _file_id(here / d) != skip_id))
                for name in sorted(filenames):
                    if name.endswith(".json") and not name.startswith("."):
                        add(here / name, path)
            if len(found) == before:
                raise UsageError(f"{_text(ref)}: no .json reports in this folder (lab grade --format json writes them)")
        elif path.exists() or path.is_symlink():
            add(path, None)
        else:
            raise UsageError(f"{_text(ref)}: no such file or folder")
    return found


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def read_reports(found: Sequence[Found], rule: LearnerRule) -> list[Entry]:
    """Read, check and attribute every report; all problems are raised together.

    Raises:
        SourceErrors: one ``file:line:col: message`` per file that is not a readable report
            (too large, not UTF-8, not JSON, not schema 1) or whose learner cannot be told.
    """
    entries: list[Entry] = []
    problems: list[Diagnostic] = []
    for item in found:
        try:
            entries.append(_read_one(item, rule))
        except SourceError as exc:
            problems.append(exc.diagnostic)
        except SourceErrors as exc:
            problems += exc.diagnostics
    if problems:
        raise SourceErrors(problems)
    return entries


def _read_one(item: Found, rule: LearnerRule) -> Entry:
    name = item.display
    try:
        # Inside a folder a link is refused: a learner's repository must not make the
        # gradebook read a file outside it. A file named on the command line is followed.
        raw = read_regular(item.path, max_bytes=MAX_REPORT_BYTES, follow_symlinks=item.root is None)
    except UnsafeFile as exc:
        if exc.errno == errno.EFBIG:
            raise SourceError(name, 0, 0, f"larger than the {MAX_REPORT_BYTES // 1024} KiB a report can be; not a lab report") from None
        raise SourceError(name, 0, 0, f"{exc.strerror}; not a lab report") from None
    except IsADirectoryError:
        raise SourceError(name, 0, 0, "is a directory, expected a report file") from None
    except OSError as exc:
        raise SourceError(name, 0, 0, f"cannot read file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(name, 0, 0, f"not UTF-8 text (byte {exc.start}); not a lab report") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(name, exc.lineno, exc.colno, f"not JSON: {exc.msg}") from None
    except RecursionError:
        raise SourceError(name, 1, 1, "not a lab report: nested too deeply") from None
    except ValueError as exc:  # an integer of more digits than Python converts
        raise SourceError(name, 1, 1, f"not a lab report: {exc}") from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise SourceError(name, 1, 1, "not a lab report: expected a JSON object with 'schema_version' (lab grade --format json)")
    version = data["schema_version"]
    if type(version) is int and version > SCHEMA_VERSION:
        raise _positioned(text, name, ("schema_version",), f"report schema {version} is newer than this lab reads ({SCHEMA_VERSION}); upgrade the lab")
    try:
        report = _ReportModel.model_validate(data)
    except ValidationError as exc:
        raise _validation_errors(text, name, exc) from None
    ids = [c.id for c in report.checks]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise _positioned(text, name, ("checks",), f"check '{duplicate}' is listed twice; not a lab report")
    if report.score > report.max_score:
        raise _positioned(text, name, ("score",), f"score {report.score} is over max_score {report.max_score}; not a lab report")
    learner = _learner(item, rule, data, text)
    return Entry(
        file=name,
        learner=learner,
        scenario_id=report.scenario.id,
        scenario_title=report.scenario.title,
        passed=report.passed,
        score=report.score,
        max_score=report.max_score,
        checks=tuple(CheckOutcome(c.id, c.title, c.required, c.points, c.passed, c.message) for c in report.checks),
    )


def _positioned(text: str, name: str, path: tuple[str | int, ...], message: str) -> SourceError:
    """A ``SourceError`` at ``path`` in the JSON text (positions from the YAML loader, JSON being YAML)."""
    try:
        line, col = load_text(text, name).where(path)
    except SourceError:
        line, col = 1, 1
    return SourceError(name, line, col, message)


def _validation_errors(text: str, name: str, exc: ValidationError) -> SourceErrors:
    try:
        doc = load_text(text, name)
    except SourceError:
        return SourceErrors([Diagnostic(name, 1, 1, f"not a lab report: {err['msg']}") for err in exc.errors()[:5]])
    found = validation_diagnostics(doc, (), exc, _ReportModel)[:5]
    return SourceErrors([Diagnostic(d.file, d.line, d.col, f"not a lab report: {d.message}") for d in found])


def _learner(item: Found, rule: LearnerRule, data: dict[str, Any], text: str) -> str:
    name = item.display
    if rule.kind == "field":
        value: Any = data
        for step in rule.field.split("."):
            value = value.get(step) if isinstance(value, dict) else None
        if not isinstance(value, str) or not value.strip():
            where = tuple(rule.field.split("."))
            what = "is missing" if value is None else "is not a non-empty string"
            raise _positioned(text, name, where if value is not None else (), f"field '{rule.field}' (the learner, --learner {rule.describe()}) {what}")
        return value
    if rule.kind == "folder" and item.root is not None:
        parts = item.path.relative_to(item.root).parts
        if len(parts) >= 2:
            return _text(parts[0])
        # Directly inside the folder named (``lab gradebook learners/*``): that folder's learner.
        parent = item.root.resolve().name
    elif item.root is None:
        parent = item.path.resolve().parent.name
    else:
        parent = item.path.parent.name
    if not parent:
        raise SourceError(name, 0, 0, "the report is in no named folder; use --learner field:NAME")
    return _text(parent)


# -- the gradebook -------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicInfo:
    """A content-map topic: its id, area name and one-line text."""

    id: str
    area: str
    title: str


@dataclass(frozen=True)
class Cell:
    """One learner on one scenario: the best attempt and how many there were."""

    learner: str
    scenario_id: str
    attempts: int
    best: Entry


@dataclass(frozen=True)
class ScenarioStat:
    """One scenario across the class (best attempts)."""

    id: str
    title: str
    learners: int
    passed: int
    attempts: int
    mean_score: float
    """Mean of the learners' best score over the points available (0..1)."""
    topics: tuple[str, ...]

    @property
    def pass_rate(self) -> float:
        """Share of the learners who tried it whose best attempt passed."""
        return self.passed / self.learners if self.learners else 0.0


@dataclass(frozen=True)
class LearnerStat:
    """One learner across the scenarios (best attempts)."""

    name: str
    scenarios: int
    passed: int
    mean_score: float
    stuck_on: tuple[str, ...] = ()
    """Content-map topics of the scenarios whose best attempt fails, in content-map order."""


@dataclass(frozen=True)
class CheckStat:
    """One check of one scenario across the class."""

    scenario_id: str
    check_id: str
    title: str
    required: bool
    learners: int
    """Learners with a report for the scenario that has this check."""
    failing: int
    """Learners whose best attempt fails it."""
    ever_failed: int
    """Learners who failed it in at least one attempt."""
    message: str
    """The most common message among the failed attempts ('' when none failed)."""
    message_count: int
    """How many failed attempts gave that message."""
    failed_attempts: int

    @property
    def failure_rate(self) -> float:
        """Share of the learners whose best attempt fails the check."""
        return self.failing / self.learners if self.learners else 0.0


@dataclass(frozen=True)
class TopicStat:
    """One content-map topic across the class: the learners' best attempts at its scenarios."""

    topic: TopicInfo
    scenarios: tuple[str, ...]
    learners: int
    pairs: int
    """(learner, scenario) pairs attempted."""
    passed: int
    """Pairs whose best attempt passed."""
    mean_score: float

    @property
    def pass_rate(self) -> float:
        """Share of the attempted pairs that passed: the class's mastery of the topic."""
        return self.passed / self.pairs if self.pairs else 0.0


@dataclass(frozen=True)
class Gradebook:
    """A class's results, every list in a stable order."""

    learners: tuple[LearnerStat, ...]
    """By name."""
    scenarios: tuple[ScenarioStat, ...]
    """By id."""
    cells: Mapping[tuple[str, str], Cell]
    """(learner, scenario id) → cell; pairs with no report are absent."""
    checks: tuple[CheckStat, ...]
    """Hardest first: failure rate, then learners who ever failed it, then scenario and check order."""
    topics: tuple[TopicStat, ...]
    """Weakest first: pass rate, then mean score, then content-map order."""
    untopical: tuple[str, ...]
    """Scenarios no content-map topic is known for."""
    reports: int
    learner_rule: str = "folder"


def _best(entries: Sequence[Entry]) -> Entry:
    # Passed first, then the higher share of the points; ties keep the first in path order.
    return max(entries, key=lambda e: (e.passed, e.fraction, e.score))


def _name_key(name: str) -> tuple[str, str]:
    return name.casefold(), name


def build_gradebook(
    entries: Sequence[Entry],
    *,
    topics_of: Mapping[str, Sequence[str]] | None = None,
    topic_info: Sequence[TopicInfo] = (),
    learner_rule: str = "folder",
) -> Gradebook:
    """Summarise the reports of a class.

    Args:
        entries: the reports read (``read_reports``), in path order.
        topics_of: each scenario id's content-map topic ids.
        topic_info: every content-map topic, in content-map order.
        learner_rule: how learners were told, recorded in the outputs.
    """
    topics_of = topics_of or {}
    by_pair: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
        by_pair.setdefault((e.learner, e.scenario_id), []).append(e)
    cells = {pair: Cell(pair[0], pair[1], len(es), _best(es)) for pair, es in by_pair.items()}
    learner_names = sorted({e.learner for e in entries}, key=_name_key)
    scenario_ids = sorted({e.scenario_id for e in entries})
    title_of: dict[str, str] = {}
    for e in entries:
        title_of.setdefault(e.scenario_id, e.scenario_title)

    of_scenario: dict[str, list[Cell]] = {}
    of_learner: dict[str, list[Cell]] = {}
    for c in cells.values():
        of_scenario.setdefault(c.scenario_id, []).append(c)
        of_learner.setdefault(c.learner, []).append(c)
    scenarios = []
    for sid in scenario_ids:
        mine = of_scenario[sid]
        scenarios.append(
            ScenarioStat(
                sid,
                title_of[sid],
                len(mine),
                sum(c.best.passed for c in mine),
                sum(c.attempts for c in mine),
                _mean([c.best.fraction for c in mine]),
                tuple(t for t in (info.id for info in topic_info) if t in set(topics_of.get(sid, ()))),
            )
        )
    learners = []
    for name in learner_names:
        mine = of_learner[name]
        failed = {t for c in mine if not c.best.passed for t in topics_of.get(c.scenario_id, ())}
        stuck = tuple(info.id for info in topic_info if info.id in failed)
        learners.append(LearnerStat(name, len(mine), sum(c.best.passed for c in mine), _mean([c.best.fraction for c in mine]), stuck))

    checks = _check_stats(entries, cells, scenario_ids)
    topics = []
    for order, info in enumerate(topic_info):
        sids = tuple(s for s in scenario_ids if info.id in topics_of.get(s, ()))
        if not sids:
            continue
        mine = [c for sid in sids for c in of_scenario[sid]]
        topics.append(
            (
                order,
                TopicStat(info, sids, len({c.learner for c in mine}), len(mine), sum(c.best.passed for c in mine), _mean([c.best.fraction for c in mine])),
            )
        )
    topics.sort(key=lambda t: (t[1].pass_rate, t[1].mean_score, t[0]))
    known = {info.id for info in topic_info}
    untopical = tuple(s for s in scenario_ids if not any(t in known for t in topics_of.get(s, ())))
    return Gradebook(
        learners=tuple(learners),
        scenarios=tuple(scenarios),
        cells=dict(sorted(cells.items(), key=lambda kv: (_name_key(kv[0][0]), kv[0][1]))),
        checks=tuple(checks),
        topics=tuple(t for _, t in topics),
        untopical=untopical,
        reports=len(entries),
        learner_rule=learner_rule,
    )


def _check_stats(entries: Sequence[Entry], cells: Mapping[tuple[str, str], Cell], scenario_ids: Sequence[str]) -> list[CheckStat]:
    stats: list[tuple[tuple[Any, ...], CheckStat]] = []
    cells_of: dict[str, list[Cell]] = {}
    for c in cells.values():
        cells_of.setdefault(c.scenario_id, []).append(c)
    entries_of: dict[str, list[Entry]] = {}
    for e in entries:
        entries_of.setdefault(e.scenario_id, []).append(e)
    for s_order, sid in enumerate(scenario_ids):
        mine, attempts = cells_of[sid], entries_of[sid]
        # Checks in the order the reports list them (the scenario's), first report first.
        order: dict[str, CheckOutcome] = {}
        for e in attempts:
            for check in e.checks:
                order.setdefault(check.id, check)
        for c_order, (cid, first) in enumerate(order.items()):
            having = [c for c in mine if any(k.id == cid for k in c.best.checks)]
            failing = [c for c in having if not next(k for k in c.best.checks if k.id == cid).passed]
            failed = [(e, k) for e in attempts for k in e.checks if k.id == cid and not k.passed]
            messages = Counter(k.message for _, k in failed)
            # The most common message; a tie goes to the one that sorts first, not to dict order.
            message, count = min(messages.items(), key=lambda mc: (-mc[1], mc[0])) if messages else ("", 0)
            stat = CheckStat(
                sid,
                cid,
                first.title,
                first.required,
                len(having),
                len(failing),
                len({e.learner for e, _ in failed}),
                message,
                count,
                len(failed),
            )
            stats.append(((-stat.failure_rate, -stat.ever_failed, s_order, c_order), stat))
    stats.sort(key=lambda s: s[0])
    return [s for _, s in stats]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
