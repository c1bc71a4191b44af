"""Keeps docs/authoring.md, docs/checks.md and docs/grading-in-ci.md in step with the code.

The schema reference must name every field of every model an instructor writes (with the
defaults the code has), every check kind and parameter must be documented, and every example
(checks, the worked scenario, the CI workflow, the JSON report, the commands) must be accepted
by the code it documents.
"""

from __future__ import annotations

import re
import shlex
import typing
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, TypeAdapter
from pydantic_core import PydanticUndefined

from lab.scenario.checks import CHECK_KINDS, CheckSpec, check_models
from lab.scenario.schema import FILE_KINDS, FileSpec, RunSpec, Scenario, SimDocument
from lab.sim.spec import WorldSpec

DOCS = Path(__file__).resolve().parent.parent / "docs"
DOC_NAMES = ("authoring.md", "checks.md", "grading-in-ci.md", "teaching.md")

_FENCE_LINE = re.compile(r"^(?P<indent>[ ]*)```(?P<info>.*)$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6}) (?P<title>.+?)\s*$")


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _blocks(text: str, info: str) -> list[str]:
    """The bodies of fenced blocks whose info string is ``info`` (indented fences too)."""
    found: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE_LINE.match(lines[i])
        if m is None:
            i += 1
            continue
        indent, this_info = m["indent"], m["info"].strip()
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].rstrip() != f"{indent}```":
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        i += 1
        if this_info == info:
            found.append("\n".join(body) + "\n")
    return found


def _sections(text: str) -> list[tuple[int, str, str]]:
    """(level, heading, body up to the next heading of the same or a higher level)."""
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []
    in_fence = False
    for n, line in enumerate(lines):
        if _FENCE_LINE.match(line):
            in_fence = not in_fence
            continue
        m = None if in_fence else _HEADING.match(line)
        if m:
            heads.append((n, len(m["hashes"]), m["title"]))
    out = []
    for k, (n, level, title) in enumerate(heads):
        end = next((m for m, lv, _ in heads[k + 1:] if lv <= level), len(lines))
        out.append((level, title, "\n".join(lines[n + 1:end])))
    return out


def _section(text: str, needle: str, doc: str) -> str:
    """The body of the first section whose heading contains ``needle`` (in backticks)."""
    for _, title, body in _sections(text):
        if f"`{needle}`" in title:
            return body
    pytest.fail(f"docs/{doc}: no section heading names `{needle}`")


