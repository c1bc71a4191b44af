"""Provides ``edit_in_external_editor``: hand one file to ``$VISUAL`` / ``$EDITOR`` with the app suspended."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from textual.app import App, SuspendNotSupported

__all__ = ["edit_in_external_editor"]


def edit_in_external_editor(app: App[object], path: Path) -> tuple[str | None, str | None]:
    """Run the learner's editor on ``path`` and read the file back.

    Returns:
        (the file's new text or None, a message for the learner or None).
    """
    command = [*shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"), str(path)]
    try:
        with app.suspend():
            result = subprocess.run(command, check=False)
    except SuspendNotSupported:
        return None, "This terminal cannot hand over to $EDITOR; use `lab start` and your own editor."
    except OSError as exc:
        return None, f"Cannot run {command[0]}: {exc.strerror}"
    from lab.yaml_source import read_regular

    try:
        # Never through a link the editor (or anyone) left there, never a FIFO; bounded.
        text = read_regular(path, max_bytes=1024 * 1024, follow_symlinks=False).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"Cannot read {path.name} back: {getattr(exc, 'strerror', None) or exc}"
    message = f"{command[0]} exited with {result.returncode}" if result.returncode else None
    return text, message
