"""The simulated image build against Docker's documented behaviour (lab/sim/build.py, docs/ecs-facts.md §12).

Sources named in each test: CACHE = https://docs.docker.com/build/cache/invalidation/,
BP = https://docs.docker.com/build/building/best-practices/, REF = https://docs.docker.com/reference/dockerfile/,
MULTI = https://docs.docker.com/build/building/multi-stage/, LAYERS = https://docs.docker.com/get-started/docker-concepts/building-images/understanding-image-layers/.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.config.dockerfile import parse_dockerfile_text
from lab.errors import SourceError
from lab.sim.build import MB, BuildCache, BuildContext, BuiltImage, ContextFile, base_image, base_layers, build, catalogue, expand, lineage

PY_APP = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "app.py"]
"""

CONTEXT = {"requirements.txt": "flask==3.0.3\nboto3==1.35.0\n", "app.py": "print('hello')\n"}


def run(text: str, context: dict[str, str | ContextFile] | None = None, cache: BuildCache | None = None, **kwargs: object) -> BuiltImage:
    return build(parse_dockerfile_text(text).dockerfile, BuildContext.of(context or {}), cache, **kwargs)  # type: ignore[arg-type]


def cached(image: BuiltImage) -> list[tuple[str, bool]]:
    return [(s.instruction, s.cached) for s in image.steps]


def own_layers(image: BuiltImage) -> list[int]:
    return [layer.size_bytes for layer in image.layers if not layer.base]


# -- layers ----------------------------------------------------------------------------------------


def test_only_run_copy_and_add_make_layers() -> None:
    """BP "Minimize the number of layers": only RUN, COPY and ADD create layers; the rest is metadata."""
    image = run(
        "FROM alpine:3.20\nENV A=1\nLABEL x=y\nWORKDIR /app\nUSER 1000\nEXPOSE 80\nARG V=1\nRUN apk add --no-cache curl\n"
        "COPY app.py .\nADD data.txt /data/\nCMD [\"x\"]\nENTRYPOINT [\"y\"]\nHEALTHCHECK CMD true\nSTOPSIGNAL SIGTERM\n",
        {"app.py": "x", "data.txt": "y"},
    )
    base = len(base_layers("alpine:3.20"))
    assert image.layer_count == base + 3
    assert [s.instruction.split()[0] for s in image.steps if s.layer is not None] == ["RUN", "COPY", "ADD"]
    assert image.config.workdir == "/app" and image.config.user == "1000" and image.config.exposed_ports == ("80/tcp",)
    assert image.config.env == (("A", "1"),) and image.config.labels == (("x", "y"),)


def test_sizes_add_up_from_base_and_layers() -> None:
    """LAYERS: an image is its stack of layers; the size is the sum of what each layer adds."""
    image = run(PY_APP, CONTEXT)
    base = sum(size for _, size in base_layers("python:3.12-slim"))
    assert image.size_bytes == base + sum(own_layers(image))
    pip = catalogue()["pip"]
    assert own_layers(image)[1] == int(pip["flask"][0] * MB) + int(pip["boto3"][0] * MB)


def test_a_file_deleted_in_a_later_layer_still_weighs() -> None:
    """BP "RUN": download, extract and delete an archive in one RUN; a later RUN's rm only hides it (whiteout)."""
    later = run("FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n")
    same = run("FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n")
    lists = int(catalogue()["apt_lists"] * MB)
    assert own_layers(later)[1] == 0  # the whiteout layer adds nothing ...
    assert later.size_bytes - same.size_bytes == lists  # ... and frees nothing


def test_archive_removed_in_the_same_run_never_reaches_a_layer() -> None:
    """BP: fetch, unpack and remove an archive in one layer; in separate RUNs the archive stays in the image."""
    url = "https://nodejs.org/dist/v20.18.0/node-v20.18.0-linux-x64.tar.xz"
    one = run(f"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nRUN curl -fsSLO {url} && tar -xJf node-v20.18.0-linux-x64.tar.xz -C /opt && rm node-v20.18.0-linux-x64.tar.xz\n")
    split = run(f"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nRUN curl -fsSLO {url}\nRUN tar -xJf node-v20.18.0-linux-x64.tar.xz -C /opt\nRUN rm node-v20.18.0-linux-x64.tar.xz\n")
    archive, extracted = catalogue()["downloads"]["node-v20.18.0-linux-x64.tar.xz"]
    assert own_layers(one)[1] == int(extracted * MB)
    assert split.size_bytes - one.size_bytes == int(archive * MB)
    piped = run(f"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nRUN curl -fsSL {url} | tar -xJ -C /opt\n")
    assert own_layers(piped)[1] == int(extracted * MB)  # streamed: never on disk


