"""Time travel: jump back and forth within the covered run; the replay logs what the first run logged."""

from __future__ import annotations

from pathlib import Path

from lab.progress import ProgressStore
from lab.scenario.loader import find_scenario, load_scenario
from lab.tui.session import Session
from lab.tui.sim_driver import SimDriver

from .conftest import FIXED_ROLE


def make_session(tmp_path: Path, name: str = "one") -> Session:
    return Session(load_scenario(find_scenario("ecr-pull-denied")), ProgressStore.load(tmp_path / name), seed=1)


def straight_run(tmp_path: Path, *, apply_at: float, until: float) -> str:
    """The log of a run that applies the fixed role at ``apply_at`` and plays on to ``until``."""
    session = make_session(tmp_path, "straight")
    session.run_for(apply_at)
    session.edit("instance-role.yaml", FIXED_ROLE)
    assert session.apply() == []
    session.run_for(until - apply_at)
    return session.world.log.to_jsonl()


def test_jump_back_and_play_on_logs_what_a_straight_run_logged(tmp_path: Path) -> None:
    """Play (ticks that stop mid-instant), apply, play; jump back before the apply and play on: the same log, byte for byte."""
    session = make_session(tmp_path)
    driver = SimDriver(session)
    driver.budget_s = 0.0  # each tick stops after one event: the apply may fall mid-instant
    driver.toggle()
    while session.world.now < 90:
        driver.tick()
    session.edit("instance-role.yaml", FIXED_ROLE)
    assert session.apply() == []
    applied = session.world.now
    session.run_for(600 - applied)
    assert session.horizon == 600
    expected = straight_run(tmp_path, apply_at=applied, until=600)
    assert session.world.log.to_jsonl() == expected

    assert session.jump_to(30) == 30 and session.viewing_past
    assert session.world.now == 30 and session.applied_at is None
    assert all(event.at <= 30 for event in session.world.log)
    assert session.jump_to(applied + 10) == applied + 10 and session.applied_at == applied
    session.jump_to(10)
    session.run_for(600)
    assert not session.viewing_past
    assert session.world.log.to_jsonl() == expected
    assert [m.at for m in session.series.markers if m.kind == "apply"] == [applied]


def test_an_apply_in_the_past_discards_the_abandoned_future(tmp_path: Path) -> None:
    """Jump back to 40 s, apply there: the run covered only to 40 s and the later apply is gone."""
    session = make_session(tmp_path)
    session.run_for(300)
    session.edit("instance-role.yaml", FIXED_ROLE)
    session.apply()
    session.run_for(300)
    session.jump_to(40)
    assert session.viewing_past and session.horizon == 600
    assert session.apply() == []
    assert session.horizon == 40 and not session.viewing_past
    assert [change.at for change in session.applies] == [40]
    session.run_for(560)
    assert session.world.log.to_jsonl() == straight_run(tmp_path, apply_at=40, until=600)


def test_jumps_stay_within_the_covered_run(tmp_path: Path) -> None:
    """A jump past the covered run stops at its end; before zero, at zero; a restart forgets the covered run."""
    session = make_session(tmp_path)
    session.run_for(120)
    assert session.jump_to(10_000) == 120
    assert session.jump_to(-5) == 0
    session.jump_to(120)
    session.restart()
    assert session.horizon == 0 and session.jump_to(60) == 0
