"""The catalogue's start: its index comes from the start-up cache, never stale, and builds no models."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from lab.tui.catalogue_index import _read, read_catalogue

ROOT = Path(__file__).resolve().parents[2]


def test_the_cached_index_is_the_computed_one_and_follows_edits(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for path in sorted((ROOT / "scenarios").glob("*.yaml"))[:3]:
        shutil.copy(path, folder)
    (folder / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    computed = _read(sorted(folder.glob("*.yaml")))
    assert read_catalogue(folder) == computed  # fills the cache
    assert read_catalogue(folder) == computed  # reads it
    assert computed[1] == ["broken.yaml: cannot be listed (ParserError)"]
    first = computed[0][0]
    text = first.path.read_text(encoding="utf-8")
    first.path.write_text(text.replace(f"title: {first.title}", "title: Renamed", 1), encoding="utf-8")
    entries, _ = read_catalogue(folder)
    assert entries[0].title == "Renamed" and entries[0] == _read(sorted(folder.glob("*.yaml")))[0][0]


def test_the_catalogue_first_frame_builds_no_models() -> None:
    """The app's modules, the index and the practice store (the catalogue's review row) load no pydantic, numpy or simulator."""
    code = (
        "import sys, tempfile\n"
        "from pathlib import Path\n"
        "import lab.tui.app\n"
        "from lab.tui.catalogue_index import read_catalogue\n"
        "from lab.practice import PracticeStore\n"
        "read_catalogue(); read_catalogue()\n"
        "PracticeStore.load(Path(tempfile.mkdtemp()))\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pydantic', 'numpy', 'simpy') or m.startswith(('lab.sim', 'lab.scenario.loader', 'lab.practice.model'))]\n"
        "print('LOADED:' + ','.join(sorted(bad)), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().splitlines()[-1] == "LOADED:"
