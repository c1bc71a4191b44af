"""The TUI's headless parts: the session, its metrics history, the sim driver, the catalogue index."""

from __future__ import annotations

from pathlib import Path

from lab.progress import ProgressStore
from lab.scenario.loader import find_scenario, list_scenarios, load_scenario, scenarios_dir
from lab.tui.catalogue_index import read_catalogue
from lab.tui.catalogue_index import scenarios_dir as index_dir
from lab.tui.session import Session
from lab.tui.sim_driver import SimDriver


def make_session(tmp_path: Path) -> Session:
    return Session(load_scenario(find_scenario("ecr-pull-denied")), ProgressStore.load(tmp_path), seed=1)


def test_metrics_are_kept_per_bucket_of_simulated_time(tmp_path: Path) -> None:
    """Each reading lands in the bucket of its simulated time; the future stays empty."""
    session = make_session(tmp_path)
    session.run_for(session.duration / 2)
    history = session.history
    running = history.values("web running")
    assert len(running) == history.width // 2 + 1
    assert history.values("instances")[-1] == 3
    session.restart()
    assert history.values("web running") == [0.0]


def test_driver_slices_a_tick_and_stops_at_the_end(tmp_path: Path) -> None:
    """A tick advances speed x tick seconds; running to the end stops there and pauses."""
    session = make_session(tmp_path)
    driver = SimDriver(session)
    driver.set_speed(3)
    driver.toggle()
    driver.budget_s = 10.0  # a loaded machine must not cut the exact-advance tick short
    driver.tick()
    assert session.world.now == 600 * driver.tick_s
    driver.budget_s = 0.0  # every tick then stops after one event, yet the run still ends
    driver.run_to_end()
    while driver.running_to_end:
        driver.tick()
    assert session.finished and not driver.playing and not driver.running_to_end


def test_play_pause_during_a_run_to_the_end_pauses(tmp_path: Path) -> None:
    """Space while running to the end stops the world; it does not turn the run into playing."""
    session = make_session(tmp_path)
    driver = SimDriver(session)
    driver.run_to_end()
    driver.toggle()
    assert not driver.running_to_end and not driver.playing
    now = session.world.now
    driver.tick()
    assert session.world.now == now
    driver.toggle()
    assert driver.playing


def test_time_spent_and_reset_are_saved(tmp_path: Path) -> None:
    """Seconds spent add up in the progress file; a reset forgets the autosaved edits."""
    session = make_session(tmp_path)
    session.add_time_spent(30)
    session.add_time_spent(12.5)
    session.edit("instance-role.yaml", "RoleName: x\n")
    assert ProgressStore.load(tmp_path).edits("ecr-pull-denied")
    session.reset_all()
    assert ProgressStore.load(tmp_path).get("ecr-pull-denied").seconds_spent == 42.5
    assert ProgressStore.load(tmp_path).edits("ecr-pull-denied") == {}


def test_objectives_follow_the_run(tmp_path: Path) -> None:
    """Objectives are judged on the run so far and become final at the end."""
    session = make_session(tmp_path)
    assert not any(o.final for o in session.objectives())
    session.run_for(session.duration)
    final = session.objectives()
    assert all(o.final for o in final) and not all(o.met for o in final)


def test_catalogue_index_lists_what_the_loader_lists() -> None:
    """The quick catalogue reads the same folder as the loader and finds every scenario in it."""
    assert index_dir() == scenarios_dir()
    entries, problems = read_catalogue()
    assert [e.path for e in entries] == list_scenarios()
    assert "ecr-pull-denied" in {e.id for e in entries} and not problems


def test_an_objective_that_must_never_fail_is_failed_once_it_did(tmp_path: Path) -> None:
    """Tasks already stopped with CannotPull: that objective is "failed", not "not yet"; a deadline still to come stays open."""
    session = make_session(tmp_path)
    before = {o.title: o for o in session.objectives()}
    assert not any(o.final for o in before.values())
    session.run_for(120)
    now = {o.title: o for o in session.objectives()}
    stops = now["no task stops with CannotPull"]
    assert (stops.met, stops.final, stops.broken) == (False, True, True)
    running = now["web runs 3 tasks by 300 s and keeps them"]
    assert (running.met, running.final) == (False, False)


def test_a_dockerfile_is_validated_as_text_and_a_live_apply_rebuilds_with_the_cache(tmp_path: Path) -> None:
    """`LABEL description="catalog: ..."` breaks YAML but is a valid Dockerfile line; applying rebuilds and reuses the cached steps."""
    from lab.sim.events import ImageBuilt

    session = Session(load_scenario(find_scenario("cache-busting-copy-order")), ProgressStore.load(tmp_path), seed=1)
    session.run_for(30)
    text = session.files["Dockerfile"].text.replace("EXPOSE 8080", 'LABEL description="catalog: the product list"\nEXPOSE 8080')
    assert session.edit("Dockerfile", text) == []
    assert session.apply() == []
    first, second = session.world.log.of_type(ImageBuilt)
    assert [cached for _, _, cached in second.steps][:3] == [True, True, True]
    assert len(second.layers) == len(first.layers)
