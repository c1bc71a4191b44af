"""Benchmark, run by hand: ``python benchmarks/bench_tui.py [--repeat N] [--keys N] [--scenario ID] [--charts] [--keys-only | --frame-only [--base DIR]]``.

Two measurements, each next to its reference in the same run, printed as a Markdown table:

1. Start to first frame. A fresh interpreter (subprocess) runs the app headless at 120x40 and
   prints the wall-clock time of its first frame (``call_after_refresh`` on the first screen),
   then exits. The lab's catalogue is compared with a minimal Textual app (one ``Static``).
   Both ask for the callback the same way, from the app's ``on_mount`` (the lab's own
   ``on_mount`` pushes the catalogue in the same turn, so the callback waits for its frame).
   Until session 14 the lab's side also called ``super().on_mount()``: Textual runs the
   handlers of every class up the MRO, so the catalogue was built twice there.
   Median of N, alternating the two so that machine noise hits both; also the CPU seconds each
   process used until its first frame (``time.process_time``), steadier on a loaded machine.
   ``--base DIR`` adds the catalogue of a copy of the code before a change (``git archive``
   into DIR), alternating. Target: lab <= 1.3x (issue 17).
2. Key-to-handled latency while the simulation plays at top speed (x600). The workbench
   runs under ``App.run_test`` with its real interval timer; keys are typed into the event
   filter and the time from the press to the screen's handler applying the filter is
   recorded. The same keys on a paused simulation are the reference. Target: p95 <= 50 ms.
   The scenario's run is stretched so that the clock never reaches the end during the test.
   With ``--charts`` the Charts tab is open in the centre meanwhile, its x axis the
   scenario's real run (so that after a few seconds every column is drawn, the worst case).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """
import sys, time
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(self.done)
    def done(self):
        sys.stdout.write(repr(time.process_time()) + " " + repr(time.time()) + "\\n"); sys.stdout.flush(); self.exit()
Minimal().run(headless=True, size=(120, 40))
"""

LAB = """
import sys, time
from pathlib import Path
from lab.progress import ProgressStore
import lab.tui.app
from lab.tui.app import LabApp
class Bench(LabApp):
    # A class defined in -c has no file to resolve a relative CSS_PATH against: the lab app's
    # own, made absolute (none since session 16: its screens carry their styles).
    CSS_PATH = [str(Path(lab.tui.app.__file__).with_name(p)) for p in ([LabApp.CSS_PATH] if isinstance(LabApp.CSS_PATH, str) else LabApp.CSS_PATH or [])]
    def on_mount(self):
        # Textual calls LabApp.on_mount itself after this one (handlers run up the MRO): no super().
        self.call_after_refresh(self.done)
    def done(self):
        sys.stdout.write(repr(time.process_time()) + " " + repr(time.time()) + "\\n"); sys.stdout.flush(); self.exit()
