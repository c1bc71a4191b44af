"""Provides workspaces: writing a scenario's starting files, and reading a learner's answer.

An answer is a folder holding the scenario's files by their declared names (YAML or JSON).
Only declared names are read; a file over 256 KiB, a name with a path separator or ``..``,
a special file (FIFO, device) or a symlink that leads out of the folder is refused with a
clear message. Files are opened once, through the folder's descriptor, never checked and
then opened again. A declared file
missing from the folder means the learner left it as it started.
"""

from __future__ import annotations

import contextlib
import errno
import dataclasses
import os
from pathlib import Path

from lab.errors import Diagnostic, SourceError, SourceErrors, UsageError
from lab.scenario import editor_schema
from lab.scenario.loader import LoadedScenario
from lab.scenario.simdoc import ConfigFile, file_document, parse_config_file
from lab.yaml_source import UnsafeFile, read_regular

__all__ = [
    "MAX_ANSWER_BYTES",
    "READ_ONLY_COMMENT",
    "read_answer",
    "schema_kind",
    "schema_texts",
    "starting_text",
    "workspace_text",
    "write_new_file",
    "write_schemas",
    "write_start",
]

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
"""The line ``lab start`` writes at the top of a read-only file (after a YAML file's schema line), where its format has comments."""


def schema_kind(loaded: LoadedScenario, name: str) -> str | None:
    """The kind whose editor schema a written file points at (None: JSON or plain text, no comment line)."""
    kind = loaded.scenario.files[name].kind
    if not name.endswith((".yaml", ".yml")) or kind not in editor_schema.schema_kinds():
        return None
    return kind


def _modeline(loaded: LoadedScenario, name: str) -> str:
    """The yaml-language-server line of a YAML file: its kind's schema, in the folder beside it."""
    kind = schema_kind(loaded, name)
    if kind is None:
        return ""
    return editor_schema.modeline(f"{editor_schema.SCHEMA_FOLDER}/{editor_schema.schema_file(kind)}")


def workspace_text(loaded: LoadedScenario, name: str) -> str:
    """A file as ``lab start`` writes it: the starting text, marked when the file is read-only.

    A YAML file's first line names its schema for editors (``# yaml-language-server:
    $schema=.schemas/<kind>.schema.json``); YAML files and ``ecs.config`` lines take a ``#``
    comment, so a read-only one is marked on the next line. JSON has no comments, so a JSON
    file is written as it is.
    """
    text = starting_text(loaded, name)
    if loaded.scenario.files[name].readonly and not name.endswith(".json"):
        text = READ_ONLY_COMMENT + text
    return _modeline(loaded, name) + text


def _edited(loaded: LoadedScenario, name: str, text: str) -> bool:
    """Whether a read-only file's text differs from what the scenario gave (the comment lines aside)."""
    body = text.removeprefix(_modeline(loaded, name)).removeprefix(READ_ONLY_COMMENT)
    return body.strip() != starting_text(loaded, name).strip()


def schema_texts(loaded: LoadedScenario) -> dict[str, str]:
    """The schema files ``lab start`` writes under ``.schemas/``: file name → JSON text."""
    out: dict[str, str] = {}
    for name in loaded.scenario.files:
        kind = schema_kind(loaded, name)
        schema = editor_schema.kind_schema(kind) if kind is not None else None
        if kind is not None and schema is not None:
            out[editor_schema.schema_file(kind)] = editor_schema.render(schema)
    return out