def _table_rows(body: str) -> dict[str, list[str]]:
    """Rows of the field tables (header ``| key |`` or ``| parameter |``): name → the other cells."""
    rows: dict[str, list[str]] = {}
    in_table = False
    for line in body.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if cells[0] in ("key", "parameter"):
            in_table = True
            continue
        name = re.fullmatch(r"`([^`]+)`", cells[0])
        if in_table and name:
            rows.setdefault(name[1], cells[1:])
    return rows


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Pydantic models named anywhere in a type annotation (unions, lists, dicts, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def _schema_models() -> list[type[BaseModel]]:
    """Scenario, FileSpec, RunSpec, SimDocument and every model reachable from WorldSpec."""
    check_classes = set(check_models())
    seen: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [Scenario, FileSpec, RunSpec, SimDocument, WorldSpec]
    while todo:
        model = todo.pop(0)
        if model in seen or model in check_classes:
            continue
        seen.append(model)
        for f in model.model_fields.values():
            todo += _models_in(f.annotation)
    return seen


def _default_problem(field: Any, cell: str) -> str | None:
    """Why a documented default disagrees with the model's (None when it agrees)."""
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return None if "required" in cell else "the field is required"
    else:
        value = field.default
    if "required" in cell:
        return f"the default is {value!r}, not required"
    if value is None or isinstance(value, BaseModel):
        return None
    if isinstance(value, bool):
        expected = ["true" if value else "false"]
    elif isinstance(value, (int, float)):
        expected = [f"{value:g}"]
    elif isinstance(value, str):
        expected = [value]
    elif isinstance(value, (list, tuple, dict)) and not value:
        expected = ["[]" if not isinstance(value, dict) else "{}"]
    elif isinstance(value, (list, tuple)):
        expected = [str(v) for v in value]
    else:
        return None
    missing = [e for e in expected if not re.search(rf"(?<![\w.]){re.escape(e)}(?![\w])", cell)]
    return f"the default is {value!r}" if missing else None


def _check_fields(model: type[BaseModel], body: str, where: str, fields: list[str]) -> list[str]:
    """Each field has a row in the section's field table with the right default.

    A field inherited from another model may instead be named in prose, when the section
    names that model (``AddInstances`` takes every key of ``InstanceGroupSpec``). A field with
    an alias is documented by its alias, the key authors write (``capacityProvider``).
    """
    problems = []
    rows = _table_rows(body)
    bases = [b for b in model.__mro__[1:] if isinstance(b, type) and issubclass(b, BaseModel) and f"`{b.__name__}`" in body]
    inherited = {name for b in bases for name in b.model_fields}
    keys = {field: model.model_fields[field].alias or field for field in model.model_fields}
    for field in fields:
        name = keys[field]
        if name not in rows:
            if field in inherited and f"`{name}`" in body:
                continue
            problems.append(f"{where}: field `{name}` of {model.__name__} has no row in a field table")
            continue
        if len(rows[name]) >= 2:
            why = _default_problem(model.model_fields[field], rows[name][1])
            if why:
                problems.append(f"{where}: `{name}` of {model.__name__}: {why}, the doc says '{rows[name][1]}'")
    for name in rows:
        if name not in keys.values():
            problems.append(f"{where}: documents `{name}`, which {model.__name__} does not have")
    return problems


# -- (a) the schema reference ---------------------------------------------------------------


def test_schema_models_are_found() -> None:
    """The model walk reaches the nested world models (so the reference test has something to check)."""
    names = {m.__name__ for m in _schema_models()}
    assert {"Scenario", "FileSpec", "RunSpec", "WorldSpec", "InstanceGroupSpec", "AppSpec", "RunTask"} <= names


@pytest.mark.parametrize("model", _schema_models(), ids=lambda m: m.__name__)
def test_every_schema_field_is_in_the_reference(model: type[BaseModel]) -> None:
    """Every field of every schema model has a row, with the code's default, in authoring.md."""
    text = _read("authoring.md")
    body = _section(text, model.__name__, "authoring.md")
    problems = _check_fields(model, body, f"docs/authoring.md, section `{model.__name__}`", list(model.model_fields))
    assert not problems, "\n".join(problems)


# -- (b) every check kind and parameter -----------------------------------------------------


def _common_check_fields() -> set[str]:
    models = check_models()
    common = set(models[0].model_fields)
    for m in models[1:]:
        common &= set(m.model_fields)
    return common


def test_common_check_parameters_are_documented() -> None:
    """The parameters every check takes have rows, with their defaults, in checks.md."""
    text = _read("checks.md")
    body = next((b for _, t, b in _sections(text) if t.startswith("Parameters every check takes")), None)
    assert body is not None, "docs/checks.md: no 'Parameters every check takes' section"
    model = check_models()[0]
    problems = _check_fields(model, body, "docs/checks.md, common parameters", sorted(_common_check_fields()))
    assert not problems, "\n".join(problems)


def _kind_model(kind: str) -> type[BaseModel]:
    for model in check_models():
        if kind in typing.get_args(model.model_fields["kind"].annotation):
            return model
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", CHECK_KINDS)
def test_every_check_kind_has_a_section_with_its_parameters(kind: str) -> None:
    """Each check kind has a section with a row per parameter and an example of that kind."""
    text = _read("checks.md")
    body = _section(text, kind, "checks.md")
    model = _kind_model(kind)
    own = [name for name in model.model_fields if name not in _common_check_fields()]
    problems = _check_fields(model, body, f"docs/checks.md, section `{kind}`", own)
    examples = [yaml.safe_load(b) for b in _blocks(body, "yaml check")]
    kinds = {c.get("kind") for e in examples for c in (e if isinstance(e, list) else [e]) if isinstance(c, dict)}
    if kind not in kinds:
        problems.append(f"docs/checks.md, section `{kind}`: no `yaml check` example of kind {kind}")
    assert not problems, "\n".join(problems)


# -- (c) every check example is a valid check -----------------------------------------------


def test_every_check_example_validates() -> None:
    """Every ``yaml check`` block is a valid check (or list of checks) for the CheckSpec union."""
    blocks = _blocks(_read("checks.md"), "yaml check")
    assert len(blocks) >= len(CHECK_KINDS) - 1, "docs/checks.md has too few `yaml check` examples"
    adapter = TypeAdapter(CheckSpec)
    problems = []
    for n, block in enumerate(blocks, 1):
        data = yaml.safe_load(block)
        for check in data if isinstance(data, list) else [data]:
            try:
                adapter.validate_python(check)
            except Exception as exc:  # a pydantic ValidationError, or a non-mapping
                problems.append(f"`yaml check` block {n}: {exc}")
    assert not problems, "\n".join(problems)


def _event_types() -> list[str]:
    """The record types a run's event log can hold (NamedTuples with an ``at`` time)."""
    import lab.sim.events as events
    import lab.sim.scaling_events as scaling_events

    found = []
    for module in (events, scaling_events):
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, tuple) and "at" in getattr(obj, "_fields", ()) and obj.__module__ == module.__name__:
                found.append(name)
    return sorted(found)


