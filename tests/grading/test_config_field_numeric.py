"""config-field's numeric comparisons (at_least / at_most): the model, the verdicts, the positions."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import TypeAdapter, ValidationError

from lab.errors import SourceErrors
from lab.grading.checks import RunView, Verdict, judge
from lab.scenario.checks import CheckSpec, ConfigField
from lab.scenario.simdoc import ConfigFile, parse_config_file
from lab.yaml_source import load_text

ADAPTER: TypeAdapter[object] = TypeAdapter(CheckSpec)

SERVICE = """\
serviceName: web
taskDefinition: web
desiredCount: 3
launchType: EC2
deploymentConfiguration:
  maximumPercent: 150
"""


def service_file(text: str = SERVICE) -> ConfigFile:
    return parse_config_file(load_text(text, "service.yaml"), (), "service.yaml", "service")


def field(path: str, **bounds: object) -> ConfigField:
    check = ADAPTER.validate_python({"id": "f", "kind": "config-field", "file": "service.yaml", "path": path, **bounds})
    assert isinstance(check, ConfigField)
    return check


def verdict(check: ConfigField, text: str = SERVICE) -> Verdict:
    run = RunView(SimpleNamespace(log=[]), {"service.yaml": service_file(text)}, duration=600.0, apply_at=0.0)  # type: ignore[arg-type]
    return judge(check, run)


def test_at_least_and_at_most_bound_a_number_and_point_at_its_line() -> None:
    path = "deploymentConfiguration.maximumPercent"
    assert verdict(field(path, at_least=150)) == Verdict(True, "service.yaml: deploymentConfiguration.maximumPercent is 150", "service.yaml", 6)
    assert verdict(field(path, at_least=200)) == Verdict(
        False, "service.yaml: deploymentConfiguration.maximumPercent is 150, expected at least 200", "service.yaml", 6
    )
    assert verdict(field(path, at_most=100)) == Verdict(
        False, "service.yaml: deploymentConfiguration.maximumPercent is 150, expected at most 100", "service.yaml", 6
    )
    assert verdict(field(path, at_least=100, at_most=200)).passed
    assert verdict(field("desiredCount", at_least=3, at_most=3)).passed
    assert not verdict(field("desiredCount", at_least=4)).passed


TARGET_GROUP = """\
Name: web
Protocol: HTTP
Port: 80
TargetGroupAttributes:
  - {Key: deregistration_delay.timeout_seconds, Value: "50"}
"""


def test_a_number_written_as_text_is_compared_as_a_number() -> None:
    tg = parse_config_file(load_text(TARGET_GROUP, "tg.yaml"), (), "tg.yaml", "target-group")
    run = RunView(SimpleNamespace(log=[]), {"tg.yaml": tg}, duration=600.0, apply_at=0.0)  # type: ignore[arg-type]
    check = ADAPTER.validate_python({"id": "f", "kind": "config-field", "file": "tg.yaml", "path": "TargetGroupAttributes[0].Value", "at_least": 9})
    # 50 ≥ 9 as numbers, though "50" < "9" as text.
    assert judge(check, run) == Verdict(True, "tg.yaml: TargetGroupAttributes[0].Value is '50'", "tg.yaml", 5)


def test_a_value_that_is_not_a_number_fails_at_its_line() -> None:
    assert verdict(field("serviceName", at_least=1)) == Verdict(False, "service.yaml: serviceName is 'web', not a number", "service.yaml", 1)
    assert verdict(field("deploymentConfiguration", at_most=1)).message.endswith("not a number")
    assert verdict(field("launchType", at_most=1)).line == 4


def test_an_absent_field_fails_a_numeric_bound() -> None:
    assert verdict(field("healthCheckGracePeriodSeconds", at_least=0)) == Verdict(
        False, "service.yaml: healthCheckGracePeriodSeconds is not set", "service.yaml", 1
    )


def test_numeric_bounds_are_one_test_and_must_be_numbers() -> None:
    with pytest.raises(ValidationError, match="give exactly one of"):
        field("desiredCount", at_least=1, equals=3)
    with pytest.raises(ValidationError, match="at_least"):
        field("desiredCount", at_least="many")
    with pytest.raises(ValidationError, match="no value can pass"):
        field("desiredCount", at_least=5, at_most=1)
    assert field("desiredCount", at_least=2).describe() == "service.yaml: desiredCount is at least 2"
    assert field("desiredCount", at_least=2, at_most=4).describe() == "service.yaml: desiredCount is at least 2 and at most 4"


SCENARIO = """\
id: numeric
title: numeric bounds
topics: [services]
difficulty: 1
minutes: 5
briefing: b
files:
  service.yaml:
    kind: service
    content: {serviceName: web, taskDefinition: web, desiredCount: 1}
  task-definition.yaml:
    kind: task-definition
    content:
      family: web
      containerDefinitions: [{name: web, image: nginx, memory: 128}]
checks:
  - id: enough
    kind: config-field
    file: service.yaml
    path: desiredCount
    at_least: lots
solution:
  service.yaml: {serviceName: web, taskDefinition: web, desiredCount: 2}
debrief: d
"""


def test_a_bound_that_is_not_a_number_is_refused_at_its_line(tmp_path: Path) -> None:
    from lab.scenario.loader import load_scenario

    path = tmp_path / "numeric.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    with pytest.raises(SourceErrors) as caught:
        load_scenario(path)
    (problem,) = caught.value.diagnostics
    assert (problem.line, problem.col) == (21, 15)
    assert "number" in problem.message
