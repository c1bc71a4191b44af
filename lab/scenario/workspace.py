"""Provides workspaces: writing a scenario's starting files, and reading a learner's answer.

An answer is a folder holding the scenario's files by their declared names (YAML or JSON).
Only declared names are read; a file over 256 KiB, a name with a path separator or ``..``,
or a symlink that leads out of the folder is refused with a clear message. A declared file
missing from the folder means the learner left it as it started.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from lab.errors import Diagnostic, SourceError, SourceErrors, UsageError
from lab.scenario.loader import LoadedScenario
from lab.scenario.simdoc import ConfigFile, parse_config_file
from lab.yaml_source import load_text

__all__ = ["MAX_ANSWER_BYTES", "READ_ONLY_COMMENT", "read_answer", "starting_text", "workspace_text", "write_start"]

MAX_ANSWER_BYTES = 256 * 1024
"""Largest answer file read (256 KiB)."""


def starting_text(loaded: LoadedScenario, name: str) -> str:
    """A file's starting content as the learner sees it (YAML text)."""
    import yaml

    content = loaded.scenario.files[name].content
    if isinstance(content, str):
        return content if content.endswith("\n") else content + "\n"
    return yaml.safe_dump(content, sort_keys=False)


READ_ONLY_COMMENT = "# Read-only: this file is part of the scenario. Read it; edits to it are ignored when graded.\n"
"""The first line ``lab start`` writes in a read-only file, where its format has comments."""


def workspace_text(loaded: LoadedScenario, name: str) -> str:
    """A file as ``lab start`` writes it: the starting text, marked when the file is read-only.

    YAML files and ``ecs.config`` lines take a ``#`` comment; JSON has no comments, so a
    read-only JSON file is written as it is.
    """
    text = starting_text(loaded, name)
    if loaded.scenario.files[name].readonly and not name.endswith(".json"):
        return READ_ONLY_COMMENT + text
    return text


def _edited(loaded: LoadedScenario, name: str, text: str) -> bool:
    """Whether a read-only file's text differs from what the scenario gave (the marker aside)."""
    return text.removeprefix(READ_ONLY_COMMENT).strip() != starting_text(loaded, name).strip()


def write_start(loaded: LoadedScenario, directory: Path, *, force: bool = False) -> list[Path]:
    """Write the starting files into ``directory`` (created if needed).

    A file that exists with other content is never overwritten unless ``force`` is set:
    it may hold the learner's work.

    Returns:
        The paths written.

    Raises:
        UsageError: the folder cannot be used, or a file there would be overwritten.
    """
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder")
    texts = {name: workspace_text(loaded, name) for name in loaded.scenario.files}
    clashes = [
        name for name, text in texts.items()
        if (directory / name).exists() and (directory / name).read_text(encoding="utf-8", errors="replace") != text
    ]
    if clashes and not force:
        raise UsageError(
            f"{directory} already has {', '.join(clashes)} with other content (your work?); "
            "choose another --dir, or pass --force to overwrite"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in texts.items():
            path = directory / name
            tmp = path.with_name(f".{name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
            written.append(path)
    except OSError as exc:
        raise UsageError(f"cannot write to {directory}: {exc.strerror}") from None
    return written


def _safe_path(directory: Path, name: str) -> Path:
    if "/" in name or "\\" in name or name in (".", "..") or ".." in name.split("."):
        raise UsageError(f"refusing file name '{name}': it must be a plain name with no path separators or '..'")
    path = directory / name
    root = directory.resolve()
    real = path.resolve()
    if real.parent != root:
        raise UsageError(f"{path}: a symlink that leads out of {directory} is refused")
    return path


def read_answer(loaded: LoadedScenario, directory: Path) -> dict[str, ConfigFile]:
    """Read a learner's answer folder: each declared file that is there, parsed as its kind.

    Returns:
        The parsed files by name (refusals collected, so a file AWS refuses is graded, not
        rejected); declared files missing from the folder are left out.

    Raises:
        UsageError: the folder is missing, or a name or file is refused (size, symlink).
        SourceErrors: a file is not valid YAML/JSON or breaks its AWS shape.
    """
    if not directory.is_dir():
        raise UsageError(f"answer folder {directory} does not exist")
    answer: dict[str, ConfigFile] = {}
    problems = []
    for name, spec in loaded.scenario.files.items():
        path = _safe_path(directory, name)
        if not path.exists():
            continue
        if not path.is_file():
            raise UsageError(f"{path}: expected a file")
        size = path.stat().st_size
        if size > MAX_ANSWER_BYTES:
            raise UsageError(f"{path}: {size // 1024} KiB is over the {MAX_ANSWER_BYTES // 1024} KiB limit for an answer file")
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        if spec.readonly:
            if _edited(loaded, name, text):
                # Graded with the scenario's own content: the same model, so nothing is
                # re-applied; only the note travels with it into the report.
                note = Diagnostic(str(path), 1, 1, f"{name} is read-only: your edits to it are ignored; it was graded as the scenario gives it")
                answer[name] = dataclasses.replace(loaded.files[name], notes=(note,), refusals=(), cross_refusals=())
            continue
        try:
            doc = load_text(text, str(path), max_bytes=MAX_ANSWER_BYTES)
            if doc.data is None:
                raise SourceError(str(path), 1, 1, "the file is empty; expected its configuration")
            answer[name] = parse_config_file(doc, (), name, spec.kind, collect_refusals=True)
        except SourceErrors as exc:
            problems.extend(exc.diagnostics)
        except SourceError as exc:
            problems.append(exc.diagnostic)
    if problems:
        raise SourceErrors(problems)
    return answer
