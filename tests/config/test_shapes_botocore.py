"""Tests that lab/config/data/aws_shapes.json stays in step with botocore's API models."""

from __future__ import annotations

from typing import Any

import pytest

from lab.config.shapes import load_model_shapes, load_shapes

pytest.importorskip("botocore")

REGENERATE = "regenerate with: python -m lab.config.shapes --write"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


@pytest.fixture(scope="module")
def fresh() -> dict[str, Any]:
    """Shape data extracted from the installed botocore."""
    return load_model_shapes()


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    """The committed shape data."""
    return load_shapes()


def test_committed_keys_all_exist_in_botocore(fresh: dict[str, Any], committed: dict[str, Any]) -> None:
    """Every member and enum value the lab knows is one AWS knows (the lab never invents a key)."""
    if _version(fresh["botocore_version"]) < _version(committed["botocore_version"]):
        pytest.skip(
            f"installed botocore {fresh['botocore_version']} is older than the data's {committed['botocore_version']}"
        )
    invented = []
    for name, shape in committed["shapes"].items():
        theirs = fresh["shapes"].get(name)
        if theirs is None:
            invented.append(f"shape {name}")
            continue
        invented += [f"{name}.{m}" for m in sorted(set(shape.get("members", {})) - set(theirs.get("members", {})))]
        invented += [f"{name} = {v}" for v in shape.get("enum", []) if v not in theirs.get("enum", [])]
    assert not invented, "committed shapes know what botocore does not: " + ", ".join(invented) + f"; {REGENERATE}"


def test_committed_keys_cover_botocore(fresh: dict[str, Any], committed: dict[str, Any]) -> None:
    """Every member and enum value botocore has for the lab's roots is in the committed data."""
    missing = []
    new_shapes = []
    for name, theirs in fresh["shapes"].items():
        ours = committed["shapes"].get(name)
        if ours is None:
            # Only reachable through a new member, which is reported below.
            new_shapes.append(name)
            continue
        missing += [f"{name}.{m}" for m in sorted(set(theirs.get("members", {})) - set(ours.get("members", {})))]
        missing += [f"{name} = {v}" for v in theirs.get("enum", []) if v not in ours.get("enum", [])]
    assert not missing, (
        f"botocore {fresh['botocore_version']} has keys the committed data lacks: {', '.join(missing)}"
        f" (new shapes: {', '.join(new_shapes) or 'none'}); {REGENERATE}"
    )


def test_committed_data_equals_a_fresh_extraction_from_the_same_botocore(
    fresh: dict[str, Any], committed: dict[str, Any]
) -> None:
    """Regenerating from the botocore the data was made with changes nothing."""
    if fresh["botocore_version"] != committed["botocore_version"]:
        pytest.skip(f"data made with botocore {committed['botocore_version']}, installed {fresh['botocore_version']}")
    assert fresh == committed, REGENERATE
