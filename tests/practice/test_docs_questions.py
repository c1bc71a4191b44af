"""docs/questions.md: its tables are the bank's (generated), its example is a valid question."""

from __future__ import annotations

import re
from pathlib import Path

from lab.practice import Context, load_bank, load_question
from lab.practice.tables import BEGIN, END, main, render_tables, replace_tables

from .conftest import ROOT

DOC = ROOT / "docs" / "questions.md"


def project_context() -> Context:
    return Context.default(ROOT / "content", ROOT / "scenarios")


def test_the_tables_in_the_doc_are_the_banks() -> None:
    """Fails when the bank changed and the doc did not: run python -m lab.practice.tables --write."""
    context = project_context()
    bank = load_bank(ROOT / "content" / "questions", context)
    doc = DOC.read_text(encoding="utf-8")
    assert doc == replace_tables(doc, render_tables(bank.questions, context)), "run: python -m lab.practice.tables --write"


def test_the_command_rewrites_stale_tables(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    stale = tmp_path / "questions.md"
    stale.write_text(f"# doc\n\n{BEGIN}\n\n| old |\n\n{END}\n\nafter\n", encoding="utf-8")
    assert main(["--doc", str(stale)]) == 1
    assert main(["--doc", str(stale), "--write"]) == 0
    text = stale.read_text(encoding="utf-8")
    assert "| old |" not in text and "| D1 SDLC Automation | 22 % |" in text and text.endswith(f"{END}\n\nafter\n")
    assert main(["--doc", str(stale)]) == 0


def test_the_example_in_the_doc_is_a_valid_question(tmp_path: Path) -> None:
    doc = DOC.read_text(encoding="utf-8")
    (example,) = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    path = tmp_path / "placement" / "placement-binpack-memory.yaml"
    path.parent.mkdir()
    path.write_text(example, encoding="utf-8")
    question = load_question(path, project_context(), area_folder=True)
    assert question.id == "placement-binpack-memory"
    assert example == (ROOT / "content" / "questions" / "placement" / "placement-binpack-memory.yaml").read_text(encoding="utf-8")


def test_the_json_example_has_the_shape_lab_exam_prints() -> None:
    import json

    from lab.practice import Exam, ScenarioItem, ScenarioOutcome, score_exam, select_questions

    from .support import make_question

    (example,) = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)]
    items = (*select_questions([make_question("q", "D6")], seed=1), ScenarioItem("s", "S", 10))
    real = score_exam(Exam("quick", 1, items, 50, {}), {}, {"s": ScenarioOutcome("s", 1, 2, False)}).to_dict()
    assert sorted(example) == sorted(real)
    assert [sorted(d) for d in example["domains"]] == [sorted(real["domains"][0])] * 2
    assert [sorted(i) for i in example["items"]] == [sorted(i) for i in real["items"]]
    assert example["version"] == real["version"]
