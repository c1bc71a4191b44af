"""Provides the learner's progress and autosaved edits, stored under the XDG data directory.

``$XDG_DATA_HOME/ecs-lab/`` (default ``~/.local/share/ecs-lab/``; ``LAB_DATA_DIR`` overrides
it) holds ``progress.json`` (per scenario: status, best score, hints used, seconds spent,
whether the solution was revealed) and ``workspaces/<scenario id>/<file>`` (the learner's
edits).

The store never loses a write:

- every change is a read-modify-write under an exclusive lock (``progress.json.lock``, see
  :func:`update`), applied to the scenario it concerns in the file as it is *now*: a TUI open
  for an hour saves its hint count without undoing the pass ``lab grade`` recorded meanwhile;
- every write is atomic (a temporary file, then a rename): a killed process leaves the old
  or the new file, and the temporary files of killed writers are removed by the next one;
- a file that cannot be read (not UTF-8, not JSON, NaN, a wrong type, a newer version) is
  kept aside under a name of its own (``progress.json.corrupt``, ``.corrupt.1``, ...),
  reported, and the store starts empty: the lab never crashes on it;
- a write that fails (a full disk, a read-only folder) raises nothing: the change stays in
  memory (``pending``), ``save_problem`` says why, and the next change or :meth:`retry`
  writes it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import math
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ProgressStore", "ScenarioProgress", "data_dir", "locked", "read_json", "update"]

STATUSES = ("new", "attempted", "passed")
VERSION = 1
MAX_PROGRESS_BYTES = 16 * 1024 * 1024
"""A progress file larger than this is not read (it is kept aside as corrupt)."""


def data_dir() -> Path:
    """Where the lab keeps the learner's data."""
    override = os.environ.get("LAB_DATA_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ecs-lab"


# -- files -------------------------------------------------------------------------------------


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` so that a crash leaves the old or the new content.

    The temporary file is removed when the write fails; ``path`` itself is never followed
    if it is a symbolic link (the rename replaces the link).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _remove_stale_temps(path: Path) -> None:
    """Remove the temporary files of writers that were killed (call only under the lock)."""
    prefix = f".{path.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (``flock`` on ``<path>.lock`` beside it).

    Every writer of ``path`` takes it, so read-modify-write cycles never interleave. The
    lock file stays (removing it would let two processes lock two different files).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class CorruptFile(ValueError):
    """A stored file that cannot be read as what it should be."""


def _reject_constant(name: str) -> Any:
    raise CorruptFile(f"{name} is not a number JSON allows")


def read_json(path: Path) -> Any:
    """The JSON document in ``path`` (``None`` when there is none); :class:`CorruptFile` otherwise.

    Strict: UTF-8 only, no NaN or Infinity, no integers longer than Python accepts, at most
    ``MAX_PROGRESS_BYTES``; a non-regular file is refused without being read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CorruptFile("it is a symbolic link") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CorruptFile("it is not a regular file")
        raw = handle.read(MAX_PROGRESS_BYTES + 1)
    if len(raw) > MAX_PROGRESS_BYTES:
        raise CorruptFile(f"it is larger than {MAX_PROGRESS_BYTES} bytes")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise CorruptFile(f"it is not UTF-8 (byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, integers over the digit limit
        raise CorruptFile(str(exc).splitlines()[0][:200]) from None


def keep_aside(path: Path) -> Path:
    """Move ``path`` to ``<path>.corrupt`` (or ``.corrupt.1``, ...): never over an earlier one."""
    for n in range(10_000):
        aside = path.with_name(f"{path.name}.corrupt" + (f".{n}" if n else ""))
        try:
            os.link(path, aside, follow_symlinks=False)  # fails if ``aside`` exists: no overwrite
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            # A file system without hard links: copy with O_EXCL instead.
            try:
                fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as out:
                out.write(path.read_bytes())
        os.unlink(path)
        return aside
    raise OSError(errno.EEXIST, "too many corrupt files kept aside", str(path))


@dataclass
class Updated:
    """What :func:`update` did: the document written, and a problem met on the way."""

    document: Any
    problem: str | None = None


def update(path: Path, fn: Callable[[Any], Any], *, validate: Callable[[Any], Any] | None = None) -> Any:
    """Read ``path``, apply ``fn``, write the result atomically, all under the file's lock.

    ``fn`` receives the current JSON document (``{}`` when there is none) and returns the
    new one (it may change it in place and return it). ``validate`` (optional) checks the
    document read and raises :class:`CorruptFile` (or ``ValueError``/``TypeError``) when it
    is not what it should be. A corrupt file is kept aside (:func:`keep_aside`) and ``fn``
    starts from ``{}``. Returns the document written. ``OSError`` from writing propagates
    (the caller keeps its change and retries).
    """
    return update_ex(path, fn, validate=validate).document


def update_ex(path: Path, fn: Callable[[Any], Any], *, validate: Callable[[Any], Any] | None = None) -> Updated:
    """:func:`update`, also telling which corrupt file was kept aside."""
    with locked(path):
        _remove_stale_temps(path)
        document, problem = _read_tolerant(path, validate)
        document = fn(document)
        atomic_write(path, json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n")
        return Updated(document, problem)


def _read_tolerant(path: Path, validate: Callable[[Any], Any] | None) -> tuple[Any, str | None]:
    try:
        document = read_json(path)
        if document is None:
            return {}, None
        if validate is not None:
            validate(document)
        return document, None
    except (CorruptFile, ValueError, TypeError, KeyError, AttributeError) as exc:
        reason = str(exc)
    try:
        where = f"kept it as {keep_aside(path)}"
    except OSError as exc:
        where = f"could not keep it aside ({exc.strerror})"
        raise OSError(exc.errno, f"{path} could not be read ({reason}) and {where}") from None
    return {}, f"{path} could not be read ({reason}); started afresh and {where}"


# -- progress ---------------------------------------------------------------------------------


@dataclass
class ScenarioProgress:
    """What the learner has done with one scenario."""

    status: str = "new"
    """new, attempted or passed."""
    best_score: int | None = None
    max_score: int | None = None
    hints_used: int = 0
    seconds_spent: float = 0.0
    solution_revealed: bool = False
    attempts: int = 0
    """Graded attempts."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _entry_from_json(sid: object, values: object) -> ScenarioProgress:
    if not isinstance(sid, str) or not isinstance(values, dict):
        raise CorruptFile(f"scenario {sid!r} is not a mapping")
    entry = ScenarioProgress()
    for key, value in values.items():
        if key not in ScenarioProgress.__dataclass_fields__:
            continue  # a field this version does not know is dropped, not fatal
        ok = {
            "status": value in STATUSES,
            "best_score": value is None or _is_int(value),
            "max_score": value is None or _is_int(value),
            "hints_used": _is_int(value),
            "attempts": _is_int(value),
            "seconds_spent": isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0,
            "solution_revealed": isinstance(value, bool),
        }[key]
        if not ok:
            raise CorruptFile(f"scenario {sid!r}: {key} is {value!r:.60}")
        setattr(entry, key, float(value) if key == "seconds_spent" else value)
    return entry


def parse_progress(document: object) -> dict[str, ScenarioProgress]:
    """The scenarios of a progress document; :class:`CorruptFile` when anything is off."""
    if not isinstance(document, dict):
        raise CorruptFile("it is not a JSON object")
    if document == {}:
        return {}
    version = document.get("version")
    if version != VERSION:
        raise CorruptFile(f"version {version!r:.20} is not {VERSION} (a newer ECS Lab wrote it?)")
    entries = document.get("scenarios")
    if not isinstance(entries, dict):
        raise CorruptFile("scenarios is not a mapping")
    return {sid: _entry_from_json(sid, values) for sid, values in entries.items()}


Change = Callable[[ScenarioProgress], None]


@dataclass
class ProgressStore:
    """Progress of every scenario: a snapshot of ``progress.json`` plus this process's changes.

    Changes go through the methods (:meth:`record_grade`, :meth:`use_hints`, ...): each is
    applied to the snapshot at once and to the file's current content under its lock, so
    what other processes recorded meanwhile is kept. Never assign to an entry and save the
    whole: there is no such save.
    """

    root: Path = field(default_factory=data_dir)
    scenarios: dict[str, ScenarioProgress] = field(default_factory=dict)
    problem: str | None = None
    """Set when the stored file could not be read (it was kept aside)."""
    save_problem: str | None = None
    """Set while a change could not be written (it is pending and retried)."""
    pending: list[tuple[str, Change]] = field(default_factory=list)
    """Changes not written yet (a write failed), oldest first."""
    pending_edits: dict[tuple[str, str], str] = field(default_factory=dict)
    """Edited files not written yet, by (scenario id, file name)."""

    @property
    def path(self) -> Path:
        """The progress file."""
        return self.root / "progress.json"

    @classmethod
    def load(cls, root: Path | None = None) -> ProgressStore:
        """Read the progress file; a missing one is empty, a corrupt one is kept aside."""
        store = cls(root or data_dir())
        try:
            with locked(store.path):
                document, store.problem = _read_tolerant(store.path, parse_progress)
        except OSError as exc:
            # No lock possible (a read-only folder): read without it, keep nothing aside.
            try:
                document = read_json(store.path) or {}
                parse_progress(document)
            except (OSError, ValueError) as again:
                document = {}
                store.problem = f"cannot read {store.path}: {getattr(again, 'strerror', None) or again}"
            else:
                store.save_problem = f"cannot lock {store.path}: {exc.strerror or exc}"
        store.scenarios = parse_progress(document) if store.problem is None else {}
        return store

    def refresh(self) -> None:
        """Read again what other processes recorded; this process's pending changes stay on top.

        Writes are atomic renames, so reading needs no lock. A file that cannot be read now is
        left for the next write, which keeps it aside.
        """
        try:
            scenarios = parse_progress(read_json(self.path) or {})
        except (OSError, ValueError):
            return
        for sid, fn in self.pending:
            fn(scenarios.setdefault(sid, ScenarioProgress()))
        self.scenarios = scenarios

    def get(self, scenario_id: str) -> ScenarioProgress:
        """The progress of one scenario (a new entry when there is none; not stored by itself)."""
        return self.scenarios.setdefault(scenario_id, ScenarioProgress())

    # -- changes ------------------------------------------------------------------------------

    def change(self, scenario_id: str, fn: Change) -> str | None:
        """Apply ``fn`` to a scenario's entry here and in the file; returns a save problem or None."""
        fn(self.get(scenario_id))
        self.pending.append((scenario_id, fn))
        return self.retry()

    def retry(self) -> str | None:
        """Write every pending change and edit; returns the problem that stopped it, or None."""
        too_big = None
        try:
            for (sid, name), text in list(self.pending_edits.items()):
                if len(text) > MAX_EDIT_BYTES // 4 and len(text.encode("utf-8")) > MAX_EDIT_BYTES:
                    # Saved, it could not be read back (``_read_edit``): keep it in memory and say so.
                    too_big = f"{name} not saved: over {MAX_EDIT_BYTES // (1024 * 1024)} MiB; kept in memory, make it smaller to save it"
                    continue
                atomic_write(self.workspace(sid) / name, text)
                del self.pending_edits[(sid, name)]
            if self.pending:
                changes = list(self.pending)

                def apply(document: Any) -> dict[str, Any]:
                    entries = parse_progress(document)
                    for sid, fn in changes:
                        fn(entries.setdefault(sid, ScenarioProgress()))
                    return {"version": VERSION, "scenarios": {k: asdict(v) for k, v in sorted(entries.items())}}

                done = update_ex(self.path, apply, validate=parse_progress)
                del self.pending[: len(changes)]
                if done.problem:
                    self.problem = done.problem
                self.scenarios = parse_progress(done.document)
                for sid, fn in self.pending:  # none unless ``fn`` itself re-entered
                    fn(self.get(sid))
        except OSError as exc:
            self.save_problem = f"progress not saved ({exc.strerror or exc}); kept in memory, will retry"
            return self.save_problem
        self.save_problem = too_big
        return too_big

    def record_grade(self, scenario_id: str, *, passed: bool, score: int, max_score: int) -> str | None:
        """Remember a graded attempt (the best score is kept)."""

        def fn(entry: ScenarioProgress) -> None:
            entry.attempts += 1
            entry.max_score = max_score
            entry.best_score = score if entry.best_score is None else max(entry.best_score, score)
            if passed:
                entry.status = "passed"
            elif entry.status == "new":
                entry.status = "attempted"

        return self.change(scenario_id, fn)

    def mark_attempted(self, scenario_id: str) -> str | None:
        """The learner opened the scenario (a new one becomes attempted)."""

        def fn(entry: ScenarioProgress) -> None:
            if entry.status == "new":
                entry.status = "attempted"

        return self.change(scenario_id, fn)

    def use_hints(self, scenario_id: str, count: int) -> str | None:
        """The learner has seen ``count`` hints (the count never goes down)."""

        def fn(entry: ScenarioProgress) -> None:
            entry.hints_used = max(entry.hints_used, count)

        return self.change(scenario_id, fn)

    def add_time_spent(self, scenario_id: str, seconds: float) -> str | None:
        """Count real seconds spent on a scenario."""
        seconds = seconds if math.isfinite(seconds) and seconds > 0 else 0.0

        def fn(entry: ScenarioProgress) -> None:
            entry.seconds_spent = round(entry.seconds_spent + seconds, 1)

        return self.change(scenario_id, fn)

    def reveal_solution(self, scenario_id: str) -> str | None:
        """The learner chose to see the solution."""

        def fn(entry: ScenarioProgress) -> None:
            entry.solution_revealed = True

        return self.change(scenario_id, fn)

    # -- autosaved edits ----------------------------------------------------------------------

    def workspace(self, scenario_id: str) -> Path:
        """The folder holding a scenario's autosaved edits."""
        return self.root / "workspaces" / scenario_id

    def save_edit(self, scenario_id: str, name: str, text: str) -> str | None:
        """Autosave one edited file (atomically); returns a save problem (the text is kept) or None."""
        if "/" in name or "\\" in name or name.startswith(".") or "\0" in name:
            raise ValueError(f"refusing file name {name!r}")
        self.pending_edits.pop((scenario_id, name), None)
        self.pending_edits[(scenario_id, name)] = text
        return self.retry()

    def edits(self, scenario_id: str) -> dict[str, str]:
        """The autosaved edits of a scenario, by file name (temp files of killed writers removed)."""
        folder = self.workspace(scenario_id)
        out: dict[str, str] = {}
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            entries = []
        for entry in entries:
            if entry.name.startswith("."):
                parts = entry.name.split(".")
                if entry.name.endswith(".tmp") and len(parts) >= 4 and parts[-2].isdigit() and not _pid_alive(int(parts[-2])):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                continue
            try:
                doc = _read_edit(Path(entry.path))
            except (OSError, ValueError):
                continue  # not a regular UTF-8 file: not one of ours
            out[entry.name] = doc
        for (sid, name), text in self.pending_edits.items():
            if sid == scenario_id:
                out[name] = text
        return out

    def reset_edits(self, scenario_id: str) -> None:
        """Forget a scenario's edits (the caller asked the learner first)."""
        for key in [k for k in self.pending_edits if k[0] == scenario_id]:
            del self.pending_edits[key]
        folder = self.workspace(scenario_id)
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.is_file(follow_symlinks=False) or entry.is_symlink():
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


MAX_EDIT_BYTES = 16 * 1024 * 1024
"""The largest autosaved edit, written and read back alike (a bigger one stays in memory, with a
message); far above what an answer file may be (256 KiB), so no edit a learner makes is dropped."""


def _read_edit(path: Path, max_bytes: int = MAX_EDIT_BYTES) -> str:
    """The UTF-8 text of a regular file (never through a symbolic link, never a FIFO or device)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{path} is not a regular file")
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ValueError(f"{path} is larger than {max_bytes} bytes")
    return raw.decode("utf-8")
