"""The curriculum: tracks, what each shipped scenario covers, and docs/curriculum.md (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.cli import main as lab_main
from lab.errors import SourceErrors
from lab.practice import load_bank
from lab.practice.curriculum import ScenarioSummary, load_tracks, render_curriculum
from lab.practice.tables import BEGIN, END, main, replace_tables, shipped_curriculum
from lab.scenario.loader import load_scenario

from .conftest import ROOT
from .test_docs_questions import project_context

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_the_tables_in_the_doc_are_the_files() -> None:
    """Fails when a scenario, its covers or a question changed and the doc did not."""
    context = project_context()
    bank = load_bank(ROOT / "content" / "questions", context)
    doc = (ROOT / "docs" / "curriculum.md").read_text(encoding="utf-8")
    assert doc == replace_tables(doc, shipped_curriculum(bank.questions, context)), "run: python -m lab.practice.tables --write"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_has_a_track_and_grades_a_known_topic(path: Path) -> None:
    scenario = load_scenario(path).scenario
    topics = project_context().topics
    assert scenario.track in load_tracks(ROOT / "content" / "tracks.yaml").by_id
    assert scenario.covers and all(t in topics.by_id for t in scenario.covers)


def test_no_content_map_topic_is_left_uncovered() -> None:
    """Every topic is graded by a shipped scenario or asked by at least one question."""
    context = project_context()
    bank = load_bank(ROOT / "content" / "questions", context)
    graded = {t for p in SCENARIOS for t in load_scenario(p).scenario.covers}
    asked = {t for q in bank.questions for t in q.topics}
    assert [t for t in context.topics.by_id if t not in graded | asked] == []


def test_the_table_names_what_covers_each_topic_and_flags_gaps() -> None:
    topics = project_context().topics
    tracks = load_tracks(ROOT / "content" / "tracks.yaml")
    scenarios = [ScenarioSummary("a", "A", "scaling", ("I4",), 1), ScenarioSummary("b", "B", None, ("I4", "I5"), 2)]
    text = render_curriculum(scenarios, [], topics, tracks)
    assert "| Scaling | `a` |" in text
    assert "| (no track) | `b` |" in text
    assert "| Images | — (none yet) |" in text
    assert "| I4 | scaling | Service Auto Scaling scales tasks, never instances | `a`, `b` | 0 |" in text
    assert "| A1 | containers |" in text and "**not covered** | 0 |" in text
    assert f"**2 graded by a scenario**, 0 covered by questions only, **{len(topics.by_id) - 2} not covered**" in text


def test_lab_validate_positions_unknown_tracks_and_topics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "scenarios" / "log-agent-everywhere.yaml").read_text(encoding="utf-8")
    text = text.replace("lesson: lessons/daemon-services.md\n", "")  # the copy has no content/ folder beside it
    bad = text.replace("track: foundations", "track: basics").replace("covers: [C5]", "covers: [C5, C99]")
    path = tmp_path / "log-agent-everywhere.yaml"
    path.write_text(bad, encoding="utf-8")
    assert lab_main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:4:8: unknown track 'basics'" in out
    assert f"{path}:5:14: 'C99' is not a topic of content/topics.yaml" in out


def test_a_malformed_topic_id_is_a_positioned_schema_error(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "log-agent-everywhere.yaml").read_text(encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("covers: [C5]", "covers: [C5, C5]"), encoding="utf-8")
    with pytest.raises(SourceErrors, match="a topic is listed twice"):
        load_scenario(path)


def test_a_malformed_tracks_file_is_refused_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "tracks.yaml"
    path.write_text("tracks:\n  basics: {title: Basics}\n", encoding="utf-8")
    with pytest.raises(SourceErrors, match="track 'basics' must be"):
        load_tracks(path)


def test_the_command_checks_both_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    stale = tmp_path / "curriculum.md"
    stale.write_text(f"# doc\n\n{BEGIN}\n\n| old |\n\n{END}\n", encoding="utf-8")
    assert main(["--curriculum-doc", str(stale)]) == 1
    assert main(["--curriculum-doc", str(stale), "--write"]) == 0
    assert "| Foundations |" in stale.read_text(encoding="utf-8")
    assert main(["--curriculum-doc", str(stale)]) == 0
