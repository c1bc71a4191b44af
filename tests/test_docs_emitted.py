"""Docs that cannot lie: what docs/checks.md and docs/authoring.md name is what shipped content does.

Every event type and every ``ServiceEvent`` kind the docs name must be emitted by at least
one shipped run (each scenario's starting files and solution on its first seed, and every
simulation document under ``content/sims/``), and every check kind they name must be used by
a shipped scenario. A guard on a kind the simulator never emits passes whatever the answer
does, so the docs must not offer one. Where something documented is real but no shipped file
shows it, the fix is a simulation document that does, not a weaker test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.scenario.checks import CHECK_KINDS, event_types
from lab.sim.events import SERVICE_EVENT_KINDS, ServiceEvent
from tests.test_docs import _blocks, _read, _section

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("checks.md", "authoring.md")

pytestmark = pytest.mark.slow


@cache
def _emitted() -> tuple[frozenset[str], frozenset[str]]:
    """(event types, ServiceEvent kinds) logged across every shipped run."""
    from lab.scenario.loader import list_scenarios, load_scenario
    from lab.scenario.simdoc import build_world, load_sim_document

    types: set[str] = set()
    kinds: set[str] = set()

    def record(world: Any) -> None:
        for e in world.log:
            types.add(type(e).__name__)
            if isinstance(e, ServiceEvent):
                kinds.add(e.kind)

    for path in list_scenarios(ROOT / "scenarios"):
        loaded = load_scenario(path)
        seed = loaded.scenario.run.seeds[0]
        for answer in (None, loaded.solution):
            world = build_world(loaded, seed=seed, answer=answer)
            world.run(until=loaded.scenario.run.duration)
            record(world)
    for path in sorted((ROOT / "content/sims").glob("*.yaml")):
        doc = load_sim_document(path)
        world = build_world(doc, seed=doc.spec.run.seeds[0])
        world.run(until=doc.spec.run.duration)
        record(world)
    return frozenset(types), frozenset(kinds)


def _used_check_kinds() -> set[str]:
    from lab.scenario.loader import list_scenarios, load_scenario

    return {check.kind for path in list_scenarios(ROOT / "scenarios") for check in load_scenario(path).scenario.checks}


def _doc_checks() -> Iterator[dict[str, Any]]:
    """Every check written in the docs' YAML blocks (examples, fragments, the complete scenario)."""
    for name in DOCS:
        text = _read(name)
        for info in ("yaml check", "yaml fragment", "yaml scenario", "yaml"):
            for block in _blocks(text, info):
                data = yaml.safe_load(block)
                items = data if isinstance(data, list) else [data]
                for item in items:
                    if isinstance(item, dict) and isinstance(item.get("checks"), list):
                        yield from (c for c in item["checks"] if isinstance(c, dict))
                    elif isinstance(item, dict) and "kind" in item:
                        yield item


def _named_event_types() -> set[str]:
    """Event types the docs name: the first column of checks.md's event-type table, and every check's ``type``."""
    body = _section(_read("checks.md"), "event-occurred", "checks.md")
    named = set()
    for line in body.splitlines():
        if line.startswith("| `"):
            named.update(re.findall(r"`([A-Z][A-Za-z]+)`", line.split("|")[1]))
    named.update(str(c["type"]) for c in _doc_checks() if c.get("kind") in ("event-occurred", "event-not-occurred"))
    return named


def _named_service_event_kinds() -> set[str]:
    """ServiceEvent kinds the docs name: the ServiceEvent row of checks.md, and every check's ``where.kind``."""
    body = _section(_read("checks.md"), "event-occurred", "checks.md")
    (row,) = [line for line in body.splitlines() if line.startswith("| `ServiceEvent` |")]
    # The kinds follow "`kind`:"; a closing parenthesis explains what is not a kind.
    kinds_cell = row.split("|")[2].partition("`kind`:")[2].split("(")[0]
    named = set(re.findall(r"`([a-z]+(?:-[a-z]+)*)`", kinds_cell))
    named.update(
        str(c["where"]["kind"]) for c in _doc_checks()
        if c.get("type") == "ServiceEvent" and isinstance(c.get("where"), dict) and "kind" in c["where"]
    )
    return named


def _named_check_kinds() -> set[str]:
    """Check kinds the docs name: checks.md's kind table, and every check written in either doc."""
    table = set(re.findall(r"^\| \[`([a-z-]+)`\]", _read("checks.md"), re.M))
    table |= set(re.findall(r"\[`(event-(?:not-)?occurred)`", _read("checks.md")))
    return table | {str(c["kind"]) for c in _doc_checks() if str(c.get("kind")) in CHECK_KINDS}


def test_the_docs_name_only_event_types_that_exist() -> None:
    unknown = _named_event_types() - set(event_types())
    assert not unknown, f"the docs name event types the simulator does not have: {sorted(unknown)}"


def test_every_event_type_the_docs_name_is_emitted_by_shipped_content() -> None:
    types, _ = _emitted()
    never = sorted(_named_event_types() - types)
    assert not never, (
        f"documented but never emitted by a shipped scenario or content/sims document: {never}; "
        "add a simulation document that shows it, or fix the docs"
    )


def test_the_service_event_kinds_documented_are_exactly_those_the_scheduler_posts() -> None:
    named = _named_service_event_kinds()
    assert named - set(SERVICE_EVENT_KINDS) == set(), f"the docs name ServiceEvent kinds that are never posted: {sorted(named - set(SERVICE_EVENT_KINDS))}"
    assert set(SERVICE_EVENT_KINDS) - named == set(), f"docs/checks.md misses ServiceEvent kinds: {sorted(set(SERVICE_EVENT_KINDS) - named)}"


def test_every_service_event_kind_is_emitted_and_every_emitted_kind_is_known() -> None:
    _, kinds = _emitted()
    assert kinds <= set(SERVICE_EVENT_KINDS), (
        f"the scheduler posts kinds missing from lab.sim.events.SERVICE_EVENT_KINDS (and the docs): {sorted(kinds - set(SERVICE_EVENT_KINDS))}"
    )
    never = sorted(_named_service_event_kinds() - kinds)
    assert not never, f"ServiceEvent kinds documented but never emitted by shipped content: {never}"


def test_every_check_kind_the_docs_name_is_used_by_a_shipped_scenario() -> None:
    named = _named_check_kinds()
    assert named == set(CHECK_KINDS), f"docs/checks.md's kind table and CHECK_KINDS differ: {sorted(named ^ set(CHECK_KINDS))}"
    unused = sorted(named - _used_check_kinds())
    assert not unused, f"check kinds documented but used by no shipped scenario: {unused}"


def test_the_collectors_see_what_they_claim() -> None:
    """The collectors themselves: a sample of what must be found, so an empty parse cannot pass."""
    assert {"TaskStateChanged", "ServiceEvent", "PlacementFailed"} <= _named_event_types()
    assert {"steady-state", "unhealthy-target"} <= _named_service_event_kinds()
    assert {"service-running", "event-not-occurred", "daemon-coverage"} <= _named_check_kinds()
    types, kinds = _emitted()
    assert "TaskStateChanged" in types and "started-tasks" in kinds
