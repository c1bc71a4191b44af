"""Behaviour tests for ``lab gradebook``: a made-up class of 30 learners × 5 scenarios.

The reports are real: the five scenarios are graded (starting files, solution, a half-done
answer) and handed out by the pattern in ``gradebook_class``; every number the gradebook
writes is checked against what the pattern and the graded reports say. Bad input is one line
per problem and exit 2, never a traceback; hostile learner names are escaped in every format.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.cli import main
from lab.errors import LabError
from lab.grading.gradebook import Found, LearnerRule, TopicInfo, build_gradebook, find_reports, read_reports
from lab.grading.gradebook_render import render_html, render_markdown
from lab.grading.render import render_json
from lab.grading.report import Report
from tests.grading.gradebook_class import HOSTILE, LEARNERS, SCENARIOS, Graded, grade_all, outcome, write_class


@pytest.fixture(scope="module")
def graded() -> dict[str, Graded]:
    return grade_all()


@pytest.fixture(scope="module")
def klass(graded: dict[str, Graded], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, str], list[Report]]]:
    root = tmp_path_factory.mktemp("class")
    return root, write_class(root, graded)


@pytest.fixture(scope="module")
def book(klass: tuple[Path, dict[tuple[str, str], list[Report]]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gradebook of the class, written by the command in its working folder."""
    root, _ = klass
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert main(["gradebook", "learners", "--out", "book"]) == 0
    finally:
        os.chdir(cwd)
    return root / "book"


def _best(reports: list[Report]) -> Report:
    return next((r for r in reports if r.passed), reports[0])


# -- the four outputs ----------------------------------------------------------------------


def test_writes_the_four_formats(book: Path) -> None:
    names = sorted(p.name for p in book.iterdir())
    assert names == [
        "gradebook-checks.csv",
        "gradebook-learners.csv",
        "gradebook-matrix.csv",
        "gradebook-scenarios.csv",
        "gradebook-topics.csv",
        "gradebook.html",
        "gradebook.json",
        "gradebook.md",
    ]


def test_matrix_holds_each_learners_best_attempt_and_attempt_count(book: Path, klass: Any) -> None:
    _, written = klass
    data = json.loads((book / "gradebook.json").read_text(encoding="utf-8"))
    assert data["reports"] == sum(len(v) for v in written.values())
    assert [s["id"] for s in data["scenarios"]] == sorted(SCENARIOS)
    assert sorted(lr["name"] for lr in data["learners"]) == sorted(LEARNERS)
    cells = {(c["learner"], c["scenario"]): c for c in data["matrix"]}
    for i, learner in enumerate(LEARNERS):
        for j, sid in enumerate(SCENARIOS):
            kind = outcome(i, j)
            if kind == "none":
                assert (learner, sid) not in cells
                continue
            cell = cells[(learner, sid)]
            best = _best(written[(learner, sid)])
            assert cell["passed"] is (kind in ("solution", "retry"))
            assert cell["attempts"] == (2 if kind == "retry" else 1)
            assert (cell["score"], cell["max_score"]) == (best.score, best.max_score)
            assert cell["failed_checks"] == [c["id"] for c in best.to_dict()["checks"] if not c["passed"]]
            if kind == "retry":
                assert cell["best_report"].endswith(f"retry/{sid}.json")
    # Stuck on: the topics of the scenarios a learner has not passed, in content-map order.
    topics = {s["id"]: set(s["topics"]) for s in data["scenarios"]}
    order = [t["id"] for t in sorted(data["topics"], key=lambda t: _topic_order(t["id"]))]
    for learner in data["learners"]:
        failed = {t for c in data["matrix"] if c["learner"] == learner["name"] and not c["passed"] for t in topics[c["scenario"]]}
        assert learner["stuck_on"] == [t for t in order if t in failed]


def _topic_order(topic_id: str) -> tuple[str, int]:
    return topic_id[0], int(topic_id[1:])