def test_no_install_recommends_is_smaller() -> None:
    """BP "apt-get": --no-install-recommends leaves out the recommended packages."""
    lean = run("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends git\n")
    full = run("FROM debian:bookworm\nRUN apt-get update && apt-get install -y git\n")
    assert full.size_bytes - lean.size_bytes == int(catalogue()["apt"]["git"][1] * MB)


def test_apt_get_install_without_update_fails_on_official_images() -> None:
    """The official Debian images ship without package lists (BP "apt-get": always combine update with install)."""
    with pytest.raises(SourceError) as info:
        run("FROM debian:bookworm\nRUN apt-get install -y curl\n")
    assert str(info.value) == (
        'Dockerfile:2:1: E: Unable to locate package curl; process "/bin/sh -c apt-get install -y curl" did not complete successfully: exit code: 100'
    )


def test_pip_cache_dir_weighs_unless_no_cache_dir() -> None:
    """pip keeps downloaded wheels in /root/.cache/pip unless --no-cache-dir (or PIP_NO_CACHE_DIR) is set."""
    lean = run(PY_APP, CONTEXT)
    fat = run(PY_APP.replace(" --no-cache-dir", ""), CONTEXT)
    pip = catalogue()["pip"]
    assert fat.size_bytes - lean.size_bytes == int(pip["flask"][1] * MB) + int(pip["boto3"][1] * MB)
    env = run(PY_APP.replace(" --no-cache-dir", "").replace("WORKDIR /app", "WORKDIR /app\nENV PIP_NO_CACHE_DIR=1"), CONTEXT)
    assert env.size_bytes == lean.size_bytes


def test_npm_ci_needs_a_lockfile_and_omits_dev_dependencies_on_request() -> None:
    """npm docs (npm ci): it needs package-lock.json; --omit=dev leaves devDependencies out (§12.2)."""
    manifest = '{"dependencies": {"express": "^4.19.2"}, "devDependencies": {"jest": "^29.7.0"}}'
    text = "FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci {flags}&& npm cache clean --force\n"
    context = {"package.json": manifest, "package-lock.json": "{}"}
    prod = run(text.format(flags="--omit=dev "), context)
    dev = run(text.format(flags=""), context)
    assert dev.size_bytes - prod.size_bytes == int(catalogue()["npm"]["jest"][0] * MB)
    with pytest.raises(SourceError, match="npm ci` command can only install with an existing package-lock.json"):
        run(text.format(flags=""), {"package.json": manifest})


def test_a_missing_command_fails_with_the_shells_message() -> None:
    """A command the image lacks fails as /bin/sh does (exit code 127), in BuildKit's "did not complete successfully" shape (§12.2)."""
    with pytest.raises(SourceError, match=r"/bin/sh: 1: pip: not found; .*exit code: 127"):
        run("FROM debian:bookworm-slim\nRUN pip install flask\n")


def test_scratch_and_distroless_have_no_shell() -> None:
    """REF "Shell and exec form": the shell form runs /bin/sh -c, which distroless and scratch images lack."""
    with pytest.raises(SourceError, match=r'exec: "/bin/sh": stat /bin/sh: no such file or directory'):
        run("FROM gcr.io/distroless/static-debian12\nRUN echo hi\n")


def test_a_recursive_chown_in_a_later_layer_copies_the_files_up() -> None:
    """Changing a file's owner in a later layer copies the whole file into it (copy-on-write)."""
    big = {"data.bin": ContextFile("x", size_bytes=50 * MB)}
    image = run("FROM debian:bookworm\nCOPY data.bin /data/\nRUN chown -R 1000:1000 /data\n", big)
    assert own_layers(image) == [50 * MB, 50 * MB]
    flag = run("FROM debian:bookworm\nCOPY --chown=1000:1000 data.bin /data/\n", big)
    assert own_layers(flag) == [50 * MB]


# -- the build cache -------------------------------------------------------------------------------


def test_rebuild_without_changes_hits_every_step() -> None:
    """CACHE: each instruction is compared with the cached layers; all match, all are reused with the same digests."""
    cache = BuildCache()
    first = run(PY_APP, CONTEXT, cache)
    second = run(PY_APP, CONTEXT, cache)
    assert not any(c for _, c in cached(first))
    assert all(c for _, c in cached(second))
    assert [layer.digest for layer in first.layers] == [layer.digest for layer in second.layers]