def write_start(loaded: LoadedScenario, directory: Path, *, force: bool = False) -> list[Path]:
    """Write the starting files into ``directory`` (created if needed), and their editor schemas.

    A file that exists with other content is never overwritten unless ``force`` is set:
    it may hold the learner's work. Nothing is written through a symbolic link: each file is
    written to a new temporary file (``O_EXCL | O_NOFOLLOW``) renamed over the name, which
    replaces a link planted there instead of following it. The schemas the YAML files name
    in their first line go to ``.schemas/`` in the folder (always rewritten: they are
    generated, never the learner's work), so an editor opening the folder finds them by the
    relative path and the folder works anywhere it is copied.

    Returns:
        The starting files written (not the schemas).

    Raises:
        UsageError: the folder cannot be used, or a file there would be overwritten.
    """
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder")
    texts = {name: workspace_text(loaded, name) for name in loaded.scenario.files}
    clashes = [name for name, text in texts.items() if _existing_text(directory / name) not in (None, text)]
    schemas = schema_texts(loaded)
    if schemas:
        _check_schema_folder(directory)
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
            write_new_file(path, text)
            written.append(path)
        write_schemas(directory, schemas)
    except OSError as exc:
        raise UsageError(f"cannot write to {directory}: {exc.strerror}") from None
    return written


def _check_schema_folder(directory: Path) -> Path:
    folder = directory / editor_schema.SCHEMA_FOLDER
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        # A link there could lead the schemas anywhere; a file there is not ours to replace.
        raise UsageError(f"{folder} exists and is not a folder; remove it, or choose another folder")
    return folder


def write_schemas(directory: Path, schemas: dict[str, str]) -> list[Path]:
    """Write schema files (file name → text) into ``directory/.schemas/``, replacing older ones.

    Used by ``lab start`` and ``lab new``: the files they write name these schemas by a
    relative path. Written like the starting files (a fresh file renamed, no link followed).

    Raises:
        UsageError: ``.schemas`` there is a file or a symbolic link, or cannot be written.
    """
    if not schemas:
        return []
    folder = _check_schema_folder(directory)
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, text in schemas.items():
            write_new_file(folder / file_name, text)
            written.append(folder / file_name)
    except OSError as exc:
        raise UsageError(f"cannot write to {folder}: {exc.strerror}") from None
    return written


def _existing_text(path: Path) -> str | None:
    """What a file there holds (None: nothing there); a link or special file never matches."""
    if not os.path.lexists(path):
        return None
    try:
        return read_regular(path, max_bytes=MAX_ANSWER_BYTES, follow_symlinks=False).decode("utf-8", errors="replace")
    except OSError:
        return "\0not a plain file"  # a symlink, FIFO or unreadable file: counted as a clash


def write_new_file(path: Path, text: str) -> None:
    """Write ``path`` atomically without following any link (a fresh temp file, renamed)."""
    for n in range(100):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{n}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return
    raise OSError(errno.EEXIST, "no free temporary name", str(path))


def _check_name(directory: Path, name: str) -> Path:
    if "/" in name or "\\" in name or name in (".", "..") or ".." in name.split(".") or "\0" in name:
        raise UsageError(f"refusing file name '{name}': it must be a plain name with no path separators or '..'")
    return directory / name