def test_scenario_pass_rates_follow_the_pattern(book: Path) -> None:
    data = json.loads((book / "gradebook.json").read_text(encoding="utf-8"))
    for j, sid in enumerate(SCENARIOS):
        kinds = [outcome(i, j) for i in range(len(LEARNERS))]
        tried = [k for k in kinds if k != "none"]
        passed = sum(k in ("solution", "retry") for k in tried)
        row = next(s for s in data["scenarios"] if s["id"] == sid)
        assert (row["learners"], row["passed"], row["attempts"]) == (len(tried), passed, len(tried) + kinds.count("retry"))
        assert row["pass_rate"] == round(passed / len(tried), 4)
    # The pattern makes each scenario harder than the one before.
    rates = [next(s for s in data["scenarios"] if s["id"] == sid)["pass_rate"] for sid in SCENARIOS]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1]


def test_checks_are_hardest_first_with_the_most_common_message(book: Path, klass: Any) -> None:
    _, written = klass
    data = json.loads((book / "gradebook.json").read_text(encoding="utf-8"))
    checks = data["checks"]
    assert [c["failure_rate"] for c in checks] == sorted((c["failure_rate"] for c in checks), reverse=True)
    assert checks[0]["failure_rate"] > 0 and checks[-1]["failure_rate"] == 0
    for row in checks:
        pairs = [(pair, reports) for pair, reports in written.items() if pair[1] == row["scenario"]]
        failing = sum(not _check(_best(reports), row["check"])["passed"] for _, reports in pairs)
        failed = [_check(r, row["check"]) for _, reports in pairs for r in reports if not _check(r, row["check"])["passed"]]
        assert (row["learners"], row["failing"], row["failed_attempts"]) == (len(pairs), failing, len(failed))
        if failed:
            message, count = Counter(c["message"] for c in failed).most_common(1)[0]
            assert (row["message"], row["message_count"]) == (message, count)
        else:
            assert (row["message"], row["message_count"]) == ("", 0)


def _check(report: Report, check_id: str) -> dict[str, Any]:
    return next(c for c in report.to_dict()["checks"] if c["id"] == check_id)


def test_topic_mastery_sums_its_scenarios_weakest_first(book: Path) -> None:
    data = json.loads((book / "gradebook.json").read_text(encoding="utf-8"))
    scenarios = {s["id"]: s for s in data["scenarios"]}
    assert data["topics"], "the shipped question bank links these scenarios to content-map topics"
    assert data["untopical_scenarios"] == []
    for topic in data["topics"]:
        mine = [scenarios[s] for s in topic["scenarios"]]
        assert all(topic["id"] in s["topics"] for s in mine)
        assert (topic["pairs"], topic["passed"]) == (sum(s["learners"] for s in mine), sum(s["passed"] for s in mine))
    rates = [t["pass_rate"] for t in data["topics"]]
    assert rates == sorted(rates)
    # task-role-s3 is the hardest scenario, and F3 (the task role) is taught by it alone here.
    assert data["topics"][0]["scenarios"] == ["task-role-s3"]


def test_markdown_tables_hold_every_learner_and_escape_names(book: Path) -> None:
    text = (book / "gradebook.md").read_text(encoding="utf-8")
    matrix = text.split("## Learners × scenarios")[1].split("##")[0]
    rows = [line for line in matrix.splitlines() if line.startswith("| ")]
    header, body = rows[0], rows[1:]
    assert len(body) == len(LEARNERS)
    cells = len(re.findall(r"(?<!\\)\|", header))
    assert all(len(re.findall(r"(?<!\\)\|", row)) == cells for row in body), "a name broke a table row"
    assert "| pipe\\|name |" in text
    assert "| new\\\\nline |" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text and "<img" not in text
    # The hardest check is the first row of its table.
    data = json.loads((book / "gradebook.json").read_text(encoding="utf-8"))
    hardest = text.split("## Hardest checks")[1].splitlines()
    first = next(line for line in hardest if line.startswith("| ") and not line.startswith("| scenario"))
    assert first.startswith(f"| {data['checks'][0]['scenario']} | {data['checks'][0]['check']} |")