def test_a_code_edit_misses_from_the_copy_of_the_source_on() -> None:
    """CACHE: COPY compares checksums of the files; a miss invalidates every later step. Dependencies stay cached."""
    cache = BuildCache()
    run(PY_APP, CONTEXT, cache)
    edited = run(PY_APP, {**CONTEXT, "app.py": "print('bye')\n"}, cache)
    assert [c for _, c in cached(edited)] == [True, True, True, True, False, False]


def test_copying_the_whole_source_first_reinstalls_dependencies_on_every_edit() -> None:
    """CACHE: order steps from least to most often changed; COPY . . before pip install busts the install."""
    text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\nCMD [\"python\", \"app.py\"]\n"
    cache = BuildCache()
    first = run(text, CONTEXT, cache)
    edited = run(text, {**CONTEXT, "app.py": "print('bye')\n"}, cache)
    install = [s for s in edited.steps if s.instruction.startswith("RUN")][0]
    assert not install.cached
    assert install.layer is not None and install.layer.digest != [s for s in first.steps if s.instruction.startswith("RUN")][0].layer.digest  # type: ignore[union-attr]


def test_a_dependency_bump_misses_from_the_requirements_copy() -> None:
    """CACHE: a changed requirements.txt changes the COPY checksum; it and every later step run again."""
    cache = BuildCache()
    run(PY_APP, CONTEXT, cache)
    bumped = run(PY_APP, {**CONTEXT, "requirements.txt": "flask==3.1.0\nboto3==1.35.0\n"}, cache)
    assert [c for _, c in cached(bumped)] == [True, True, False, False, False, False]


def test_mtime_and_unused_files_do_not_matter_but_metadata_does() -> None:
    """CACHE: the checksum covers content and metadata (mode), not mtime; files a COPY does not name do not count."""
    cache = BuildCache()
    run(PY_APP, CONTEXT, cache)
    same = run(PY_APP, {**CONTEXT, "requirements.txt": ContextFile(CONTEXT["requirements.txt"])}, cache)
    assert [c for _, c in cached(same)] == [True] * 6
    mode = run(PY_APP, {**CONTEXT, "requirements.txt": ContextFile(CONTEXT["requirements.txt"], mode=0o600)}, cache)
    assert [c for _, c in cached(mode)][:4] == [True, True, False, False]


def test_run_matches_on_the_command_string_only() -> None:
    """CACHE: for RUN only the command string is compared, so `RUN apt-get update` stays cached forever."""
    cache = BuildCache()
    text = "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n"
    run(text, cache=cache)
    again = run(text, cache=cache)
    assert all(c for _, c in cached(again))
    changed = run(text.replace("curl", "curl wget"), cache=cache)
    assert [c for _, c in cached(changed)] == [True, True, False]
    spaced = run(text.replace("apt-get update", "apt-get  update"), cache=cache)
    assert [c for _, c in cached(spaced)] == [True, False, False]


def test_no_cache_reruns_every_step_with_new_layer_digests() -> None:
    """CACHE: --no-cache forces every step to run; a re-run layer is a new blob."""
    cache = BuildCache()
    first = run(PY_APP, CONTEXT, cache)
    forced = run(PY_APP, CONTEXT, cache, no_cache=True)
    assert not any(c for _, c in cached(forced))
    assert [x.digest for x in first.layers if not x.base] != [x.digest for x in forced.layers if not x.base]
    assert [x.digest for x in first.layers if x.base] == [x.digest for x in forced.layers if x.base]


def test_an_arg_value_misses_at_its_first_use_not_its_declaration() -> None:
    """REF "Impact on build caching": a changed ARG value misses at its first use; every RUN after the ARG uses it."""
    text = "FROM alpine:3.20\nARG VERSION=1\nENV KEEP=x\nRUN echo build\n"
    cache = BuildCache()
    run(text, cache=cache)
    other = run(text, cache=cache, build_args={"VERSION": "2"})
    assert [c for _, c in cached(other)] == [True, True, True, False]
    env_text = "FROM alpine:3.20\nARG VERSION=1\nENV APP_VERSION=$VERSION\nRUN echo build\n"
    run(env_text, cache=cache)
    env_other = run(env_text, cache=cache, build_args={"VERSION": "2"})
    assert [c for _, c in cached(env_other)] == [True, True, False, False]
    assert dict(env_other.config.env) == {"APP_VERSION": "2"}


def test_unused_build_args_are_warned_about() -> None:
    """REF "ARG": a --build-arg no ARG declares is reported as not consumed."""
    image = run("FROM alpine:3.20\nRUN echo\n", build_args={"NOPE": "1"})
    assert image.notes == ("[Warning] One or more build-args [NOPE] were not consumed",)


def test_global_args_feed_from_lines() -> None:
    """REF "Understand how ARG and FROM interact": an ARG before FROM is usable in FROM."""
    image = run("ARG PY=3.12\nFROM python:${PY}-alpine\n", build_args={"PY": "3.12"})
    assert image.base == "python:3.12-alpine"


# -- .dockerignore and COPY ------------------------------------------------------------------------


def test_dockerignore_keeps_files_out_of_copy_and_out_of_the_cache_key() -> None:
    """Docker docs "Build context": excluded files never reach COPY; changing them does not bust the cache."""
    context = {**CONTEXT, ".dockerignore": "*.log\nnode_modules\n", "debug.log": "x" * 1000, "node_modules/x.js": "y"}
    cache = BuildCache()
    first = run(PY_APP, context, cache)
    copy_all = [s for s in first.steps if s.instruction == "COPY . ."][0]
    assert copy_all.layer is not None
    assert copy_all.layer.size_bytes == sum(len(v) for k, v in context.items() if k in ("requirements.txt", "app.py", ".dockerignore"))
    again = run(PY_APP, {**context, "debug.log": "changed"}, cache)
    assert all(c for _, c in cached(again))


def test_copy_of_an_ignored_file_is_not_found() -> None:
    """Docker docs "Build context": a file .dockerignore excludes is not in the context, so COPY cannot find it."""
    with pytest.raises(SourceError) as info:
        run(PY_APP, {**CONTEXT, ".dockerignore": "requirements.txt\n"})
    assert str(info.value) == 'Dockerfile:3:1: failed to compute cache key: failed to calculate checksum of ref: "/requirements.txt": not found'


def test_copy_globs_and_directories() -> None:
    """REF "COPY": a directory's contents are copied; wildcards match by Go's filepath.Match."""
    image = run("FROM alpine:3.20\nCOPY package*.json ./\nCOPY src /app/src\n", {"package.json": "{}", "package-lock.json": "{}", "src/a.py": "aa", "src/b/c.py": "ccc", "other": "zz"})
    assert own_layers(image) == [4, 5]


# -- multi-stage -------------------------------------------------------------------------------------


GO_APP = """\
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod main.go ./
RUN go build -o /out/app .
FROM alpine:3.20 AS unused
RUN apk add --no-cache curl
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""


def test_multi_stage_only_what_copy_from_names_reaches_the_final_image() -> None:
    """MULTI: the final image holds its own base plus what COPY --from copies; the builder's toolchain stays behind."""
    image = run(GO_APP, {"go.mod": "module x\n", "main.go": "package main\n"})
    distroless = sum(size for _, size in base_layers("gcr.io/distroless/static-debian12"))
    assert image.base == "gcr.io/distroless/static-debian12"
    assert image.size_bytes == distroless + int(catalogue()["outputs"]["go_binary"] * MB)
    assert image.layer_count == len(base_layers("gcr.io/distroless/static-debian12")) + 1
    assert image.config.entrypoint == ("/app",)


def test_stages_the_target_does_not_need_are_skipped() -> None:
    """MULTI "Differences between legacy builder and BuildKit": BuildKit builds only the stages the target depends on."""
    image = run(GO_APP, {"go.mod": "module x\n", "main.go": "package main\n"})
    assert {s.stage for s in image.steps} == {0, 2}


def test_target_builds_a_named_stage() -> None:
    """MULTI "Stop at a specific build stage": --target builds a named stage."""
    image = run(GO_APP, {"go.mod": "m", "main.go": "p"}, target="unused")
    assert image.base == "alpine:3.20"
    with pytest.raises(SourceError, match='target stage "nope" could not be found'):
        run(GO_APP, {"go.mod": "m", "main.go": "p"}, target="nope")


def test_copy_from_an_unknown_stage_is_refused() -> None:
    """MULTI: COPY --from names an earlier stage (copying from another image is not simulated, docs/dockerfiles.md)."""
    with pytest.raises(SourceError, match=r"Dockerfile:2:1: COPY --from=builder: no earlier stage"):
        run("FROM alpine:3.20\nCOPY --from=builder /x /x\n")


def test_an_unknown_base_image_is_positioned_at_from() -> None:
    """A FROM outside the catalogue fails at the FROM line, listing the known images."""
    with pytest.raises(SourceError, match=r"^Dockerfile:1:1: pyhton:3.12: not found"):
        run("FROM pyhton:3.12\n")


# -- determinism and helpers -------------------------------------------------------------------------


def test_builds_are_deterministic() -> None:
    """House rule: the same Dockerfile, context and cache give the same image (no wall clock, no network)."""
    a = run(GO_APP, {"go.mod": "m", "main.go": "p"})
    b = run(GO_APP, {"go.mod": "m", "main.go": "p"})
    assert a == b


def test_images_on_one_base_share_its_layers() -> None:
    """LAYERS: layers are shared between images; python:3.12-slim and node:20-slim are both FROM
    debian:bookworm-slim, so a host holding one fetches only the other's own layers."""
    python = run("FROM python:3.12-slim\n")
    node = run("FROM node:20-slim\n")
    debian = run("FROM debian:bookworm-slim\n")
    shared = {x.digest for x in python.layers} & {x.digest for x in node.layers}
    assert shared == {x.digest for x in debian.layers}
    assert [name for name, _ in lineage("python:3.12")] == ["python:3.12", "buildpack-deps:bookworm", "buildpack-deps:bookworm-scm", "buildpack-deps:bookworm-curl", "debian:bookworm"]


def test_the_catalogue_is_consistent() -> None:
    """Every parent and alias names a catalogue image; sizes are positive; every image has a family."""
    data = catalogue()
    images = data["base_images"]
    for name, entry in images.items():
        assert entry.get("parent") is None or entry["parent"] in images, name
        assert all(mb > 0 for mb in entry["layers"]), name
        assert any("family" in e for _, e in lineage(name)), name
    assert all(target in images for target in data["aliases"].values())
    for table in ("apt", "pip", "npm", "apk", "dnf", "downloads"):
        assert "default" in data[table]
    assert 370 * MB < sum(size for _, size in base_layers("python:3.12")) < 390 * MB  # Docker Hub: about 380 MB


def test_base_image_aliases() -> None:
    """Docker Hub moving tags: alpine means alpine:3.20 in the catalogue; library/ and docker.io/ prefixes are ignored."""
    assert base_image("docker.io/library/alpine")[0] == "alpine:3.20"  # type: ignore[index]
    assert base_image("python:3.12-slim-bookworm")[0] == "python:3.12-slim"  # type: ignore[index]
    assert base_image("nosuch:1") is None


def test_expand() -> None:
    """REF "Environment replacement": $x, ${x}, ${x:-word}, ${x:+word}, and \\$ stays literal."""
    values = {"A": "1", "E": ""}
    assert expand("$A ${A} ${B:-dflt} ${A:+set} ${E:+set} \\$A", values) == "1 1 dflt set  $A"


# -- invariants ----------------------------------------------------------------------------------------

_LINES = [
    "RUN apt-get update",
    "RUN apt-get install -y curl",
    "RUN apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*",
    "RUN rm -rf /var/lib/apt/lists/*",
    "RUN curl -fsSLO https://example.com/x.tar.gz && tar xzf x.tar.gz -C /opt",
    "RUN rm -f x.tar.gz",
    "RUN pip install flask",
    "RUN pip install --no-cache-dir -r requirements.txt",
    "COPY requirements.txt .",
    "COPY . .",
    "ENV A=1",
    "ARG V=2",
    "WORKDIR /app",
    "RUN echo $V > /v.txt",
    "RUN chown -R 1000 /app",
    'RUN echo "unterminated',
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_LINES), max_size=8), st.sampled_from(["python:3.12", "python:3.12-slim", "debian:bookworm", "alpine:3.20"]))
def test_any_build_adds_up_and_rebuilds_from_cache(lines: list[str], base: str) -> None:
    """Invariants: a build succeeds or fails at a position; the size is the sum of its layers; a
    layer never weighs less than zero; an unchanged rebuild reuses every step and every digest."""
    text = f"FROM {base}\n" + "".join(f"{line}\n" for line in lines)
    cache = BuildCache()
    try:
        first = run(text, CONTEXT, cache)
    except SourceError as exc:
        assert exc.line >= 2 and exc.col == 1
        return
    assert first.size_bytes == sum(layer.size_bytes for layer in first.layers)
    assert all(layer.size_bytes >= 0 for layer in first.layers)
    assert first.layer_count == len(base_layers(base)) + sum(1 for line in lines if line.split()[0] in ("RUN", "COPY"))
    second = run(text, CONTEXT, cache)
    assert all(s.cached for s in second.steps)
    assert second.layers == tuple(
        type(layer)(layer.digest, layer.size_bytes, layer.instruction, layer.line, True, layer.base) for layer in first.layers
    )
