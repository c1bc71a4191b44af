"""Pilot tests of the workbench's views: events, timeline, why-not-placed, results, palette, themes, scale."""

from __future__ import annotations

import json

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from lab.progress import ProgressStore
from lab.sim.events import PlacementFailed
from lab.sim.world import InstanceView, TaskView, WorldSnapshot
from lab.tui.app import LabApp
from lab.tui.screens.confirm import ConfirmModal
from lab.tui.screens.results import ResultsScreen
from lab.tui.screens.why import WhyNotPlacedScreen
from lab.tui.widgets.cluster_map import ClusterMap
from lab.tui.widgets.event_log import EventLogView
from lab.tui.widgets.task_list import TaskList
from lab.tui.widgets.timeline_bar import TimelineBar

from .conftest import open_scenario, quiet


async def test_event_log_is_newest_first_and_filterable(store: ProgressStore) -> None:
    """Newest event on top; the filter keeps matching events, narrowing as a word is typed and widening as it is deleted."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        bench.advance(120)
        log = bench.query_one("#events EventLogView", EventLogView)
        assert log.event_at(0).at >= log.event_at(log.line_count - 1).at
        bench.query_one("#events Input").focus()
        await pilot.press(*"stop")
        await pilot.pause()
        broad = list(log.matches)
        await pilot.press(*"ped")
        await pilot.pause()
        assert log.line_count > 0
        assert all("stopped" in log.event_at(i).message.lower() for i in range(log.line_count))
        assert "CannotPull" in log.line_text(0).plain
        await pilot.press(*" [")
        await pilot.pause()
        narrow = list(log.matches)
        assert narrow and set(narrow) < set(broad)
        assert narrow == [i for i, e in enumerate(log.events) if "stopped [" in e.message.lower()]
        for _ in range(5):
            await pilot.press("backspace")
        await pilot.pause()
        assert log.matches == broad  # the same as filtering afresh
        for _ in range(4):
            await pilot.press("backspace")
        await pilot.pause()
        assert log.filter_text == ""
        assert all(type(log.events[i]).__name__ not in ("ImagePullStarted", "AppLogged") for i in log.matches)


async def test_timeline_steps_plays_and_runs_to_the_end(store: ProgressStore) -> None:
    """Step moves to the next event; play advances on ticks; run-to-end reaches the scenario's end in slices."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        driver = bench.driver
        before = len(bench.session.world.log)
        await pilot.press("full_stop")
        assert len(bench.session.world.log) > before
        await pilot.press("space")
        assert driver.playing
        at = bench.session.world.now
        # A tick stops when its real-time budget (20 ms) runs out; a loaded test machine must
        # not cut this one short, so the budget is lifted for the exact-advance assertion.
        budget, driver.budget_s = driver.budget_s, 10.0
        driver.tick()
        driver.budget_s = budget
        assert bench.session.world.now == at + driver.speed * driver.tick_s
        await pilot.press("space")
        assert not driver.playing
        await pilot.press("plus")
        assert driver.speed == 600
        await pilot.press("E")
        assert driver.running_to_end or bench.session.finished  # the app's own timer may have got there first
        while driver.running_to_end:
            driver.tick()
        assert bench.session.finished and not driver.running_to_end
        # The ticks above bypass the workbench's timer, which redraws after every tick that
        # moved the world; redraw once here as that timer would have.
        bench.refresh_views()
        assert "00:10:00/00:10:00" in str(bench.query_one("#clock").render())


