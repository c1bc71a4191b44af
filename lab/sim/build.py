"""Provides the simulated image build: a Dockerfile and a build context become layers, with a build cache.

Deterministic: no wall clock, no network; the same Dockerfile, context, build arguments and
cache give the same image. Rules (docs/ecs-facts.md §12):

- Only RUN, COPY and ADD make filesystem layers; every other instruction changes only the
  image's configuration (§12.1).
- A layer weighs what it adds: a file deleted in a later layer still weighs in the layer that
  added it (the later layer only holds a whiteout), so an archive removed in a later RUN does
  not shrink the image; removed in the same RUN, it never reaches a layer (§12.2).
- The build cache (§12.3): a step is reused while its instruction matches a cached one exactly
  and every step before it was reused. RUN compares its command text (plus the build
  arguments in scope); COPY and ADD compare checksums of the files' contents and metadata,
  never their mtime; a miss invalidates every later step of the stage.
- Multi-stage builds: only the stages the target needs are built (BuildKit), and only what
  ``COPY --from`` names reaches the final image.
- RUN commands are interpreted for the package managers the source material teaches (apt-get,
  apk, dnf, pip, npm), downloads (curl, wget, tar, unzip), ``rm``, ``go build`` and a few
  shell built-ins, with package sizes from ``data/build_catalogue.yaml`` (approximate, §12.4).

Sizes are compressed sizes, as a registry stores and a host pulls them. The result,
:class:`BuiltImage`, lists layers with deterministic digests in the shape the registry pushes.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lab.config.dockerfile import DockerIgnore, Dockerfile, Instruction, Stage, parse_dockerignore
from lab.errors import SourceError
from lab.sim.catalogue import MB, base_image, base_layers, catalogue, lineage
from lab.sim.catalogue import digest as _h

__all__ = [
    "LAYER_INSTRUCTIONS",
    "BuildCache",
    "BuildContext",
    "BuildStep",
    "BuiltImage",
    "BuiltLayer",
    "ContextFile",
    "ImageConfig",
    "base_image",
    "base_layers",
    "build",
    "catalogue",
    "expand",
    "lineage",
]

LAYER_INSTRUCTIONS = frozenset(("RUN", "COPY", "ADD"))
"""The instructions that make a filesystem layer (§12.1)."""

# -- inputs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContextFile:
    """One file of the build context."""

    content: str
    """The file's text (its checksum is over it)."""
    size_bytes: int | None = None
    """The size it weighs in a layer (default: the length of ``content``), for sources too big to write out."""
    mode: int = 0o644
    """Permission bits: metadata the COPY checksum covers."""

    @property
    def size(self) -> int:
        """The size in bytes it adds to a layer."""
        return self.size_bytes if self.size_bytes is not None else len(self.content.encode())


@dataclass(frozen=True)
class BuildContext:
    """The files ``docker build`` sends: paths relative to the context root, ``/``-separated."""

    files: Mapping[str, ContextFile] = field(default_factory=dict)

    @classmethod
    def of(cls, files: Mapping[str, str | ContextFile]) -> BuildContext:
        """A context from texts (or ContextFiles) by path."""
        return cls({_clean(k): v if isinstance(v, ContextFile) else ContextFile(v) for k, v in files.items()})

    def ignore(self) -> DockerIgnore:
        """The context's ``.dockerignore`` patterns (none when it has no such file).

        Raises:
            SourceErrors: a malformed pattern.
        """
        source = self.files.get(".dockerignore")
        return parse_dockerignore(source.content) if source is not None else DockerIgnore()

    def visible(self) -> dict[str, ContextFile]:
        """The files COPY and ADD can see: all but those ``.dockerignore`` excludes, sorted by path."""
        ignore = self.ignore()
        return {path: self.files[path] for path in sorted(self.files) if not ignore.excludes(path)}


# -- outputs ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuiltLayer:
    """One filesystem layer of a built image."""

    digest: str
    """``sha256:...``, deterministic; equal digests are the same layer (shared on push and pull)."""
    size_bytes: int
    """Compressed size."""
    instruction: str
    """What made it: the instruction text, or ``FROM <image>`` for a base image's layers."""
    line: int
    """The Dockerfile line of the instruction (the FROM line for base layers)."""
    cached: bool
    """Reused from the build cache (base layers: the base image was already on the builder)."""
    base: bool = False
    """Part of the base image."""