def _read_answer_file(directory: Path, dir_fd: int, name: str) -> bytes | None:
    """A declared file's bytes, read through the folder's descriptor (None: not there).

    Opened once with ``O_NOFOLLOW``: a regular file is read; a symbolic link is followed only
    when it names a plain file in the same folder (``role.yaml -> mine.yaml``), again with
    ``O_NOFOLLOW``; anything else is refused. No path is checked and then opened again, so
    a link swapped in meanwhile is never followed out of the folder.
    """
    path = directory / name
    try:
        return read_regular(name, max_bytes=MAX_ANSWER_BYTES, follow_symlinks=False, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except UnsafeFile as exc:
        if exc.errno == errno.EFBIG:
            raise UsageError(f"{path}: over the {MAX_ANSWER_BYTES // 1024} KiB limit for an answer file") from None
        if exc.errno != errno.ELOOP:
            raise UsageError(f"{path}: {exc.strerror}; expected a file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    # A symbolic link: one hop to a plain name in the same folder.
    try:
        target = os.readlink(name, dir_fd=dir_fd)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    if "/" in target or target in (".", ".."):
        raise UsageError(f"{path}: a symlink that leads out of {directory} is refused")
    try:
        return read_regular(target, max_bytes=MAX_ANSWER_BYTES, follow_symlinks=False, dir_fd=dir_fd)
    except FileNotFoundError:
        raise UsageError(f"{path}: a symlink to '{target}', which does not exist") from None
    except UnsafeFile as exc:
        if exc.errno == errno.EFBIG:
            raise UsageError(f"{path}: over the {MAX_ANSWER_BYTES // 1024} KiB limit for an answer file") from None
        if exc.errno == errno.ELOOP:
            raise UsageError(f"{path}: a symlink to another symlink ('{target}') is refused") from None
        raise UsageError(f"{path}: '{target}' {exc.strerror}; expected a file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None


_ANSWER_SUFFIXES = (".yaml", ".yml", ".json")


def _refuse_a_misnamed_file(directory: Path, dir_fd: int, name: str) -> None:
    """Refuse a folder that lacks ``name`` but holds it under another case or suffix.

    The missing file would be graded as the starting one: the learner's edits, in
    ``Service.yaml`` or ``service.yml``, silently ignored.

    Raises:
        UsageError: naming the file found and the name it must have.
    """
    wanted = Path(name)
    stems = {wanted.stem.casefold()} if wanted.suffix in _ANSWER_SUFFIXES else set()
    try:
        entries = os.listdir(dir_fd)
    except OSError:
        return  # the declared files are read one by one, and a listing adds nothing to them
    for entry in sorted(entries):
        found = Path(entry)
        if entry != name and (entry.casefold() == name.casefold() or (found.suffix.casefold() in _ANSWER_SUFFIXES and found.stem.casefold() in stems)):
            raise UsageError(f"{directory / entry}: rename it {name}: the lab reads your file only under that exact name (case and suffix too), and would grade the starting {name} instead")


def read_answer(loaded: LoadedScenario, directory: Path) -> dict[str, ConfigFile]:
    """Read a learner's answer folder: each declared file that is there, parsed as its kind.

    The folder is opened once and every file is opened through it (see ``_read_answer_file``).

    Returns:
        The parsed files by name (refusals collected, so a file AWS refuses is graded, not
        rejected); declared files missing from the folder are left out.

    Raises:
        UsageError: the folder is missing or holds none of the declared files, or a name or file is refused (size, symlink, a
            special file), or a declared file is missing but there under another case or
            suffix (``Service.yaml``, ``service.yml``).
        SourceErrors: a file is not valid YAML/JSON or breaks its AWS shape.
    """
    try:
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UsageError(f"answer folder {directory} does not exist") from None
    except OSError as exc:
        why = "a symbolic link loop" if exc.errno == errno.ELOOP else exc.strerror
        raise UsageError(f"answer folder {directory}: {why}") from None
    answer: dict[str, ConfigFile] = {}
    problems = []
    present = 0
    try:
        for name, spec in loaded.scenario.files.items():
            path = _check_name(directory, name)
            raw = _read_answer_file(directory, dir_fd, name)
            if raw is None:
                _refuse_a_misnamed_file(directory, dir_fd, name)
                continue
            present += 1
            try:
                text = raw.decode("utf-8")
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
                doc = file_document(text, str(path), spec.kind, max_bytes=MAX_ANSWER_BYTES)
                if doc.data is None:
                    raise SourceError(str(path), 1, 1, "the file is empty; expected its configuration")
                answer[name] = parse_config_file(doc, (), name, spec.kind, collect_refusals=True)
            except SourceErrors as exc:
                problems.extend(exc.diagnostics)
            except SourceError as exc:
                problems.append(exc.diagnostic)
    finally:
        os.close(dir_fd)
    if not present:
        # Graded, it would be the starting files under the learner's name (and recorded as an attempt).
        names = ", ".join(loaded.scenario.files)
        raise UsageError(f"answer folder {directory} holds none of the scenario's files ({names})")
    if problems:
        raise SourceErrors(problems)
    return answer