def test_csv_files_parse_and_defuse_formulas(book: Path, klass: Any) -> None:
    _, written = klass
    matrix = list(csv.DictReader(io.StringIO((book / "gradebook-matrix.csv").read_text(encoding="utf-8"))))
    assert len(matrix) == len(written)
    names = {row["learner"] for row in matrix}
    assert "'=HYPERLINK(\"x\")" in names and '=HYPERLINK("x")' not in names
    assert "new\\nline" in names
    for name in ("checks", "learners", "scenarios", "topics", "matrix"):
        rows = list(csv.reader(io.StringIO((book / f"gradebook-{name}.csv").read_text(encoding="utf-8"))))
        assert len({len(r) for r in rows}) == 1, f"{name}: ragged rows"
        assert not any(cell[:1] in ("=", "+", "@") for r in rows[1:] for cell in r)
    scenarios = list(csv.DictReader(io.StringIO((book / "gradebook-scenarios.csv").read_text(encoding="utf-8"))))
    assert [r["scenario"] for r in scenarios] == sorted(SCENARIOS)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_with_charts_and_escaped_names(book: Path) -> None:
    page = (book / "gradebook.html").read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(page)
    assert parser.tags["svg"] == 2 and parser.tags["rect"] > 0
    assert parser.tags["script"] == 0 and parser.tags["img"] == 0 and parser.tags["link"] == 0
    assert not any(name in ("src", "href") or name.startswith("on") for name, _ in parser.attrs)
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page
    text = "".join(parser.text)
    for name in HOSTILE:
        assert name.replace("\n", "\\n") in text
    # Same numbers as the JSON: the matrix has one row per learner.
    assert parser.tags["tr"] == 1 + len(LEARNERS) + 1 + len(SCENARIOS) + 1 + _json_len(book, "checks") + 1 + _json_len(book, "topics")


