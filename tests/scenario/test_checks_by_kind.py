"""A scenario's checks are validated by kind with the same results and errors as the whole union.

``Scenario.checks`` holds ``CheckSpecByKind``: each check is validated by the ``CheckSpec``
union cut down to its kind (only the kinds a scenario uses are built). This compares it with
the whole union — what the field was before — on every shipped check and on broken ones.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter, ValidationError

from lab.scenario.checks import CHECK_KINDS, CheckSpec, CheckSpecByKind
from lab.scenario.loader import find_scenario, load_scenario
from lab.scenario.schema import Scenario
from lab.yaml_source import Document, validation_diagnostics

ROOT = Path(__file__).resolve().parents[2]
UNION = TypeAdapter(list[CheckSpec])
BY_KIND = TypeAdapter(list[CheckSpecByKind])


def _shipped_checks() -> list[dict[str, Any]]:
    out = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        out.extend(yaml.safe_load(path.read_text(encoding="utf-8"))["checks"])
    return out


SHIPPED = _shipped_checks()


def _outcome(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return ("ok", adapter.validate_python(value))
    except ValidationError as exc:
        return ("errors", [(e["type"], e["loc"], e["msg"], repr(e.get("ctx"))) for e in exc.errors()])


def _broken(check: dict[str, Any]) -> list[Any]:
    """Ways to break one check: each key removed, retyped or misspelt; extra keys; bad kinds."""
    out: list[Any] = []
    for key in check:
        for value in (None, -1, "x", [], {"a": 1}, 1e300, True):
            out.append({**check, key: value})
        out.append({k: v for k, v in check.items() if k != key})
        out.append({(k + "s" if k == key else k): v for k, v in check.items()})
    out += [
        {**check, "bogus": 1},
        {**check, check["kind"]: 1},  # a key named like the tag
        {**check, "kind": check["kind"][:-1]},
        {**check, "kind": 3},
        {**check, "id": "Bad Id"},
        {**check, "message": "(?P<x>a)(?P=x)"},
        [check],
        "text",
        None,
    ]
    return out


def test_every_shipped_check_validates_the_same() -> None:
    assert len(SHIPPED) > 40
    assert _outcome(BY_KIND, SHIPPED) == _outcome(UNION, SHIPPED)


@pytest.mark.parametrize("check", SHIPPED[::3], ids=lambda c: c["kind"])
def test_broken_checks_get_the_same_errors(check: dict[str, Any]) -> None:
    for bad in _broken(check):
        assert _outcome(BY_KIND, [bad, check]) == _outcome(UNION, [bad, check]), bad


@settings(max_examples=150, deadline=None)
@given(
    base=st.sampled_from(SHIPPED),
    key=st.sampled_from(["kind", "id", "service", "count", "after", "before", "points", "file", "type", "where", "min_count", "x"]),
    value=st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8), st.sampled_from(CHECK_KINDS), st.lists(st.integers(), max_size=2)),
)
def test_any_one_change_gets_the_same_outcome(base: dict[str, Any], key: str, value: Any) -> None:
    bad = {**copy.deepcopy(base), key: value}
    assert _outcome(BY_KIND, [bad]) == _outcome(UNION, [bad])


def test_a_scenario_with_bad_checks_gets_the_same_positioned_messages(tmp_path: Path) -> None:
    """The loader's diagnostics (file:line:col: message) for a scenario whose checks are broken several ways."""
    source = (ROOT / "scenarios" / "ecr-pull-denied.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(source)
    data["checks"][0]["kind"] = "service-runing"
    data["checks"][1]["bogus"] = 1
    data["checks"][1]["points"] = -3
    data["checks"].append({"id": "x", "kind": "event-occurred", "type": "Nope"})
    data["checks"].append({"id": "y"})
    data["hints"] = 3  # an error after the checks: the order of the messages is kept
    path = tmp_path / "ecr-pull-denied.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    class Before(Scenario):
        checks: list[CheckSpec] = Field(min_length=1)  # type: ignore[assignment]

    from lab.yaml_source import load_path

    doc: Document = load_path(path)
    messages = []
    for model in (Scenario, Before):
        with pytest.raises(ValidationError) as exc:
            model.model_validate(doc.data)
        messages.append([str(d) for d in validation_diagnostics(doc, (), exc.value, model)])
    assert messages[0] == messages[1]
    assert any("unknown kind 'service-runing'; did you mean 'service-running'?" in m for m in messages[0])
    assert any("unknown key 'bogus'" in m for m in messages[0])
    assert load_scenario(find_scenario("ecr-pull-denied")).scenario.checks  # the shipped one still loads


def test_the_json_schema_is_the_unions() -> None:
    class Before(Scenario):
        checks: list[CheckSpec] = Field(min_length=1)  # type: ignore[assignment]

    after, before = Scenario.model_json_schema(), Before.model_json_schema()
    for key in ("title", "description"):  # the subclass's own name and (missing) docstring
        before[key] = after.get(key)
    assert after == before


@pytest.mark.slow
def test_a_grade_builds_only_the_check_kinds_its_scenario_uses() -> None:
    import subprocess
    import sys

    code = (
        "import io, sys\n"
        "from lab.cli import main\n"
        "sys.stdout = io.StringIO()\n"
        "main(['grade', 'ecr-pull-denied', '--solution', '--no-record'])\n"
        "from lab.scenario.checks import check_models\n"
        "print(','.join(sorted(m.__name__ for m in check_models() if m.__pydantic_complete__)), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    used = {type(c).__name__ for c in load_scenario(find_scenario("ecr-pull-denied")).scenario.checks}
    assert set(result.stderr.strip().splitlines()[-1].split(",")) == used


# -- the world's timeline: the same by event (lab.sim.spec.TimelineEntryByEvent) -------------------

from lab.sim.spec import TimelineEntry, TimelineEntryByEvent, WorldSpec  # noqa: E402

TIMELINE_UNION = TypeAdapter(list[TimelineEntry])
TIMELINE_BY_EVENT = TypeAdapter(list[TimelineEntryByEvent])


def _shipped_timeline() -> list[dict[str, Any]]:
    out = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "content" / "sims").glob("*.yaml")):
        out.extend((yaml.safe_load(path.read_text(encoding="utf-8")).get("world") or {}).get("timeline") or [])
    return out


