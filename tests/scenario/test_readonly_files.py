"""Read-only files: shown to the learner, written by ``lab start`` with a marker, never graded as edited.

A scenario marks a file ``readonly: true``. ``lab start`` writes it with a comment line
saying so (YAML; JSON has no comments), and ``lab grade --answer DIR`` grades the scenario's
own content whatever the folder holds, with a note saying the edits were ignored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.cli import main
from lab.grading.grader import grade
from lab.scenario.loader import load_scenario
from lab.scenario.workspace import READ_ONLY_COMMENT, read_answer, write_start

ROOT = Path(__file__).resolve().parents[2]


def readonly_copy(folder: Path, *, json_service: bool = False) -> Path:
    """ecr-pull-denied with its service file read-only (the incident is the instance role)."""
    text = (ROOT / "scenarios/ecr-pull-denied.yaml").read_text(encoding="utf-8")
    text = text.replace("lesson: lessons/iam-roles-for-ecs.md\n", "")
    text = text.replace("  service.yaml:\n    kind: service\n", "  service.yaml:\n    kind: service\n    readonly: true\n")
    if json_service:
        text = text.replace("  service.yaml:\n", "  service.json:\n")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ecr-pull-denied.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_lab_start_writes_a_read_only_yaml_file_with_a_marker_line(tmp_path: Path) -> None:
    loaded = load_scenario(readonly_copy(tmp_path / "scenarios"))
    write_start(loaded, tmp_path / "work")
    service = (tmp_path / "work/service.yaml").read_text(encoding="utf-8")
    # The editor's schema line first, then the marker.
    schema_line = "# yaml-language-server: $schema=.schemas/service.schema.json\n"
    assert service.startswith(schema_line + READ_ONLY_COMMENT)
    assert service.removeprefix(schema_line + READ_ONLY_COMMENT) == "serviceName: web\ntaskDefinition: web\ndesiredCount: 3\nlaunchType: EC2\n"
    assert READ_ONLY_COMMENT not in (tmp_path / "work/task-definition.yaml").read_text(encoding="utf-8")
    # Writing again over an untouched folder is fine: the marker is part of what start writes.
    write_start(loaded, tmp_path / "work")


def test_a_read_only_json_file_is_written_as_it_is(tmp_path: Path) -> None:
    loaded = load_scenario(readonly_copy(tmp_path / "scenarios", json_service=True))
    write_start(loaded, tmp_path / "work")
    assert (tmp_path / "work/service.json").read_text(encoding="utf-8") == "serviceName: web\ntaskDefinition: web\ndesiredCount: 3\nlaunchType: EC2\n"


def test_an_untouched_read_only_file_is_not_part_of_the_answer(tmp_path: Path) -> None:
    loaded = load_scenario(readonly_copy(tmp_path / "scenarios"))
    write_start(loaded, tmp_path / "work")
    assert "service.yaml" not in read_answer(loaded, tmp_path / "work")


def test_an_edited_read_only_file_is_graded_as_the_scenario_gives_it_with_a_note(tmp_path: Path) -> None:
    loaded = load_scenario(readonly_copy(tmp_path / "scenarios"))
    work = tmp_path / "work"
    write_start(loaded, work)
    # The edit would pass web-running's count (3) only by luck of the wrong number: 0 tasks.
    (work / "service.yaml").write_text("serviceName: web\ntaskDefinition: web\ndesiredCount: 0\nlaunchType: EC2\n", encoding="utf-8")
    (work / "instance-role.yaml").write_text(loaded.scenario.solution["instance-role.yaml"], encoding="utf-8")
    answer = read_answer(loaded, work)
    assert answer["service.yaml"].model == loaded.files["service.yaml"].model
    (note,) = answer["service.yaml"].notes
    assert (note.file, note.line) == (str(work / "service.yaml"), 1)
    assert note.message == "service.yaml is read-only: your edits to it are ignored; it was graded as the scenario gives it"
    report = grade(loaded, answer, seeds=[1])
    assert report.passed, [c.message for c in report.worst() if not c.passed]
    assert note in report.notes
    # Even a broken read-only file is ignored, not a parse error.
    (work / "service.yaml").write_text("serviceName: [\n", encoding="utf-8")
    assert read_answer(loaded, work)["service.yaml"].model == loaded.files["service.yaml"].model


def test_lab_grade_says_it_ignored_the_read_only_edit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = readonly_copy(tmp_path / "scenarios")
    work = tmp_path / "work"
    assert main(["start", str(path), "--dir", str(work)]) == 0
    (work / "service.yaml").write_text("serviceName: web\ntaskDefinition: web\ndesiredCount: 9\nlaunchType: EC2\n", encoding="utf-8")
    capsys.readouterr()
    code = main(["grade", str(path), "--answer", str(work), "--seed", "1"])
    out = capsys.readouterr().out
    assert code == 1  # the instance role is still broken
    assert f"note: {work / 'service.yaml'}:1:1: service.yaml is read-only: your edits to it are ignored" in out


def test_readonly_defaults_to_false_and_must_be_a_bool(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from lab.scenario.schema import FileSpec

    assert FileSpec(kind="service", content="a: 1").readonly is False
    with pytest.raises(ValidationError):
        FileSpec(kind="service", content="a: 1", readonly="sometimes")  # type: ignore[arg-type]


def test_a_solution_that_changes_a_read_only_file_is_refused_at_its_line(tmp_path: Path) -> None:
    from lab.errors import SourceErrors

    path = readonly_copy(tmp_path / "scenarios")
    text = path.read_text(encoding="utf-8").replace("solution:\n", "solution:\n  service.yaml: {serviceName: web, taskDefinition: web, desiredCount: 3}\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceErrors) as caught:
        load_scenario(path)
    (problem,) = caught.value.diagnostics
    assert problem.message == "the solution changes 'service.yaml', which is read-only: a learner could not make that change"
    assert text.splitlines()[problem.line - 1].startswith("  service.yaml:")
