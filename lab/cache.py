"""Provides a result cache for start-up (``lab list``, the catalogue), keyed by everything the result is computed from.

``lab list`` validates every scenario (world, starting files, solution) and loads the whole
question bank to count it: over a second of CPU, for a listing that changes only when a file
changes; the catalogue's first frame parses every scenario file for its header. Each result is kept as JSON in the user's cache folder (``$LAB_CACHE_DIR``, else
``$XDG_CACHE_HOME/ecs-lab``, default ``~/.cache/ecs-lab``) under a SHA-256 key of: the bytes
and paths of the scenario files and of every file under the content folders, the names and
sizes and modification times of the lab's own files (code and data), the names of the
installed distributions (their ``*.dist-info`` folders carry the versions) and the Python
version. Any change to any of those is a new key, so a stale listing is never shown; a cache
folder that cannot be written is no error (the listing is computed each time).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import sysconfig
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "cached", "input_key"]

_LAB = Path(__file__).resolve().parent
MAX_HASHED_BYTES = 16 * 1024 * 1024
"""A larger file is keyed by its size and modification time (every reader refuses it)."""


def cache_dir() -> Path:
    """Where the lab keeps caches: ``$LAB_CACHE_DIR``, ``$XDG_CACHE_HOME/ecs-lab`` or ``~/.cache/ecs-lab``."""
    override = os.environ.get("LAB_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecs-lab"


def _tree(root: Path) -> list[Path]:
    out: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        out.extend(Path(folder) / f for f in sorted(files))
    return out


def input_key(files: Iterable[Path], trees: Iterable[Path]) -> str:
    """The SHA-256 of the given files' and trees' contents, the lab's code and the installation.

    ``files`` and every file under ``trees`` are hashed by path and bytes (a missing file by
    its path alone); the lab's own files by path, size and modification time (an edit of the
    code changes both).
    """
    h = hashlib.sha256()
    h.update(f"{sys.version}\0{sys.executable}\0{os.getcwd()}\0".encode())
    for path in [*files, *(p for t in trees for p in _tree(t))]:
        h.update(f"\0F{path}\0".encode())
        try:
            st = path.stat()
            if stat.S_ISREG(st.st_mode) and st.st_size <= MAX_HASHED_BYTES:
                h.update(path.read_bytes())
            else:  # a FIFO would block and a device never end: their readers refuse them anyway
                h.update(f"\0special {st.st_mode} {st.st_size} {st.st_mtime_ns}".encode())
        except OSError as exc:
            h.update(f"\0unreadable {exc.errno}".encode())
    # The lab's ~200 files walked as strings, not Paths: the same bytes hashed, in a third of
    # the time (this key is computed before the catalogue's first frame).
    root = str(_LAB)
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        rel = folder[len(root) + 1 :]
        for name in sorted(names):
            try:
                st = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            h.update(f"\0L{os.path.join(rel, name) if rel else name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    for key in ("purelib", "platlib"):
        try:
            names = sorted(e.name for e in os.scandir(sysconfig.get_path(key)) if e.name.endswith(".dist-info"))
        except OSError:
            names = []
        h.update(("\0D" + "\0".join(names)).encode())
    return h.hexdigest()


def cached(name: str, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()``'s JSON-able result, read from ``<cache dir>/<name>.json`` when its key is ``key``.

    The file holds one entry (the newest key), so the cache does not grow. A file that cannot
    be read, parsed or written is ignored.
    """
    path = cache_dir() / f"{name}.json"
    try:
        with path.open(encoding="utf-8") as f:
            entry = json.load(f)
        if isinstance(entry, dict) and entry.get("key") == key and "value" in entry:
            return entry["value"]
    except (OSError, ValueError):
        pass
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"key": key, "value": value}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    return value
