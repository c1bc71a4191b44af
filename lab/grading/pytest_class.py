"""Provides class grading for the lab's pytest plugin: every learner's answer to every scenario, one item each.

``pytest --lab-class learners/ -n auto --junitxml=class.xml`` grades a folder laid out as
``learners/<learner>/<scenario id>/`` (each holding that scenario's answer files, what
``lab start ID`` writes). Each (learner, scenario) pair is one item named
``<learner>/<scenario id>``; it passes when the answer passes, fails with the failing checks
(positioned in the learner's files where a check can point), is skipped as *not attempted*
when the learner has no folder for the scenario, and fails with the positioned
``file:line:col: message`` lines for bad input (broken YAML, a refused file). With
``--lab-reports DIR`` each graded pair also writes ``DIR/<learner>/<scenario id>.json``, the
bytes ``lab grade ID --answer learners/<learner>/<scenario id> --format json`` writes, so
``lab gradebook DIR`` reads them directly.

The scenarios graded are those named with ``--lab-assign`` (comma-separated or repeated; other
folders are passed over), or else every scenario a folder of some learner is named after (and a
folder named after no scenario fails an item). A learner folder whose name is not a plain name, and a symbolic link are items that fail with
one line saying why: nothing in the class folder can break collection, and nothing in it is
imported or run (items belong to the class folder itself, so pytest never looks for a
``conftest.py`` inside a learner's folder).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab.errors import LabError
from lab.safe_text import printable

__all__ = ["ClassFailure", "ClassFolder", "ClassItem", "assigned_from_option", "learner_name_refusal", "shown_name"]

_SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}\Z")
"""The scenario id pattern (``Scenario.id``): a folder named otherwise is no scenario's."""
_PLAIN_NAME = re.compile(r"[^\W_][\w.@+-]{0,99}")
"""A learner folder name: letters, digits, ``.``, ``_``, ``@``, ``+`` and ``-``, not first, at most 100.

GitHub user names and e-mail local parts fit; anything that could break a node id, a JUnit
name, a gradebook cell or a file name in another tool (spaces, ``::``, control or bidi
characters, a leading ``-``, ``=`` or ``.``) is refused with a failing item instead.
"""


class ClassFailure(Exception):
    """A class item failed; ``str`` is the report to show."""


def assigned_from_option(values: list[str] | None) -> list[str]:
    """The scenario ids of ``--lab-assign`` (repeated, comma-separated), in order, once each."""
    out: list[str] = []
    for value in values or []:
        for part in value.split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def learner_name_refusal(name: str) -> str | None:
    """Why a learner folder's name is refused, or None when it is a plain name."""
    # fullmatch: ``$`` would also match before a final newline (``learner\n``).
    if _PLAIN_NAME.fullmatch(name):
        return None
    return "not a learner name (letters, digits and . _ @ + -, starting with a letter or a digit, at most 100)"


def shown_name(name: str) -> str:
    """A folder name as an item name: escaped, and ``::`` (pytest's node separator) broken."""
    return printable(name).replace("::", ":\\:")