Bench(store=ProgressStore.load(Path(sys.argv[1]))).run(headless=True, size=(120, 40))
"""


def first_frame_s(code: str, data_dir: str, cwd: Path = ROOT) -> tuple[float, float]:
    """Wall seconds from starting a fresh interpreter to the app's first frame, and its CPU seconds until then.

    Each copy of the code has its own start-up cache folder (``data_dir/cache-<n>``): the cache
    keeps one entry per name, keyed by the lab's files, so two copies sharing one folder would
    each find the other's entry and recompute the index on every run.
    """
    cache = Path(data_dir) / f"cache-{abs(hash(str(cwd)))}"
    start = time.time()
    # Without PYTHONDONTWRITEBYTECODE: a child that may not write its .pyc files compiles
    # every module it imports on each start, which is not how a learner's lab starts.
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "LAB_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", code, data_dir], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    cpu, at = out.stdout.strip().splitlines()[-1].split()
    return float(at) - start, float(cpu)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def big_scenario(folder: Path, tasks: int) -> Path:
    """``ecr-pull-denied`` with its fix, 120 m5.4xlarge instances and ``tasks`` desired tasks."""
    import yaml

    doc = yaml.safe_load((ROOT / "scenarios" / "ecr-pull-denied.yaml").read_text(encoding="utf-8"))
    doc["id"] = "big-cluster"
    doc["world"]["instances"][0].update(count=120, type="m5.4xlarge")
    doc["files"]["instance-role.yaml"]["content"] = doc["solution"]["instance-role.yaml"]
    service = doc["files"]["service.yaml"]["content"]
    doc["files"]["service.yaml"]["content"] = service.replace("desiredCount: 3", f"desiredCount: {tasks}")
    (folder / "scenarios").mkdir(parents=True, exist_ok=True)
    if not (folder / "content").exists():
        (folder / "content").symlink_to(ROOT / "content")
    path = folder / "scenarios" / "big-cluster.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


async def key_latencies(scenario_id: str, keys: int, *, playing: bool, charts: bool = False) -> tuple[list[float], float, list[float]]:
    """Latencies (s) of ``keys`` key presses; simulated seconds covered; tick costs (s)."""
    from lab.progress import ProgressStore
    from lab.scenario.loader import find_scenario, load_scenario
    from lab.tui.app import LabApp
    from lab.tui.screens.workbench import WorkbenchScreen
    from lab.tui.session import Session
    from lab.tui.widgets.event_panel import EventPanel
    from textual.widgets import TabbedContent

    class EndlessSession(Session):
        @property
        def duration(self) -> float:
            return 10_000_000.0

    loaded = load_scenario(find_scenario(scenario_id) if not scenario_id.endswith(".yaml") else Path(scenario_id))
    with tempfile.TemporaryDirectory() as tmp:
        store = ProgressStore.load(Path(tmp))
        app = LabApp(store=store)
        handled: list[float] = []
        original = EventPanel.set_filter

        def timed(self: EventPanel, text: str) -> None:
            original(self, text)
            if self.id == "events":
                handled.append(time.perf_counter())

        EventPanel.set_filter = timed  # type: ignore[method-assign]
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                session = EndlessSession(loaded, store, seed=1)
                if charts:
                    from lab.sim.series import RunSeries

                    session.series = RunSeries(loaded.scenario.run.duration)
                    session.sample()
                bench = WorkbenchScreen(session)
                await app.push_screen(bench)
                await pilot.pause()
                if charts:
                    bench.query_one("#center", TabbedContent).active = "tab-charts"
                    await pilot.pause()
                ticks: list[float] = []
                tick = bench._tick

                def timed_tick() -> None:
                    t0 = time.perf_counter()
                    tick()
                    ticks.append(time.perf_counter() - t0)

                bench._tick = timed_tick  # type: ignore[method-assign]
                for timer in list(bench._timers):
                    timer.stop()
                bench.set_interval(bench.driver.tick_s, timed_tick)
                bench.driver.set_speed(3)
                bench.driver.playing = playing
                bench.query_one("#events Input").focus()
                start_sim = bench.session.world.now
                latencies = []
                await asyncio.sleep(0.5)  # let the clock run before measuring
                for i in range(keys):
                    handled.clear()
                    t0 = time.perf_counter()
                    await pilot.press("x" if i % 2 == 0 else "backspace")
                    while not handled:
                        await asyncio.sleep(0)
                    latencies.append(handled[0] - t0)
                    await asyncio.sleep(0.03)  # a fast typist: ~30 keys per second
                covered = bench.session.world.now - start_sim
        finally:
            EventPanel.set_filter = original  # type: ignore[method-assign]
    return latencies, covered, ticks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--scenario", default="short-deregistration-delay")
    parser.add_argument("--big-tasks", type=int, default=5000, help="desired tasks of the big-cluster run (0: skip it)")
    parser.add_argument("--charts", action="store_true", help="measure keys with the Charts tab open")
    parser.add_argument("--keys-only", action="store_true", help="skip the first-frame measurement")
    parser.add_argument("--frame-only", action="store_true", help="only the first-frame measurement")
    parser.add_argument("--base", type=Path, help="also the first frame of a copy of the code before a change (its folder), alternating")
    args = parser.parse_args()

    minimal: list[tuple[float, float]] = []
    lab: list[tuple[float, float]] = []
    base: list[tuple[float, float]] = []
    if not args.keys_only:
        with tempfile.TemporaryDirectory() as tmp:
            first_frame_s(LAB, tmp)  # warm the file cache, the .pyc files and the start-up cache for both
            first_frame_s(MINIMAL, tmp)
            if args.base:
                first_frame_s(LAB, tmp, args.base)
            for _ in range(args.repeat):
                minimal.append(first_frame_s(MINIMAL, tmp))
                if args.base:
                    base.append(first_frame_s(LAB, tmp, args.base))
                lab.append(first_frame_s(LAB, tmp))
    if args.frame_only:
        print(f"load average (1/5/15 min) at the end: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}\n")
        print("| measurement, median of N | minimal Textual app | lab's catalogue | ratio | target |")
        print("|---|---:|---:|---:|---|")
        for label, runs in ([("before", base)] if base else []) + [("", lab)]:
            for i, what in ((0, "start → first frame, wall s"), (1, "CPU s until the first frame")):
                m_min, m_lab = statistics.median(r[i] for r in minimal), statistics.median(r[i] for r in runs)
                print(f"| {what}{' (' + label + ')' if label else ''}, N={args.repeat} | {m_min:.3f} | {m_lab:.3f} | {m_lab / m_min:.2f}x | <= 1.3x |")
        return

    idle, _, _ = asyncio.run(key_latencies(args.scenario, args.keys, playing=False, charts=args.charts))
    busy, covered, ticks = asyncio.run(key_latencies(args.scenario, args.keys, playing=True, charts=args.charts))

    big = None
    if args.big_tasks:
        with tempfile.TemporaryDirectory() as tmp:
            path = big_scenario(Path(tmp), args.big_tasks)
            big = asyncio.run(key_latencies(str(path), max(50, args.keys // 2), playing=True, charts=args.charts))

    ms = 1000.0
    print("| measurement | reference | lab | ratio | target |")
    print("|---|---:|---:|---:|---|")
    if minimal:
        m_min, m_lab = statistics.median(r[0] for r in minimal), statistics.median(r[0] for r in lab)
        print(f"| start → first frame, median of {args.repeat} (s) | {m_min:.3f} (minimal Textual app) | {m_lab:.3f} (catalogue) | {m_lab / m_min:.2f}x | <= 1.3x |")
        c_min, c_lab = statistics.median(r[1] for r in minimal), statistics.median(r[1] for r in lab)
        print(f"| CPU s until the first frame, median of {args.repeat} | {c_min:.3f} (minimal Textual app) | {c_lab:.3f} (catalogue) | {c_lab / c_min:.2f}x | |")
    print(
        f"| key → handled p50 (ms), {args.keys} keys | {statistics.median(idle) * ms:.1f} (paused) | "
        f"{statistics.median(busy) * ms:.1f} (x600) | {statistics.median(busy) / statistics.median(idle):.2f}x | |"
    )
    print(f"| key → handled p95 (ms) | {percentile(idle, 95) * ms:.1f} (paused) | {percentile(busy, 95) * ms:.1f} (x600) | {percentile(busy, 95) / percentile(idle, 95):.2f}x | <= 50 ms |")
    print(f"| key → handled max (ms) | {max(idle) * ms:.1f} | {max(busy) * ms:.1f} | | |")
    if ticks:
        print(f"| simulation tick incl. redraw, p50 / p95 (ms) | | {statistics.median(ticks) * ms:.1f} / {percentile(ticks, 95) * ms:.1f} | | |")
    if big is not None:
        b_keys, b_covered, b_ticks = big
        print(
            f"| {args.big_tasks}-task cluster, x600: key → handled p50 / p95 / max (ms) | | "
            f"{statistics.median(b_keys) * ms:.1f} / {percentile(b_keys, 95) * ms:.1f} / {max(b_keys) * ms:.1f} | | p95 <= 50 ms |"
        )
        if b_ticks:
            print(
                f"| {args.big_tasks}-task cluster: tick incl. redraw p50 / p95 / max (ms) | | "
                f"{statistics.median(b_ticks) * ms:.1f} / {percentile(b_ticks, 95) * ms:.1f} / {max(b_ticks) * ms:.1f} | | |"
            )
    print(f"\nScenario `{args.scenario}`, seed 1, 120x40{', Charts tab open' if args.charts else ''}; the simulation covered {covered:.0f} simulated s during the x600 run.")
    if big is not None:
        print(f"Big cluster: 120 x m5.4xlarge, {args.big_tasks} desired tasks; it covered {big[1]:.0f} simulated s (the budget per tick caps how far a busy world gets).")


if __name__ == "__main__":
    main()
