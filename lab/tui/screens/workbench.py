"""Provides ``WorkbenchScreen``: briefing, objectives, editors, cluster map, events, metrics, clock."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Markdown, Static, TabbedContent, TabPane, TextArea

from lab.grading.checks import RunView, judge
from lab.grading.grader import grade
from lab.grading.report import Report
from lab.tui.session import SPEEDS, Session
from lab.tui.widgets.cluster_map import ClusterMap
from lab.tui.widgets.event_log import EventLogView, format_time

__all__ = ["WorkbenchScreen"]

TICK_S = 0.1
"""Real seconds between simulation slices: small enough to keep keys answered quickly."""


class WorkbenchScreen(Screen[None]):
    """One scenario: read, edit, apply, watch, grade."""

    BINDINGS = [
        Binding("space", "toggle_play", "Play/pause", id="toggle-play"),
        Binding("full_stop", "step", "Step", id="step"),
        Binding("plus", "faster", "Faster", id="faster"),
        Binding("minus", "slower", "Slower", id="slower"),
        Binding("E", "to_end", "Run to end", id="to-end"),
        Binding("ctrl+a", "apply", "Apply", id="apply"),
        Binding("ctrl+r", "restart", "Restart", id="restart"),
        Binding("ctrl+g", "grade", "Grade", id="grade"),
        Binding("ctrl+t", "hint", "Hint", id="hint"),
        Binding("ctrl+w", "why", "Why not placed?", id="why"),
        Binding("escape", "back", "Catalogue", id="back"),
    ]

    class Graded(Message):
        """A graded run finished."""

        def __init__(self, report: Report) -> None:
            super().__init__()
            self.report = report

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.playing = False
        self.speed_index = 2
        self._cursor = -1
        self.hints_shown = session.store.get(session.scenario.id).hints_used

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        s = self.session.scenario
        yield Header(show_clock=False)
        yield Static(id="clock")
        with Horizontal(id="main"):
            with Vertical(id="side"):
                yield Static(id="objectives")
                yield Static(id="hints")
            with TabbedContent(id="tabs"):
                with TabPane("Briefing", id="tab-briefing"):
                    yield VerticalScroll(Markdown(s.briefing))
                for name in self.session.files:
                    with TabPane(name, id=f"tab-{_dom(name)}"):
                        language = "json" if name.endswith(".json") else "yaml"
                        yield TextArea.code_editor(self.session.files[name].text, language=language, id=f"edit-{_dom(name)}")
                        yield Static(id=f"err-{_dom(name)}", classes="file-errors")
                with TabPane("Cluster", id="tab-cluster"):
                    yield VerticalScroll(ClusterMap(id="cluster-tab-map"))
            with VerticalScroll(id="cluster"):
                yield ClusterMap(id="cluster-map")
        with Horizontal(id="bottom"):
            with Vertical(id="events"):
                yield Input(placeholder="filter events", id="event-filter")
                yield EventLogView(id="event-log")
            yield Static(id="metrics")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"{self.session.scenario.id} · {self.session.scenario.title}"
        for name in self.session.files:
            self._show_errors(name)
        self.refresh_views()
        self.set_interval(TICK_S, self._tick)

    def on_resize(self) -> None:
        narrow = self.size.width < 110 or self.size.height < 30
        self.set_class(narrow, "-narrow")

    # -- simulation ----------------------------------------------------------------------------

    @property
    def speed(self) -> int:
        """Simulated seconds per real second."""
        return SPEEDS[self.speed_index]

    def _tick(self) -> None:
        if self.playing:
            self.advance(self.speed * TICK_S)

    def advance(self, seconds: float) -> None:
        """Move the simulation forward and redraw (the tests call this instead of sleeping)."""
        self.session.advance(seconds)
        if self.session.world.now >= self.session.duration:
            self.playing = False
        self.refresh_views()

    def action_toggle_play(self) -> None:
        self.playing = not self.playing
        self.refresh_views()

    def action_step(self) -> None:
        self.session.step_to_next_event()
        self.refresh_views()

    def action_faster(self) -> None:
        self.speed_index = min(len(SPEEDS) - 1, self.speed_index + 1)
        self.refresh_views()

    def action_slower(self) -> None:
        self.speed_index = max(0, self.speed_index - 1)
        self.refresh_views()

    def action_to_end(self) -> None:
        self.advance(self.session.duration)

    def action_apply(self) -> None:
        problems = self.session.apply()
        if problems:
            first = problems[0]
            self.notify(f"Apply refused: {first}", severity="error", timeout=8)
            return
        self.notify(f"Applied at t={format_time(self.session.world.now)}")
        self.refresh_views()

    def action_restart(self) -> None:
        if self.session.blocking_errors():
            self.notify(f"Restart refused: {self.session.blocking_errors()[0]}", severity="error", timeout=8)
            return
        self.session.restart()
        self._cursor = -1
        self.notify("Restarted from t=00:00:00 with your files")
        self.refresh_views()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_hint(self) -> None:
        hints = self.session.scenario.hints
        if self.hints_shown >= len(hints):
            self.notify("No more hints.")
            return
        self.hints_shown += 1
        entry = self.session.store.get(self.session.scenario.id)
        entry.hints_used = max(entry.hints_used, self.hints_shown)
        self.session.store.save()
        self.refresh_views()

    def action_why(self) -> None:
        from lab.tui.screens.why import WhyNotPlacedScreen

        self.app.push_screen(WhyNotPlacedScreen(self.session))

    # -- grading -------------------------------------------------------------------------------

    def action_grade(self) -> None:
        if self.session.blocking_errors():
            self.notify(f"Grade refused: {self.session.blocking_errors()[0]}", severity="error", timeout=8)
            return
        self.notify("Grading on every seed…")
        self._grade()

    @work(thread=True, exclusive=True, group="grade")
    def _grade(self) -> None:
        report = grade(self.session.loaded, self.session.answer(), label="your files")
        self.post_message(self.Graded(report))

    def on_workbench_screen_graded(self, message: Graded) -> None:
        from lab.tui.screens.results import ResultsScreen

        report = message.report
        self.session.store.record_grade(self.session.scenario.id, passed=report.passed, score=report.score, max_score=report.max_score)
        self.app.push_screen(ResultsScreen(self.session, report))

    # -- editing -------------------------------------------------------------------------------

    @on(TextArea.Changed)
    def _edited(self, event: TextArea.Changed) -> None:
        dom = (event.text_area.id or "").removeprefix("edit-")
        for name in self.session.files:
            if _dom(name) == dom:
                self.session.edit(name, event.text_area.text)
                self._show_errors(name)

    def _show_errors(self, name: str) -> None:
        errors = self.session.files[name].errors
        widget = self.query_one(f"#err-{_dom(name)}", Static)
        if not errors:
            widget.update("✓ valid")
            widget.set_class(False, "-invalid")
            return
        lines = [f"⚠ {d.line}:{d.col} {d.message}" for d in errors[:3]]
        if len(errors) > 3:
            lines.append(f"… {len(errors) - 3} more")
        widget.update("\n".join(lines))
        widget.set_class(True, "-invalid")

    @on(Input.Changed, "#event-filter")
    def _filter_events(self, event: Input.Changed) -> None:
        self.query_one(EventLogView).filter_text = event.value
        self._cursor = -1
        self.refresh_views()

    # -- views ---------------------------------------------------------------------------------

    def refresh_views(self) -> None:
        """Redraw the clock, objectives, cluster, events and metrics from the world."""
        world = self.session.world
        now = world.now
        state = "▶" if self.playing else "⏸"
        self.query_one("#clock", Static).update(
            f"t={format_time(now)} / {format_time(self.session.duration)}  {state} x{self.speed}  seed {self.session.seed}"
            + (f"  applied at {format_time(self.session.applied_at)}" if self.session.applied_at is not None else "")
        )
        self._refresh_objectives()
        snapshot = world.snapshot()
        for map_id in ("#cluster-map", "#cluster-tab-map"):
            self.query_one(map_id, ClusterMap).show(snapshot)
        if len(world.log) != self._cursor:
            self._cursor = len(world.log)
            self.query_one(EventLogView).show(list(world.log))
        self._refresh_metrics(snapshot)

    def _refresh_objectives(self) -> None:
        s = self.session.scenario
        world = self.session.world
        view = RunView(world, {**self.session.loaded.files, **self.session.answer()}, duration=max(world.now, 0.001), apply_at=self.session.applied_at or 0.0)
        lines = ["Objectives"]
        for check in s.checks:
            try:
                ok = judge(check, view).passed
            except (KeyError, ValueError):  # not judgeable yet (e.g. no such target group): pending
                ok = False
            mark = "✓ met " if ok else "✗ not yet"
            tag = "req." if check.required else f"{check.points} pts"
            lines.append(f"{mark} {check.describe()} ({tag})")
        self.query_one("#objectives", Static).update("\n".join(lines))
        hints = s.hints[: self.hints_shown]
        hint_text = "\n".join(f"{i + 1}. {h}" for i, h in enumerate(hints)) if hints else ""
        self.query_one("#hints", Static).update(f"Hints {self.hints_shown}/{len(s.hints)} (ctrl+t)\n{hint_text}")

    def _refresh_metrics(self, snapshot: object) -> None:
        world = self.session.world
        lines = []
        for name, service in world.services.items():
            desired, running, pending = service.counts()
            lines.append(f"{name}: desired {desired} running {running} pending {pending}")
        for name, tg in world.target_groups.items():
            tg.flush()
            lines.append(f"{name}: healthy {tg.healthy_count()}  5xx {round(tg.totals.elb_5xx + tg.totals.target_5xx)} / {round(tg.totals.request_count)} req")
        instances = [i for i in snapshot.instances if i.status == "ACTIVE"]  # type: ignore[attr-defined]
        cpu_reg = sum(i.cpu_registered for i in instances) or 1
        cpu_used = sum(i.cpu_registered - i.cpu_remaining for i in instances)
        lines.append(f"instances {len(instances)} ACTIVE  CPU reserved {100 * cpu_used / cpu_reg:.0f}%")
        lines.append(f"cost so far ${world.cost_usd():.3f}")
        self.query_one("#metrics", Static).update("\n".join(lines))


def _dom(name: str) -> str:
    """A file name as a DOM id."""
    return "".join(ch if ch.isalnum() else "-" for ch in name)
