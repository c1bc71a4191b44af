"""Provides ECR as the simulator sees it: repositories, tagged images, layers and pull sizes.

Images are built from a catalogue of common base images whose layers are shared, so a host
that already pulled one ``python-3.12-slim`` image fetches only the top layers of the next.
Sizes are compressed sizes, approximate and UNCONFIRMED per release; they only have to be of
the right order for pull times to feel real.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lab.errors import ClientException
from lab.sim import timing
from lab.sim.catalogue import base_image, base_layers, catalogue, lineage
from lab.sim.spec import AppSpec, ImageSpec

if TYPE_CHECKING:
    from lab.sim.model import Container

__all__ = ["BASE_IMAGES", "LEGACY_BASE_NAMES", "Ecr", "Image", "Layer", "Registry", "base_image_layers", "base_image_mb", "nominal_pull_s", "parse_image_uri"]

LEGACY_BASE_NAMES: dict[str, str] = {
    # The spellings scenarios used before the build catalogue existed → its image references.
    "alpine-3.20": "alpine:3.20",
    "debian-bookworm-slim": "debian:bookworm-slim",
    "amazonlinux-2023": "amazonlinux:2023",
    "ubuntu-24.04": "ubuntu:24.04",
    "python-3.12-slim": "python:3.12-slim",
    "python-3.12": "python:3.12",
    "node-20-alpine": "node:20-alpine",
    "node-20-slim": "node:20-slim",
    "nginx-1.27": "nginx:1.27",
    "eclipse-temurin-21-jre": "eclipse-temurin:21-jre",
    "golang-distroless-static": "gcr.io/distroless/static-debian12",
}
"""Older hyphenated base names, still accepted in ``world.registry[].base``."""


@dataclass(frozen=True, slots=True)
class Layer:
    """One image layer: content-addressed, so equal digests are shared between images."""

    digest: str
    size_bytes: int


def nominal_pull_s(size_bytes: int, layers: int, *, fargate: bool = False) -> float:
    """The pull model's time to fetch and extract ``layers`` layers of ``size_bytes`` in all,
    before its ±10 % jitter (lab.sim.pulls uses it; the terminal lab's Images tab estimates with it)."""
    mb = size_bytes / 1_000_000
    rate = timing.FARGATE_PULL_MB_PER_S if fargate else timing.EC2_PULL_MB_PER_S
    return timing.PULL_OVERHEAD_S + layers * timing.LAYER_OVERHEAD_S + mb / rate + mb / timing.EXTRACT_MB_PER_S


def base_image_layers(name: str) -> tuple[Layer, ...] | None:
    """The layers of a base image by catalogue reference (``python:3.12-slim``, aliases too)
    or legacy name (``python-3.12-slim``), or None when the catalogue does not know it.

    One catalogue (``lab/sim/data/build_catalogue.yaml``) serves pushes and builds: a layer's
    digest is the one :func:`lab.sim.build.base_layers` gives, so an image pushed on a base
    and an image built ``FROM`` it share the base layers on a host.
    """
    found = base_image(LEGACY_BASE_NAMES.get(name, name))
    if found is None:
        return None
    return tuple(Layer(digest, size) for digest, size in base_layers(found[0]))


def base_image_mb(name: str) -> tuple[float, ...] | None:
    """The compressed sizes in MB of a base image's layers, bottom first, as the catalogue
    writes them (None when it does not know the image)."""
    found = base_image(LEGACY_BASE_NAMES.get(name, name))
    if found is None:
        return None
    return tuple(mb for _, entry in reversed(lineage(found[0])) for mb in entry["layers"])


def _base_images() -> dict[str, tuple[float, ...]]:
    out: dict[str, tuple[float, ...]] = {}
    for name in [*catalogue()["base_images"], *LEGACY_BASE_NAMES]:
        sizes = base_image_mb(name)
        assert sizes is not None, name  # the legacy names point into the catalogue (tested)
        out[name] = sizes
    return out


BASE_IMAGES: dict[str, tuple[float, ...]] = _base_images()
"""Base images and their layers (compressed MB), by catalogue reference and legacy name:
derived from the build catalogue."""


@dataclass(frozen=True, slots=True)
class Image:
    """A tagged image in a repository."""

    repository: str
    tag: str
    layers: tuple[Layer, ...]
    app: AppSpec
    public: bool
    architecture: str

    @property
    def size_bytes(self) -> int:
        """Total compressed size."""
        return sum(layer.size_bytes for layer in self.layers)

    @property
    def digest(self) -> str:
        """The manifest digest (``sha256:...``): what ``repo@digest`` names and a service
        deployment resolves the tag to; it changes with the layers, so a re-push moves it."""
        return _digest("manifest", *(layer.digest for layer in self.layers))


def _digest(*parts: object) -> str:
    return "sha256:" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def parse_image_uri(uri: str) -> tuple[str | None, str, str]:
    """Split an image reference into (registry host or None, repository, tag).

    ``123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4`` → (host, "web", "1.4");
    ``nginx`` → (None, "nginx", "latest"); a ``@sha256:`` digest is kept as the tag (and a tag
    before it dropped: ``web:1.4@sha256:...`` names the digest, as Docker reads it).
    """
    host: str | None = None
    rest = uri
    first, sep, remainder = uri.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        host, rest = first, remainder
    if "@" in rest:
        repo, _, digest = rest.partition("@")
        if ":" in repo.rsplit("/", 1)[-1]:
            repo = repo.rpartition(":")[0]
        return host, repo, digest
    repo, sep, tag = rest.rpartition(":")
    if not sep or "/" in tag:
        return host, rest, "latest"
    return host, repo, tag


class Registry:
    """The account's ECR repositories, plus the public images the world knows."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region
        self.host = f"{account}.dkr.ecr.{region}.amazonaws.com"
        """The private registry's host name."""
        self._images: dict[tuple[str, str], Image] = {}
        self._by_digest: dict[tuple[str, str], Image] = {}
        """(repository, manifest digest) → image: every image ever pushed, tagged or not (the lab
        deletes no images, so a digest stays pullable after its tag moves)."""
        self._repositories: set[str] = set()
        self._pushes: dict[tuple[str, str], int] = {}
        self._resolved: dict[str, tuple[Image | None, str, str, bool]] = {}
        self.generation = 0
        """Bumped by every push: what an image reference resolves to may have changed."""

    def repository_arn(self, repository: str) -> str:
        """Return the ECR repository ARN."""
        return f"arn:aws:ecr:{self.region}:{self.account}:repository/{repository}"

    def push(self, spec: ImageSpec) -> Image:
        """Add (or move) a tag; a re-pushed tag gets new top layers, as a rebuild would.

        Raises:
            ValueError: unknown base image, or an image smaller than its base.
        """
        key = (spec.repository, spec.tag)
        generation = self._pushes.get(key, 0)
        self._pushes[key] = generation + 1
        layers: list[Layer] = []
        base_mb = 0.0
        if spec.base is not None:
            base = base_image_layers(spec.base)
            if base is None:
                known = ", ".join(sorted(BASE_IMAGES))
                raise ValueError(f"unknown base image '{spec.base}'; known: {known}")
            base_mb = sum(base_image_mb(spec.base) or ())
            layers += base
        own_mb = spec.size_mb - base_mb
        if own_mb <= 0:
            raise ValueError(f"size_mb {spec.size_mb} is not larger than its base {spec.base} ({base_mb:.1f} MB)")
        # A typical application image: one big dependency layer, smaller ones above it.
        weights = [2.0**-i for i in range(spec.layers)]
        total = sum(weights)
        for i, w in enumerate(weights):
            layers.append(Layer(_digest(spec.repository, spec.tag, generation, i), max(1, int(own_mb * w / total * 1_000_000))))
        image = Image(spec.repository, spec.tag, tuple(layers), spec.app, spec.public, spec.architecture)
        self._images[key] = image
        self._by_digest[(spec.repository, image.digest)] = image
        self._repositories.add(spec.repository)
        self._resolved.clear()
        self.generation += 1
        return image

    def push_layers(self, repository: str, tag: str, layers: tuple[Layer, ...], app: AppSpec, architecture: str = "multi") -> tuple[Image, frozenset[str]]:
        """Push a built image's layers under ``repository:tag`` (moving the tag).

        Returns:
            The image, and the digests of its layers the repository already had (a push uploads
            only the others: ``docker push`` prints "Layer already exists" for them). Layers of
            other repositories are uploaded again: ECR shares them across repositories only with
            registry blob mounting (``BLOB_MOUNTING``), off by default and not modelled
            (https://docs.aws.amazon.com/AmazonECR/latest/userguide/blob-mounting.html). Hosts
            still share layers by digest whatever the repository.
        """
        known = {layer.digest for image in self._images.values() if image.repository == repository for layer in image.layers}
        existing = frozenset(layer.digest for layer in layers if layer.digest in known)
        key = (repository, tag)
        self._pushes[key] = self._pushes.get(key, 0) + 1
        image = Image(repository, tag, layers, app, False, architecture)
        self._images[key] = image
        self._by_digest[(repository, image.digest)] = image
        self._repositories.add(repository)
        self._resolved.clear()
        self.generation += 1
        return image, existing

    def repository_exists(self, repository: str) -> bool:
        """True when any tag of the repository was pushed."""
        return repository in self._repositories

    def resolve(self, uri: str) -> tuple[Image | None, str, str, bool]:
        """Look an image reference up.

        Returns:
            (image or None, repository, tag, private) where ``private`` says the reference
            points at this account's ECR (so pulls need ECR permissions).
        """
        cached = self._resolved.get(uri)
        if cached is not None:
            return cached
        host, repository, tag = parse_image_uri(uri)
        private = host is not None and host.endswith(".amazonaws.com") and ".dkr.ecr." in host
        if private and host != self.host:
            self._resolved[uri] = (None, repository, tag, True)
            return None, repository, tag, True
        # A digest reference (``repo@sha256:...``) names one image whatever its tags now are.
        found = self._by_digest if tag.startswith("sha256:") else self._images
        image = found.get((repository, tag))
        if image is None and not private:
            image = found.get((repository.removeprefix("library/"), tag))
        result = self._resolved[uri] = (image, repository, tag, private)
        return result

    def images(self) -> list[Image]:
        """Every image, in push order."""
        return list(self._images.values())


class Ecr:
    """The account's registry as the agent sees it: private images pushed to ECR, and public
    images (Docker Hub, ECR Public) the lab does not list, made up on first pull."""

    __slots__ = ("_public_images", "region", "registry")

    def __init__(self, account: str, region: str) -> None:
        self.region = region
        self.registry = Registry(account, region)
        self._public_images: dict[str, Image] = {}

    def push(self, spec: ImageSpec) -> Image:
        """Push an image (or move a tag).

        Raises:
            ClientException: unknown base image or impossible size.
        """
        try:
            return self.registry.push(spec)
        except ValueError as exc:
            raise ClientException(str(exc)) from None

    def public_image(self, repository: str, tag: str) -> Image:
        """A public image the registry does not list: a 60 MB image with a default app."""
        key = f"{repository}:{tag}"
        image = self._public_images.get(key)
        if image is None:
            reg = Registry("000000000000", self.region)
            image = reg.push(ImageSpec(repository=_repo_name(repository), tag=tag, size_mb=60.0, public=True))
            self._public_images[key] = image
        return image

    def resolve_images(self, containers: Iterable[Container]) -> dict[str, Image]:
        """Container image resolution (docs/ecs-facts.md §4): the image each container's
        reference names now, by container name, for a deployment's (or a RunTask's) tasks to
        start from whatever the tag names later.

        Skips containers with ``versionConsistency: disabled`` (they pull the tag as each task
        starts), and references the registry does not hold now (the lab then resolves them at
        the pull, where a missing image fails as it does today; made-up public images never
        change). A digest reference resolves to itself.
        """
        out: dict[str, Image] = {}
        for container in containers:
            if not container.pin_digest:
                continue
            image, _repository, _tag, _private = self.registry.resolve(container.image)
            if image is not None:
                out[container.name] = image
        return out

    def app_for(self, pinned: dict[str, Image], container: Container) -> AppSpec:
        """The app model a task's container runs: its pinned image's, else the reference's now."""
        image = pinned.get(container.name)
        return image.app if image is not None else self.app_spec(container.image)

    def app_spec(self, image_uri: str) -> AppSpec:
        """The app model of an image (a default app for images nothing defines)."""
        image, repository, tag, private = self.registry.resolve(image_uri)
        if image is None and not private:
            image = self.public_image(repository, tag)
        return image.app if image is not None else AppSpec()


def _repo_name(repository: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "._/-" else "-" for ch in repository.lower()).strip("-./_")
    return cleaned or "image"
