"""Provides ``WorkbenchScreen``: briefing, objectives, editors, charts, cluster map, events, metrics, clock.

Wide terminals show the panes side by side; below ``WIDE`` the side panes fold into tabs
next to the editors. Views are drawn from the session's world (snapshots, metrics and the
event log) after every tick; only the views on screen are redrawn.

Every pane and action has a key: F3-F8 focus the panes (each scrolls with the arrows and
Page Up / Page Down), alt+1..9 and ctrl+Page Up / Page Down pick the centre tab, ``[`` and
``]`` travel back and forward in simulated time, ``j`` jumps to a time.
"""

from __future__ import annotations

import time

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Markdown, Static, TabbedContent, TabPane, Tabs

from lab.errors import LabError
from lab.grading.grader import grade
from lab.grading.report import Report
from lab.tui.external_editor import edit_in_external_editor
from lab.tui.screens import HELP_BINDING, LAB_CSS
from lab.tui.screens.footer import FittedFooter, Wider
from lab.tui.session import Session
from lab.tui.sim_driver import SimDriver
from lab.tui.widgets.charts_view import ChartsView
from lab.tui.widgets.images_view import ImagesView
from lab.tui.widgets.cluster_map import ClusterMap
from lab.tui.widgets.event_log import format_time
from lab.tui.widgets.event_panel import EventPanel
from lab.tui.widgets.file_editor import FileEditor
from lab.tui.widgets.metrics_panel import MetricsPanel
from lab.tui.widgets.objectives import ObjectiveList
from lab.tui.widgets.task_list import TaskList
from lab.tui.widgets.timeline_bar import TimelineBar

__all__ = ["PANES", "TRAVEL_STEPS", "WIDE", "WorkbenchScreen"]

WIDE = (110, 30)
"""Smallest (columns, rows) that shows every pane at once."""

CHARTS_EVERY_S = 0.3
"""Real seconds between two chart redraws while the simulation plays."""

NARROW_TABS = ("tab-brief", "tab-cluster", "tab-task-list", "tab-events")
"""Tabs that exist only when the panes are folded."""

TRAVEL_STEPS = (10.0, 60.0, 300.0)
"""Simulated seconds ``[`` and ``]`` travel by (``t`` picks the next)."""

PANES: dict[str, tuple[str, str | None, str | None]] = {
    "brief": ("f3", "#left ObjectiveList", "tab-brief"),
    "editor": ("f4", None, None),
    "charts": ("f5", None, "tab-charts"),
    "cluster": ("f6", "#right", "tab-cluster"),
    "events": ("f7", "#events .event-log", "tab-events"),
    "metrics": ("f8", "#metrics", "tab-events"),
}
"""Pane → (key, what gets the focus in the wide layout, the centre tab that holds it when narrow)."""


