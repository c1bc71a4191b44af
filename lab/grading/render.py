"""Renders a grading report as text, JSON, JUnit XML or GitHub Actions annotations.

Every renderer is a pure function of the ``Report``: the same report gives the same bytes
(no timestamps, no host names, no durations measured on the wall clock), so a CI job that
grades the same answer twice, on any machine, publishes identical files. The JSON schema is
``Report.to_dict`` (documented in ``docs/grading-in-ci.md``).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from lab.grading.report import CheckResult, Report
from lab.safe_text import defuse_json, defuse_line, defuse_lines, printable

__all__ = ["render_github", "render_json", "render_junit", "render_text", "use_color"]

_GREEN, _RED, _YELLOW, _BOLD, _DIM, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[2m", "\x1b[0m"


def use_color(stream: TextIO) -> bool:
    """Whether to colour output written to ``stream``.

    Colour only on a terminal, never when ``NO_COLOR`` is set to anything non-empty
    (https://no-color.org), always when ``FORCE_COLOR`` is set and ``NO_COLOR`` is not.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def _seeds_note(report: Report, check: CheckResult) -> str:
    failed = report.failing_seeds(check.id)
    if not failed or len(report.seeds) == 1:
        return ""
    if len(failed) == len(report.seeds):
        return " (every seed)"
    return f" (seed{'s' if len(failed) > 1 else ''} {', '.join(map(str, failed))})"


def render_text(report: Report, *, color: bool = False, debrief: str | None = None, lesson: str | None = None) -> str:
    """The report for a person: a verdict line, one line per check with its message.

    On a pass, the scenario's debrief and the lesson it links follow the results; on a
    fail they are left out (the debrief gives the answer away).

    Args:
        report: the graded run.
        color: add ANSI colours (see ``use_color``); the words carry the meaning either way.
        debrief: the scenario's debrief (Markdown), shown after a pass.
        lesson: the lesson the scenario links, as the learner can find it (its title and
            path), shown after a pass.
    """

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    # Every text from a file or the command line is escaped (``lab.safe_text``) before it is
    # painted: only the lab's own colours reach the terminal.
    p = printable
    seeds = ", ".join(str(s.seed) for s in report.seeds)
    lines = [f"{paint(_BOLD, p(report.scenario_id))} · {p(report.title)}", f"graded: {p(report.answer)} · seeds {seeds}", ""]
    if report.apply_errors:
        lines.append(paint(_YELLOW, "AWS refused part of your files (applied as failed calls):"))
        lines += [f"  {p(str(d))}" for d in report.apply_errors]
        lines.append("")
    for check in report.worst():
        check = replace(check, title=p(check.title), message=p(check.message), file=check.file and p(check.file))
        passed = all(s.checks[i].passed for s in report.seeds for i, c in enumerate(s.checks) if c.id == check.id)
        mark = paint(_GREEN, "PASS") if passed else paint(_RED, "FAIL")
        weight = f"{check.points} pts" + ("" if check.required else ", optional")
        lines.append(f"{mark}  {check.title}  [{check.id}, {weight}]")
        note = "" if passed else _seeds_note(report, check)
        where = ""
        if check.file and check.line and not passed:
            # Messages about a file often open with its name: put the line on it, not twice.
            text = check.message.removeprefix(f"{check.file}: ")
            where, check = f"{check.file}:{check.line}: ", replace(check, message=text)
        lines.append(f"      {paint(_DIM, where + check.message + note) if passed else where + check.message + note}")
    if report.notes:
        lines.append("")
        lines += [f"note: {p(str(d))}" for d in report.notes]
    verdict = paint(_GREEN, "PASSED") if report.passed else paint(_RED, "FAILED")
    failing = [c.id for c in report.worst() if c.required and report.failing_seeds(c.id)]
    tail = f" — required checks failing: {', '.join(failing)}" if failing else ""
    lines += ["", f"{verdict}  score {report.score}/{report.max_score} (worst seed){tail}"]
    cost = max((s.cost_usd for s in report.seeds), default=0.0)
    lines.append(f"simulated cost: ${cost:,.4f} (most expensive seed)")
    if report.passed and (debrief or lesson):
        lines += ["", paint(_BOLD, "Debrief")]
        lines += [p(line) for line in (debrief or "").strip().splitlines()]
        if lesson:
            lines += ["", f"{paint(_BOLD, 'Lesson:')} {p(lesson)}"]
    return "\n".join(defuse_line(line) for line in lines) + "\n"


def render_json(report: Report) -> str:
    """``Report.to_dict`` as JSON: sorted keys, two-space indent, a final newline.

    The values are the learner's text as it is; what a terminal or a CI log would act on is
    written as ``\\uXXXX`` escapes (``lab.safe_text.defuse_json``), which parse back the same.
    """
    return defuse_json(json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


def render_junit(report: Report, *, answer_dir: str | None = None) -> str:
    """JUnit XML: one ``testsuite`` for the scenario, one ``testcase`` per check.

    A check that failed on any seed is a ``failure`` whose text is its message on the first
    failing seed, with the seeds it failed on; an optional check that failed is reported the
    same way (its weight is in the ``properties``). AWS refusals are in ``system-out``.

    Args:
        report: the graded run.
        answer_dir: the answer folder, so a testcase's ``file`` attribute names the
            learner's file as the repository has it (publishers annotate that path).
    """
    # Imported here: only a JUnit report needs it.
    from xml.etree import ElementTree as ET

    p = printable  # XML 1.0 cannot even hold most control characters: they are shown escaped
    rows = tuple(replace(c, title=p(c.title), message=p(c.message), file=c.file and p(c.file)) for c in report.worst())
    failures = [c for c in rows if report.failing_seeds(c.id)]
    suites = ET.Element("testsuites", name="ecs-lab", tests=str(len(rows)), failures=str(len(failures)), errors="0")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=report.scenario_id,
        tests=str(len(rows)),
        failures=str(len(failures)),
        errors="0",
        skipped="0",
        time="0",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("title", p(report.title)),
        ("answer", p(report.answer)),
        ("seeds", ",".join(str(s.seed) for s in report.seeds)),
        ("score", str(report.score)),
        ("max_score", str(report.max_score)),
        ("passed", "true" if report.passed else "false"),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    for check in rows:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"ecs-lab.{report.scenario_id}",
            name=f"{check.id}: {check.title}",
            time="0",
        )
        if check.file:
            case.set("file", p(str(Path(answer_dir) / check.file)) if answer_dir else check.file)
            if check.line:
                case.set("line", str(check.line))
        failed = report.failing_seeds(check.id)
        if failed:
            kind = "required" if check.required else "optional"
            failure = ET.SubElement(case, "failure", message=check.message, type=f"{check.kind} ({kind}, {check.points} pts)")
            failure.text = f"{check.message}\nfailed on seeds: {', '.join(map(str, failed))}\ndefined at {p(report.scenario_file)}:{check.defined_at}"
    if report.apply_errors:
        ET.SubElement(suite, "system-out").text = "\n".join(p(str(d)) for d in report.apply_errors)
    ET.indent(suites)
    return defuse_lines('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode")) + "\n"


def _escape_data(text: str) -> str:
    # GitHub's workflow-command encoding (actions/toolkit escapeData): %, CR and LF in the
    # message. Other controls are shown escaped; a legacy ``##[`` command, which the runner
    # finds anywhere in a line, is broken up. A ``::`` inside the data is left alone: with CR
    # and LF encoded it can never start a line (and ARNs hold ``::``).
    text = printable(text, keep="\r\n").replace("##[", "##\\[")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report, *, answer_dir: str | None = None) -> str:
    """GitHub Actions workflow commands: an ``::error`` per failing required check.

    A check that points at a line of a learner's file is annotated on that line
    (``file=<answer_dir>/<name>,line=N``); others are annotated without a position. AWS
    refusals are annotated at their file position. A summary ``::notice`` comes last.

    Args:
        report: the graded run.
        answer_dir: the answer folder, relative to the repository root, so the paths in the
            annotations match the repository's files.
    """

    def path_of(name: str) -> str:
        return str(Path(answer_dir) / name) if answer_dir else name

    lines = []
    for d in report.apply_errors:
        # A refusal's file is already named as it was read (the answer folder included).
        where = f"file={_escape_property(d.file)}" + (f",line={d.line},col={d.col}" if d.line else "")
        lines.append(f"::error {where},title={_escape_property('AWS refused this file')}::{_escape_data(d.message)}")
    for check in report.worst():
        if not report.failing_seeds(check.id):
            continue
        level = "error" if check.required else "warning"
        props = []
        if check.file:
            props.append(f"file={_escape_property(path_of(check.file))}")
            if check.line:
                props.append(f"line={check.line}")
        props.append(f"title={_escape_property(f'{report.scenario_id}: {check.title}')}")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(check.message + _seeds_note(report, check))}")
    verdict = "passed" if report.passed else "failed"
    lines.append(f"::notice title={_escape_property(report.scenario_id)}::{verdict}, score {report.score}/{report.max_score}")
    return "\n".join(lines) + "\n"
