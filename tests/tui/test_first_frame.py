"""The catalogue's first frame: only what it shows is imported and built, and it is complete when drawn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual import events
from textual.geometry import Size
from textual.widgets import DataTable

from lab.practice.curriculum import load_tracks
from lab.progress import ProgressStore
from lab.tui.app import LabApp
from lab.tui.catalogue_index import read_index
from lab.tui.screens.catalogue import FilterBox

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from pathlib import Path
from lab.progress import ProgressStore
import lab.tui.app
from lab.tui.app import LabApp
from lab.tui.widgets.key_bar import KeyBar

class Probe(LabApp):
    CSS_PATH = str(Path(lab.tui.app.__file__).with_name(LabApp.CSS_PATH))  # a class defined in -c has no file
    def on_mount(self):
        # Runs before LabApp.on_mount (Textual calls each class's handler up the MRO), so this
        # callback comes before the warm-up that imports the workbench after the first frame.
        self.call_after_refresh(self.done)
    def done(self):
        print("SCREEN:" + type(self.screen).__name__)
        print("FOCUSED:" + type(self.screen.focused).__name__)
        print("KEYS:" + ",".join(self.screen.query_one(KeyBar).shown_keys))
        print("LOADED:" + ",".join(sorted(sys.modules)))
        self.exit()

Probe(store=ProgressStore.load(Path(sys.argv[1]))).run(headless=True, size=(120, 40))
"""

NOT_AT_START = (
    "lab.tui.screens.workbench",
    "lab.tui.screens.exam",
    "lab.tui.screens.question",
    "lab.tui.screens.results",
    "lab.tui.screens.why",
    "lab.tui.widgets.file_editor",
    "lab.tui.widgets.charts_view",
    "lab.tui.widgets.cluster_map",
    "lab.tui.widgets.event_panel",
    "lab.tui.session",
    "lab.sim",
    "lab.scenario.loader",
    "lab.grading",
    "lab.practice.model",
    "yaml",
    "pydantic",
    "numpy",
    "simpy",
    "textual_plotext",
    "textual.widgets._footer",
    "textual.widgets._header",
    "lab.practice.store",  # the data folder has no practice file: nothing is due
    "fsrs",
    "rich._emoji_codes",  # Rich's markup (a str column label), 3 ms
    "lab.practice.curriculum",  # the tracks come from the start-up cache (lab.practice.tracks)
    "lab.practice.topics",
    "lab.errors",
)
"""Modules (and their submodules) the catalogue's first frame must not import."""


def probe(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "LAB_CACHE_DIR": str(tmp_path / "cache")}
    lines = {}
    for _ in range(2):  # the first run fills the start-up cache, the second is a start as usual
        out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "data")], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        lines = dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)
    return lines


@pytest.mark.slow
def test_the_catalogue_first_frame_imports_only_the_catalogue(tmp_path: Path) -> None:
    """Starting the app and showing the catalogue imports no other screen, no simulator, no PyYAML."""
    seen = probe(tmp_path)
    assert seen["SCREEN"] == "CatalogueScreen"
    loaded = seen["LOADED"].split(",")
    assert [m for m in loaded if m.startswith(NOT_AT_START) and (m in NOT_AT_START or m.split(".")[0] in NOT_AT_START or any(m.startswith(n + ".") for n in NOT_AT_START))] == []
    # ...and its first frame is complete: the table has the focus, the key bar its keys.
    assert seen["FOCUSED"] == "PlainTable"
    assert seen["KEYS"].split(",") == ["question_mark", "slash", "ctrl+q", "f2", "ctrl+p"]


def test_the_index_carries_the_tracks_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tracks come with the cached index, in the tracks file's order, and follow its edits."""
    content = tmp_path / "content"
    content.mkdir()
    tracks = content / "tracks.yaml"
    tracks.write_text((ROOT / "content" / "tracks.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("LAB_CONTENT", str(content))
    expected = load_tracks(tracks)
    assert read_index().tracks == expected  # fills the cache
    assert read_index().tracks == expected  # reads it
    first = next(iter(expected.by_id.values()))
    tracks.write_text(tracks.read_text(encoding="utf-8").replace(first.title, "Renamed", 1), encoding="utf-8")
    assert read_index().tracks.by_id[first.id].title == "Renamed"
    tracks.write_text("tracks: [not, a, mapping]\n", encoding="utf-8")
    assert read_index().tracks.by_id == {}  # a broken tracks file: scenarios are listed by topic


async def test_the_catalogue_is_laid_out_again_when_its_size_changes_only(store: ProgressStore) -> None:
    """A resize to the size it has does not lay the screen out again; a new size does, and the table follows."""
    app = LabApp(store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        layouts: list[Size | None] = []
        refresh_layout = screen._refresh_layout

        def counted(size: Size | None = None, scroll: bool = False) -> None:
            layouts.append(size)
            refresh_layout(size, scroll)

        screen._refresh_layout = counted  # type: ignore[method-assign]
        screen.post_message(events.Resize(Size(120, 40), Size(120, 40)))
        await pilot.pause()
        assert layouts == []
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert Size(100, 30) in layouts
        assert screen.query_one(DataTable).outer_size.width == 98  # the screen's width less the catalogue's padding


async def test_the_filter_box_is_compact_from_its_construction(store: ProgressStore) -> None:
    """Built, it is compact and not yet styled (Textual's compact Input is styled before it is mounted, then again)."""
    app = LabApp(store=store)
    async with app.run_test(size=(120, 40)):
        styled = []
        update_styles = app.update_styles

        def recorded(node: object, animate: bool = True) -> None:
            styled.append(node)
            update_styles(node, animate)  # type: ignore[arg-type]

        app.update_styles = recorded  # type: ignore[method-assign]
        box = FilterBox(placeholder="filter", id="box")
        assert styled == []
        assert box.compact and box.has_class("-textual-compact")