def test_every_event_type_is_listed() -> None:
    """The event-type table of ``event-occurred`` names every record type the log can hold."""
    body = _section(_read("checks.md"), "event-occurred", "checks.md")
    missing = [name for name in _event_types() if f"`{name}`" not in body]
    assert not missing, f"docs/checks.md, event-occurred: the event types table misses {', '.join(missing)}"


# -- (d) the worked example scenario --------------------------------------------------------


def _example_scenario() -> tuple[str, dict[str, Any]]:
    blocks = _blocks(_read("authoring.md"), "yaml scenario")
    assert len(blocks) == 1, f"docs/authoring.md must hold exactly one `yaml scenario` block, not {len(blocks)}"
    data = yaml.safe_load(blocks[0])
    assert isinstance(data, dict) and "id" in data
    return blocks[0], data


def test_example_scenario_is_not_a_shipped_one() -> None:
    """The worked example is a scenario of its own, not a copy of a shipped one."""
    from lab.scenario.loader import list_scenarios

    _, data = _example_scenario()
    shipped = Path(__file__).resolve().parent.parent / "scenarios"
    assert data["id"] not in {p.stem for p in list_scenarios(shipped)}


def test_example_scenario_fails_at_its_start_and_passes_with_its_solution(tmp_path: Path) -> None:
    """The worked example loads, its starting files fail on every seed and its solution passes."""
    from lab.grading.grader import grade
    from lab.scenario.loader import load_scenario

    text, data = _example_scenario()
    path = tmp_path / "scenarios" / f"{data['id']}.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    loaded = load_scenario(path)
    start = grade(loaded, None)
    for seed in start.seeds:
        assert not seed.passed, f"the example's starting files pass every required check on seed {seed.seed}"
    solved = grade(loaded, loaded.solution, label="solution")
    failures = [f"seed {s.seed}: {c.id}: {c.message}" for s in solved.seeds for c in s.checks if not c.passed]
    assert solved.passed and not failures, "the example's solution fails:\n" + "\n".join(failures)


def test_tutorial_fragments_are_copied_from_the_example() -> None:
    """The tutorial's fragments are exactly the example's parts, and together they cover it."""
    _, data = _example_scenario()
    fragments = _blocks(_read("authoring.md"), "yaml fragment")
    assert fragments, "docs/authoring.md has no `yaml fragment` blocks"
    covered: set[str] = set()
    for n, block in enumerate(fragments, 1):
        fragment = yaml.safe_load(block)
        assert isinstance(fragment, dict), f"`yaml fragment` block {n} is not a mapping"
        for key, value in fragment.items():
            assert key in data, f"`yaml fragment` block {n}: '{key}' is not in the example scenario"
            assert value == data[key], f"`yaml fragment` block {n}: '{key}' differs from the example scenario"
            covered.add(key)
    assert covered == set(data), f"the tutorial never shows: {', '.join(sorted(set(data) - covered))}"


# -- (e) the CI workflow --------------------------------------------------------------------


def _workflow() -> dict[Any, Any]:
    # The block names the file it shows (`yaml workflow PATH`); tests/test_workflows.py keeps the two equal.
    infos = sorted(set(re.findall(r"^```(yaml workflow \S+)$", _read("grading-in-ci.md"), re.MULTILINE)))
    blocks = [b for info in infos for b in _blocks(_read("grading-in-ci.md"), info)]
    assert len(blocks) == 1, f"docs/grading-in-ci.md must hold exactly one `yaml workflow` block, not {len(blocks)}"
    data = yaml.safe_load(blocks[0])
    assert isinstance(data, dict)
    return data


