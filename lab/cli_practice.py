"""Provides the practice commands of the ``lab`` command line: quiz, exam, review, and the bank's part of validate and list.

A shell over ``lab.practice``: it reads answers from a text stream (stdin), writes plain text,
and reads the clock (the core never does): ``now()`` for repetition dates, ``monotonic()``
for exam time. Tests replace both.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from lab.errors import LabError, UsageError
from lab.practice import (
    Bank,
    ExamSession,
    PracticeStore,
    QuestionItem,
    ScenarioItem,
    assemble_exam,
    load_bank,
    parse_letters,
    select_questions,
    split_key,
)
from lab.practice.render import format_duration, letters, render_feedback, render_question, render_result
from lab.safe_text import safe_block, safe_line

__all__ = ["cmd_exam", "cmd_quiz", "cmd_review", "monotonic", "now", "question_count_tables", "question_counts", "record_checks", "validate_questions"]


def now() -> datetime:
    """The wall clock, for repetition dates (tests replace it)."""
    return datetime.now(timezone.utc)


def monotonic() -> float:
    """A steady clock for exam time (tests replace it)."""
    return time.monotonic()


def _bank() -> tuple[Bank, list[str], dict[str, str]]:
    """The bank (problems reported on stderr), the area slugs and the area of each topic id."""
    from lab.practice import Context

    context = Context.default()
    bank = load_bank(context=context)
    if bank.problems:
        files = len({d.file for d in bank.problems})
        print(f"lab: {files} question file{'s' if files != 1 else ''} do not load and are left out; run `lab validate` to see why", file=sys.stderr)
    area_of = {t.id: t.area for t in context.topics.by_id.values()}
    return bank, list(context.topics.areas), area_of


def _store() -> PracticeStore:
    store = PracticeStore.load()
    if store.problem:
        print(f"lab: {store.problem}", file=sys.stderr)
    return store


def _save(store: PracticeStore) -> None:
    try:
        store.save()
    except OSError as exc:  # a read-only home must not end a practice session
        print(f"lab: practice not saved: {exc.strerror or exc}", file=sys.stderr)


def _seed(seed: int | None) -> int:
    return seed if seed is not None else random.SystemRandom().randrange(1, 1_000_000)


def _ask(inp: TextIO, out: TextIO, prompt: str) -> str | None:
    """One line from ``inp`` (None at the end of input)."""
    out.write(prompt)
    out.flush()
    line = inp.readline()
    if not line:
        out.write("\n")
        return None
    return line.strip()


def cmd_quiz(args, out: TextIO, inp: TextIO | None = None) -> int:
    """``lab quiz``: questions one at a time, feedback after each, progress saved."""
    inp = inp or sys.stdin
    bank, areas, area_of = _bank()
    store = _store()
    seed = _seed(args.seed)
    ids = None
    if args.due:
        ids = [key_id for kind, key_id, _ in map(split_key, store.deck.due(now())) if kind == "question"]
        if not ids:
            out.write("Nothing is due. Missed questions come back here when they are due.\n")
            return 0
    items = select_questions(
        bank.questions, topic=args.topic, domain=args.domain, scenario=args.scenario, ids=ids, count=args.count, seed=seed, areas=areas, area_of=area_of
    )
    out.write(f"{len(items)} question{'s' if len(items) != 1 else ''} (seed {seed}). Answer with letters (a, or a,c for several); q quits.\n\n")
    right = answered = 0
    for n, item in enumerate(items, 1):
        out.write(render_question(item, n, len(items)))
        hint = f"Choose {item.question.choose}. " if item.question.multiple else ""
        chosen = None
        while chosen is None:
            line = _ask(inp, out, f"{hint}answer> ")
            if line is None or line.lower() in ("q", "quit"):
                return _quiz_summary(out, right, answered)
            if not line:
                continue
            try:
                chosen = parse_letters(line, len(item.options))
            except UsageError as exc:
                out.write(f"{exc}\n")
        ok = item.is_right(chosen)
        right += ok
        answered += 1
        out.write("\n" + render_feedback(item, chosen))
        store.record_answer(item.question.id, ok, letters(chosen).split(","), now())
        _save(store)
    return _quiz_summary(out, right, answered)


def _quiz_summary(out: TextIO, right: int, answered: int) -> int:
    out.write(f"{right} of {answered} right.\n")
    return 0


def cmd_exam(args, out: TextIO, inp: TextIO | None = None) -> int:
    """``lab exam``: a timed exam by domain weight; exit 0 on a pass, 1 on a fail."""
    inp = inp or sys.stdin
    as_json = args.format == "json"
    ui = sys.stderr if as_json else out
    bank, _areas, _area_of = _bank()
    store = _store()
    seed = _seed(args.seed)
    scenario_items, loaded = _exam_scenarios(args, seed)
    exam = assemble_exam(bank.questions, args.preset, seed=seed, scenarios=scenario_items)
    for note in exam.notes:
        print(f"lab: {note}", file=sys.stderr)
    session = ExamSession(exam, started_at=monotonic())
    count = len(exam.items)
    ui.write(f"Exam '{exam.preset}' (seed {seed}): {count} items, {exam.minutes} minutes. Letters answer; Enter skips; f flags; q submits.\n\n")
    workdir = Path(args.workdir) if args.workdir else Path(f"exam-{seed}")
    pending = list(range(count))
    for pass_number in (1, 2):
        for index in pending:
            if session.timed_out(monotonic()):
                ui.write("Time is up.\n")
                return _finish(session, store, out, as_json)
            item = exam.items[index]
            ui.write(f"[{format_duration(session.remaining(monotonic()))} left]\n")
            go_on = _exam_item(session, index, item, loaded, workdir, inp, ui)
            if not go_on:
                return _finish(session, store, out, as_json)
        pending = sorted(set(session.unanswered()) | session.flagged)
        if not pending or pass_number == 2:
            break
        ui.write(f"\nSecond look: {len(pending)} unanswered or flagged item(s). Enter keeps your answer.\n\n")
    return _finish(session, store, out, as_json)


def _exam_item(session: ExamSession, index: int, item, loaded: dict, workdir: Path, inp: TextIO, ui: TextIO) -> bool:
    """Ask one item; False when the learner submits (q) or the input ends."""
    count = len(session.exam.items)
    if isinstance(item, ScenarioItem):
        return _exam_scenario(session, index, item, loaded[item.scenario_id], workdir, inp, ui)
    assert isinstance(item, QuestionItem)
    while True:
        ui.write(render_question(item, index + 1, count, chosen=session.answers.get(index, ()), flagged=index in session.flagged))
        hint = f"Choose {item.question.choose}. " if item.question.multiple else ""
        line = _ask(inp, ui, f"{hint}answer> ")
        if line is None or line.lower() in ("q", "quit", "submit"):
            return False
        if line.lower() == "f":
            ui.write("Flagged.\n" if session.toggle_flag(index) else "Unflagged.\n")
            continue
        if not line:
            return True
        try:
            session.answer(index, parse_letters(line, len(item.options)))
            return True
        except UsageError as exc:
            ui.write(f"{exc}\n")


def _exam_scenario(session: ExamSession, index: int, item: ScenarioItem, loaded, workdir: Path, inp: TextIO, ui: TextIO) -> bool:
    from lab.practice.hands_on import grade_scenario
    from lab.scenario.workspace import read_answer, write_start

    folder = workdir / item.scenario_id
    if not folder.is_dir():
        write_start(loaded, folder)
    ui.write(safe_block(
        f"Hands-on {index + 1}/{len(session.exam.items)}: {item.title} ({item.minutes} min)\n\n{loaded.scenario.briefing.strip()}\n\n"
        f"Your files are in {folder}/. Edit them, then press Enter to grade (s skips, q submits the exam).\n"
    ))
    line = _ask(inp, ui, "grade> ")
    if line is None or line.lower() in ("q", "quit", "submit"):
        return False
    if line.lower() == "s":
        return True
    try:
        outcome = grade_scenario(loaded, read_answer(loaded, folder))
    except LabError as exc:
        ui.write(safe_block(f"{exc}\nNot graded; it scores 0 unless you grade it again.\n"))
        return True
    session.record_scenario(outcome)
    ui.write(f"Graded: {outcome.score}/{outcome.max_score}" + (" — passed\n\n" if outcome.passed else f" — failed: {', '.join(outcome.failed_checks)}\n\n"))
    return True


def _exam_scenarios(args, seed: int) -> tuple[list[ScenarioItem], dict]:
    """The hands-on scenarios asked for (--scenario ids, or --hands-on N picked by the seed)."""
    from lab.practice.hands_on import pick_scenarios
    from lab.scenario.loader import find_scenario, list_scenarios, load_scenario

    refs = list(args.scenario or [])
    if args.hands_on:
        if not 1 <= args.hands_on <= 3:
            raise UsageError("--hands-on takes 1, 2 or 3")
        refs += [str(p) for p in pick_scenarios(list_scenarios(), args.hands_on, seed=seed)]
    if len(refs) > 3:
        raise UsageError("an exam holds at most three hands-on scenarios")
    items, loaded = [], {}
    for ref in refs:
        scenario = load_scenario(find_scenario(ref))
        s = scenario.scenario
        loaded[s.id] = scenario
        items.append(ScenarioItem(s.id, s.title, s.minutes))
    return items, loaded


def _finish(session: ExamSession, store: PracticeStore, out: TextIO, as_json: bool) -> int:
    result = session.finish(monotonic())
    store.record_exam(result, now())
    _save(store)
    if as_json:
        out.write(json.dumps(result.to_dict(), indent=2, sort_keys=True) + "\n")
    else:
        out.write("\n" + render_result(result))
    return 0 if result.passed else 1


def record_checks(scenario_id: str, report) -> None:
    """A graded answer's required checks go to the repetition deck: a failed one comes back when due."""
    from lab.practice.hands_on import required_checks

    store = _store()
    store.record_checks(scenario_id, required_checks(report), now())
    _save(store)


