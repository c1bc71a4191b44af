"""lab.practice's public surface is explicit, and the core imports no UI library or simulator."""

from __future__ import annotations

import importlib
import subprocess
import sys

import lab.practice


def test_all_is_sorted_and_complete() -> None:
    assert lab.practice.__all__ == sorted(lab.practice.__all__)
    assert all(hasattr(lab.practice, name) for name in lab.practice.__all__)
    for module_name in ("bank", "exam", "model", "srs", "store", "topics"):
        module = importlib.import_module(f"lab.practice.{module_name}")
        missing = set(module.__all__) - set(lab.practice.__all__) - {"QuestionSpec", "MAX_QUESTION_BYTES", "display_name", "list_question_files", "normalise_stem", "present"}
        assert not missing, (module_name, missing)


def test_the_practice_core_and_its_command_line_load_no_ui_or_simulator() -> None:
    """A whole quiz through the command line loads no textual, rich or lab.tui (and the bank alone no simulator)."""
    code = (
        "import io, sys\n"
        "import lab.practice, lab.practice.tables, lab.practice.render\n"
        "lab.practice.load_bank()\n"
        "sim = [m for m in sys.modules if m.startswith(('lab.sim', 'lab.grading', 'simpy'))]\n"
        "from lab.cli import main\n"
        "sys.stdin = io.StringIO('a\\n')\n"
        "main(['quiz', '--count', '1', '--seed', '1'])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich') or m.startswith('lab.tui')]\n"
        "print('BAD:' + ','.join(bad + sim), file=sys.stderr)\n"
    )
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as data:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, "LAB_DATA_DIR": data})
    assert result.stderr.strip().splitlines()[-1] == "BAD:"
