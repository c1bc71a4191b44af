"""Provides image builds in a world: a ``dockerfile`` file built with its build context and pushed to ECR.

One builder per world: its :class:`~lab.sim.build.BuildCache` is shared by every build, so a
rebuild after a context change (a code edit, a dependency bump) reuses the steps before the
first one the change feeds, as ``docker build`` on one machine does (docs/ecs-facts.md §12.3).
The built layers keep their digests in ECR, so a host that already holds a layer (a shared
base image, an unchanged dependency layer) pulls only the others (lab.sim.pulls).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from lab.errors import ClientException, SourceError
from lab.sim.events import ImageBuilt, ImagePushed
from lab.sim.kernel import Kernel
from lab.sim.registry import Ecr, Layer
from lab.sim.spec import BuildSpec

if TYPE_CHECKING:
    # The builder and the Dockerfile parser are imported at the first build: most worlds
    # only push images, and a grade's start-up should not pay for them.
    from lab.config.dockerfile import Dockerfile
    from lab.sim.build import BuildCache, BuildContext, BuiltImage

__all__ = ["Builds", "build_context", "trial_build"]


def build_context(spec: BuildSpec) -> BuildContext:
    """The build context a build spec describes."""
    from lab.sim.build import MB, BuildContext, ContextFile

    files: dict[str, str | ContextFile] = {}
    for path, entry in spec.context.items():
        if isinstance(entry, str):
            files[path] = entry
        else:
            files[path] = ContextFile(entry.text, size_bytes=int(entry.size_mb * MB) if entry.size_mb else None)
    return BuildContext.of(files)


def trial_build(spec: BuildSpec, dockerfile: Dockerfile) -> BuiltImage:
    """Build with a fresh cache, touching no world (to refuse a Dockerfile that cannot build).

    Raises:
        SourceError: the build fails, positioned at the failing instruction.
    """
    from lab.sim.build import BuildCache, build

    return build(dockerfile, build_context(spec), BuildCache(), build_args=spec.build_args, target=spec.target)


class Builds:
    """The world's builder: builds ``dockerfile`` files by name and pushes them to ECR."""

    def __init__(self, kernel: Kernel, ecr: Ecr, specs: list[BuildSpec]) -> None:
        self.kernel = kernel
        self.ecr = ecr
        self.specs = {spec.dockerfile: spec for spec in specs}
        """Build specs by the name of the dockerfile file they build."""
        self._cache: BuildCache | None = None
        self.last: dict[str, Dockerfile] = {}
        """The Dockerfile each build last built successfully, by file name."""

    @property
    def cache(self) -> BuildCache:
        """The builder's cache, kept across every build in this world (made at the first)."""
        if self._cache is None:
            from lab.sim.build import BuildCache

            self._cache = BuildCache()
        return self._cache

    def build_and_push(self, name: str, dockerfile: Dockerfile) -> BuiltImage:
        """Build the file with its context and the world's cache, push it, and log both.

        Raises:
            ClientException: the build failed (the message is BuildKit's, positioned), or no
                build names the file.
        """
        from lab.sim.build import build

        spec = self._spec(name)
        try:
            built = build(dockerfile, build_context(spec), self.cache, build_args=spec.build_args, target=spec.target)
        except SourceError as exc:
            raise ClientException(str(exc.diagnostic)) from None
        self.last[name] = dockerfile
        now = self.kernel.now
        self.kernel.log.append(
            ImageBuilt(
                now,
                spec.image,
                name,
                tuple((layer.instruction, layer.size_bytes, layer.cached) for layer in built.layers),
                tuple((step.line, step.instruction, step.cached) for step in built.steps if not step.instruction.startswith("FROM")),
                built.size_bytes,
            )
        )
        layers = tuple(Layer(layer.digest, layer.size_bytes) for layer in built.layers)
        image, existing = self.ecr.registry.push_layers(spec.repository, spec.tag, layers, spec.app, spec.architecture)
        uploaded = sum(layer.size_bytes for layer in layers if layer.digest not in existing)
        self.kernel.log.append(
            ImagePushed(now, f"{self.ecr.registry.host}/{spec.image}", len(layers), len(existing), uploaded, image.size_bytes)
        )
        return built

    def rebuild_after(self, image: str, changes: Mapping[str, str]) -> BuiltImage | None:
        """What rebuilding ``image`` would do after the context files ``changes`` (path → new
        text) changed, with a copy of the world's cache: the world is left alone.

        Returns:
            The rebuilt image, or None when the image was never built (or no build makes it).

        Raises:
            SourceError: the rebuild fails (a change removed what a COPY needs).
        """
        from lab.sim.build import BuildCache, BuildContext, ContextFile, build

        spec = next((s for s in self.specs.values() if s.image == image), None)
        if spec is None or spec.dockerfile not in self.last:
            return None
        context = build_context(spec)
        files = {**context.files, **{path: ContextFile(text) for path, text in changes.items()}}
        cache = BuildCache(dict(self.cache.entries), self.cache.builds)
        return build(self.last[spec.dockerfile], BuildContext.of(files), cache, build_args=spec.build_args, target=spec.target)

    def _spec(self, name: str) -> BuildSpec:
        spec = self.specs.get(name)
        if spec is None:
            raise ClientException(f"no build in world.builds uses the Dockerfile '{name}'")
        return spec
