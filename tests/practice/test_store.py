"""The practice file: answers, exams and cards kept atomically; a corrupt file is set aside, never wiped."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.practice import ExamSession, PracticeStore, ScenarioItem, ScenarioOutcome, assemble_exam

from .conftest import T0
from .support import bank_of


def test_answers_and_cards_survive_a_reload(tmp_path: Path) -> None:
    store = PracticeStore.load(tmp_path)
    store.record_answer("a", False, ["b"], T0)
    store.record_answer("a", True, ["c"], T0 + timedelta(days=1))
    store.record_answer("b", True, ["a"], T0)
    store.save()
    again = PracticeStore.load(tmp_path)
    assert again.problem is None
    stats = again.questions["a"]
    assert (stats.seen, stats.right, stats.last_right, stats.last_answer) == (2, 1, True, ["c"])
    assert set(again.deck.cards) == {"q:a"}  # b was never missed
    assert again.deck.to_dict() == store.deck.to_dict()
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_finished_exam_goes_to_the_history_and_its_misses_to_the_deck(tmp_path: Path) -> None:
    exam = assemble_exam(bank_of({"D1": 3, "D2": 3}), "quick", seed=2, scenarios=[ScenarioItem("ecr-pull-denied", "t", 10)])
    session = ExamSession(exam, started_at=0.0)
    session.answer(0, exam.items[0].correct)
    session.record_scenario(ScenarioOutcome("ecr-pull-denied", 50, 100, False, ("no-pull-errors",), ("service-running",)))
    store = PracticeStore.load(tmp_path)
    store.record_exam(session.finish(300.0), T0)
    store.save()
    again = PracticeStore.load(tmp_path)
    assert len(again.exams) == 1 and again.exams[0]["finished_at"] == T0.isoformat()
    assert again.exams[0]["score"] == session.finished.scaled
    due = again.deck.due(T0 + timedelta(days=1))
    assert "s:ecr-pull-denied:no-pull-errors" in due and "s:ecr-pull-denied:service-running" not in due
    assert len([k for k in due if k.startswith("q:")]) == 5  # the five questions left unanswered


def test_a_corrupt_file_is_set_aside_with_a_unique_name_and_reported(tmp_path: Path) -> None:
    (tmp_path / "practice.json").write_text("{broken", encoding="utf-8")
    store = PracticeStore.load(tmp_path)
    assert store.questions == {} and store.problem and "practice.json.corrupt-1" in store.problem
    assert (tmp_path / "practice.json.corrupt-1").read_text(encoding="utf-8") == "{broken"
    store.record_answer("a", False, ["a"], T0)
    store.save()
    # A second bad file does not overwrite the first copy.
    (tmp_path / "practice.json").write_text(json.dumps({"version": 1, "questions": {}, "exams": {}, "cards": {}}), encoding="utf-8")
    second = PracticeStore.load(tmp_path)
    assert "practice.json.corrupt-2" in (second.problem or "")
    assert (tmp_path / "practice.json.corrupt-1").read_text(encoding="utf-8") == "{broken"
    assert json.loads((tmp_path / "practice.json.corrupt-2").read_text(encoding="utf-8"))["exams"] == {}


def test_bad_cards_or_another_version_are_set_aside_too(tmp_path: Path) -> None:
    for payload in ({"version": 99}, {"version": 1, "questions": {"a": {"seen": "many"}}, "exams": [], "cards": {}}, {"version": 1, "questions": {}, "exams": [], "cards": {"q:a": {"due": "not a date"}}}, [1, 2]):
        (tmp_path / "practice.json").write_text(json.dumps(payload), encoding="utf-8")
        assert PracticeStore.load(tmp_path).problem
    assert len(list(tmp_path.glob("practice.json.corrupt-*"))) == 4


def test_a_missing_file_is_an_empty_store(tmp_path: Path) -> None:
    store = PracticeStore.load(tmp_path / "nowhere")
    assert (store.questions, store.exams, store.problem) == ({}, [], None)


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8), lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3), max_leaves=12)


@settings(max_examples=80, deadline=None)
@given(payload=st.one_of(st.binary(max_size=60), _json.map(lambda v: json.dumps(v).encode()), st.fixed_dictionaries({"version": st.just(1), "questions": _json, "exams": _json, "cards": _json}).map(lambda v: json.dumps(v).encode())))
def test_any_file_content_loads_or_is_set_aside(payload: bytes) -> None:
    """Whatever is in practice.json, loading never raises, and a store that loads can record and save."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "practice.json").write_bytes(payload)
        store = PracticeStore.load(root)
        if store.problem is None:
            store.record_answer("a", False, ["a"], T0)
            store.save()
        else:
            assert store.questions == {} and store.exams == []
            assert (root / "practice.json.corrupt-1").read_bytes() == payload  # kept, byte for byte