def _is_link(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


class ClassFolder(pytest.Directory):
    """The class folder given to ``--lab-class``: one item per (learner, scenario) pair."""

    label: str = ""
    """The folder as given on the command line, which answer labels start with."""
    assigned: list[str] = []
    """The ``--lab-assign`` ids (empty: every scenario a learner's folder is named after)."""
    reports: Path | None = None
    """Where JSON reports go (``--lab-reports``), or None."""

    def collect(self) -> Iterator[pytest.Item]:
        """Yield the items, learners in name order, then scenarios in order (never raises)."""
        from lab.scenario.loader import find_scenario

        learners: list[tuple[str, Path]] = []
        try:
            entries = sorted(os.scandir(self.path), key=lambda e: e.name)
        except OSError as exc:
            yield ClassItem.from_parent(self, name="class folder", learner="", scenario="", problem=f"{self.label}: {exc.strerror}")
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # .git, .github and other hidden folders are no learner's
            shown = printable(str(Path(self.label, entry.name)))
            if entry.is_symlink():
                yield ClassItem.from_parent(self, name=shown_name(entry.name), learner="", scenario="", problem=f"{shown}: is a symbolic link; not a learner folder")
            elif entry.is_dir(follow_symlinks=False):
                refused = learner_name_refusal(entry.name)
                if refused:
                    yield ClassItem.from_parent(self, name=shown_name(entry.name), learner="", scenario="", problem=f"{shown}: {refused}")
                else:
                    learners.append((entry.name, Path(entry.path)))
        # Which folders of each learner name a scenario, found once per worker (every worker
        # collects the same items in the same order, as pytest-xdist requires).
        known: dict[str, str | None] = {}
        """Scenario id → why it is no scenario, or None when it is one."""

        def why_not_scenario(name: str) -> str | None:
            if name not in known:
                known[name] = None
                if not _SCENARIO_ID.fullmatch(name):
                    known[name] = f"'{printable(name)}' is not a scenario id"
                else:
                    try:
                        find_scenario(name)
                    except LabError as exc:
                        known[name] = str(exc)
            return known[name]

        def is_scenario(name: str) -> bool:
            return why_not_scenario(name) is None

        folders: dict[str, list[str]] = {}
        strays: dict[str, list[str]] = {}
        for learner, learner_path in learners:
            try:
                subs = sorted(e.name for e in os.scandir(learner_path) if not e.name.startswith(".") and (e.is_dir(follow_symlinks=False) or e.is_symlink()))
            except OSError:
                subs = []
            folders[learner] = [s for s in subs if is_scenario(s)]
            strays[learner] = [s for s in subs if not is_scenario(s)]
        assigned = list(self.assigned) or sorted({s for subs in folders.values() for s in subs})
        for learner, learner_path in learners:
            for scenario in assigned:
                problem = why_not_scenario(scenario)
                item = ClassItem.from_parent(
                    self, name=f"{learner}/{shown_name(scenario)}", learner=learner, scenario=scenario,
                    problem=None if problem is None else f"--lab-assign {printable(scenario)}: {problem}",
                )
                if problem is None and scenario not in folders[learner] and not _is_link(learner_path / scenario):
                    # Marked here rather than skipped in runtest, so the summary names the item.
                    item.add_marker(pytest.mark.skip(reason=f"not attempted: {Path(self.label, learner, scenario)} does not exist"))
                yield item
            # With --lab-assign, the other folders are passed over: a learner's practice, or the
            # scenarios of another run (another $LAB_SCENARIOS); without it, a folder named after
            # no scenario is most likely a misnamed answer, and says so.
            for stray in [] if self.assigned else strays[learner]:
                where = printable(str(Path(self.label, learner, stray)))
                yield ClassItem.from_parent(
                    self, name=f"{learner}/{shown_name(stray)}", learner=learner, scenario="",
                    problem=f"{where}: no scenario is named '{printable(stray)}' (a folder per scenario, named by its id)",
                )


class ClassItem(pytest.Item):
    """One learner's answer to one scenario, graded on every seed of the scenario."""

    def __init__(self, *, learner: str, scenario: str, problem: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.learner = learner
        """The learner's folder name (empty for an item reporting a refused folder)."""
        self.scenario = scenario
        """The scenario id (empty for an item reporting a refused folder)."""
        self.problem = problem
        """Why the item fails before grading, or None."""

    @property
    def folder(self) -> ClassFolder:
        """The class folder this item belongs to."""
        assert isinstance(self.parent, ClassFolder)
        return self.parent

    def _loaded(self) -> Any:
        """The scenario, loaded once per worker; raises ``LabError`` when it does not load."""
        from lab.scenario.loader import find_scenario, load_scenario

        cache: dict[str, Any] = self.config.stash.setdefault(_LOADED, {})
        if self.scenario not in cache:
            try:
                cache[self.scenario] = load_scenario(find_scenario(self.scenario))
            except LabError as exc:
                cache[self.scenario] = exc
        value = cache[self.scenario]
        if isinstance(value, LabError):
            raise value
        return value

    def runtest(self) -> None:
        """Grade the answer; raise ``ClassFailure`` with a report, or skip when not attempted."""
        from lab.grading.grader import grade
        from lab.grading.render import render_json
        from lab.scenario.workspace import read_answer

        if self.problem is not None:
            raise ClassFailure(self.problem)
        folder = self.folder
        # Relative to the working folder as given, so messages and the report's ``answer`` read
        # as ``lab grade ID --answer learners/<learner>/<id>`` would print them.
        label = str(Path(folder.label, self.learner, self.scenario))
        answer_dir = Path(label)
        report_file = folder.reports / self.learner / f"{self.scenario}.json" if folder.reports else None
        if report_file is not None:
            # A report left by an earlier run would otherwise stand for an answer now not graded.
            report_file.unlink(missing_ok=True)
        if _is_link(answer_dir):
            raise ClassFailure(f"{label}: is a symbolic link; not an answer folder")
        if not answer_dir.is_dir():
            pytest.skip(f"not attempted: {label} does not exist")
        try:
            loaded = self._loaded()
        except LabError as exc:
            raise ClassFailure(f"scenario {self.scenario} does not load:\n{exc}") from None
        try:
            report = grade(loaded, read_answer(loaded, answer_dir), label=label)
        except LabError as exc:
            raise ClassFailure(f"bad input, not graded:\n{printable(str(exc), keep=chr(10))}") from None
        if report_file is not None:
            report_file.parent.mkdir(parents=True, exist_ok=True)
            report_file.write_text(render_json(report), encoding="utf-8")
        if report.passed:
            return
        lines = [f"failed, score {report.score}/{report.max_score}:"]
        for c in report.worst():
            seeds = report.failing_seeds(c.id)
            if not seeds:
                continue
            where = f"{label}/{c.file}:{c.line}" if c.file and c.line else f"{report.scenario_file}:{c.defined_at}"
            kind = "required" if c.required else "optional"
            lines.append(f"  {where}: check '{c.id}' ({kind}) fails on seed {', '.join(map(str, seeds))}: {printable(c.message)}")
        for d in report.apply_errors:
            lines.append(f"  {printable(str(d))}")
        raise ClassFailure("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | Any:
        """The report of a ``ClassFailure``; pytest's usual one for anything else (a lab bug)."""
        if isinstance(excinfo.value, ClassFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """(the class folder, line 0, ``class <learner>/<scenario>``).

        A line is needed: pytest positions a skip mark's report at the item's line.
        """
        return self.path, 0, f"class {self.name}"


_LOADED = pytest.StashKey[dict[str, Any]]()
