"""The instance-count and policy-allows check models: what they accept, refuse and call themselves."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from lab.scenario.checks import CheckSpec, InstanceCount, PolicyAllows

ADAPTER: TypeAdapter[object] = TypeAdapter(CheckSpec)


def test_instance_count_needs_a_bound() -> None:
    with pytest.raises(ValidationError, match="give 'minimum' and/or 'maximum'"):
        InstanceCount(id="n", kind="instance-count")


@pytest.mark.parametrize(
    ("fields", "title"),
    [
        ({"minimum": 3}, "at least 3 ACTIVE container instances"),
        ({"maximum": 1, "status": "DRAINING"}, "at most 1 DRAINING container instances"),
        ({"minimum": 2, "maximum": 4, "status": "any"}, "at least 2 and at most 4 any container instances"),
    ],
)
def test_instance_count_default_titles(fields: dict[str, object], title: str) -> None:
    check = InstanceCount(id="n", kind="instance-count", **fields)
    assert check.status == fields.get("status", "ACTIVE")
    assert check.describe() == title


def test_instance_count_refuses_an_unknown_status_and_negative_bounds() -> None:
    with pytest.raises(ValidationError):
        InstanceCount(id="n", kind="instance-count", minimum=1, status="STOPPED")
    with pytest.raises(ValidationError):
        InstanceCount(id="n", kind="instance-count", minimum=-1)


def test_policy_allows_defaults_to_any_resource_and_titles_itself() -> None:
    check = ADAPTER.validate_python({"id": "p", "kind": "policy-allows", "file": "task-role.yaml", "action": "s3:GetObject"})
    assert isinstance(check, PolicyAllows)
    assert check.resource == "*"
    assert check.describe() == "task-role.yaml allows s3:GetObject"


def test_policy_allows_refuses_a_parameter_it_does_not_take() -> None:
    with pytest.raises(ValidationError, match="any_wildcard"):
        ADAPTER.validate_python({"id": "p", "kind": "policy-allows", "file": "r.yaml", "action": "s3:GetObject", "any_wildcard": True})


# -- event checks name only what the simulator logs ------------------------------------------------


def event_check(kind: str = "event-not-occurred", **fields: object) -> object:
    return ADAPTER.validate_python({"id": "e", "kind": kind, **fields})


@pytest.mark.parametrize("kind", ["event-occurred", "event-not-occurred"])
def test_an_unknown_service_event_kind_is_refused_with_a_did_you_mean(kind: str) -> None:
    with pytest.raises(ValidationError, match=r"unknown ServiceEvent kind 'steady'; did you mean 'steady-state'\?"):
        event_check(kind, type="ServiceEvent", where={"service": "web", "kind": "steady"})
    # The kind the docs once named: placement failures are PlacementFailed events.
    with pytest.raises(ValidationError, match="a placement failure is a PlacementFailed event"):
        event_check(kind, type="ServiceEvent", where={"kind": "unable-to-place"})


def test_every_service_event_kind_and_other_types_kind_field_are_accepted() -> None:
    from lab.sim.events import SERVICE_EVENT_KINDS

    for name in SERVICE_EVENT_KINDS:
        event_check(type="ServiceEvent", where={"kind": name})
    event_check(type="ServiceEvent", where={"service": "web"})


def test_an_unknown_event_type_is_refused_with_a_did_you_mean() -> None:
    with pytest.raises(ValidationError, match="did you mean 'PlacementFailed'"):
        event_check(type="PlacementFailure")


def test_a_guard_on_a_never_posted_kind_is_refused_at_its_line_when_the_scenario_loads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lab.errors import SourceErrors
    from lab.scenario.loader import load_scenario

    path = tmp_path / "ev.yaml"
    path.write_text(
        "id: ev\ntitle: event kinds\ntopics: [services]\ndifficulty: 1\nminutes: 5\nbriefing: b\n"
        "files:\n  service.yaml:\n    kind: service\n    content: {serviceName: web, taskDefinition: web, desiredCount: 1}\n"
        "  task-definition.yaml:\n    kind: task-definition\n    content:\n      family: web\n"
        "      containerDefinitions: [{name: web, image: nginx, memory: 128}]\n"
        "checks:\n  - id: guard\n    kind: event-not-occurred\n    type: ServiceEvent\n"
        "    where: {service: web, kind: unable-to-place}\n"
        "solution:\n  service.yaml: {serviceName: web, taskDefinition: web, desiredCount: 2}\ndebrief: d\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceErrors) as caught:
        load_scenario(path)
    (problem,) = caught.value.diagnostics
    assert (problem.file, problem.line, problem.col) == (str(path), 20, 12)
    assert "unknown ServiceEvent kind 'unable-to-place'" in problem.message


# -- authors' patterns run on RE2 ------------------------------------------------------------------

SCENARIO_WITH_PATTERN = (
    "id: rx\ntitle: patterns\ntopics: [services]\ndifficulty: 1\nminutes: 5\nbriefing: b\n"
    "files:\n  service.yaml:\n    kind: service\n    content: {serviceName: web, taskDefinition: web, desiredCount: 1}\n"
    "  task-definition.yaml:\n    kind: task-definition\n    content:\n      family: web\n"
    "      containerDefinitions: [{name: web, image: nginx, memory: 128}]\n"
    "checks:\n  - id: pattern\n    kind: config-field\n    file: service.yaml\n    path: serviceName\n"
    "    matches: '{pattern}'\n"
    "solution:\n  service.yaml: {{serviceName: web, taskDefinition: web, desiredCount: 2}}\ndebrief: d\n"
)


@pytest.mark.parametrize(
    ("pattern", "why"),
    [(r"(a)\1", r"invalid escape sequence: \1"), ("^(?!web)", "invalid perl operator: (?!"), ("(?<=a)b", "invalid perl operator: (?<=")],
    ids=["backreference", "lookahead", "lookbehind"],
)
def test_a_pattern_re2_cannot_compile_is_a_positioned_error_at_load(tmp_path, pattern: str, why: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from lab.cli import main

    path = tmp_path / "rx.yaml"
    path.write_text(SCENARIO_WITH_PATTERN.replace("{pattern}", pattern).replace("{{", "{").replace("}}", "}"), encoding="utf-8")
    # `lab validate` reports a broken scenario as it reports every load problem: on stdout, exit 1.
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:21:14: 'matches': " in out and why in out and "RE2" in out and "Traceback" not in out


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("no-task-stopped", {"reason": r"(\w|\w)+Z"}),
        ("event-occurred", {"type": "ServiceEvent", "message": "(a|a)+$"}),
        ("config-field", {"file": "f", "path": "p", "not_matches": r"(\w|\w)+Z"}),
    ],
)
def test_every_author_pattern_field_is_checked_as_re2(kind: str, fields: dict[str, object]) -> None:
    event_check(kind, **fields)  # catastrophic for a backtracking engine, fine for RE2
    bad = {k: r"(x)\1" if isinstance(v, str) and ("|" in v) else v for k, v in fields.items()}
    with pytest.raises(ValidationError, match="not RE2 syntax"):
        event_check(kind, **bad)


def test_catastrophic_patterns_return_at_once_on_a_long_text() -> None:
    """``(a|a)+$`` and ``(\\w|\\w)+Z`` take a backtracking engine exponential time; RE2 is linear."""
    from lab.scenario.checks import author_pattern

    assert author_pattern("(a|a)+$").search("a" * 100_000 + "!") is None
    assert author_pattern(r"(\w|\w)+Z").search("a" * 100_000) is None
    assert author_pattern(r"(\w|\w)+Z").search("a" * 1000 + "Z") is not None


def test_ingress_allows_checks_its_range_and_titles_itself() -> None:
    from lab.scenario.checks import IngressAllows

    check = ADAPTER.validate_python({"id": "i", "kind": "ingress-allows", "file": "sg.yaml", "source_group": "web-alb", "from_port": 32768, "to_port": 60999})
    assert isinstance(check, IngressAllows) and check.protocol == "tcp"
    assert check.describe() == "sg.yaml lets web-alb in on tcp 32768-60999"
    with pytest.raises(ValidationError, match="'from_port' \\(2\\) is above 'to_port' \\(1\\)"):
        ADAPTER.validate_python({"id": "i", "kind": "ingress-allows", "file": "s", "source_group": "g", "from_port": 2, "to_port": 1})


def test_ingress_allows_on_a_file_that_is_not_a_security_group_is_positioned(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lab.errors import SourceErrors
    from lab.scenario.loader import load_scenario

    text = SCENARIO_WITH_PATTERN.replace(
        "    kind: config-field\n    file: service.yaml\n    path: serviceName\n    matches: '{pattern}'\n",
        "    kind: ingress-allows\n    file: service.yaml\n    source_group: web-alb\n    from_port: 1\n    to_port: 2\n",
    ).replace("{{", "{").replace("}}", "}")
    path = tmp_path / "rx.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceErrors) as caught:
        load_scenario(path)
    (problem,) = caught.value.diagnostics
    assert (problem.line, problem.col) == (19, 11)
    assert problem.message == "check 'pattern' is an ingress-allows check but 'service.yaml' is a service file"