def _lab_commands(script: str) -> list[list[str]]:
    """Every ``lab ...`` command in a shell script, as argument lists (shell operators cut)."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line.startswith("lab "):
            continue
        part = re.split(r"\s(?:\|\||&&|;|\||>|2>)\s", line)[0]
        commands.append(shlex.split(part, comments=True))
    return commands


def _parse_lab(argv: list[str]) -> Any:
    from lab.cli import _parser

    try:
        return _parser().parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"the lab's command line refuses: {shlex.join(argv)}")


def test_workflow_parses_and_grades() -> None:
    """The workflow parses, installs the lab, grades with ``lab grade`` and publishes what it writes."""
    wf = _workflow()
    assert True in wf or "on" in wf, "the workflow has no 'on:' trigger"
    jobs = wf.get("jobs")
    assert isinstance(jobs, dict) and jobs
    steps = [s for job in jobs.values() for s in job.get("steps", [])]
    uses = {s["uses"].split("@")[0] for s in steps if "uses" in s}
    for action in ("actions/checkout", "actions/setup-python", "actions/upload-artifact"):
        assert action in uses, f"the workflow does not use {action}"
    publishers = uses & {"mikepenz/action-junit-report", "dorny/test-reporter"}
    assert publishers, "the workflow does not publish the JUnit report"
    scripts = [s["run"] for s in steps if "run" in s]
    assert any(re.search(r"pip install \S*", s) for s in scripts), "the workflow does not install the lab"
    grades = [_parse_lab(cmd) for s in scripts for cmd in _lab_commands(s)]
    grades = [g for g in grades if g.command == "grade"]
    assert grades, "the workflow never calls `lab grade`"
    formats = {g.format for g in grades}
    assert {"junit", "json"} <= formats, f"the workflow grades only as {sorted(formats)}"
    assert all(g.answer for g in grades), "every `lab grade` in the workflow must grade an --answer"
    junit_out = [g.output.replace("$SCENARIO", "x") for g in grades if g.format == "junit"]
    pattern = next(
        s["with"].get("report_paths") or s["with"].get("path") for s in steps if s.get("uses", "").split("@")[0] in publishers
    )
    assert all(fnmatch(out, pattern) for out in junit_out), f"the publisher's {pattern!r} does not match {junit_out}"


# -- (f) file kinds -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(set(FILE_KINDS) | set(typing.get_args(FileSpec.model_fields["kind"].annotation))))
def test_every_file_kind_is_documented(kind: str) -> None:
    """Each file kind has a section under 'File kinds' in authoring.md."""
    text = _read("authoring.md")
    kinds_section = next((b for _, t, b in _sections(text) if t == "File kinds"), None)
    assert kinds_section is not None, "docs/authoring.md: no 'File kinds' section"
    _section(kinds_section, kind, "authoring.md, File kinds")


# -- beyond the brief: commands, the JSON report, links, the grading example ----------------


@pytest.mark.parametrize("doc", DOC_NAMES)
def test_every_lab_command_in_the_docs_parses(doc: str) -> None:
    """Every ``lab`` command in a shell block is accepted by the lab's argument parser."""
    commands = [cmd for block in _blocks(_read(doc), "sh") for cmd in _lab_commands(block)]
    for cmd in commands:
        _parse_lab(cmd)


