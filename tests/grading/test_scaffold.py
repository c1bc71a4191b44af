"""Tests of ``lab new``: the scaffolded scenario validates as written; bad ids and clashes exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.cli import main
from lab.errors import UsageError
from lab.scenario.scaffold import scaffold


def test_new_scenario_validates_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``lab new demo`` writes a scenario that ``lab validate`` accepts: starting files fail, solution passes."""
    assert main(["new", "demo", "--dir", str(tmp_path)]) == 0
    path = tmp_path / "demo.yaml"
    assert f"Wrote {path}" in capsys.readouterr().out
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: ok (2 checks, seeds 1, 2)\n"


def test_scaffold_points_to_the_authoring_docs() -> None:
    """The template's comments send the instructor to the authoring guide and the check reference."""
    text = scaffold("demo")
    assert "docs/authoring.md" in text and "docs/checks.md" in text
    assert text.startswith("# ") and "\nid: demo " in text


@pytest.mark.parametrize("scenario_id", ["Demo", "demo_1", "-demo", "demo-", "a--b", "x", "demo.yaml", "a" * 65])
def test_bad_id_exits_2_with_one_line(scenario_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An id that is not kebab-case exits 2 with one clear line and writes nothing."""
    assert main(["new", "--dir", str(tmp_path), "--", scenario_id]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "kebab-case" in err
    assert list(tmp_path.iterdir()) == []


def test_existing_file_exits_2_and_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``lab new`` never overwrites a scenario."""
    path = tmp_path / "demo.yaml"
    path.write_text("mine\n", encoding="utf-8")
    assert main(["new", "demo", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "mine\n"


def test_ids_yaml_would_misread_are_quoted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An id such as ``yes`` or ``2024`` is quoted so it stays a string, and the scenario still validates."""
    for scenario_id in ("yes", "2024"):
        assert f'id: "{scenario_id}"' in scaffold(scenario_id)
        assert main(["new", scenario_id, "--dir", str(tmp_path)]) == 0
        assert main(["validate", str(tmp_path / f"{scenario_id}.yaml")]) == 0


def test_scaffold_raises_usage_error_for_bad_id() -> None:
    """The core function raises UsageError (the CLI's exit 2) for a bad id."""
    with pytest.raises(UsageError, match="not a valid scenario id"):
        scaffold("Not Kebab")
