"""Pilot test: a file with a 1 MB line opens, takes keys and saves whole (issue 18).

Speed is measured by ``benchmarks/bench_editor.py``, never asserted here; this checks the
behaviour the fast path must keep: what is shown, what is typed, what is saved.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.segment import Segment
from textual.strip import Strip

from lab.progress import ProgressStore
from lab.scenario.loader import find_scenario, load_scenario
from lab.scenario.workspace import starting_text
from lab.tui.app import LabApp
from lab.tui.screens.workbench import WorkbenchScreen
from lab.tui.widgets.file_editor import CodeArea, FileEditor, _head, _prefix_covering

from .conftest import quiet

SCENARIO = "ecr-pull-denied"
FILE = "instance-role.yaml"
BLOB = ("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MjQy" * 25_000)[:999_987]
"""A pasted base64 blob: with ``Description: `` a line of 1,000,000 characters."""


@pytest.mark.slow
async def test_a_1_mb_line_is_shown_typed_in_and_saved_whole(store: ProgressStore) -> None:
    base = starting_text(load_scenario(find_scenario(SCENARIO)), FILE)
    first, rest = base.split("\n", 1)
    store.save_edit(SCENARIO, FILE, f"{first}\nDescription: {BLOB}\n{rest}")
    app = quiet(LabApp(scenario_id=SCENARIO, store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = app.screen
        assert isinstance(bench, WorkbenchScreen)
        editor = bench.query_one(f"#edit-{FILE.replace('.', '-')}", FileEditor)
        area = editor.text_area
        assert len(area.document[1]) == 1_000_000
        # Too large for an answer file: plain text, and the learner is told why.
        assert area.language is None
        shown = str(editor.query_one(".file-errors").render())
        assert "⚠ file is larger than the 256 KiB limit" in shown  # about the file, at no line
        assert "ⓘ no syntax colours: the file is over 256 KiB" in shown
        # Every line reaches the screen cut to the editor's width, the long one too.
        width = area.content_region.width
        assert {area.render_line(y).cell_length for y in range(5)} == {width}
        assert "Description: QUJDREVG" in area.render_line(1).text
        assert area.get_line(1).plain == area.document[1]  # drawing it leaves the line whole

        area.focus()
        area.move_cursor((1, len("Description: ")))
        await pilot.press("a", "b")
        area.move_cursor((1, len(area.document[1])))  # the end of the line, scrolled right
        await pilot.press("y", "z", "backspace")
        area.move_cursor((0, 0))
        await pilot.press("#")
        await pilot.pause()
        assert area.render_line(1).cell_length == width

        expected = f"#{first}\nDescription: ab{BLOB}y\n{rest}"
        assert area.text == expected
        assert bench.session.files[FILE].text == expected
        assert store.edits(SCENARIO)[FILE] == expected  # autosaved whole, as typed
        assert ProgressStore.load(store.root).edits(SCENARIO)[FILE] == expected  # and read back

        # Back to an ordinary file: colours on, the notice gone.
        editor.set_text(base)
        await pilot.pause()
        assert area.language == "yaml"
        assert "colours" not in str(editor.query_one(".file-errors").render())


async def test_a_long_line_in_a_small_file_keeps_the_colours_elsewhere(store: ProgressStore) -> None:
    base = starting_text(load_scenario(find_scenario(SCENARIO)), FILE)
    first, rest = base.split("\n", 1)
    app = quiet(LabApp(scenario_id=SCENARIO, store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = app.screen
        assert isinstance(bench, WorkbenchScreen)
        editor = bench.query_one(f"#edit-{FILE.replace('.', '-')}", FileEditor)
        area = editor.text_area
        area.focus()
        area.move_cursor((1, 0))
        area.insert("Description: " + BLOB[:20_000] + "\n")  # a paste: the cursor stays after it
        await pilot.pause()
        assert area.language == "yaml"
        assert area.cursor_location == (2, 0)
        assert "ⓘ no syntax colours on lines over 10,000 characters" in str(editor.query_one(".file-errors").render())
        assert {area.render_line(y).cell_length for y in range(5)} == {area.content_region.width}
        await pilot.press("x")
        await pilot.pause()
        assert store.edits(SCENARIO)[FILE] == f"{first}\nDescription: {BLOB[:20_000]}\nx{rest}"


@pytest.mark.slow
async def test_crossing_the_size_limit_keeps_the_cursor(store: ProgressStore) -> None:
    app = quiet(LabApp(scenario_id=SCENARIO, store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = app.screen
        assert isinstance(bench, WorkbenchScreen)
        area = bench.query_one(f"#edit-{FILE.replace('.', '-')} CodeArea", CodeArea)
        area.focus()
        area.move_cursor((1, 0))
        area.insert("# padding\n" * 30_000)  # 300 KB: over the limit, colours off
        await pilot.pause()
        assert area.language is None
        assert area.cursor_location == (30_001, 0)


SEGMENT_TEXT = st.text(alphabet=st.sampled_from("ab \t字\u0301é"), max_size=60)


@given(st.lists(SEGMENT_TEXT, min_size=1, max_size=5), st.integers(min_value=0, max_value=80))
def test_head_keeps_the_first_cells_of_a_strip(texts: list[str], width: int) -> None:
    texts = [t.replace("\t", " ") for t in texts]  # a rendered strip has no tabs left
    strip = Strip([Segment(t) for t in texts])
    head = _head(strip, width)
    kept = "".join(s.text for s in head)
    cropped = "".join(s.text for s in strip.crop(0, width))  # what it stands in for
    # A zero-width mark at either end may differ: Strip.crop drops a segment of only marks at
    # the start (Hypothesis found ['\u0301', 'aa']) and keeps a trailing one; neither takes a cell.
    assert kept.strip("\u0301") == cropped.strip("\u0301")
    assert cell_len(kept) == head.cell_length == min(width, strip.cell_length)


@given(st.text(alphabet=st.sampled_from("ab \t\r字\u0301é\x1b"), max_size=40), st.integers(min_value=1, max_value=8))
def test_the_tab_fast_path_gives_textual_s_answer(line: str, tab_size: int) -> None:
    import textual.document._wrapped_document as wrapped
    import textual.expand_tabs as tabs

    fast = tabs.get_tab_widths
    assert getattr(fast, "lab_fast_path", False) and wrapped.get_tab_widths is fast  # installed
    assert fast(line, tab_size) == fast.original(line, tab_size)  # type: ignore[attr-defined]


@given(st.text(alphabet=st.sampled_from("ab\t字\u0301"), max_size=80), st.integers(min_value=0, max_value=60))
def test_a_prefix_covering_fills_the_cells(line: str, cells: int) -> None:
    count = _prefix_covering(line, cells)
    assert count == len(line) or cell_len(line[:count]) >= cells