class WorkbenchScreen(FittedFooter, Screen[None]):
    """One scenario: read, edit, apply, watch, grade."""

    CSS_PATH = LAB_CSS
    BINDINGS = [
        # The footer shows keys in this order, Help first; at 80 columns only these fit beside the
        # palette's key: ? Help, ^s Apply, ^g Grade, ^t Hint, space Play/pause, esc Back, ^q Quit.
        # FOOTER_WIDER shows more when there is room; all are in the Help list and the palette.
        HELP_BINDING,
        Binding("ctrl+s", "apply", "Apply", id="apply", priority=True, tooltip="Send your files to the running simulation"),
        Binding("ctrl+r", "restart", "Restart", id="restart", priority=True, show=False),
        Binding("ctrl+g", "grade", "Grade", id="grade", priority=True),
        Binding("ctrl+t", "hint", "Hint", id="hint", priority=True),
        Binding("ctrl+n", "why", "Why?", id="why", priority=True, show=False),
        Binding("ctrl+o", "external_editor", "$EDITOR", id="external-editor", priority=True, show=False),
        Binding("space", "toggle_play", "Play/pause", id="toggle-play"),
        Binding("full_stop", "step", "Step", id="step", show=False),
        Binding("E", "to_end", "To end", id="to-end", show=False),
        Binding("plus", "faster", "Faster", id="faster", show=False),
        Binding("minus", "slower", "Slower", id="slower", show=False),
        Binding("a", "apply", show=False),
        Binding("r", "restart", show=False),
        Binding("g", "grade", show=False),
        Binding("h", "hint", show=False),
        Binding("w", "why", show=False),
        Binding("R", "reset_files", "Reset files", id="reset-files", show=False),
        Binding("left_square_bracket", "travel(-1)", "Back in time", id="travel-back", show=False),
        Binding("right_square_bracket", "travel(1)", "Forward in time", id="travel-forward", show=False),
        Binding("t", "travel_step", "Travel step", id="travel-step", show=False),
        Binding("j", "jump", "Jump to t", id="jump", show=False),
        *(Binding(key, f"focus_pane('{pane}')", f"Focus {pane}", id=f"focus-{pane}", show=False, priority=True) for pane, (key, _, _) in PANES.items()),
        Binding("ctrl+pageup", "tab(-1)", "Previous tab", id="tab-previous", show=False, priority=True),
        Binding("ctrl+pagedown", "tab(1)", "Next tab", id="tab-next", show=False, priority=True),
        *(Binding(f"alt+{n}", f"tab_number({n})", show=False, priority=True) for n in range(1, 10)),
        Binding("escape", "back", "Back", id="back"),
    ]
    """Ctrl keys work everywhere, in the editor too; plain keys work outside the editor."""
    FOOTER_WIDER = (Wider("restart"), Wider("why"), Wider("step"), Wider("external-editor"), Wider("back", "Catalogue"))

    class Graded(Message):
        """A graded run finished."""

        def __init__(self, report: Report) -> None:
            super().__init__()
            self.report = report

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.driver = SimDriver(session)
        """Owns play / pause, speed and slicing."""
        self.hints_shown = session.store.get(session.scenario.id).hints_used
        self.narrow = False
        self._cursor = 0
        self._judged_at: tuple[object, ...] | None = None
        self._drawn_map: tuple[object, ...] | None = None
        self._laid_out = False
        self._map_stale = False
        self._map_due = 0.0
        self._charts_stale = False
        self._charts_due = 0.0
        self._images_at: tuple[int, int] | None = None
        self._since = time.monotonic()
        self._shown_world: object = None
        """The world the views were drawn from (a jump back or a restart brings a new one)."""
        self.travel_step = TRAVEL_STEPS[1]

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        briefing = self.session.scenario.briefing
        yield Header(show_clock=False, icon="")
        yield TimelineBar(id="timeline")
        yield Static(id="travel-banner")
        with Horizontal(id="main"):
            yield VerticalScroll(ObjectiveList(classes="objectives"), Markdown(briefing), id="left")
            with TabbedContent(id="center"):
                with TabPane("Brief", id="tab-brief"):
                    yield VerticalScroll(ObjectiveList(classes="objectives"), Markdown(briefing))
                for name, state in self.session.files.items():
                    with TabPane(Content(name), id=f"tab-{_dom(name)}"):
                        yield FileEditor(name, state.text, readonly=self.session.is_readonly(name), id=f"edit-{_dom(name)}")
                with TabPane("Charts", id="tab-charts"):
                    # Not focusable itself: Tab from the tab row lands on the charts, whose
                    # ↑/↓ still scroll it (bindings bubble to the scroll).
                    yield VerticalScroll(ChartsView(id="charts"), id="charts-scroll", can_focus=False)
                if self.session.scenario.world.builds:
                    # Only a scenario that builds images has the tab (the others' tab rows stay as they were).
                    with TabPane("Images", id="tab-images"):
                        yield VerticalScroll(ImagesView(id="images"), id="images-scroll")
                with TabPane("Cluster", id="tab-cluster"):
                    yield ClusterMap(classes="cluster-map")
                with TabPane("Tasks", id="tab-task-list"):
                    yield TaskList(classes="task-list")
                with TabPane("Events", id="tab-events"):
                    yield EventPanel(classes="events")
                    yield MetricsPanel(classes="metrics")
            with TabbedContent(id="right"):
                with TabPane("Cluster", id="tab-map"):
                    yield ClusterMap(id="cluster-map", classes="cluster-map")
                with TabPane("Tasks", id="tab-tasks"):
                    yield TaskList(id="task-list", classes="task-list")
        with Horizontal(id="bottom"):
            yield EventPanel(id="events", classes="events")
            yield VerticalScroll(MetricsPanel(id="metrics", classes="metrics"), id="metrics-scroll")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = f"{self.session.scenario.id} · {self.session.scenario.title}"
        # Found once: refresh_views runs on every tick, and a CSS query walks the DOM.
        self._timeline_bar = self.query_one(TimelineBar)
        self._banner = self.query_one("#travel-banner", Static)
        self._metrics_panels = {False: self.query_one("#metrics", MetricsPanel), True: self.query_one("#tab-events MetricsPanel", MetricsPanel)}
        self._center = self.query_one("#center", TabbedContent)
        self._right = self.query_one("#right", TabbedContent)
        self._charts = self.query_one("#charts", ChartsView)
        for name in self.session.files:
            self._editor(name).show_errors(self.session.files[name].errors)
        self._layout()
        self.set_interval(self.driver.tick_s, self._tick)
        self.set_interval(30, self._save_time)
        self._settle_garbage()
        first = next(iter(self.session.files))
        center = self.query_one("#center", TabbedContent)
        center.active = f"tab-{_dom(first)}"
        center.query_one(Tabs).focus()

    def on_resize(self) -> None:
        if hasattr(self, "_center"):  # a resize before the mount finds nothing to lay out yet
            self._layout()

    def on_unmount(self) -> None:
        self._save_time()  # quitting from the workbench still counts the minutes
        self._settle_garbage()  # the world just left behind goes now, not during the next key

    def _settle_garbage(self) -> None:
        collector = getattr(self.app, "collector", None)  # LabApp's (a bare test app has none)
        if collector is not None:
            collector.settle()

    def _layout(self) -> None:
        narrow = self.size.width < WIDE[0] or self.size.height < WIDE[1]
        if narrow == self.narrow and self._laid_out:
            return
        self._laid_out = True
        self.narrow = narrow
        self.set_class(narrow, "-narrow")
        center = self.query_one("#center", TabbedContent)
        for tab in NARROW_TABS:
            (center.show_tab if narrow else center.hide_tab)(tab)
        self._judged_at = self._drawn_map = None
        self._cursor = 0
        for panel in self.query(EventPanel):
            panel.log_view.clear()
        self.refresh_views()

    # -- simulation ----------------------------------------------------------------------------

    def _tick(self) -> None:
        if self.driver.tick() or self._map_stale or self._charts_stale:
            self.refresh_views(throttled=True)
        collector = getattr(self.app, "collector", None)  # garbage goes between ticks, not in one
        if collector is not None:
            collector.tick()

    def advance(self, seconds: float) -> None:
        """Move the simulation forward and redraw (tests call this instead of sleeping)."""
        self.driver.advance(seconds)
        self.refresh_views()

    def action_toggle_play(self) -> None:
        self.driver.toggle()
        self.refresh_views()

    def action_pause(self) -> None:
        if self.driver.playing or self.driver.running_to_end:
            self.driver.toggle()
        self.refresh_views()

    def action_step(self) -> None:
        self.driver.step()
        self.refresh_views()

    def action_speed(self, index: int) -> None:
        self.driver.set_speed(index)
        self.refresh_views()

    def action_faster(self) -> None:
        self.action_speed(self.driver.speed_index + 1)

    def action_slower(self) -> None:
        self.action_speed(self.driver.speed_index - 1)

    def action_to_end(self) -> None:
        self.driver.run_to_end()
        self.refresh_views()

    def action_apply(self) -> None:
        session = self.session
        past, horizon = session.viewing_past, session.horizon
        try:
            problems = session.apply()
        except LabError as exc:
            self.notify(f"Apply failed: {exc}", severity="error", timeout=8)
            return
        if problems:
            self.notify(f"Apply refused: {problems[0]}", title="Fix this first", severity="error", timeout=8)
            return
        now = format_time(session.world.now)
        if past:
            self.notify(
                f"Applied at t={now}, in the past: the run you had covered after t={now} (to {format_time(horizon)}) is discarded; a new future starts here.",
                title="A new future", severity="warning", timeout=10,
            )
        else:
            self.notify(f"Applied at t={now}: new revisions, service and role updates are rolling out")
        self.refresh_views()

    # -- time travel ---------------------------------------------------------------------------

    def jump_to(self, at: float) -> None:
        """Travel to simulated time ``at`` (clamped to the covered run) and redraw; a long replay goes on over the next ticks."""
        self.driver.jump(at)
        self._settle_garbage()  # the world left behind goes now, not during the next key
        self.refresh_views()

    def finish_jump(self) -> None:
        """Complete a time travel under way at once (tests call this instead of waiting for ticks)."""
        if self.driver.seeking is not None:
            self.session.jump_to(self.driver.seeking)
            self.driver.seeking = None
        self.refresh_views()

    def action_travel(self, direction: int) -> None:
        session = self.session
        target = (self.driver.seeking if self.driver.seeking is not None else session.world.now) + direction * self.travel_step
        if direction > 0 and session.world.now >= session.horizon:
            self.notify("This is the furthest time the run has covered: play (space) to go on.", timeout=4)
            return
        self.jump_to(max(0.0, min(target, session.horizon)))

    def action_travel_step(self) -> None:
        i = TRAVEL_STEPS.index(self.travel_step) if self.travel_step in TRAVEL_STEPS else 0
        self.travel_step = TRAVEL_STEPS[(i + 1) % len(TRAVEL_STEPS)]
        self.notify(f"[ and ] now travel {_step_text(self.travel_step)} back and forward.", timeout=3)
        self.refresh_views()

    def action_jump(self) -> None:
        from lab.tui.screens.jump import JumpModal

        def chosen(at: float | None) -> None:
            if at is not None:
                self.jump_to(at)

        self.app.push_screen(JumpModal(self.session.world.now, self.session.horizon), chosen)

    @on(ChartsView.JumpRequested)
    def _chart_jump(self, event: ChartsView.JumpRequested) -> None:
        self.jump_to(event.at)

    # -- keys for panes and tabs ---------------------------------------------------------------

    def action_focus_pane(self, pane: str) -> None:
        """Give a pane the focus (in the narrow layout, first show the tab that holds it)."""
        _, wide_target, tab = PANES[pane]
        if pane == "editor":
            name = self._current_file() or next(iter(self.session.files))
            self._center.active = f"tab-{_dom(name)}"
            self._editor(name).text_area.focus()
            return
        if pane == "charts":
            self._center.active = "tab-charts"
            self._charts.focus()
            return
        if self.narrow and tab is not None:
            self._center.active = tab
            targets = {"brief": "#tab-brief ObjectiveList", "cluster": "#tab-cluster ClusterMap", "events": "#tab-events .event-log", "metrics": "#tab-events MetricsPanel"}
            widget = self.query_one(targets[pane])
        else:
            widget = self.query_one(wide_target or "#left")
            if pane == "cluster":
                widget = self.query_one("#cluster-map" if self._right.active == "tab-map" else "#task-list")
        widget.focus()

    def action_tab(self, delta: int) -> None:
        """The previous / next tab of the centre pane (files, charts, and the folded panes when narrow)."""
        tabs = self._center.query_one(Tabs)
        ids = [tab.id for tab in tabs.query("Tab") if tab.display and tab.id]
        if not ids:
            return
        current = next((i for i, tab_id in enumerate(ids) if _pane_id(tab_id) == self._center.active), 0)
        self._center.active = _pane_id(ids[(current + delta) % len(ids)])
        self._focus_tab_content()

    def action_tab_number(self, n: int) -> None:
        """Tab ``n`` (from 1) of the centre pane."""
        tabs = self._center.query_one(Tabs)
        ids = [tab.id for tab in tabs.query("Tab") if tab.display and tab.id]
        if 1 <= n <= len(ids):
            self._center.active = _pane_id(ids[n - 1])
            self._focus_tab_content()

    def _focus_tab_content(self) -> None:
        """After a tab change by key: the focus goes into the tab (a file's editor, the charts) or stays on the tab row."""
        name = self._current_file()
        if name is not None:
            self._editor(name).text_area.focus()
        elif self._center.active == "tab-charts":
            self._charts.focus()
        else:
            self._center.query_one(Tabs).focus()

    def action_restart(self) -> None:
        problems = self.session.blocking_errors()
        if problems:
            self.notify(f"Restart refused: {problems[0]}", severity="error", timeout=8)
            return
        self.session.restart()
        self._settle_garbage()
        self._cursor = 0
        self._judged_at = self._drawn_map = None
        for panel in self.query(EventPanel):
            panel.log_view.clear()
        self.notify("Restarted from t=00:00:00 with your files")
        self.refresh_views()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.focus_next()
            return
        unapplied = self.session.unapplied()
        if not unapplied:
            self._leave()
            return
        from lab.tui.screens.confirm import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self._leave()

        names = ", ".join(unapplied)
        self.app.push_screen(
            ConfirmModal(f"Leave the scenario? {names} {'has' if len(unapplied) == 1 else 'have'} edits you have not applied to the running simulation (they stay saved and come back when you reopen it)."),
            answered,
        )

    def _leave(self) -> None:
        self._save_time()
        self.app.pop_screen()

    def action_hint(self) -> None:
        hints = self.session.scenario.hints
        if self.hints_shown >= len(hints):
            self.notify("No more hints.")
            return
        self.hints_shown += 1
        self._report_save(self.session.store.use_hints(self.session.scenario.id, self.hints_shown))
        self._judged_at = None
        self.refresh_views()
        if self.narrow and self._center.active != "tab-brief":
            # Folded, the hints are on the Brief tab: without this, ctrl+t showed nothing.
            self.notify(f"Hint {self.hints_shown} of {len(hints)}: {hints[self.hints_shown - 1]}  (also on the Brief tab)", markup=False, timeout=15)

    def action_why(self) -> None:
        from lab.tui.screens.why import WhyNotPlacedScreen

        focused = self.focused
        if isinstance(focused, TaskList):
            subject = focused.highlighted
        else:
            panel = self.query_one("#events" if not self.narrow else "#tab-events EventPanel", EventPanel)
            subject = panel.log_view.highlighted
        self.app.push_screen(WhyNotPlacedScreen(self.session.world, subject))

    def action_reset_files(self) -> None:
        from lab.tui.screens.confirm import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self.session.reset_all()
                for name, state in self.session.files.items():
                    self._editor(name).set_text(state.text)
                self.notify("Your files are back to their starting content (ctrl+z in an editor undoes it).")

        self.app.push_screen(ConfirmModal("Reset every file to its starting content? Your edits will be replaced."), answered)

    def action_external_editor(self) -> None:
        name = self._current_file()
        if name is None:
            self.notify("Open a file tab first.", severity="warning")
            return
        if self.session.is_readonly(name):
            self.notify(f"{name} is read-only: it is part of the scenario.", severity="warning")
            return
        path = self.session.store.workspace(self.session.scenario.id) / name
        self.session.store.save_edit(self.session.scenario.id, name, self.session.files[name].text)
        text, message = edit_in_external_editor(self.app, path)
        if text is not None:
            self._editor(name).set_text(text)
        if message:
            self.notify(message, severity="warning")

    # -- grading -------------------------------------------------------------------------------

    def action_grade(self) -> None:
        problems = self.session.blocking_errors()
        if problems:
            self.notify(f"Grade refused: {problems[0]}", severity="error", timeout=8)
            return
        self.notify("Grading on every seed… (the simulation keeps running)")
        self._grade()

    @work(thread=True, exclusive=True, group="grade")
    def _grade(self) -> None:
        try:
            report = grade(self.session.loaded, self.session.answer(), label="your files")
        except LabError as exc:
            self.app.call_from_thread(self.notify, f"Grading stopped: {exc}", severity="error", timeout=10)
            return
        self.post_message(self.Graded(report))

    def on_workbench_screen_graded(self, message: Graded) -> None:
        from lab.tui.screens.results import ResultsScreen

        report = message.report
        problem = self.session.store.record_grade(self.session.scenario.id, passed=report.passed, score=report.score, max_score=report.max_score)
        self._report_save(problem)
        self.app.push_screen(ResultsScreen(self.session, report))

    # -- messages from the widgets ---------------------------------------------------------------

    @on(FileEditor.Edited)
    def _edited(self, event: FileEditor.Edited) -> None:
        errors = self.session.edit(event.editor.file_name, event.text)
        self._report_save(self.session.store.save_problem)
        event.editor.show_errors(errors)
        self._judged_at = None

    @on(EventPanel.FilterChanged)
    def _filter_events(self, event: EventPanel.FilterChanged) -> None:
        for panel in self.query(EventPanel):
            panel.set_filter(event.text)

    @on(TimelineBar.Pressed)
    async def _timeline(self, event: TimelineBar.Pressed) -> None:
        await self.run_action(event.action)

    # -- views ---------------------------------------------------------------------------------

    def refresh_views(self, *, throttled: bool = False) -> None:
        """Redraw the clock, objectives, cluster, events and metrics from the world.

        Timer ticks pass ``throttled``: then a cluster that is slow to lay out is redrawn
        only now and then, so that keys stay quick; everything else redraws at once.
        """
        session, world = self.session, self.session.world
        if world is not self._shown_world:
            # A jump back or a restart: a new world whose log starts again from the top.
            self._shown_world = world
            self._cursor = 0
            self._judged_at = self._drawn_map = None
            for panel in self.query(EventPanel):
                panel.log_view.clear()
        self._timeline_bar.show(
            now=world.now, duration=session.duration, playing=self.driver.playing, speed=self.driver.speed,
            seed=session.seed, applied_at=session.applied_at, running_to_end=self.driver.running_to_end, behind=self.driver.behind,
            seeking=self.driver.seeking, past=session.viewing_past, placing=world.pausing,
        )
        self._show_travel(world.now)
        # Objectives and the map change only with events (or edits, a restart, the end):
        # redrawing them on quiet ticks would cost keystroke latency for nothing.
        changed = (len(world.log), session.finished, session.applied_at, id(world))
        # Halfway through a scheduler pass the service is judged once the pass is done.
        if changed != self._judged_at and not world.pausing:
            self._judged_at = changed
            objectives = session.objectives()
            hints = session.scenario.hints
            for widget in self.query(ObjectiveList):
                widget.show(objectives, list(hints[: self.hints_shown]), len(hints))
            self._drawn_map = None
        active = (self._center if self.narrow else self._right).active
        wanted = (changed, self.narrow, active)
        self._map_stale = wanted != self._drawn_map
        if self._map_stale and (not throttled or time.perf_counter() >= self._map_due):
            self._drawn_map, self._map_stale = wanted, False
            views = {"tab-cluster": "#tab-cluster ClusterMap", "tab-task-list": "#tab-task-list TaskList"} if self.narrow else {"tab-map": "#cluster-map", "tab-tasks": "#task-list"}
            if active in views:
                started = time.perf_counter()
                self.query_one(views[active]).show(world.snapshot())  # type: ignore[attr-defined]
                # A big cluster takes a while to lay out: spend at most a tenth of the time on it.
                self._map_due = started + min(1.0, 10 * (time.perf_counter() - started))
        new_events = world.log.since(self._cursor)
        self._cursor = len(world.log)
        if new_events:
            for panel in self.query(EventPanel):
                panel.log_view.extend(new_events)
        self._metrics_panels[self.narrow].show(session.history)
        # The charts draw only while their tab shows, and while playing at most every
        # CHARTS_EVERY_S: a full redraw costs a few milliseconds plus Textual's repaint, and
        # keys typed meanwhile must stay quick (benchmarks/README.md). A tick that skips
        # them leaves them stale, and the next tick draws them.
        self._charts_stale = self._center.active == "tab-charts"
        if self._charts_stale and (not throttled or time.perf_counter() >= self._charts_due):
            started = time.perf_counter()
            self._charts.show(session.series)
            self._charts_stale = False
            self._charts_due = started + min(1.0, max(CHARTS_EVERY_S, 10 * (time.perf_counter() - started)))

        # The Images tab reads the event log, only while it shows (it changes only with events).
        # Keyed on the world too: a restart (ctrl+r) starts a new log that may be as long as the old one.
        images_at = (id(world), len(world.log))
        if self._center.active == "tab-images" and self._images_at != images_at:
            self._images_at = images_at
            self.query_one("#images", ImagesView).show(world.log.since(0))

    def _show_travel(self, now: float) -> None:
        """The banner under the clock while the past is shown (or a replay is under way); hidden otherwise."""
        session, seeking = self.session, self.driver.seeking
        if seeking is not None:
            text = f"⟲ Travelling to t={format_time(seeking)}: replaying the run, now at t={format_time(now)}… (space stops here)"
        elif session.viewing_past:
            text = (
                f"◀ Viewing t={format_time(now)} (past) of a run covered to t={format_time(session.horizon)}. "
                f"Play replays it; an Apply now discards everything after t={format_time(now)}.  "
                f"[ ] {_step_text(self.travel_step)} · t step · j jump"
            )
        else:
            text = ""
        if text != getattr(self, "_banner_text", None):
            self._banner_text = text
            self._banner.update(text)
            self._banner.display = bool(text)

    @on(TabbedContent.TabActivated, "#center, #right")
    def _tab_changed(self) -> None:
        self.refresh_views()

    def _editor(self, name: str) -> FileEditor:
        return self.query_one(f"#edit-{_dom(name)}", FileEditor)

    def _current_file(self) -> str | None:
        active = self.query_one("#center", TabbedContent).active
        return next((n for n in self.session.files if f"tab-{_dom(n)}" == active), None)

    def _save_time(self) -> None:
        """Every 30 s, on Esc and on quit: count the time and retry whatever did not save."""
        now = time.monotonic()
        self.session.add_time_spent(now - self._since)
        self._since = now
        self._report_save(self.session.store.save_problem)

    def _report_save(self, problem: str | None) -> None:
        report = getattr(self.app, "report_save", None)  # LabApp's (a bare test app has none)
        if report is not None:
            report(problem)


def _pane_id(tab_id: str) -> str:
    """The pane id of a tab of a ``TabbedContent`` (Textual prefixes the tab's id)."""
    return tab_id.removeprefix("--content-tab-")


def _step_text(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def _dom(name: str) -> str:
    """A file name as a DOM id."""
    return "".join(ch if ch.isalnum() else "-" for ch in name)
