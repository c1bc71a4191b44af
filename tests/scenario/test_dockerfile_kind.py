"""The ``dockerfile`` file kind: world.builds, the build refusal, ImageBuilt/ImagePushed and the pulls they feed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lab.errors import SourceErrors
from lab.scenario.simdoc import apply_files, build_world, load_sim_document, parse_config_file
from lab.sim.events import ApiCallFailed, ImageBuilt, ImagePullStarted, ImagePushed
from lab.yaml_source import Document

ROOT = Path(__file__).resolve().parents[2]
SIM = ROOT / "content" / "sims" / "image-build.yaml"


def _doc(tmp_path: Path, edit=None) -> Path:
    data = yaml.safe_load(SIM.read_text())
    if edit is not None:
        edit(data)
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _dockerfile(text: str, name: str = "Dockerfile"):
    return parse_config_file(Document("Dockerfile", text, text), (), name, "dockerfile")


def test_applying_a_dockerfile_builds_pushes_and_tasks_pull_only_missing_layers() -> None:
    """The build logs its layers and pushes them; hosts that already hold the base (from another image) fetch only the rest."""
    loaded = load_sim_document(SIM)
    world = build_world(loaded, seed=1)
    world.run(until=120)
    (built,) = world.log.of_type(ImageBuilt)
    assert built.image == "web:2.0.0" and built.dockerfile == "Dockerfile"
    assert built.size_bytes == sum(size for _, size, _ in built.layers)
    assert [ins.split()[0] for ins, _, _ in built.layers] == ["FROM"] * 4 + ["COPY", "RUN", "COPY"]
    assert built.cached_steps == 0
    (pushed,) = world.log.of_type(ImagePushed)
    assert pushed.image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2.0.0"
    # A new repository: every layer is uploaded, even the base worker:1.0.0 already pushed to
    # another repository (ECR mounts blobs across repositories only with BLOB_MOUNTING enabled).
    assert (pushed.layers_total, pushed.layers_existing) == (7, 0)
    web_pulls = [e for e in world.log.of_type(ImagePullStarted) if e.image.endswith("web:2.0.0")]
    assert web_pulls and all(e.layers_total == 7 for e in web_pulls)


def test_a_rebuild_after_a_code_edit_reuses_the_dependency_layer(tmp_path: Path) -> None:
    """A live edit of the Dockerfile rebuilds with the world's one cache: the steps before the change are CACHED."""
    loaded = load_sim_document(SIM)
    world = build_world(loaded, seed=1)
    world.run(until=60)
    text = loaded.files["Dockerfile"].document.text  # type: ignore[union-attr]
    edited = _dockerfile(text.replace('CMD ["gunicorn"', 'EXPOSE 8080\nCMD ["gunicorn"'))
    apply_files(world, [edited])
    first, second = world.log.of_type(ImageBuilt)
    assert second.at == 60.0
    assert [cached for _, _, cached in second.steps] == [True, True, True, True, False, False]
    assert [layer[:2] for layer in second.layers] == [layer[:2] for layer in first.layers]
    (_, pushed) = world.log.of_type(ImagePushed)
    assert pushed.layers_existing == pushed.layers_total and pushed.bytes_uploaded == 0


def test_a_dockerfile_that_cannot_build_is_refused_at_its_line(tmp_path: Path) -> None:
    """COPY of a file the context lacks: file:line:col with BuildKit's words when loading."""

    def edit(data):
        data["files"]["Dockerfile"]["content"] = data["files"]["Dockerfile"]["content"].replace("requirements.txt .", "requirements.lock .")

    with pytest.raises(SourceErrors) as info:
        load_sim_document(_doc(tmp_path, edit))
    (diag,) = info.value.diagnostics
    assert diag.line > 0 and "requirements.lock" in diag.message


def test_a_live_edit_that_cannot_build_is_a_failed_call_and_keeps_the_old_image() -> None:
    """Applied live, a failing build is ApiCallFailed (PutImage: the push never happens) and nothing is pushed."""
    loaded = load_sim_document(SIM)
    world = build_world(loaded, seed=1)
    world.run(until=30)
    broken = _dockerfile("FROM python:3.12-slim\nRUN apt-get install -y curl\n")
    from lab.scenario.simdoc import check_files

    (checked,) = check_files(loaded, {"Dockerfile": broken}, collect_refusals=True).values()
    apply_files(world, [checked])
    (failed,) = world.log.of_type(ApiCallFailed)
    assert failed.operation == "PutImage" and "Unable to locate package curl" in failed.error
    assert len(world.log.of_type(ImagePushed)) == 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["world"].pop("builds"), "no world.builds entry says which image it builds"),
        (lambda d: d["world"]["builds"][0].update(dockerfile="Dockerfile.api"), "no file of kind dockerfile is named 'Dockerfile.api'"),
    ],
)
def test_builds_and_dockerfiles_must_name_each_other(tmp_path: Path, edit, message: str) -> None:
    with pytest.raises(SourceErrors) as info:
        load_sim_document(_doc(tmp_path, edit))
    assert any(message in d.message for d in info.value.diagnostics), info.value.diagnostics


def test_an_unchanged_dockerfile_in_an_answer_is_not_rebuilt() -> None:
    """The same text read from an answer folder (other file, other lines) is the same file: no second build."""
    from lab.scenario.loader import load_scenario

    loaded = load_scenario(ROOT / "scenarios" / "cache-busting-copy-order.yaml")
    text = loaded.files["Dockerfile"].document.text  # type: ignore[union-attr]
    answer = {"Dockerfile": _dockerfile(text)}
    assert answer["Dockerfile"].model == loaded.files["Dockerfile"].model
    world = build_world(loaded, seed=1, answer=answer)
    world.run(until=10)
    assert len(world.log.of_type(ImageBuilt)) == 1