async def test_why_not_placed_explains_every_instance(store: ProgressStore) -> None:
    """After a placement failure, "why not placed?" lists every instance with its first failed check."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot, "host-port-conflict")
        bench.advance(120)
        assert bench.session.world.log.of_type(PlacementFailed)
        await pilot.press("ctrl+n")
        await pilot.pause()
        why = app.screen
        assert isinstance(why, WhyNotPlacedScreen)
        assert why.group and why.group.startswith("service:")
        table = why.query_one(DataTable)
        instances = len(bench.session.world.snapshot().instances)
        assert table.row_count == instances
        verdicts = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert any("RESOURCE:PORTS" in v for v in verdicts)
        assert "port" in str(why.query_one("#why-detail").render())  # the highlighted instance, in a sentence
        await pilot.press("escape")
        assert app.screen is bench


async def test_solution_needs_a_confirmation_that_is_recorded(store: ProgressStore) -> None:
    """Before a pass the solution is shown only after "yes", and the attempt is marked revealed."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await open_scenario(app, pilot)
        await pilot.press("ctrl+g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        results = app.screen
        assert isinstance(results, ResultsScreen) and not results.report.passed
        await pilot.press("s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert not store.get("ecr-pull-denied").solution_revealed
        await pilot.press("s", "y")
        await pilot.pause()
        assert store.get("ecr-pull-denied").solution_revealed
    saved = json.loads((store.root / "progress.json").read_text())["scenarios"]["ecr-pull-denied"]
    assert saved["solution_revealed"] and saved["attempts"] == 1 and saved["status"] == "attempted"


async def test_palette_offers_scenario_and_sim_commands(store: ProgressStore) -> None:
    """The command palette lists "scenario: open …" everywhere and "sim: …" entries on the workbench."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "scenario: open ecr-pull-denied" in titles and not any(t.startswith("sim:") for t in titles)
        bench = await open_scenario(app, pilot)
        commands = {c.title: c for c in app.get_system_commands(bench)}
        assert {"sim: pause", "sim: step to the next event", "sim: run to the end", "sim: speed x600"} <= set(commands)
        bench.driver.playing = True
        commands["sim: pause"].callback()
        assert not bench.driver.playing


async def test_theme_toggles_and_no_color_is_respected(store: ProgressStore, monkeypatch) -> None:
    """F2 switches dark and light; with NO_COLOR set the app renders without colour."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        dark = app.theme
        await pilot.press("f2")
        assert app.theme != dark and not app.current_theme.dark
    monkeypatch.setenv("NO_COLOR", "1")
    plain = quiet(LabApp(store=store))
    assert plain.no_color


async def test_corrupt_progress_is_reported_and_kept(tmp_path) -> None:
    """A corrupt progress file is moved aside and reported in the app, which still starts."""
    (tmp_path / "progress.json").write_text("{oops", encoding="utf-8")
    app = quiet(LabApp(store=ProgressStore.load(tmp_path)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert any("progress.json.corrupt" in n.message for n in app._notifications)
    assert (tmp_path / "progress.json.corrupt").read_text(encoding="utf-8") == "{oops"


def big_snapshot(instances: int = 100, tasks: int = 5000) -> WorldSnapshot:
    azs = ("us-east-1a", "us-east-1b", "us-east-1c")
    hosts = tuple(
        InstanceView(f"ci-{i}", f"i-{i:017x}", "m5.4xlarge", azs[i % 3], "ACTIVE" if i % 10 else "DRAINING", True,
                     16384, 4096, 63000, 20000, (80,), tasks // instances)
        for i in range(instances)
    )
    states = ("RUNNING", "PENDING", "PROVISIONING")
    views = tuple(
        TaskView(f"{n:032x}", "web:7", "service:web", "EC2", states[n % 3], "RUNNING", hosts[n % instances].ec2_instance_id, azs[n % 3], None, None)
        for n in range(tasks)
    )
    return WorldSnapshot(600.0, "prod", hosts, views)


class CountingMap(ClusterMap):
    drawn = 0

    def render_line(self, y: int):
        CountingMap.drawn += 1
        return super().render_line(y)


class CountingTasks(TaskList):
    drawn = 0

    def render_line(self, y: int):
        CountingTasks.drawn += 1
        return super().render_line(y)


class MapApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CountingMap(id="map")
        yield CountingTasks(id="tasks")


async def test_a_5000_task_cluster_renders_only_what_is_visible() -> None:
    """5,000 tasks make one widget, and a frame draws only the rows on screen."""
    app = MapApp()
    async with app.run_test(size=(120, 40)) as pilot:
        cluster = app.query_one(CountingMap)
        cluster.show(big_snapshot())
        await pilot.pause()
        assert cluster.line_count > 500  # every task is on the map...
        assert len(app.screen.query("*")) < 10  # ...as rows, not widgets
        CountingMap.drawn = 0
        cluster.scroll_to(y=cluster.line_count // 2, animate=False)
        await pilot.pause()
        assert 0 < CountingMap.drawn <= 3 * 40  # a screenful (and a repaint or two), not 5,000 chips
        middle = cluster.line_text(int(cluster.scroll_y) + 1).plain
        assert middle.strip()


async def test_a_5000_task_list_draws_a_screenful_and_keeps_its_cursor() -> None:
    """The task list holds 5,000 tasks as lines; paging draws only what is visible."""
    app = MapApp()
    async with app.run_test(size=(120, 40)) as pilot:
        tasks = app.query_one(CountingTasks)
        tasks.show(big_snapshot())
        tasks.focus()
        await pilot.pause()
        assert tasks.line_count == 5000
        assert tasks.highlighted.last_status == "PROVISIONING"  # waiting tasks come first
        CountingTasks.drawn = 0
        for _ in range(50):
            await pilot.press("pagedown")
        await pilot.pause()
        assert tasks.cursor == 500
        assert CountingTasks.drawn <= 50 * 40


async def test_selecting_a_task_explains_its_group(store: ProgressStore) -> None:
    """Highlight a task in the task list and ask "why not placed?": its group is explained."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot, "host-port-conflict")
        bench.advance(60)
        bench.query_one("#right").active = "tab-tasks"
        await pilot.pause()
        task_list = bench.query_one("#task-list", TaskList)
        assert task_list.line_count == len(bench.session.world.snapshot().tasks)
        task_list.focus()
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WhyNotPlacedScreen)
        assert app.screen.group == task_list.highlighted.group


async def test_restart_goes_back_to_time_zero_with_the_current_files(store: ProgressStore) -> None:
    """Restart rebuilds the world at t=0 with the edited files in place, and the log starts over."""
    from .conftest import FIXED_ROLE

    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        bench.advance(200)
        bench.query_one("#edit-instance-role-yaml TextArea").text = FIXED_ROLE
        await pilot.pause()
        bench.query_one("#center Tabs").focus()
        await pilot.press("ctrl+r")
        assert bench.session.world.now == 0 and bench.session.applied_at == 0
        assert bench.query_one("#events EventLogView", EventLogView).line_count <= len(bench.session.world.log)
        bench.advance(120)
        assert sum(1 for t in bench.session.world.snapshot().tasks if t.last_status == "RUNNING") == 3


async def test_timeline_buttons_work_with_the_mouse(store: ProgressStore) -> None:
    """Clicking the play button starts the clock; clicking a speed picks it."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        await pilot.click("#play-button")
        await pilot.pause()
        assert bench.driver.playing
        await pilot.click("#play-button")
        await pilot.pause()
        assert not bench.driver.playing
        x600 = next(b for b in bench.query("TimelineBar Button") if str(b.label) == "x600")
        await pilot.click(x600)
        await pilot.pause()
        assert bench.driver.speed == 600


async def test_help_screen_lists_the_keys(store: ProgressStore) -> None:
    """? opens the key reference from the catalogue; Esc closes it."""
    from lab.tui.screens.help import HelpScreen

    app = quiet(LabApp(store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_tasks_waiting_for_capacity_are_not_shown_as_fargate() -> None:
    """An EC2 task a capacity provider keeps in PROVISIONING has no host, and it is not on Fargate."""
    host = InstanceView("ci-0", "i-0", "m5.large", "us-east-1a", "ACTIVE", True, 2048, 0, 8000, 0, (), 1)
    views = (
        TaskView("a" * 32, "web:1", "service:web", "EC2", "RUNNING", "RUNNING", "i-0", "us-east-1a", None, None),
        TaskView("b" * 32, "web:1", "service:web", "EC2", "PROVISIONING", "RUNNING", None, None, None, None),
        TaskView("c" * 32, "api:1", "service:api", "FARGATE", "RUNNING", "RUNNING", None, "us-east-1b", None, None),
    )
    app = MapApp()
    async with app.run_test(size=(120, 40)) as pilot:
        cluster = app.query_one(CountingMap)
        cluster.show(WorldSnapshot(60.0, "prod", (host,), views))
        await pilot.pause()
        text = "\n".join(cluster.line_text(i).plain for i in range(cluster.line_count))
    assert "Fargate (1 tasks)" in text
    assert "Waiting for an instance (1 EC2 tasks in PROVISIONING)" in text


async def test_the_map_title_counts_instances_by_status() -> None:
    """A reclaimed Spot instance stays on the map as INACTIVE: a line under the title counts by status (the metrics say 3 ACTIVE)."""
    hosts = tuple(
        InstanceView(f"ci-{i}", f"i-{i}", "m5.large", "us-east-1a", status, status == "ACTIVE", 2048, 2048, 8000, 8000, (), 1)
        for i, status in enumerate(("ACTIVE", "ACTIVE", "INACTIVE", "ACTIVE"))
    )
    app = MapApp()
    async with app.run_test(size=(120, 40)) as pilot:
        cluster = app.query_one(CountingMap)
        cluster.show(WorldSnapshot(60.0, "prod", hosts, ()))
        await pilot.pause()
        assert [cluster.line_text(i).plain for i in (0, 1)] == ["Cluster prod · 4 instances", "▣ 3 ACTIVE, 1 INACTIVE"]
        cluster.show(WorldSnapshot(60.0, "prod", hosts[:2], ()))
        await pilot.pause()
        assert [cluster.line_text(i).plain for i in (0, 1)] == ["Cluster prod · 2 instances", "no tasks yet"]


async def test_repeated_placement_failures_fold_into_one_line_with_a_count() -> None:
    """The first failure shows ECS's message; the repeats since are one line, the newest, counting them."""

    class LogApp(App[None]):
        def compose(self) -> ComposeResult:
            yield EventLogView()

    async with LogApp().run_test() as pilot:
        await pilot.pause()
        check_folding(pilot.app.query_one(EventLogView))


def check_folding(log: EventLogView) -> None:
    first = PlacementFailed(10.0, "service:web", "RESOURCE:CPU", None, "No Container Instances were found in your cluster.", "web")
    log.extend([first, first._replace(at=25.0, repeated=True)])
    log.extend([first._replace(at=40.0, repeated=True), first._replace(at=55.0, repeated=True)])
    assert log.line_count == 2
    assert log.line_text(1).plain.endswith(first.message)
    assert log.event_at(0).at == 55.0
    assert "(service web) still unable to place a task, same cause: 3 more attempts since 00:00:10" in log.line_text(0).plain
    log.set_filter("unable")
    assert [log.event_at(i).at for i in range(log.line_count)] == [55.0, 10.0]
    log.set_filter("")
    assert log.line_count == 2


async def test_the_catalogue_lists_scenarios_by_track_in_curriculum_order_with_progress(store: ProgressStore) -> None:
    """Tracks in content/tracks.yaml order; each group's first row counts its passed scenarios."""
    store.record_grade("task-role-s3", passed=True, score=100, max_score=100)
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        labels = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        groups = [label.rsplit(" ", 1) for label in labels if label and label != "exam prep"]
        assert [title for title, _ in groups] == ["Foundations", "Networking", "Deployments", "Scaling", "Operations", "Images"]
        assert dict(groups)["Foundations"].startswith("1/") and dict(groups)["Scaling"].startswith("0/")
        # Every scenario row between one label and the next belongs to that label's track.
        keys = [k.value for k in table.rows]
        assert keys.index("task-role-s3") < labels.index(next(label for label in labels if label.startswith("Networking")))


async def test_the_clock_keeps_the_apply_time_in_view_at_120_columns(store: ProgressStore) -> None:
    """After an apply the clock says when, within its width beside the buttons; the seed goes first when room is short."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot)
        bench.advance(60)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert bench.session.applied_at == 60
        clock = bench.query_one("#clock", Static)
        shown = str(clock.render())
        assert "applied 00:01:00" in shown
        assert cell_len(shown) <= clock.content_region.width
        # The longest usual state, playing at x600, drawn directly: a real play could reach the
        # end of the run (and pause) before the assertion on a loaded machine.
        bench.query_one(TimelineBar).show(now=90, duration=600, playing=True, speed=600, seed=1, applied_at=60, running_to_end=False)
        await pilot.pause()
        shown = str(clock.render())
        assert "playing x600 · applied 00:01:00" in shown and cell_len(shown) <= clock.content_region.width
    wide = quiet(LabApp(store=store))
    async with wide.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        bench = await open_scenario(wide, pilot)
        await pilot.pause()
        assert "seed 1" in str(bench.query_one("#clock", Static).render())


def test_help_names_every_key_of_the_catalogue_exam_and_review() -> None:
    """Each key these screens bind is in a help row for that screen (the exam's p / n / Esc were not)."""
    from textual.binding import Binding

    from lab.tui.screens import HELP_BINDING
    from lab.tui.screens.catalogue import CatalogueScreen
    from lab.tui.screens.exam import ExamScreen
    from lab.tui.screens.exam_results import ExamResultsScreen, ReviewScreen
    from lab.tui.screens.help import HELP

    names = {"left": "←", "right": "→", "up": "↑", "down": "↓", "escape": "Esc", "slash": "/", "enter": "Enter", "home": "Home", "end": "End", "question_mark": "?", "f1": "F1"}
    rows = [line.split("|")[1] for line in HELP.splitlines() if line.startswith("| ")]

    def keys_in(cell: str) -> set[str]:
        keys = set(cell.replace(",", " ").replace("/", " / ").replace("↑↓", "↑ ↓").split())
        if "a–e" in keys:
            keys |= set("abcde")
        return keys

    for screen, context in ((ExamScreen, "exam"), (ExamResultsScreen, "exam results"), (ReviewScreen, "exam review"), (CatalogueScreen, "")):
        for binding in screen.BINDINGS:
            assert isinstance(binding, Binding)
            for key in binding.key.split(","):
                if key == "escape" and screen is not ExamScreen:
                    continue  # the general "escape: close / back" row
                name = names.get(key, key)
                where = "" if binding is HELP_BINDING else context  # Help's keys: the general "? or F1" row
                assert any(name in keys_in(cell) and where in cell for cell in rows), f"{screen.__name__}: {key}"


async def test_why_not_placed_title_wraps_at_80_columns(store: ProgressStore) -> None:
    """At 80x24 the title with its keys ("Esc: close") takes two lines instead of being cut after "Esc:"."""
    app = quiet(LabApp(store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot, "host-port-conflict")
        bench.advance(120)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, WhyNotPlacedScreen)
        title = app.screen.query_one("#why-title", Static)
        text = str(title.render())
        assert text.endswith("Esc: close)")
        assert title.content_region.width * title.content_region.height >= cell_len(text)
