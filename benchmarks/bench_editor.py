"""Benchmark, run by hand: ``python benchmarks/bench_editor.py [--keys N] [--profile CASE]``.

Key-to-repaint latency in the workbench's file editor (issue 18: "a 1 MB line makes each key
take seconds"), next to references measured in the same run:

- ``reference``: a minimal Textual app with a plain ``TextArea`` on the scenario's small file.
- ``lab, normal file``: the workbench (``ecr-pull-denied``, seed 1, paused) on its own file.
- ``lab, 1 MB line``: the same file with one line of 1,000,000 characters (a pasted blob as a
  YAML value), autosaved as a learner's edit and opened from the progress store, the way a
  learner gets it back. Keys are typed in the long line.
- ``lab, 1 MiB of lines``: the file padded with ordinary lines to the largest autosaved edit
  the store reads back (``lab.progress._read_edit``: 1 MiB); keys typed at its start. A 5 MB
  file is over every limit on learner files: the store does not read such an edit back.
- ``lab, 256 KiB of lines``: the largest answer file the lab reads (``MAX_ANSWER_BYTES``),
  still syntax-coloured.

Each key alternates ``x`` and ``backspace`` (the text stays the same size), one key per
30 ms (a fast typist); the latency is from the press to the end of the editor's next repaint
(``TextArea.render_lines``, hooked). ``--profile CASE`` runs one case under cProfile and prints
the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SCENARIO = "ecr-pull-denied"
FILE = "instance-role.yaml"
LONG = 1_000_000
"""Characters in the long line."""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def long_line_text(base: str) -> str:
    """``base`` with a second line ``Description: <LONG characters of base64-like text>``."""
    blob = ("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MjQy" * (LONG // 40 + 1))[: LONG - len("Description: ")]
    first, rest = base.split("\n", 1)
    return f"{first}\nDescription: {blob}\n{rest}"


def many_lines_text(base: str, limit: int = 1024 * 1024) -> str:
    """``base`` followed by ordinary YAML comment lines up to ``limit`` bytes."""
    line = "# Statement notes: ecs:RegisterContainerInstance, ecr:GetAuthorizationToken, logs:PutLogEvents\n"
    count = (limit - len(base.encode())) // len(line)
    return base + line * count


class Repaints:
    """Times of the text area's repaints (``TextArea.render_lines`` wrapped for the run)."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def __enter__(self) -> Repaints:
        from textual.widgets import TextArea

        self._original = original = TextArea.render_lines
        times = self.times

        def timed(area: TextArea, crop):  # type: ignore[no-untyped-def]
            strips = original(area, crop)
            times.append(time.perf_counter())
            return strips

        TextArea.render_lines = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        from textual.widgets import TextArea

        TextArea.render_lines = self._original  # type: ignore[method-assign]


PROFILER: cProfile.Profile | None = None
"""Set by ``--profile``: it runs while the keys are typed (not during start-up)."""


async def type_keys(pilot, keys: int, repaints: Repaints) -> list[float]:  # type: ignore[no-untyped-def]
    """Latencies (s) of ``keys`` presses, each until the editor's next repaint."""
    out = []
    if PROFILER is not None:
        PROFILER.enable()
    for i in range(keys):
        repaints.times.clear()
        t0 = time.perf_counter()
        await pilot.press("x" if i % 2 == 0 else "backspace")
        while not repaints.times:
            await asyncio.sleep(0)
        out.append(repaints.times[0] - t0)
        await asyncio.sleep(0.03)
    if PROFILER is not None:
        PROFILER.disable()
    return out


async def reference(keys: int) -> list[float]:
    """A minimal app with a plain TextArea on the scenario's small file."""
    from textual.app import App, ComposeResult
    from textual.widgets import TextArea

    from lab.scenario.loader import find_scenario, load_scenario
    from lab.scenario.workspace import starting_text

    text = starting_text(load_scenario(find_scenario(SCENARIO)), FILE)

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield TextArea(text)

    app = Minimal()
    with Repaints() as repaints:
        async with app.run_test(size=(120, 40)) as pilot:
            area = app.query_one(TextArea)
            area.focus()
            area.move_cursor((1, 20))
            await pilot.pause()
            return await type_keys(pilot, keys, repaints)


async def lab_editor(keys: int, make_text: Callable[[str], str] | None, cursor: tuple[int, int]) -> list[float]:
    """The workbench's editor on ``make_text(starting file)`` (autosaved edit), typing at ``cursor``."""
    from lab.progress import ProgressStore
    from lab.scenario.loader import find_scenario, load_scenario
    from lab.scenario.workspace import starting_text
    from lab.tui.app import LabApp
    from lab.tui.screens.workbench import WorkbenchScreen
    from lab.tui.session import Session
    from lab.tui.widgets.file_editor import CodeArea

    loaded = load_scenario(find_scenario(SCENARIO))
    with tempfile.TemporaryDirectory() as tmp:
        store = ProgressStore.load(Path(tmp))
        if make_text is not None:
            store.save_edit(SCENARIO, FILE, make_text(starting_text(loaded, FILE)))
        app = LabApp(store=store)
        with Repaints() as repaints:
            async with app.run_test(size=(120, 40)) as pilot:
                bench = WorkbenchScreen(Session(loaded, store, seed=1))
                await app.push_screen(bench)
                await pilot.pause()
                bench.driver.playing = False
                area = bench.query_one(f"#edit-{FILE.replace('.', '-')} CodeArea", CodeArea)
                area.focus()
                area.move_cursor(cursor)
                await pilot.pause()
                return await type_keys(pilot, keys, repaints)


CASES: dict[str, Callable[[int], object]] = {
    "reference": lambda keys: reference(keys),
    "normal": lambda keys: lab_editor(keys, None, (1, 20)),
    "long-line": lambda keys: lab_editor(keys, long_line_text, (1, 20)),
    "long-line-end": lambda keys: lab_editor(keys, long_line_text, (1, LONG - 10)),
    "many-lines": lambda keys: lab_editor(keys, many_lines_text, (1, 20)),
    "answer-size": lambda keys: lab_editor(keys, lambda base: many_lines_text(base, 256 * 1024 - 200), (1, 20)),
}
LABELS = {
    "reference": "reference: plain TextArea, small file",
    "normal": "lab, normal file",
    "long-line": "lab, 1 MB line, typing at its start",
    "long-line-end": "lab, 1 MB line, typing at its end",
    "many-lines": "lab, 1 MiB of normal lines (no colours)",
    "answer-size": "lab, 256 KiB of normal lines (coloured)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--profile", choices=sorted(CASES), help="profile one case and print the top 40 functions")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key for --profile")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated cases to run")
    args = parser.parse_args()

    if args.profile:
        global PROFILER
        PROFILER = profiler = cProfile.Profile()
        asyncio.run(CASES[args.profile](args.keys))  # type: ignore[arg-type]
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(40)
        return

    results: dict[str, list[float]] = {}
    for name in args.cases.split(","):
        results[name] = asyncio.run(CASES[name](args.keys))  # type: ignore[arg-type]
    ref = results.get("reference")
    ms = 1000.0
    print(f"| case ({args.keys} keys) | p50 ms | p95 ms | max ms | p50 ratio to reference |")
    print("|---|---:|---:|---:|---:|")
    for name, values in results.items():
        ratio = f"{statistics.median(values) / statistics.median(ref):.2f}x" if ref else ""
        print(f"| {LABELS[name]} | {statistics.median(values) * ms:.1f} | {percentile(values, 95) * ms:.1f} | {max(values) * ms:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
