"""The file-kind records: every kind is parsed, validated and applied through its record, in one order."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from lab.scenario import kinds, simdoc
from lab.scenario.schema import FILE_KINDS, FileSpec
from lab.scenario.simdoc import ConfigFile


class _Log:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def append(self, event: Any) -> None:
        self.events.append(event)


class _FakeWorld:
    now = 0.0

    def __init__(self) -> None:
        self.log = _Log()
        self.services: dict[str, Any] = {}


def _recording(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Replace every record's apply and create with recorders; return the calls."""
    calls: list[tuple[str, str]] = []
    records = []
    for record in kinds.KINDS:
        records.append(
            dataclasses.replace(
                record,
                apply=lambda world, model, name=record.name: calls.append(("apply", name)),
                create=lambda world, model, name=record.name: calls.append(("create", name)),
            )
        )
    monkeypatch.setattr(kinds, "KINDS", tuple(records))
    monkeypatch.setattr(kinds, "_BY_NAME", {r.name: r for r in records})
    return calls


def _one_of_each(order: list[str]) -> list[ConfigFile]:
    model = SimpleNamespace(family="web", service_name="web", task_definition="web")
    return [ConfigFile(f"{name}.yaml", name, model=model) for name in order]


def test_every_kind_is_applied_at_build_and_live_in_the_same_order(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _recording(monkeypatch)
    shuffled = list(reversed(kinds.names()))
    world: Any = _FakeWorld()
    before = [f for f in _one_of_each(shuffled) if f.record.before_instances]
    after = [f for f in _one_of_each(shuffled) if not f.record.before_instances]
    # What build_world does: the files instances need inside World's set-up, then the rest.
    simdoc._apply(world, before, build=True)
    simdoc._apply(world, after, build=True)
    built = [name for how, name in calls]
    calls.clear()
    simdoc.apply_files(world, _one_of_each(shuffled))
    live = [name for how, name in calls]
    assert built == live == list(kinds.names())
    assert world.log.events == []


def test_the_kinds_built_before_instances_come_first() -> None:
    """Build time splits the order at the world's instances: that split must not reorder it."""
    flags = [record.before_instances for record in kinds.KINDS]
    assert flags == sorted(flags, reverse=True)
    assert any(flags) and not all(flags)


def test_a_refused_file_is_a_failed_call_of_its_operation(monkeypatch: pytest.MonkeyPatch) -> None:
    from lab.errors import Diagnostic

    calls = _recording(monkeypatch)
    world: Any = _FakeWorld()
    refusal = Diagnostic("svc.yaml", 3, 5, "ClientException: nope")
    refused = dataclasses.replace(_one_of_each(["service"])[0], refusals=(refusal,))
    simdoc._apply(world, [refused], build=True)
    simdoc.apply_files(world, [refused])
    assert calls == []
    assert [(e.operation, e.error) for e in world.log.events] == [
        ("CreateService", "ClientException: nope"),
        ("UpdateService", "ClientException: nope"),
    ]


@pytest.mark.parametrize("name", kinds.names())
def test_every_kind_has_a_parser_and_an_operation(name: str) -> None:
    record = kinds.get(name)
    assert record is not None and record.operation[0].isupper() and record.summary
    parse = record.parser()
    assert callable(parse) and parse.__module__.startswith("lab.config.")


def test_the_schema_takes_its_kinds_from_the_records() -> None:
    assert FILE_KINDS == kinds.names()
    assert FileSpec(kind="service", content="{}").kind == "service"
    with pytest.raises(ValidationError, match="unknown file kind 'servce'; did you mean 'service'"):
        FileSpec(kind="servce", content="{}")


def test_world_keys_are_world_spec_fields() -> None:
    from lab.sim.spec import WorldSpec

    keys = [r.world_key for r in kinds.KINDS if r.world_key]
    assert keys and all(key in WorldSpec.model_fields for key in keys)


def test_an_answer_ecs_config_with_comments_loads_as_lines(tmp_path: Path) -> None:
    """ecs.config is KEY=VALUE lines, never YAML: a comment between two lines is no YAML error."""
    from lab.scenario.loader import load_scenario
    from lab.scenario.workspace import read_answer, write_start

    loaded = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "spot-without-draining.yaml")
    write_start(loaded, tmp_path)
    (tmp_path / "ecs.config").write_text(
        "ECS_CLUSTER=prod\n# drain on the two-minute notice\n\nECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n", encoding="utf-8"
    )
    model = read_answer(loaded, tmp_path)["ecs.config"].model
    assert model.get("ECS_ENABLE_SPOT_INSTANCE_DRAINING") == "true" and model.get("ECS_CLUSTER") == "prod"