@dataclass(frozen=True, slots=True)
class BuildStep:
    """One instruction of a build: reused or run, and the layer it made (None for metadata)."""

    stage: int
    """Index of the stage it belongs to."""
    line: int
    """The instruction's line."""
    instruction: str
    """The instruction as the builder prints it."""
    cached: bool
    """``CACHED`` in the build output: reused from the build cache."""
    layer: BuiltLayer | None
    """The layer it made (RUN, COPY, ADD), or None."""
    notes: tuple[str, ...] = ()
    """What the lab could not simulate about the step."""


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The image configuration the metadata instructions set."""

    env: tuple[tuple[str, str], ...] = ()
    cmd: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    workdir: str = "/"
    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    healthcheck: tuple[str, ...] | None = None
    stop_signal: str | None = None
    volumes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BuiltImage:
    """The result of a build: the target stage's layers, configuration and every step."""

    base: str
    """The catalogue image the target stage starts from (``scratch`` when empty)."""
    layers: tuple[BuiltLayer, ...]
    """Bottom first: the base image's layers, then one per RUN, COPY and ADD."""
    config: ImageConfig
    """Environment, command, ports, ..."""
    steps: tuple[BuildStep, ...]
    """Every instruction of the stages built, in build order."""
    notes: tuple[str, ...] = ()
    """Build-wide notes (build arguments nothing consumed)."""

    @property
    def size_bytes(self) -> int:
        """Total compressed size: the sum of the layers (a whiteout never shrinks it)."""
        return sum(layer.size_bytes for layer in self.layers)

    @property
    def layer_count(self) -> int:
        """Number of filesystem layers, base included."""
        return len(self.layers)

    @property
    def cache_hits(self) -> int:
        """Steps reused from the cache (FROM lines excluded)."""
        return sum(1 for s in self.steps if s.cached and not s.instruction.startswith("FROM"))

    @property
    def cache_misses(self) -> int:
        """Steps run (FROM lines excluded)."""
        return sum(1 for s in self.steps if not s.cached and not s.instruction.startswith("FROM"))


@dataclass
class BuildCache:
    """A builder's cache, kept across builds: step keys to the layer digests they made.

    Use one ``BuildCache`` for a sequence of builds (a code edit, a dependency bump) to see
    which steps hit; a fresh one (or ``build(..., no_cache=True)``) rebuilds everything.
    """

    entries: dict[str, str | None] = field(default_factory=dict)
    """Step key → the digest of the layer it made (None: a metadata step)."""
    builds: int = 0
    """Builds run with this cache: part of a re-run layer's digest, as a rebuilt layer is a new blob."""


# -- the build ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _File:
    size: int
    digest: str
    text: str | None = None
    """The content when the build needs to read it (requirements.txt, package.json)."""


@dataclass
class _StageState:
    """A stage's filesystem (files the build added; the base image's own are not listed) and config."""

    files: dict[str, _File]
    layers: list[BuiltLayer]
    key: str
    tools: set[str]
    family: str
    base: str
    env: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


class _Failed(Exception):
    """A step failed: the message positioned at the instruction by the caller."""


def _clean(path: str) -> str:
    cleaned = posixpath.normpath("/" + path.strip()).lstrip("/")
    return "" if cleaned == "." else cleaned