def cmd_review(args, out: TextIO) -> int:
    """``lab review``: what is due now, and when the rest falls due."""
    store = _store()
    at = now()
    due = store.deck.due(at)
    rows = []
    for key in due:
        kind, ident, check = split_key(key)
        rows.append({"kind": kind, "id": ident, "check": check, "due": store.deck.cards[key].due.isoformat()})
    if args.json:
        out.write(json.dumps({"due": rows, "cards": len(store.deck.cards)}, indent=2, sort_keys=True) + "\n")
        return 0
    if not rows:
        later = store.deck.next_due()
        out.write("Nothing is due." + (f" Next: {later.isoformat(timespec='minutes')}." if later else " Missed questions and failed checks come back here.") + "\n")
        return 0
    out.write(f"{len(rows)} due:\n")
    for r in rows:
        what = f"question {r['id']}" if r["kind"] == "question" else f"scenario {r['id']}, check {r['check']}"
        out.write(f"  {what}\n")
    if any(r["kind"] == "question" for r in rows):
        out.write("Practise them: lab quiz --due\n")
    scenarios = sorted({str(r["id"]) for r in rows if r["kind"] == "scenario"})
    for sid in scenarios:
        out.write(f"Try again: lab start {sid}\n")
    return 0


def validate_questions(paths: list[Path] | None, out: TextIO) -> int:
    """Validate the bank (or some of its files); return how many files fail."""
    from lab.practice import validate_files

    if paths is None:
        bank = load_bank()
        problems, files, good = bank.problems, bank.files, len(bank.questions)
    else:
        questions, problems = validate_files(paths)
        files, good = len(paths), len(questions)
    for d in problems:
        out.write(safe_line(str(d)) + "\n")
    failing = len({d.file for d in problems})
    if files:
        out.write(f"questions: {good} of {files} ok\n")
    return failing


def question_counts(areas_only: bool = True) -> list[tuple[str, str, int]]:
    """(id, title, count) per area (or per topic), in content-map order."""
    areas, topics = question_count_tables()
    return areas if areas_only else topics


def question_count_tables() -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """(id, title, count) per area and per topic, in content-map order, from one load of the bank."""
    from lab.practice import Context

    context = Context.default()
    bank = load_bank(context=context)
    areas = {slug: 0 for slug in context.topics.areas}
    per = {tid: 0 for tid in context.topics.by_id}
    for q in bank.questions:
        areas[context.topics.by_id[q.topics[0]].area] += 1
        for t in q.topics:
            per[t] += 1
    return (
        [(slug, context.topics.areas[slug], n) for slug, n in areas.items()],
        [(tid, context.topics.by_id[tid].title, n) for tid, n in per.items()],
    )
