"""Provides the build catalogue: the base images (their layers, parents and aliases), packages
and downloads that image builds and ECR pushes know (``data/build_catalogue.yaml``).

Apart from ``lab.sim.build`` (the Dockerfile build) so that a world whose images are only
pushed reads the catalogue without importing the builder and the Dockerfile parser.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["CATALOGUE_FILE", "MB", "base_image", "base_layers", "catalogue", "digest", "lineage"]

MB = 1_000_000

CATALOGUE_FILE = Path(__file__).with_name("data") / "build_catalogue.yaml"
"""The catalogue's data file."""


@cache
def catalogue() -> dict[str, Any]:
    """The base images, packages and downloads the build knows (``data/build_catalogue.yaml``)."""
    # libyaml's parser when PyYAML has it (the same data as safe_load, four times faster: every
    # process that builds a world reads this catalogue).
    data: dict[str, Any] = yaml.load(CATALOGUE_FILE.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    return data


def base_image(reference: str) -> tuple[str, dict[str, Any]] | None:
    """The catalogue name and entry of an image reference (``python:3.12-slim``), or None.

    ``docker.io/library/`` and ``library/`` prefixes are ignored and aliases (``alpine`` →
    ``alpine:3.20``) resolved; an image without a tag means ``:latest``, which the catalogue
    lists as an alias where Docker Hub's ``latest`` is one of its images.
    """
    data = catalogue()
    ref = reference.removeprefix("docker.io/").removeprefix("library/")
    ref = data["aliases"].get(ref, ref)
    if ref.endswith(":latest"):
        ref = data["aliases"].get(ref.removesuffix(":latest"), ref)
    entry = data["base_images"].get(ref)
    return (ref, entry) if entry is not None else None


def lineage(name: str) -> list[tuple[str, dict[str, Any]]]:
    """A catalogue image and its parents, the image itself first (``python:3.12-slim``,
    ``debian:bookworm-slim``)."""
    images = catalogue()["base_images"]
    chain: list[tuple[str, dict[str, Any]]] = []
    current: str | None = name
    while current is not None and current not in {n for n, _ in chain}:
        entry = images[current]
        chain.append((current, entry))
        current = entry.get("parent")
    return chain


def base_layers(name: str) -> list[tuple[str, int]]:
    """The (digest, compressed bytes) of a catalogue image's layers, bottom first.

    A layer's digest names the image that added it, so images built on one parent share its
    layers (``python:3.12-slim`` and ``node:20-slim`` share ``debian:bookworm-slim``'s).
    """
    layers: list[tuple[str, int]] = []
    for origin, entry in reversed(lineage(name)):
        layers += [("sha256:" + digest("base", origin, i), int(mb * MB)) for i, mb in enumerate(entry["layers"])]
    return layers


def digest(*parts: object) -> str:
    """The hex SHA-256 of the parts joined: a layer's or a build step's deterministic key."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