_VAR = re.compile(r"\\\$|\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand(text: str, values: Mapping[str, str]) -> str:
    """Substitute ``$name``, ``${name}``, ``${name:-word}`` and ``${name:+word}`` (Dockerfile
    reference, "Environment replacement"); ``\\$`` stays a literal ``$``."""

    def one(m: re.Match[str]) -> str:
        if m[0] == "\\$":
            return "$"
        name = m[1] or m[4]
        value = values.get(name)
        if m[2] == "-":
            return value if value else m[3]
        if m[2] == "+":
            return m[3] if value else ""
        return value or ""

    return _VAR.sub(one, text)


class _Builder:
    def __init__(self, dockerfile: Dockerfile, context: BuildContext, cache: BuildCache, build_args: Mapping[str, str], no_cache: bool) -> None:
        self.df = dockerfile
        self.context = context
        self.cache = cache
        self.build_args = dict(build_args)
        self.no_cache = no_cache
        self.used_args: set[str] = set()
        self.steps: list[BuildStep] = []
        self.states: dict[int, _StageState] = {}
        self.global_args: dict[str, str] = {}
        for ins in dockerfile.global_args:
            for name, default in ins.pairs:
                value = self.build_args.get(name, expand(default, self.global_args) if default is not None else "")
                if name in self.build_args:
                    self.used_args.add(name)
                self.global_args[name] = value
        self._visible: dict[str, ContextFile] | None = None
        self.cat = catalogue()

    def fail(self, ins: Instruction, message: str) -> SourceError:
        return SourceError(self.df.file, ins.line, ins.col, message)

    @property
    def visible(self) -> dict[str, ContextFile]:
        if self._visible is None:
            self._visible = self.context.visible()
        return self._visible

    # -- stages ------------------------------------------------------------------------------------

    def needed(self, target: Stage) -> list[Stage]:
        """The stages the target depends on (FROM <stage>, COPY --from=<stage>), in file order."""
        seen: set[int] = set()

        def visit(stage: Stage) -> None:
            if stage.index in seen:
                return
            seen.add(stage.index)
            parent = self.df.stage(expand(stage.base, self.global_args))
            if parent is not None and parent.index < stage.index:
                visit(parent)
            for ins in stage.instructions:
                ref = ins.flag("from")
                if ref is not None and ins.keyword == "COPY":
                    source = self.df.stage(expand(ref, self.global_args))
                    if source is not None and source.index < stage.index:
                        visit(source)

        visit(target)
        return [s for s in self.df.stages if s.index in seen]

    def run_stage(self, stage: Stage) -> _StageState:
        source = stage.source
        ref = expand(stage.base, self.global_args)
        parent = self.df.stage(ref)
        if parent is not None and parent.index < stage.index:
            prev = self.states[parent.index]
            state = _StageState(dict(prev.files), list(prev.layers), _h("FROM-stage", prev.key), set(prev.tools), prev.family, prev.base,
                                dict(prev.env), {}, dict(prev.config))
            self.steps.append(BuildStep(stage.index, source.line, source.original, True, None))
        else:
            found = base_image(ref)
            if found is None:
                known = ", ".join(sorted(self.cat["base_images"]))
                raise self.fail(source, f"{ref}: not found: the lab's base images are {known}")
            name, _ = found
            key = _h("FROM", name, stage.platform or "")
            cached = key in self.cache.entries and not self.no_cache
            self.cache.entries[key] = None
            layers = [BuiltLayer(digest, size, f"FROM {name}", source.line, cached, base=True) for digest, size in base_layers(name)]
            family, tools = _family_tools(name)
            state = _StageState({}, layers, key, tools, family, name)
            self.steps.append(BuildStep(stage.index, source.line, source.original, cached, None))
        hit = True
        for ins in stage.instructions:
            hit = self.step(stage, state, ins, hit)
        return state

    # -- one instruction ---------------------------------------------------------------------------

    def step(self, stage: Stage, state: _StageState, ins: Instruction, hit: bool) -> bool:
        values = {**state.args, **state.env}
        notes: list[str] = []
        layer_files: dict[str, _File] = {}
        whiteouts: set[str] = set()
        kw = ins.keyword
        if kw in ("RUN", "COPY", "ADD"):
            if kw == "RUN":
                # The command text, plus the build arguments in scope: every RUN after an ARG
                # uses it as an environment variable, so a new value misses there (§12.3).
                args_part = sorted(state.args.items())
                key_text = json.dumps([ins.text, list(ins.flags), args_part])
            else:
                sources = self.copy_sources(stage, state, ins, values)
                key_text = json.dumps([expand(ins.text, values), list(ins.flags), [(p, f.digest) for p, f in sources]])
            key = _h(state.key, kw, key_text)
            cached = hit and key in self.cache.entries and not self.no_cache
            try:
                if kw == "RUN":
                    _Shell(self, state, ins, key, layer_files, whiteouts, notes).run()
                else:
                    self.copy(state, ins, values, sources, key, layer_files)
            except _Failed as exc:
                raise self.fail(ins, str(exc)) from None
            size = sum(f.size for f in layer_files.values())
            digest = self.cache.entries.get(key) if cached else None
            if digest is None:
                digest = "sha256:" + _h("layer", key, self.cache.builds)
            self.cache.entries[key] = digest
            layer = BuiltLayer(digest, size, ins.original, ins.line, cached)
            state.layers.append(layer)
            for path in whiteouts:
                state.files.pop(path, None)
            state.files.update(layer_files)
            state.key = key
            self.steps.append(BuildStep(stage.index, ins.line, ins.original, cached, layer, tuple(notes)))
            return cached
        key_text = self.metadata(state, ins, values, notes)
        key = _h(state.key, kw, key_text)
        cached = hit and key in self.cache.entries and not self.no_cache
        self.cache.entries[key] = None
        state.key = key
        self.steps.append(BuildStep(stage.index, ins.line, ins.original, cached, None, tuple(notes)))
        return cached

    def metadata(self, state: _StageState, ins: Instruction, values: dict[str, str], notes: list[str]) -> str:
        """Apply a metadata instruction; return the text its cache key compares."""
        kw = ins.keyword
        if kw == "ARG":
            for name, default in ins.pairs:
                if name in self.build_args:
                    value = self.build_args[name]
                    self.used_args.add(name)
                elif default is not None:
                    value = expand(default, values)
                else:
                    value = self.global_args.get(name, "")
                state.args[name] = value
            # Declaring an ARG never misses: its value counts where it is used (§12.3).
            return json.dumps([name for name, _ in ins.pairs])
        if kw == "ENV":
            expanded = [(k, expand(v or "", values)) for k, v in ins.pairs]
            for k, v in expanded:
                state.env[k] = v
                values[k] = v
            return json.dumps(expanded)
        text = expand(ins.text, values) if kw not in ("CMD", "ENTRYPOINT", "HEALTHCHECK", "SHELL", "ONBUILD") else ins.text
        cfg = state.config
        if kw == "WORKDIR":
            cfg["workdir"] = posixpath.normpath(posixpath.join(cfg.get("workdir", "/"), text))
        elif kw == "USER":
            cfg["user"] = text
        elif kw == "EXPOSE":
            ports = list(cfg.get("exposed_ports", ()))
            for word in text.split():
                port = word if "/" in word else f"{word}/tcp"
                if port not in ports:
                    ports.append(port)
            cfg["exposed_ports"] = tuple(ports)
        elif kw == "LABEL":
            labels = dict(cfg.get("labels", ()))
            labels.update((k, expand(v or "", values)) for k, v in ins.pairs)
            cfg["labels"] = tuple(labels.items())
        elif kw in ("CMD", "ENTRYPOINT"):
            shell = tuple(cfg.get("shell", ("/bin/sh", "-c")))
            cfg[kw.lower()] = ins.exec_form if ins.exec_form is not None else (*shell, ins.text)
            if kw == "ENTRYPOINT":
                cfg.pop("cmd", None)  # an ENTRYPOINT resets a CMD inherited from the base
        elif kw == "HEALTHCHECK":
            cfg["healthcheck"] = ("NONE",) if ins.words == ("NONE",) else (ins.exec_form or ("CMD-SHELL", ins.text.removeprefix("CMD ").strip()))
        elif kw == "SHELL":
            cfg["shell"] = ins.exec_form
        elif kw == "STOPSIGNAL":
            cfg["stop_signal"] = text
        elif kw == "VOLUME":
            cfg["volumes"] = (*cfg.get("volumes", ()), *(ins.exec_form or text.split()))
        elif kw == "ONBUILD":
            notes.append("ONBUILD is recorded but not simulated")
        elif kw == "MAINTAINER":
            notes.append("MAINTAINER is deprecated: use LABEL maintainer=...")
        return json.dumps([text, list(ins.flags)])

    # -- COPY and ADD ------------------------------------------------------------------------------

    def copy_sources(self, stage: Stage, state: _StageState, ins: Instruction, values: dict[str, str]) -> list[tuple[str, _File]]:
        """The files a COPY or ADD takes, as (path relative to the chosen source, file), with checksums.

        Raises:
            SourceError: a source that matches nothing (or only files .dockerignore excludes).
        """
        words = [expand(w, values) for w in ins.words[:-1]]
        ref = ins.flag("from")
        found: list[tuple[str, _File]] = []
        if ref is not None:
            source_stage = self.df.stage(expand(ref, values))
            if source_stage is None or source_stage.index >= stage.index:
                raise self.fail(ins, f"COPY --from={ref}: no earlier stage has that name; copying from an image that is not a stage is not simulated")
            pool = {path.lstrip("/"): f for path, f in self.states[source_stage.index].files.items()}
        else:
            # The checksum covers content and metadata (the path, the mode), never the mtime (§12.3).
            pool = {path: _File(f.size, _h("ctx", path, _h(f.content), f.mode), f.content) for path, f in self.visible.items()}
        for word in words:
            if ins.keyword == "ADD" and re.match(r"^[a-z]+://", word):
                found.append((word, self.download(word, ins)))
                continue
            # Sources are relative to the context root, or to the root of the stage --from names.
            src = _clean(word)
            matched = _select(pool, src)
            if not matched:
                shown = "/" + src if src else "/"
                raise self.fail(ins, f"failed to compute cache key: failed to calculate checksum of ref: \"{shown}\": not found")
            found.extend(matched)
        return found

    def download(self, url: str, ins: Instruction) -> _File:
        name = url.rstrip("/").rsplit("/", 1)[-1]
        size = self.cat["downloads"].get(name, self.cat["downloads"]["default"])[0]
        return _File(int(size * MB), _h("url", url), None)

    def copy(self, state: _StageState, ins: Instruction, values: dict[str, str], sources: list[tuple[str, _File]], key: str, layer: dict[str, _File]) -> None:
        dest_word = expand(ins.words[-1], values)
        workdir = state.config.get("workdir", "/")
        dest = posixpath.normpath(posixpath.join(workdir, dest_word))
        into_dir = dest_word.endswith("/") or dest_word in (".", "./") or len(sources) > 1 or len(ins.words) > 2
        for rel, f in sources:
            if ins.keyword == "ADD" and re.match(r"^[a-z]+://", rel):
                target = posixpath.join(dest, rel.rsplit("/", 1)[-1]) if into_dir else dest
                layer[target] = f
                continue
            target = posixpath.join(dest, rel) if (into_dir or "/" in rel) else dest
            if ins.keyword == "ADD" and _is_tar(rel):
                # ADD unpacks a local tar archive into the destination directory.
                name = rel.rsplit("/", 1)[-1]
                size = self.cat["downloads"].get(name, None)
                extracted = int(size[1] * MB) if size else f.size
                layer[posixpath.join(dest, _stem(name))] = _File(extracted, _h(key, name))
                continue
            layer[target] = f


def _is_tar(name: str) -> bool:
    return bool(re.search(r"\.(tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2)\Z", name))


def _stem(name: str) -> str:
    return re.sub(r"\.(tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2|tar|zip)$", "", name)


def _select(pool: Mapping[str, _File], src: str) -> list[tuple[str, _File]]:
    """Files of ``pool`` a COPY source names: a file (its name), a directory (its contents,
    relative to it), or a glob (each match's name, or the matched directory's contents)."""
    if src == "":
        return [(p, f) for p, f in sorted(pool.items())]
    if src in pool:
        return [(src.rsplit("/", 1)[-1], pool[src])]
    found: list[tuple[str, _File]] = []
    prefix = src + "/"
    under = [(p[len(prefix):], f) for p, f in sorted(pool.items()) if p.startswith(prefix)]
    if under:
        return under
    if any(ch in src for ch in "*?["):
        for path, f in sorted(pool.items()):
            parts = path.split("/")
            depth = src.count("/") + 1
            head = "/".join(parts[:depth])
            if len(parts) >= depth and fnmatch.fnmatchcase(head, src):
                rest = "/".join(parts[depth:])
                found.append((head.rsplit("/", 1)[-1] + ("/" + rest if rest else ""), f))
    return found


def _family_tools(name: str) -> tuple[str, set[str]]:
    """The family of a catalogue image (its nearest ancestor's) and the commands it has."""
    chain = lineage(name)
    family = next(entry["family"] for _, entry in chain if "family" in entry)
    merged: dict[str, Any] = {}
    for _, entry in reversed(chain):
        merged.update({k: v for k, v in entry.items() if k in ("python", "node", "go")})
        merged.setdefault("tools", []).extend(entry.get("tools", ()))
    entry = merged
    tools: set[str] = set()
    if family in ("debian", "alpine", "amazonlinux"):
        tools |= {"sh", "tar", "gzip"}
    if family == "debian":
        tools |= {"apt-get", "apt", "useradd", "groupadd"}
    elif family == "alpine":
        tools |= {"apk", "wget", "adduser", "addgroup", "unzip"}
    elif family == "amazonlinux":
        tools |= {"dnf", "yum", "curl"}
    if entry.get("python"):
        tools |= {"python", "python3", "pip", "pip3"}
    if entry.get("node"):
        tools |= {"node", "npm", "npx"}
    if entry.get("go"):
        tools |= {"go"}
    tools |= set(entry.get("tools", ()))
    return family, tools


_NEEDS_TOOL = frozenset(("curl", "wget", "git", "pip", "pip3", "python", "python3", "npm", "npx", "node", "go", "apt-get", "apt", "apk", "dnf", "yum", "unzip", "tar"))
"""Commands that fail when the image lacks them (others the lab does not know add nothing, with a note)."""

_APT_TOOLS = {"python3": ("python3", "python"), "python3-pip": ("pip", "pip3"), "curl": ("curl",), "wget": ("wget",), "git": ("git",), "unzip": ("unzip",), "nodejs": ("node",), "npm": ("npm",)}
"""Commands an apt/apk/dnf package brings."""

_NOOP = frozenset(("cd", "set", "true", "export", "echo", "printf", "mkdir", "touch", "test", "[", ":", "exit", "ls", "cat", "ln", "mv", "cp", "chmod", "chown", "sh", "bash", "useradd", "groupadd", "adduser", "addgroup", "sed", "grep", "env", "which", "id", "whoami", "nproc", "sleep"))


class _Shell:
    """Interpret one RUN: the commands the lab knows change files; the rest add nothing."""

    def __init__(self, builder: _Builder, state: _StageState, ins: Instruction, key: str, layer: dict[str, _File], whiteouts: set[str], notes: list[str]) -> None:
        self.b = builder
        self.cat = builder.cat
        self.state = state
        self.ins = ins
        self.key = key
        self.layer = layer
        self.whiteouts = whiteouts
        self.notes = notes
        self.cwd = state.config.get("workdir", "/")
        self.env = {**state.args, **state.env}
        self.shell = tuple(state.config.get("shell", ("/bin/sh", "-c")))

    # files seen by the running command: the stage's files minus whiteouts, plus this layer's
    def exists(self, path: str) -> bool:
        return path in self.layer or (path in self.state.files and path not in self.whiteouts)

    def files(self) -> dict[str, _File]:
        merged = {p: f for p, f in self.state.files.items() if p not in self.whiteouts}
        merged.update(self.layer)
        return merged

    def write(self, path: str, size: int, text: str | None = None) -> None:
        path = self.abs(path)
        self.whiteouts.discard(path)
        self.layer[path] = _File(size, _h(self.key, path), text)

    def remove(self, pattern: str) -> None:
        pattern = self.abs(pattern)
        for path in list(self.files()):
            parts = path.split("/")
            if any(fnmatch.fnmatchcase("/".join(parts[:i]), pattern) for i in range(2, len(parts) + 1)):
                if path in self.layer:
                    del self.layer[path]  # never reaches a layer
                if path in self.state.files:
                    self.whiteouts.add(path)  # still weighs in the layer that added it

    def abs(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.cwd, path))

    def failed(self, output: str, code: int) -> _Failed:
        command = " ".join(self.ins.exec_form) if self.ins.exec_form is not None else f"{' '.join(self.shell)} {self.ins.text}"
        return _Failed(f"{output}; process \"{command}\" did not complete successfully: exit code: {code}")

    def run(self) -> None:
        if self.ins.exec_form is not None:
            if not self.ins.exec_form:
                raise self.failed("no command given", 1)
            self.command(list(self.ins.exec_form), None)
            return
        if "sh" not in self.state.tools:
            shell = self.shell[0]
            raise _Failed(
                f"process \"{' '.join(self.shell)} {self.ins.text}\" did not complete successfully: runc run failed: unable to start "
                f"container process: exec: \"{shell}\": stat {shell}: no such file or directory"
            )
        try:
            lexer = shlex.shlex(self.ins.text, posix=True, punctuation_chars=";&|<>")
            lexer.whitespace_split = True
            tokens = list(lexer)
        except ValueError:
            raise self.failed("/bin/sh: 1: Syntax error: Unterminated quoted string", 2) from None
        commands: list[tuple[list[str], str | None]] = []
        current: list[str] = []
        skip = False
        for token in tokens:
            if token in ("&&", ";", "||", "|", "&", ";;"):
                if current and not skip:
                    commands.append((current, token))
                # The right side of || runs only when the left fails, which the lab never simulates.
                skip = token == "||"
                current = []
            else:
                current.append(token)
        if current and not skip:
            commands.append((current, None))
        piped: str | None = None
        for words, op in commands:
            words = [expand(w, self.env) for w in words]
            piped = self.command(words, piped, pipe_out=op == "|")
            if op != "|":
                piped = None

    def command(self, words: list[str], stdin: str | None, *, pipe_out: bool = False) -> str | None:
        """Run one simple command; return what it writes to a pipe (an archive name) or None."""
        redirect = None
        clean: list[str] = []
        i = 0
        while i < len(words):
            if words[i] in (">", ">>") and i + 1 < len(words):
                redirect = words[i + 1]
                i += 2
                continue
            clean.append(words[i])
            i += 1
        words = clean
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            name, _, value = words.pop(0).partition("=")
            self.env[name] = value
        if not words:
            return None
        name = words[0].rsplit("/", 1)[-1]
        if name in ("python", "python3") and words[1:3] == ["-m", "pip"]:
            name, words = "pip", ["pip", *words[3:]]
        if name in _NEEDS_TOOL and name not in self.state.tools:
            raise self.failed(f"/bin/sh: 1: {name}: not found", 127)
        handler = getattr(self, "_" + name.replace("-", "_"), None)
        result = None
        if handler is not None:
            result = handler(words[1:], stdin, pipe_out)
        elif name not in _NOOP:
            self.notes.append(f"'{name}' is not simulated: it adds nothing to the layer")
        if redirect is not None:
            self.write(redirect, int(self.cat["outputs"]["small_file"] * MB))
        return result

    # -- package managers -------------------------------------------------------------------------

    def _apt_get(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        opts = [a for a in args if a.startswith("-")]
        rest = [a for a in args if not a.startswith("-")]
        if not rest:
            return
        verb, packages = rest[0], rest[1:]
        lists = "/var/lib/apt/lists/deb.debian.org_debian_dists_main_binary-amd64_Packages"
        if verb == "update":
            self.write(lists, int(self.cat["apt_lists"] * MB))
        elif verb == "install":
            if not any(self.exists(p) for p in self.files() if p.startswith("/var/lib/apt/lists/")):
                # The official Debian and Ubuntu images ship without package lists (§12.2).
                raise self.failed(f"E: Unable to locate package {packages[0].split('=')[0] if packages else ''}", 100)
            if not any(o in ("-y", "--yes", "--assume-yes", "-qq") or (o.startswith("-") and not o.startswith("--") and "y" in o) for o in opts):
                raise self.failed("Do you want to continue? [Y/n] Abort.", 1)
            recommends = "--no-install-recommends" not in opts
            for package in packages:
                pkg = package.split("=")[0]
                own, extra = self.cat["apt"].get(pkg, self.cat["apt"]["default"])
                if pkg not in self.cat["apt"]:
                    self.notes.append(f"apt package '{pkg}' is not in the lab's catalogue: sized as {own} MB (+{extra} MB recommends)")
                self.write(f"/usr/lib/apt-packages/{pkg}", int(own * MB))
                if recommends and extra:
                    self.write(f"/usr/lib/apt-packages/{pkg}.recommends", int(extra * MB))
                self.state.tools.update(_APT_TOOLS.get(pkg, ()))
        elif verb in ("clean", "autoclean"):
            pass  # the official images already remove downloaded .debs after every install
        elif verb in ("purge", "remove", "autoremove"):
            for package in packages:
                self.remove(f"/usr/lib/apt-packages/{package}")
                self.remove(f"/usr/lib/apt-packages/{package}.recommends")
        else:
            self.notes.append(f"apt-get {verb} is not simulated")

    _apt = _apt_get

    def _apk(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        rest = [a for a in args if not a.startswith("-")]
        if not rest:
            return
        verb, packages = rest[0], rest[1:]
        index = "/var/cache/apk/APKINDEX.tar.gz"
        if verb == "update":
            self.write(index, int(self.cat["apk_index"] * MB))
        elif verb == "add":
            if "--no-cache" not in args and not self.exists(index):
                self.write(index, int(self.cat["apk_index"] * MB))
            if "--virtual" in args or "-t" in args:
                packages = packages[1:]
            for package in packages:
                pkg = re.split(r"[=<>~]", package)[0]
                (own,) = self.cat["apk"].get(pkg, self.cat["apk"]["default"])
                self.write(f"/usr/lib/apk-packages/{pkg}", int(own * MB))
                self.state.tools.update(_APT_TOOLS.get(pkg, ()))
        elif verb == "del":
            for package in packages:
                self.remove(f"/usr/lib/apk-packages/{package}")
        elif verb == "cache" and packages[:1] == ["clean"]:
            self.remove("/var/cache/apk/*")

    def _dnf(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        rest = [a for a in args if not a.startswith("-")]
        if not rest:
            return
        verb, packages = rest[0], rest[1:]
        cache_path = "/var/cache/dnf/metadata"
        if verb == "install":
            if not self.exists(cache_path):
                self.write(cache_path, int(self.cat["dnf_cache"] * MB))
            for pkg in packages:
                (own,) = self.cat["dnf"].get(pkg, self.cat["dnf"]["default"])
                self.write(f"/usr/lib/rpm-packages/{pkg}", int(own * MB))
        elif verb == "clean":
            self.remove("/var/cache/dnf")

    _yum = _dnf

    def _pip(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        if not args or args[0] != "install":
            return
        no_cache = "--no-cache-dir" in args or self.env.get("PIP_NO_CACHE_DIR", "").lower() in ("1", "true", "yes", "on")
        packages: list[str] = []
        i = 1
        while i < len(args):
            a = args[i]
            if a in ("-r", "--requirement") and i + 1 < len(args):
                packages += self.requirements(args[i + 1])
                i += 2
                continue
            if a.startswith("--requirement="):
                packages += self.requirements(a.partition("=")[2])
            elif not a.startswith("-"):
                packages.append(a)
            i += 1
        for spec in packages:
            name = re.split(r"[=<>!~\[; ]", spec, maxsplit=1)[0].lower()
            own, wheel = self.cat["pip"].get(name, self.cat["pip"]["default"])
            # Content depends on the pinned version: a dependency bump is a new file.
            self.layer[f"/usr/local/lib/python3/site-packages/{name}"] = _File(int(own * MB), _h(self.key, spec))
            if not no_cache:
                self.write(f"/root/.cache/pip/wheels/{name}.whl", int(wheel * MB))

    _pip3 = _pip

    def requirements(self, path: str) -> list[str]:
        full = self.abs(path)
        f = self.files().get(full)
        if f is None:
            raise self.failed(f"ERROR: Could not open requirements file: [Errno 2] No such file or directory: '{path}'", 1)
        lines = (f.text or "").splitlines()
        return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip() and not line.strip().startswith("-")]

    def _npm(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        if not args:
            return
        verb = args[0]
        if verb in ("ci", "install", "i"):
            manifest = self.files().get(self.abs("package.json"))
            named = [a for a in args[1:] if not a.startswith("-")]
            if verb == "ci" and not (self.exists(self.abs("package-lock.json")) or self.exists(self.abs("npm-shrinkwrap.json"))):
                raise self.failed(
                    "npm error The `npm ci` command can only install with an existing package-lock.json or npm-shrinkwrap.json "
                    "with lockfileVersion >= 1", 1,
                )
            deps: dict[str, str] = {}
            if manifest is not None and not named:
                try:
                    data = json.loads(manifest.text or "{}")
                except ValueError:
                    raise self.failed("npm error code EJSONPARSE; npm error JSON.parse Invalid package.json", 1) from None
                deps.update(data.get("dependencies") or {})
                production = any(a in ("--omit=dev", "--production", "--only=production", "--only=prod") for a in args) or self.env.get("NODE_ENV") == "production"
                if not production:
                    deps.update(data.get("devDependencies") or {})
            elif verb == "ci":
                raise self.failed("npm error code ENOENT; npm error enoent Could not read package.json", 254)
            for spec in named:
                name, _, version = spec.rpartition("@") if spec.rfind("@") > 0 else (spec, "", "latest")
                deps[name] = version
            for name, version in sorted(deps.items()):
                own, tarball = self.cat["npm"].get(name, self.cat["npm"]["default"])
                self.layer[self.abs(f"node_modules/{name}")] = _File(int(own * MB), _h(self.key, name, version))
                self.write(f"/root/.npm/_cacache/{name}", int(tarball * MB))
        elif verb == "cache" and args[1:2] == ["clean"]:
            self.remove("/root/.npm")
        elif verb == "run" and args[1:2] == ["build"]:
            self.write("dist/bundle.js", int(self.cat["outputs"]["npm_build"] * MB))

    # -- downloads and archives -----------------------------------------------------------------

    def _fetch(self, url: str, out: str | None, pipe_out: bool) -> str | None:
        name = url.rstrip("/").rsplit("/", 1)[-1]
        size, _ = self.cat["downloads"].get(name, self.cat["downloads"]["default"])
        if pipe_out and out is None:
            return name  # streamed into the next command: never written to disk
        self.write(out or name, int(size * MB))
        return None

    def _curl(self, args: list[str], stdin: str | None, pipe_out: bool) -> str | None:
        out: str | None = None
        url = None
        remote_name = False
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-o", "--output") and i + 1 < len(args):
                out = args[i + 1]
                i += 2
                continue
            if a in ("-O", "--remote-name") or (a.startswith("-") and not a.startswith("--") and "O" in a):
                remote_name = True
            elif re.match(r"^[a-z]+://", a):
                url = a
            i += 1
        if url is None:
            return None
        if out is None and not remote_name and not pipe_out:
            return None  # printed to the build log only
        return self._fetch(url, out, pipe_out and out is None and not remote_name)

    def _wget(self, args: list[str], stdin: str | None, pipe_out: bool) -> str | None:
        out: str | None = None
        url = None
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-O", "--output-document") and i + 1 < len(args):
                out = args[i + 1]
                i += 2
                continue
            if a.startswith("-") and not a.startswith("--") and a.endswith("O-"):
                out = "-"
            elif a.startswith("-") and not a.startswith("--") and a.endswith("O") and i + 1 < len(args):
                out = args[i + 1]
                i += 2
                continue
            if re.match(r"^[a-z]+://", a):
                url = a
            i += 1
        if url is None:
            return None
        if out == "-":
            return self._fetch(url, None, True)
        return self._fetch(url, out, False)

    def _extract(self, archive: str | None, stdin: str | None, dest: str) -> None:
        if archive in (None, "-"):
            if stdin is None:
                return
            name = stdin
        else:
            full = self.abs(archive)
            if not self.exists(full):
                raise self.failed(f"tar: {archive}: Cannot open: No such file or directory", 2)
            name = full.rsplit("/", 1)[-1]
        _, extracted = self.cat["downloads"].get(name, self.cat["downloads"]["default"])
        self.write(posixpath.join(dest, _stem(name)), int(extracted * MB))

    def _tar(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        words = list(args)
        if words and not words[0].startswith("-"):
            words[0] = "-" + words[0]  # "tar xzf archive": the old bundled form
        extract = False
        archive = None
        dest = self.cwd
        i = 0
        while i < len(words):
            a = words[i]
            if a in ("-C", "--directory") and i + 1 < len(words):
                dest = self.abs(words[i + 1])
                i += 2
                continue
            if a.startswith("--directory="):
                dest = self.abs(a.partition("=")[2])
            elif a == "--extract":
                extract = True
            elif a.startswith("--file="):
                archive = a.partition("=")[2]
            elif a.startswith("-") and not a.startswith("--"):
                extract = extract or "x" in a
                if a.endswith("f") and i + 1 < len(words):
                    archive = words[i + 1]
                    i += 2
                    continue
            i += 1
        if extract:
            self._extract(archive, stdin, dest)

    def _unzip(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        dest = self.cwd
        archive = None
        i = 0
        while i < len(args):
            if args[i] == "-d" and i + 1 < len(args):
                dest = self.abs(args[i + 1])
                i += 2
                continue
            if not args[i].startswith("-") and archive is None:
                archive = args[i]
            i += 1
        self._extract(archive, None, dest)

    def _rm(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        for a in args:
            if not a.startswith("-"):
                self.remove(a)

    def _cd(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        self.cwd = self.abs(args[0]) if args else "/root"

    def _go(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        if args[:1] != ["build"]:
            return
        out = None
        for i, a in enumerate(args):
            if a == "-o" and i + 1 < len(args):
                out = args[i + 1]
        self.write(out or posixpath.basename(self.cwd) or "app", int(self.cat["outputs"]["go_binary"] * MB))

    def _chown(self, args: list[str], stdin: str | None, pipe_out: bool) -> None:
        self.copy_up(args)

    _chmod = _chown

    def copy_up(self, args: list[str]) -> None:
        """A recursive chown/chmod of files from earlier layers copies each into this layer
        (the storage driver copies a whole file up to change its metadata, §12.2)."""
        if not any(a.startswith("-") and "R" in a for a in args):
            return
        paths = [a for a in args[1:] if not a.startswith("-")]
        for target in paths:
            root = self.abs(target)
            for path, f in self.files().items():
                if (path == root or path.startswith(root.rstrip("/") + "/")) and path not in self.layer:
                    self.layer[path] = _File(f.size, _h(self.key, "meta", path), f.text)


def build(
    dockerfile: Dockerfile,
    context: BuildContext | None = None,
    cache: BuildCache | None = None,
    *,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    no_cache: bool = False,
) -> BuiltImage:
    """Build ``dockerfile`` with ``context``, reusing and filling ``cache``.

    Args:
        dockerfile: the parsed Dockerfile.
        context: the build context (default: empty).
        cache: the builder's cache, shared across a sequence of builds (default: a fresh one).
        build_args: ``--build-arg`` values.
        target: the stage to build (``--target``; default: the last).
        no_cache: ``--no-cache``: run every step (the cache is still filled).

    Raises:
        SourceError: a step fails (an unknown base image, a COPY source not found, a RUN
            command that fails), positioned at its instruction.
        SourceErrors: a malformed ``.dockerignore``.
    """
    cache = cache if cache is not None else BuildCache()
    builder = _Builder(dockerfile, context or BuildContext(), cache, build_args or {}, no_cache)
    if target is None:
        chosen = dockerfile.stages[-1]
    else:
        found = dockerfile.stage(target)
        if found is None:
            first = dockerfile.stages[0].source
            raise SourceError(dockerfile.file, first.line, first.col, f"target stage \"{target}\" could not be found")
        chosen = found
    try:
        for stage in builder.needed(chosen):
            builder.states[stage.index] = builder.run_stage(stage)
    finally:
        cache.builds += 1
    state = builder.states[chosen.index]
    cfg = state.config
    config = ImageConfig(
        env=tuple(state.env.items()),
        cmd=cfg.get("cmd"),
        entrypoint=cfg.get("entrypoint"),
        workdir=cfg.get("workdir", "/"),
        user=cfg.get("user", ""),
        exposed_ports=tuple(cfg.get("exposed_ports", ())),
        labels=tuple(cfg.get("labels", ())),
        healthcheck=cfg.get("healthcheck"),
        stop_signal=cfg.get("stop_signal"),
        volumes=tuple(cfg.get("volumes", ())),
    )
    unused = sorted(set(builder.build_args) - builder.used_args)
    notes = (f"[Warning] One or more build-args [{' '.join(unused)}] were not consumed",) if unused else ()
    return BuiltImage(state.base, tuple(state.layers), config, tuple(builder.steps), notes)