TIMELINE = _shipped_timeline()


def _broken_entry(entry: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for key in entry:
        for value in (None, -1, "x", [], {"a": 1}, True):
            out.append({**entry, key: value})
        out.append({k: v for k, v in entry.items() if k != key})
    out += [{**entry, "bogus": 1}, {**entry, "event": entry["event"][:-1]}, {**entry, "event": 3}, [entry], "text", None]
    return out


def test_every_shipped_timeline_entry_validates_the_same() -> None:
    assert len(TIMELINE) > 20
    assert _outcome(TIMELINE_BY_EVENT, TIMELINE) == _outcome(TIMELINE_UNION, TIMELINE)


@pytest.mark.parametrize("entry", TIMELINE[::2], ids=lambda e: e["event"])
def test_broken_timeline_entries_get_the_same_errors(entry: dict[str, Any]) -> None:
    for bad in _broken_entry(entry):
        assert _outcome(TIMELINE_BY_EVENT, [bad, entry]) == _outcome(TIMELINE_UNION, [bad, entry]), bad


def test_the_world_json_schema_is_the_unions() -> None:
    class Before(WorldSpec):
        timeline: list[TimelineEntry] = Field(default_factory=list)  # type: ignore[assignment]

    after, before = WorldSpec.model_json_schema(), Before.model_json_schema()
    for key in ("title", "description"):
        before[key] = after.get(key)
    assert after == before