def _key_paths(value: Any, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, sub in value.items():
            name = "<id>" if prefix.endswith("seeds[].checks") else key
            path = f"{prefix}.{name}" if prefix else name
            paths.add(path)
            paths |= _key_paths(sub, path)
    elif isinstance(value, list):
        for item in value:
            paths |= _key_paths(item, f"{prefix}[]")
    return paths


def _walk(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(key path, value) for every mapping value, in the notation of ``_key_paths``."""
    out: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, sub in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out += [(path, sub), *_walk(sub, path)]
    elif isinstance(value, list):
        for item in value:
            out += _walk(item, f"{prefix}[]")
    return out


def _sample_report() -> Any:
    from lab.errors import Diagnostic
    from lab.grading.report import CheckResult, Report, SeedResult

    check = CheckResult("c", "config-field", "t", True, 10, False, "m", 3, "f.yaml", 4)
    seed = SeedResult(1, (check,), 12, 0.01)
    note = Diagnostic("dir/f.yaml", 5, 3, "'X' is accepted but not simulated", severity="note")
    return Report("s", "title", "scenarios/s.yaml", "dir", (seed,), (Diagnostic("dir/f.yaml", 1, 2, "refused"),), (note,))


def test_every_json_report_field_is_documented() -> None:
    """Every key of ``Report.to_dict`` is documented, and the schema version is the code's."""
    from lab.grading.report import SCHEMA_VERSION

    text = _read("grading-in-ci.md")
    paths = _key_paths(_sample_report().to_dict())
    missing = sorted(p for p in paths if f"`{p}`" not in text)
    assert not missing, f"docs/grading-in-ci.md does not document: {', '.join(missing)}"
    assert f"`schema_version` is `{SCHEMA_VERSION}`" in text


def test_every_gradebook_json_field_is_documented() -> None:
    """Every key of the gradebook's JSON is in docs/teaching.md, and its version is the code's."""
    from lab.grading.gradebook import CheckOutcome, Entry, TopicInfo, build_gradebook
    from lab.grading.gradebook_render import GRADEBOOK_VERSION, to_dict

    entry = Entry("ada/s.json", "ada", "s", "S", False, 5, 10, (CheckOutcome("c", "C", True, 10, False, "m"),))
    data = to_dict(build_gradebook([entry], topics_of={"s": ["T1"]}, topic_info=[TopicInfo("T1", "Area", "text")]))
    text = _read("teaching.md")
    section = text.split("### `gradebook.json`")[1]
    leaves = {p.rsplit(".", 1)[-1] for p in _key_paths(data)}
    missing = sorted(leaf for leaf in leaves if f"`{leaf}`" not in section and f"`{leaf}[]`" not in section)
    assert not missing, f"docs/teaching.md does not document: {', '.join(missing)}"
    assert f"`gradebook_version` is `{GRADEBOOK_VERSION}`" in section


def test_json_report_example_has_the_schema() -> None:
    """The JSON example has the report's keys, sorted as ``render_json`` sorts them."""
    import json

    from lab.grading.report import SCHEMA_VERSION

    blocks = _blocks(_read("grading-in-ci.md"), "json report")
    assert len(blocks) == 1, "docs/grading-in-ci.md must hold one `json report` example"
    example = json.loads(blocks[0])
    assert example["schema_version"] == SCHEMA_VERSION
    schema = _key_paths(_sample_report().to_dict())
    assert _key_paths(example) <= schema, f"not in the schema: {sorted(_key_paths(example) - schema)}"
    empty = [path for path, value in _walk(example) if value == []]
    missing = [p for p in schema - _key_paths(example) if not any(p.startswith(f"{e}[]") for e in empty)]
    assert not missing, f"the example leaves out: {sorted(missing)}"
    assert json.dumps(example, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == blocks[0], "keys not sorted as render_json sorts them"


def _slug(heading: str) -> str:
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@pytest.mark.parametrize("doc", DOC_NAMES)
def test_links_resolve(doc: str) -> None:
    """Relative links point at files and headings that exist."""
    text = _read(doc)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    problems = []
    for target in re.findall(r"\]\(([^)\s]+)\)", prose):
        if re.match(r"[a-z]+://", target):
            continue
        file, _, anchor = target.partition("#")
        path = DOCS / file if file else DOCS / doc
        if not path.is_file():
            problems.append(f"{target}: no such file")
            continue
        if anchor and anchor not in {_slug(t) for _, t, _ in _sections(path.read_text(encoding="utf-8"))}:
            problems.append(f"{target}: no such heading")
    assert not problems, f"docs/{doc}: " + "; ".join(problems)


def test_grading_example_compiles_and_uses_the_public_api() -> None:
    """The pytest-xdist grading example compiles and imports only public names of the lab."""
    import importlib

    blocks = _blocks(_read("grading-in-ci.md"), "python grading")
    assert len(blocks) == 1
    tree = compile(blocks[0], "grading-example.py", "exec", flags=0x400, dont_inherit=True)  # PyCF_ONLY_AST
    for node in tree.body:  # type: ignore[attr-defined]
        if type(node).__name__ == "ImportFrom" and node.module.startswith("lab"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"
                assert alias.name in getattr(module, "__all__", [alias.name]), f"{node.module}.{alias.name} is not public"


def test_readme_names_these_docs() -> None:
    """README.md names each of these docs, and each exists."""
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    for name in DOC_NAMES:
        assert f"docs/{name}" in readme
        assert (DOCS / name).is_file()