@pytest.mark.slow
def test_the_page_renders_in_a_headless_browser(book: Path, tmp_path: Path) -> None:
    """Chromium, where installed (apt-get install chromium), loads the page, builds both charts and screenshots it."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no headless browser on this machine (apt-get install chromium)")
    # No background connections: the page is a local file and the machine may have no network.
    quiet = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", *quiet, f"--user-data-dir={tmp_path / 'profile'}"]
    page = (book / "gradebook.html").as_uri()
    dom = subprocess.run([*common, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=False).stdout
    assert dom.count("<svg") == 2 and "learner-25" in dom
    png = tmp_path / "page.png"
    subprocess.run([*common, "--hide-scrollbars", "--window-size=1400,2600", f"--screenshot={png}", page], capture_output=True, timeout=120, check=False)
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (1400, 2600)


def _json_len(book: Path, key: str) -> int:
    return len(json.loads((book / "gradebook.json").read_text(encoding="utf-8"))[key])


def test_the_same_reports_give_the_same_bytes(book: Path, klass: Any, tmp_path: Path) -> None:
    root, _ = klass
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert main(["gradebook", "learners", "--out", str(tmp_path / "again"), "--format", "json,md,html,csv"]) == 0
    finally:
        os.chdir(cwd)
    for path in book.iterdir():
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes()


# -- whose report --------------------------------------------------------------------------


def test_learner_from_a_field_or_the_parent_folder(graded: dict[str, Graded], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    for n, name in enumerate(["<script>alert(1)</script>", "ada", "ada"]):
        report = json.loads(render_json(graded["ecr-pull-denied"].start if n < 2 else graded["ecr-pull-denied"].solution))
        report["learner"] = name
        (flat / f"r{n}.json").write_text(json.dumps(report), encoding="utf-8")
    out = tmp_path / "by-field"
    assert main(["gradebook", str(flat), "--learner", "field:learner", "--out", str(out), "--format", "json,html"]) == 0
    data = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    cells = {c["learner"]: c for c in data["matrix"]}
    assert set(cells) == {"<script>alert(1)</script>", "ada"}
    assert (cells["ada"]["attempts"], cells["ada"]["passed"]) == (2, True)
    assert data["learner_rule"] == "field:learner"
    page = (out / "gradebook.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    nested = tmp_path / "artifacts" / "grace" / "report-ecr"
    nested.mkdir(parents=True)
    (nested / "ecr-pull-denied.json").write_text(render_json(graded["ecr-pull-denied"].solution), encoding="utf-8")
    out = tmp_path / "by-parent"
    assert main(["gradebook", str(nested / "ecr-pull-denied.json"), "--learner", "parent", "--out", str(out), "--format", "json"]) == 0
    assert [c["learner"] for c in json.loads((out / "gradebook.json").read_text(encoding="utf-8"))["matrix"]] == ["report-ecr"]
    assert main(["gradebook", str(tmp_path / "artifacts"), "--out", str(out), "--format", "json"]) == 0
    assert [c["learner"] for c in json.loads((out / "gradebook.json").read_text(encoding="utf-8"))["matrix"]] == ["grace"]
    # learners/* on the command line: each folder named holds one learner's reports.
    assert main(["gradebook", str(nested), str(flat), "--out", str(out), "--format", "json"]) == 0
    cells = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))["matrix"]
    assert [(c["learner"], c["attempts"]) for c in cells] == [("flat", 3), ("report-ecr", 1)]


def test_its_own_output_folder_is_not_read_again(book: Path, klass: Any, capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = klass
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert main(["gradebook", ".", "--learner", "field:answer", "--out", "book", "--format", "json"]) == 0
    finally:
        os.chdir(cwd)
    assert "165 reports" in capsys.readouterr().out


# -- bad input: one line each, exit 2, nothing written -------------------------------------


def _report_text(graded: dict[str, Graded]) -> str:
    return render_json(graded["task-role-s3"].start)


BAD: dict[str, tuple[Any, str]] = {
    "broken JSON": ('{"schema_version": 1,,}', r"^.*x\.json:1:22: not JSON: Expecting property name enclosed in double quotes$"),
    "not a report": ('{"name": "package", "version": "1.0"}', r"x\.json:1:1: not a lab report: expected a JSON object with 'schema_version'"),
    "a list": ("[1, 2, 3]", r"x\.json:1:1: not a lab report"),
    "wrong type": (lambda t: t.replace('"score": 35', '"score": "35"'), r"x\.json:\d\d+:\d+: not a lab report: 'score': Input should be a valid integer"),
    "missing key": (lambda t: t.replace('"passed": false,\n  "scenario"', '"scenario"'), r"x\.json:1:1: not a lab report: missing required key 'passed'"),
    "newer schema": (lambda t: t.replace('"schema_version": 1', '"schema_version": 2'), r"x\.json:\d+:\d+: report schema 2 is newer than this lab reads \(1\); upgrade the lab"),
    "score over max": (lambda t: t.replace('"score": 35', '"score": 350'), r"x\.json:\d+:\d+: score 350 is over max_score 100"),
    "huge": (" " * (1024 * 1024 + 1), r"x\.json: larger than the 1024 KiB a report can be; not a lab report"),
    "not UTF-8": (b"\xff\xfe{}", r"x\.json: not UTF-8 text \(byte 0\); not a lab report"),
    "deep": ("[" * 200_000, r"x\.json:1:1: not a lab report: nested too deeply"),
    "big number": ('{"schema_version": ' + "9" * 5000 + "}", r"x\.json:1:1: not a lab report"),
    "empty file": ("", r"x\.json:1:1: not JSON: Expecting value"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_report_is_one_line_and_exit_2(case: str, graded: dict[str, Graded], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content, expected = BAD[case]
    folder = tmp_path / "learners" / "ada"
    folder.mkdir(parents=True)
    if callable(content):
        content = content(_report_text(graded))
        assert content != _report_text(graded), "the replacement found nothing to replace"
    path = folder / "x.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    (folder / "good.json").write_text(_report_text(graded), encoding="utf-8")
    assert main(["gradebook", str(tmp_path / "learners"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert re.search(expected, err.strip()), err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["gradebook", "{tmp}/nothing-here"], r"nothing-here: no such file or folder"),
        (["gradebook", "{tmp}/empty"], r"empty: no \.json reports in this folder"),
        (["gradebook", "{tmp}/flat", "--learner", "field:learner"], r"flat/r\.json:1:1: field 'learner' \(the learner, --learner field:learner\) is missing"),
        (["gradebook", "{tmp}/flat", "--learner", "field:passed"], r"flat/r\.json:\d+:\d+: field 'passed' .* is not a non-empty string"),
        (["gradebook", "{tmp}/flat", "--learner", "name"], r"--learner must be folder, parent or field:NAME"),
        (["gradebook", "{tmp}/flat", "--format", "md,pdf"], r"--format takes a comma-separated list of md, csv, json, html"),
        (["gradebook", "{tmp}/linked"], r"linked/ada/x\.json: is a symbolic link; not a lab report"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(argv: list[str], expected: str, graded: dict[str, Graded], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "notes.txt").write_text("no reports", encoding="utf-8")
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "r.json").write_text(_report_text(graded), encoding="utf-8")
    (tmp_path / "linked" / "ada").mkdir(parents=True)
    (tmp_path / "linked" / "ada" / "x.json").symlink_to(tmp_path / "flat" / "r.json")
    code = main([a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert re.search(expected, err), err
    assert not (tmp_path / "out").exists()


def test_every_bad_file_is_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / "learners" / name).mkdir(parents=True)
        (tmp_path / "learners" / name / "x.json").write_text("{", encoding="utf-8")
    assert main(["gradebook", str(tmp_path / "learners"), "--out", str(tmp_path / "out")]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 3


# -- the reader and the renderers under fuzz -----------------------------------------------

_SCRATCH = Path(tempfile.mkdtemp(prefix="gradebook-fuzz-"))

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _read_text(raw: bytes) -> None:
    path = _SCRATCH / "ada" / "r.json"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(raw)
    try:
        entries = read_reports([Found(path, "r.json", _SCRATCH)], LearnerRule())
    except LabError as exc:
        # One positioned line per problem (several for several keys of one report).
        lines = str(exc).splitlines()
        assert lines and all(re.match(r"r\.json(:\d+:\d+)?: \S", line) for line in lines), lines
        return
    assert [e.learner for e in entries] == ["ada"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_any_bytes_are_a_report_or_one_clear_line(raw: bytes) -> None:
    _read_text(raw)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_report_with_any_value_changed_is_a_report_or_one_clear_line(data: st.DataObject) -> None:
    report = json.loads(render_json(_SAMPLE))
    # Walk to a random place in the report and put any JSON value there.
    node: Any = report
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys))
        if isinstance(node[key], dict | list) and node[key] and data.draw(st.booleans()):
            node = node[key]
            continue
        node[key] = data.draw(_json)
        break
    _read_text(json.dumps(report).encode())


def _sample() -> Report:
    from lab.grading.report import CheckResult, SeedResult

    checks = (CheckResult("a", "service-running", "A", True, 60, False, "no"), CheckResult("b", "config-field", "B", False, 40, True, "ok"))
    return Report("s", "S", "scenarios/s.yaml", "ada/s", (SeedResult(1, checks, 10, 0.1),))


_SAMPLE = _sample()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4, unique=True), st.text(max_size=20))
def test_any_name_or_message_stays_inside_its_cell(names: list[str], message: str) -> None:
    from lab.grading.gradebook import CheckOutcome, Entry

    entries = [Entry(f"{n}.json", name, "s", "S", False, 0, 10, (CheckOutcome("c", "C", True, 10, False, message),)) for n, name in enumerate(names)]
    book = build_gradebook(entries, topics_of={"s": ["T1"]}, topic_info=[TopicInfo("T1", "Area", "a topic")])
    md = render_markdown(book)
    matrix = md.split("## Learners × scenarios")[1].split("## ")[0]
    rows = [line for line in matrix.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(names)
    widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
    assert len(widths) == 1
    page = render_html(book)
    parser = _Tags()
    parser.feed(page)
    assert parser.tags["script"] == 0 and parser.tags["tr"] == 1 + len(names) + 2 + 2 + 2


def test_find_reports_reads_a_file_named_twice_once(tmp_path: Path) -> None:
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "r.json").write_text(render_json(_SAMPLE), encoding="utf-8")
    found = find_reports([str(tmp_path), str(tmp_path / "ada" / "r.json")])
    assert len(found) == 1


def test_terminal_and_workflow_commands_in_names_and_messages_are_inert() -> None:
    """A name or a message holding escapes and workflow commands reaches no output raw."""
    from lab.grading.gradebook import CheckOutcome, Entry
    from lab.grading.gradebook_render import render
    from tests.test_hostile_input import ANSI_OR_CONTROL, HOSTILE as EVIL

    entries = [Entry("a.json", EVIL, "s", EVIL, False, 0, 10, (CheckOutcome("c", EVIL, True, 10, False, EVIL),))]
    files = render(build_gradebook(entries, topics_of={"s": ["T1"]}, topic_info=[TopicInfo("T1", "Area", "text")]), ["md", "csv", "json", "html"])
    for name, text in files.items():
        assert not ANSI_OR_CONTROL.search(text), name
        assert "##[" not in text, name
        if not name.endswith(".json"):
            assert not any(line.lstrip().startswith("::") for line in text.splitlines()), name
    assert json.loads(files["gradebook.json"])["learners"][0]["name"] == EVIL
