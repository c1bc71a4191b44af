"""Provides the ``lab`` command line: argument parsing, output and exit codes only.

Exit codes: 0 success (a graded pass), 1 a graded failure (or a scenario that fails
validation), 2 bad input (a ``LabError``: printed as ``file:line:col: message`` lines or one
clear line, never a traceback). Everything else is done by the core.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from lab import __version__
from lab.errors import LabError, UsageError

__all__ = ["main"]


@contextlib.contextmanager
def _start_up(process: bool) -> Iterator[None]:
    """A command's imports and parsing (for ``lab sim`` the world's build too), in a process
    of its own (``process``): the cyclic garbage collector is paused, then everything alive
    is frozen out of its collections.

    Start-up builds a few hundred thousand long-lived objects (modules, classes, pydantic's
    validators) and next to no garbage: collecting while they are made, and once more at exit
    over all of them, cost a grade about 0.08 s of its 0.5 s (benchmarks/README.md, session 14).
    Not for an in-process call (tests): garbage frozen there would never be freed.
    """
    if not process or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _format_time(at: float) -> str:
    tenths = int(round(at * 10))
    whole, tenth = divmod(tenths, 10)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{tenth}"


def _write_log(world: object, out: TextIO, *, as_json: bool, footer: str) -> None:
    from lab.sim.events import event_to_dict

    log = world.log  # type: ignore[attr-defined]
    if as_json:
        for event in log:
            out.write(json.dumps(event_to_dict(event), sort_keys=True, separators=(",", ":")).replace("##[", "##\\u005b") + "\n")
        return
    from lab.safe_text import printable

    type_width = max((len(type(e).__name__) for e in log), default=10)
    out.write(f"{'TIME':<10}  {'EVENT':<{type_width}}  MESSAGE\n")
    for event in log:
        # Messages quote names from the learner's files: escaped, one line each.
        message = printable(event.message).replace("##[", "##\\[")
        out.write(f"{_format_time(event.at):<10}  {type(event).__name__:<{type_width}}  {message}\n")
    out.write(footer)


def _is_scenario_ref(ref: str) -> bool:
    path = Path(ref)
    if path.exists() or path.suffix in (".yaml", ".yml", ".json") or os.sep in ref:
        if not path.is_file():
            return False

        from lab.yaml_source import load_path

        try:
            data = load_path(path, max_bytes=1024 * 1024).data
        except LabError:
            return False
        return isinstance(data, dict) and "checks" in data and "id" in data
    return True


def _check_seed(seed: int | None) -> None:
    """Refuse a ``--seed`` that ``run.seeds`` would refuse (one line, exit 2)."""
    from lab.scenario.schema import MIN_SEED

    if seed is not None and seed < MIN_SEED:
        raise UsageError(f"--seed must be a whole number ≥ {MIN_SEED}, as in run.seeds (got {seed}): seed -n would rerun seed n")


def _cmd_sim(args: argparse.Namespace, out: TextIO) -> int:
    _check_seed(args.seed)
    if args.until is not None:
        from lab.scenario.schema import MAX_RUN_SECONDS

        # Past the longest run a document may ask for, a quiet world would run for minutes
        # only to end at the event budget with a "runaway world" message that misleads.
        if not (math.isfinite(args.until) and 0 < args.until <= MAX_RUN_SECONDS):
            raise UsageError(f"--until must be a positive number of seconds, at most {MAX_RUN_SECONDS} (7 days, the longest run) (got {args.until:g})")
    # The world is built with the start-up too: it lives as long as the command.
    with _start_up(args.process):
        from lab.scenario.simdoc import build_world, load_sim_document

        if _is_scenario_ref(args.target):
            from lab.scenario.loader import find_scenario, load_scenario
            from lab.scenario.workspace import read_answer

            loaded = load_scenario(find_scenario(args.target))
            answer = read_answer(loaded, Path(args.answer)) if args.answer else None
        else:
            if args.answer:
                raise UsageError("--answer applies to scenarios; a simulation document carries its own files")
            loaded = load_sim_document(args.target)  # type: ignore[assignment]
            answer = None
        seed = args.seed if args.seed is not None else loaded.spec.run.seeds[0]
        until = args.until if args.until is not None else loaded.spec.run.duration
        for note in loaded.notes:
            print(str(note), file=sys.stderr)
        plot = _plot_format(args.plot) if args.plot else None
        world = build_world(loaded, seed=seed, answer=answer)
    if plot is None:
        world.run(until=until)
    else:
        from lab.grading.plot import render_html, render_svg
        from lab.sim.series import BUCKETS, RunSeries, fault_marks

        series = RunSeries(until, faults=fault_marks(loaded.spec.world.timeline))
        series.record(world.metrics(), world.log)
        # Reading a view changes no outcome, so the log is the one a plain run writes.
        for i in range(1, BUCKETS + 1):
            world.run(until=until * i / BUCKETS)
            series.record(world.metrics(), world.log)
        heading = f"lab sim {Path(args.target).name} · seed {seed} · {until:g} s simulated"
        text = render_svg(series, heading=heading) if plot == "svg" else render_html(series, heading=heading)
        try:
            Path(args.plot).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--plot: cannot write {args.plot}: {exc.strerror or exc}") from None
    _write_log(world, out, as_json=args.json, footer=f"-- {len(world.log)} events, seed {seed}, simulated {until:g} s --\n")
    return 0


def _plot_format(path: str) -> str:
    """``svg`` or ``html`` from a --plot file name (anything else is a usage error)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".svg":
        return "svg"
    if suffix in (".html", ".htm"):
        return "html"
    raise UsageError(f"--plot writes .svg or .html files (got '{path}')")


def _listing() -> dict[str, Any]:
    """What ``lab list`` shows apart from progress: every scenario's header (or why it does not
    load) and the question counts, from the cache while no input changed (``lab.cache``)."""
    from lab.cache import cached, input_key
    from lab.scenario.paths import content_dir, list_scenarios, scenario_content_dir

    paths = list_scenarios()
    trees = sorted({content_dir().resolve(), *(scenario_content_dir(p) for p in paths)})

    def compute() -> dict[str, Any]:
        from lab.cli_practice import question_count_tables
        from lab.scenario.loader import load_scenario

        rows: list[dict[str, Any]] = []
        problems: list[str] = []
        for path in paths:
            try:
                s = load_scenario(path).scenario
            except LabError as exc:
                problems.append(f"{path}: does not load: {_safe_error(exc).splitlines()[0]}")
                continue
            rows.append({"id": s.id, "title": s.title, "topics": s.topics, "difficulty": s.difficulty, "minutes": s.minutes})
        areas, topics = question_count_tables()
        return {"rows": rows, "problems": problems, "areas": areas, "topics": topics}

    return cached("list", input_key(paths, trees), compute)


def _write_counts(out: TextIO, rows: list[list[Any]], heading: str) -> None:
    """Question counts, (id, title, count) rows, as a small table."""
    width = max((len(r[0]) for r in rows), default=4)
    out.write(f"\n{heading:<{width}}  QUESTIONS  TOPIC\n")
    for ident, title, n in rows:
        out.write(f"{ident:<{width}}  {n:>9}  {title}\n")


def _cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    from lab.progress import ProgressStore

    store = ProgressStore.load()
    if store.problem:
        print(f"lab: {store.problem}", file=sys.stderr)
    listing = _listing()
    for line in listing["problems"]:
        print(line, file=sys.stderr)
    rows: list[dict[str, Any]] = []
    for row in listing["rows"]:
        entry = store.scenarios.get(row["id"])
        status = entry.status if entry else "new"
        if entry and entry.best_score is not None:
            status += f" {entry.best_score}/{entry.max_score}"
        rows.append({**row, "status": status})
    if args.questions:
        if args.json:
            out.write(json.dumps([{"topic": t, "title": title, "questions": n} for t, title, n in listing["topics"]], indent=2) + "\n")
            return 0
        _write_counts(out, listing["topics"], "TOPIC")
        return 0
    if args.json:
        out.write(json.dumps(rows, indent=2) + "\n")
        return 0
    if not rows:
        out.write("no scenarios found\n")
        return 0
    width = max(len(r["id"]) for r in rows)
    status_width = max(6, *(len(r["status"]) for r in rows))
    out.write(f"{'ID':<{width}}  {'STATUS':<{status_width}}  {'LEVEL':<5}  {'MIN':>3}  TITLE  [topics]\n")
    from lab.safe_text import safe_block

    for r in rows:
        level = "*" * r["difficulty"]
        out.write(safe_block(f"{r['id']:<{width}}  {r['status']:<{status_width}}  {level:<5}  {r['minutes']:>3}  {r['title']}  [{', '.join(r['topics'])}]\n"))
    _write_counts(out, listing["areas"], "AREA")
    return 0


def _cmd_start(args: argparse.Namespace, out: TextIO) -> int:
    from lab.scenario.loader import find_scenario, load_scenario
    from lab.scenario.workspace import write_start

    import shlex

    from lab.safe_text import safe_block, safe_line

    loaded = load_scenario(find_scenario(args.id))
    directory = Path(args.dir) if args.dir else Path(loaded.scenario.id)
    written = write_start(loaded, directory, force=args.force)
    # The command to grade names the scenario as it was given: a file is not found by its id.
    command = f"lab grade {shlex.quote(args.id)} --answer {shlex.quote(str(directory))}"
    out.write(safe_block(f"{loaded.scenario.title}\n\n{loaded.scenario.briefing.strip()}\n\n"))
    out.write(safe_line(f"Wrote {len(written)} files to {directory}/: {', '.join(p.name for p in written)}") + "\n")
    out.write(safe_line(f"Edit them, then: {command}") + "\n")
    return 0


def _cmd_grade(args: argparse.Namespace, out: TextIO) -> int:
    if args.solution and args.answer:
        raise UsageError("give --answer or --solution, not both")
    _check_seed(args.seed)
    with _start_up(args.process):
        from lab.grading.grader import grade
        from lab.grading.render import render_github, render_json, render_junit, render_text, use_color
        from lab.scenario.loader import find_scenario, load_scenario
        from lab.scenario.workspace import read_answer

        loaded = load_scenario(find_scenario(args.id))
        if args.solution:
            answer, label = loaded.solution, "solution"
        elif args.answer:
            answer, label = read_answer(loaded, Path(args.answer)), args.answer
        else:
            answer, label = None, "starting files"
    report = grade(loaded, answer, seeds=[args.seed] if args.seed is not None else None, label=label)
    # Only a learner's own answer is progress: the starting files and the solution never are,
    # and an author or a CI job opts out with --no-record or LAB_NO_RECORD.
    if args.answer and not args.no_record and not no_record_from_env():
        _record_progress(loaded.scenario.id, report)
    stream: TextIO = out
    handle = None
    if args.output:
        try:
            handle = open(args.output, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
        stream = handle
    try:
        if args.format == "json":
            stream.write(render_json(report))
        elif args.format == "junit":
            stream.write(render_junit(report, answer_dir=args.answer))
        elif args.format == "github":
            stream.write(render_github(report, answer_dir=args.answer))
        else:
            stream.write(render_text(report, color=handle is None and use_color(out), debrief=loaded.scenario.debrief, lesson=_lesson_label(loaded)))
        if handle is not None:
            handle.close()  # a full disk shows here, when the buffer is written
    except OSError as exc:
        if handle is None:
            raise
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    finally:
        if handle is not None and not handle.closed:
            try:
                handle.close()
            except OSError:
                pass  # already reported: the write failed
    return 0 if report.passed else 1


def no_record_from_env() -> bool:
    """Whether ``LAB_NO_RECORD`` asks that grading record no progress (set, and not ``0``)."""
    return os.environ.get("LAB_NO_RECORD", "").strip() not in ("", "0")


def _lesson_label(loaded: Any) -> str | None:
    """The scenario's lesson as a learner finds it: its title (the first ``# `` heading) and path."""
    lesson = loaded.scenario.lesson
    if not lesson:
        return None
    from lab.scenario.loader import content_dir

    path = content_dir(Path(loaded.document.file)) / lesson
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    title = None
    try:
        from lab.yaml_source import read_regular

        text = read_regular(path, max_bytes=1024 * 1024).decode("utf-8", errors="replace")
        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), None)
    except (OSError, LabError):
        pass  # a lesson that cannot be read is still named by its path
    return f"{title} ({shown})" if title else shown


def _record_progress(scenario_id: str, report: Any) -> None:
    """Remember a graded answer in the learner's progress (what ``lab list`` and the TUI show)."""
    from lab.progress import ProgressStore

    store = ProgressStore.load()
    if store.problem:
        print(f"lab: {store.problem}", file=sys.stderr)
    # A read-only or full data folder must not fail a graded run: the store says why instead.
    problem = store.record_grade(scenario_id, passed=report.passed, score=report.score, max_score=report.max_score)
    if problem:
        print(f"lab: {problem}", file=sys.stderr)
    from lab.cli_practice import record_checks

    record_checks(scenario_id, report)


def _cmd_hint(args: argparse.Namespace, out: TextIO) -> int:
    """Reveal the next hint (recorded as the TUI's ctrl+t records it), or list the revealed ones."""
    from lab.progress import ProgressStore
    from lab.safe_text import printable
    from lab.scenario.loader import find_scenario, load_scenario

    scenario = load_scenario(find_scenario(args.id)).scenario
    hints = scenario.hints
    store = ProgressStore.load()
    if store.problem:
        print(f"lab: {store.problem}", file=sys.stderr)
    used = min(store.get(scenario.id).hints_used, len(hints))
    sid = printable(scenario.id)
    if not hints:
        out.write(f"{sid} has no hints.\n")
        return 0
    if args.all:
        if not used:
            out.write(f"No hints revealed yet for {sid} ({len(hints)} in all). `lab hint {sid}` reveals the first.\n")
        for number, hint in enumerate(hints[:used], start=1):
            out.write(f"Hint {number} of {len(hints)}: {_hint_text(hint)}\n")
        return 0
    if used >= len(hints):
        out.write(f"No more hints: all {len(hints)} for {sid} are revealed (`lab hint {sid} --all` lists them).\n")
        return 0
    # The same change as the workbench's ctrl+t: hints used = the number shown, never lower.
    problem = store.use_hints(scenario.id, used + 1)
    if problem:
        print(f"lab: {problem}", file=sys.stderr)
    out.write(f"Hint {used + 1} of {len(hints)}: {_hint_text(hints[used])}\n")
    return 0


def _hint_text(hint: str) -> str:
    from lab.safe_text import safe_block

    return safe_block(hint.strip())


def _curriculum_checker() -> Any:
    """A function giving a loaded scenario's unknown track and topic ids (``file:line:col: ...``)."""
    from lab.practice.curriculum import curriculum_problems, load_tracks
    from lab.practice.topics import load_topics

    topics, tracks = load_topics(), load_tracks()

    def check(loaded: Any) -> list[str]:
        def where(path: tuple[Any, ...]) -> str:
            line, col = loaded.document.where(path)
            return f"{loaded.document.file}:{line}:{col}"

        return curriculum_problems(loaded.scenario, where, topics, tracks)

    return check


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    from lab.grading.grader import grade
    from lab.safe_text import safe_block, safe_line
    from lab.scenario.loader import find_scenario, list_scenarios, load_scenario

    if args.mutate:
        from lab.grading.mutate import format_mutation_report, mutate

        loaded = load_scenario(find_scenario(args.mutate))
        results = mutate(loaded)
        out.write(safe_block(format_mutation_report(loaded, results)))
        return 1 if any(r.status == "survived" for r in results) else 0
    from lab.cli_practice import validate_questions

    paths: list[Path] = []
    questions: list[Path] = []
    for ref in args.paths or []:
        p = Path(ref)
        if _is_question_path(p):
            questions += sorted(p.glob("**/*.yaml")) if p.is_dir() else [p]
        elif p.is_dir():
            paths += list_scenarios(p)
        elif p.is_file():
            paths.append(p)
        else:
            raise UsageError(f"{ref}: no such file or folder")
    if not args.paths:
        paths = list_scenarios()
    failures = validate_questions(None if not args.paths else questions, out) if (questions or not args.paths) else 0
    curriculum = _curriculum_checker() if paths else None
    for path in paths:
        try:
            loaded = load_scenario(path)
        except LabError as exc:
            failures += 1
            out.write(f"{_safe_error(exc)}\n")
            continue
        problems = curriculum(loaded) if curriculum else []
        seeds = loaded.scenario.run.seeds
        start = grade(loaded, None)
        for seed_result in start.seeds:
            if seed_result.passed:
                problems.append(f"{path}:1:1: the starting files pass every required check on seed {seed_result.seed}: the scenario teaches nothing")
        solved = grade(loaded, loaded.solution, label="solution")
        for seed_result in solved.seeds:
            for c in seed_result.checks:
                if not c.passed:
                    problems.append(f"{path}:{c.defined_at}:1: the solution fails check '{c.id}' on seed {seed_result.seed}: {c.message}")
        if problems:
            failures += 1
            out.write("".join(safe_line(p) + "\n" for p in problems))
        else:
            out.write(safe_line(f"{path}: ok ({len(loaded.scenario.checks)} checks, seeds {', '.join(map(str, seeds))})") + "\n")
    if not paths and args.paths and not questions:
        # Nothing checked is no pass: a CI job pointed at the wrong folder must not go green.
        raise UsageError(f"nothing to validate in {', '.join(args.paths)}: scenarios are a folder's *.yaml files, questions are *.yaml files under a folder named questions")
    return 1 if failures else 0


def _is_question_path(path: Path) -> bool:
    """A question file or folder: anything under a folder named ``questions``."""
    if not path.exists():
        return False
    parts = path.resolve().parts
    return "questions" in (parts if path.is_dir() else parts[:-1])


def _cmd_new(args: argparse.Namespace, out: TextIO) -> int:
    from lab.scenario.scaffold import scaffold, schema_files
    from lab.scenario.workspace import write_schemas

    text = scaffold(args.id)
    directory = Path(args.dir) if args.dir else Path("scenarios")
    path = directory / f"{args.id}.yaml"
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"--dir {directory}: is a file, not a folder")
    # The schema the scaffold's first line names, beside it (rewritten: it is generated).
    write_schemas(directory, schema_files())
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # O_EXCL | O_NOFOLLOW: never over an existing file, never through a (dangling) link.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        raise UsageError(f"{path} already exists (a file or a link); choose another id") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    out.write(f"Wrote {path} (and the editor schema it names, {directory / '.schemas'}/). Edit it, then: lab validate {path}\n")
    return 0


def _cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    from lab.practice.schemas import editor_schemas
    from lab.scenario.editor_schema import render

    schemas = editor_schemas()
    if args.print is not None:
        chosen = next((s for s in schemas if s.name == args.print), None)
        if chosen is None:
            raise UsageError(f"no schema '{args.print}' (known: {', '.join(s.name for s in schemas)})")
        out.write(render(chosen.schema))
        return 0
    if args.out is None:
        width = max(len(s.file_name) for s in schemas)
        out.write("JSON Schemas (draft-07) for editors with yaml-language-server (VS Code, Neovim); docs/authoring.md, \"Editor support\".\n\n")
        for s in schemas:
            out.write(f"{s.file_name:<{width}}  {s.applies_to}\n")
        out.write("\nWrite them with: lab schema --out DIR   (print one with: lab schema --print NAME)\n")
        return 0
    directory = Path(args.out)
    if directory.is_symlink() and not directory.is_dir() or directory.exists() and not directory.is_dir():
        raise UsageError(f"--out {args.out}: is a file, not a folder")
    from lab.scenario.workspace import write_new_file

    try:
        directory.mkdir(parents=True, exist_ok=True)
        for s in schemas:
            write_new_file(directory / s.file_name, render(s.schema))
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot write: {exc.strerror}") from None
    out.write(f"Wrote {len(schemas)} schemas to {directory}/\n")
    return 0


def _cmd_quiz(args: argparse.Namespace, out: TextIO) -> int:
    from lab.cli_practice import cmd_quiz

    return cmd_quiz(args, out)


def _cmd_exam(args: argparse.Namespace, out: TextIO) -> int:
    from lab.cli_practice import cmd_exam

    return cmd_exam(args, out)


def _cmd_review(args: argparse.Namespace, out: TextIO) -> int:
    from lab.cli_practice import cmd_review

    return cmd_review(args, out)


def _cmd_gradebook(args: argparse.Namespace, out: TextIO) -> int:
    """Read a class's JSON reports and write the gradebook in the formats asked."""
    from lab.grading.gradebook import LearnerRule, build_gradebook, find_reports, read_reports
    from lab.grading.gradebook_render import FORMATS, render, summary
    from lab.safe_text import printable

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"--format takes a comma-separated list of {', '.join(FORMATS)} (got {args.format!r})")
    rule = LearnerRule.parse(args.learner)
    directory = Path(args.out)
    entries = read_reports(find_reports(args.reports, skip=directory), rule)
    topics_of, topic_info = _gradebook_topics()
    book = build_gradebook(entries, topics_of=topics_of, topic_info=topic_info, learner_rule=rule.describe())
    files = render(book, formats)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write {printable(str(directory))}: {exc.strerror or exc}") from None
    for name, text in files.items():
        _write_new(directory / name, text)
    out.write(f"{summary(book)}\n")
    out.write("".join(f"wrote {printable(str(directory / name))}\n" for name in files))
    return 0


def _gradebook_topics() -> tuple[dict[str, tuple[str, ...]], list[Any]]:
    """Each scenario's content-map topics (from the questions linked to it) and every topic."""
    from lab.grading.gradebook import TopicInfo
    from lab.practice.bank import Context, load_bank

    try:
        context = Context.default()
        bank = load_bank(context=context)
    except LabError as exc:
        # Topic mastery is one table of four: without the content folder the rest still stands.
        print(f"lab: no topic mastery: {_safe_error(exc).splitlines()[0]}", file=sys.stderr)
        return {}, []
    info = [TopicInfo(t.id, context.topics.areas.get(t.area, t.area), t.title) for t in context.topics.by_id.values()]
    return bank.scenario_topics(), info


def _write_new(path: Path, text: str) -> None:
    """Write ``path`` (replacing a regular file; never through a link)."""
    from lab.safe_text import printable

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {printable(str(path))}: {exc.strerror or exc}") from None


def _cmd_tui(args: argparse.Namespace, out: TextIO) -> int:
    with _start_up(args.process):
        from lab.tui.app import LabApp

    LabApp(scenario_id=getattr(args, "id", None)).run()
    return 0


def _args_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--questions", action="store_true", help="list question counts per content-map topic instead")


def _args_start(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="scenario id")
    p.add_argument("--dir", help="folder to write to (default: ./<id>)")
    p.add_argument("--force", action="store_true", help="overwrite files that differ")


def _args_sim(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="ID|FILE", help="a scenario id or file, or a simulation document")
    p.add_argument("--answer", help="an answer folder to apply (scenarios)")
    p.add_argument("--seed", type=int, help="random seed (default: the first of run.seeds)")
    p.add_argument("--until", type=float, help="simulated seconds to run, at most 604800 (default: run.duration)")
    p.add_argument("--json", action="store_true", help="print the events as JSON lines")
    p.add_argument("--plot", metavar="FILE", help="also write the run's charts to FILE (.svg or .html): tasks, CPU, instances, targets, requests, with markers")


def _args_grade(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="scenario id or file")
    p.add_argument("--answer", help="folder holding your edited files, by their names (default: the starting files)")
    p.add_argument("--solution", action="store_true", help="grade the scenario's own solution")
    p.add_argument("--seed", type=int, help="grade one seed (≥ 0) instead of run.seeds")
    p.add_argument("--format", choices=("text", "json", "junit", "github"), default="text")
    p.add_argument("--output", help="write the report to this file")
    p.add_argument(
        "--no-record",
        action="store_true",
        help="record nothing in your progress (for authors and CI; LAB_NO_RECORD=1 does the same)",
    )


def _args_gradebook(p: argparse.ArgumentParser) -> None:
    p.add_argument("reports", nargs="+", metavar="REPORT", help="JSON reports (lab grade --format json), or folders searched for *.json")
    p.add_argument("--out", metavar="DIR", default="gradebook", help="folder to write to (default: ./gradebook)")
    p.add_argument("--format", metavar="LIST", default="md,csv,json,html", help="comma-separated: md, csv, json, html (default: all four)")
    p.add_argument(
        "--learner",
        metavar="RULE",
        default="folder",
        help="whose report: folder (the first folder below a REPORT folder, else the report's folder; default), parent (the report's folder) or field:NAME (a report field)",
    )


def _args_hint(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="scenario id or file")
    p.add_argument("--all", action="store_true", help="list the hints revealed so far instead")


def _args_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", help="scenario or question files or folders (default: all scenarios and content/questions)")
    p.add_argument("--mutate", metavar="ID", help="break the solution in standard ways and list what no check catches")


def _args_quiz(p: argparse.ArgumentParser) -> None:
    p.add_argument("--topic", help="a content-map id (C11) or an area (placement)")
    p.add_argument("--domain", help="a DOP-C02 domain, D1..D6")
    p.add_argument("--scenario", help="questions linked to this scenario")
    p.add_argument("--count", type=int, help="at most this many questions")
    p.add_argument("--seed", type=int, help="the order's seed (default: a new one, printed)")
    p.add_argument("--due", action="store_true", help="the questions due for review")


def _args_exam(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", choices=("quick", "full"), default="quick", help="quick: 20 questions in 40 min; full: 75 in 180")
    p.add_argument("--seed", type=int, help="the exam's seed (default: a new one, printed)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="json: the results as stable JSON on stdout (questions go to stderr)")
    p.add_argument("--scenario", action="append", metavar="ID", help="add a hands-on scenario (up to three)")
    p.add_argument("--hands-on", type=int, metavar="N", help="add N hands-on scenarios chosen by the seed (1-3)")
    p.add_argument("--workdir", help="where hands-on starting files are written (default: ./exam-<seed>)")


def _args_review(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON")


def _args_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="scenario id")


def _args_schema(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--out", metavar="DIR", help="write every schema into this folder (created if needed)")
    group.add_argument("--print", metavar="NAME", help="print one schema to stdout (scenario, question, simulation or a file kind)")


def _args_new(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="the new scenario's id (kebab-case)")
    p.add_argument("--dir", help="folder (default: ./scenarios)")


_COMMANDS: dict[str, tuple[Callable[[argparse.Namespace, TextIO], int], Callable[[argparse.ArgumentParser], None], dict[str, Any]]] = {
    "list": (_cmd_list, _args_list, dict(help="list the scenarios, and the questions per topic area")),
    "start": (_cmd_start, _args_start, dict(help="write a scenario's starting files for editing")),
    "sim": (_cmd_sim, _args_sim, dict(help="run a scenario or a simulation document headless; print the event log")),
    "grade": (_cmd_grade, _args_grade, dict(help="grade an answer (exit 0 pass, 1 fail, 2 bad input)")),
    "gradebook": (_cmd_gradebook, _args_gradebook, dict(help="a class's results from its JSON reports: learner x scenario, hardest checks, topic mastery")),
    "hint": (_cmd_hint, _args_hint, dict(help="reveal a scenario's next hint (counted in your progress, as in the lab)")),
    "validate": (_cmd_validate, _args_validate, dict(help="check scenarios (they load, the starting files fail, the solution passes) and questions")),
    "quiz": (_cmd_quiz, _args_quiz, dict(help="practise questions in the terminal, with an explanation after each (answers from stdin)")),
    "exam": (_cmd_exam, _args_exam, dict(help="a timed exam by DOP-C02 domain weight (exit 0 pass, 1 fail, 2 bad input)")),
    "review": (_cmd_review, _args_review, dict(help="list the missed questions and failed checks due for review")),
    "run": (_cmd_tui, _args_run, dict(help="open the terminal lab on one scenario")),
    "schema": (
        _cmd_schema,
        _args_schema,
        dict(
            help="JSON Schemas of scenario, question, simulation and learner files, for editors",
            description=(
                "JSON Schemas (draft-07) of every file an instructor or learner writes, for editors with "
                "yaml-language-server (VS Code's YAML extension, Neovim): completion, descriptions and errors as you type. "
                "Without --out, lists them; --out DIR writes NAME.schema.json files there (replacing older ones). "
                "lab start and lab new write the schemas their files need into .schemas/ beside them."
            ),
        ),
    ),
    "new": (_cmd_new, _args_new, dict(help="scaffold a scenario that validates")),
}
"""Each command: (what runs it, what adds its arguments, its sub-parser's help and description)."""


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``lab`` parser for a command line naming ``command`` (None: the full parser).

    A known command gets its own sub-parser alone; any other word (or none) gets every
    command's sub-parser without their arguments: ``lab --help`` and the "invalid choice"
    error list the commands by their help lines alone. The full parser takes 1.5 ms to
    build, a grade's 0.24 ms (benchmarks/README.md, session 16).
    """
    parser = argparse.ArgumentParser(
        prog="lab",
        description="ECS Lab: learn Amazon ECS by fixing real-shaped configs on a simulated cluster.",
    )
    parser.add_argument("--version", action="version", version=f"lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    known = command in _COMMANDS
    for name, (func, arguments, texts) in _COMMANDS.items():
        if known and name != command:
            continue
        p = sub.add_parser(name, **texts)
        p.set_defaults(func=func)
        if command is None or known:
            arguments(p)
    return parser


def _safe_error(exc: LabError) -> str:
    """A ``LabError`` as lines no terminal or CI log acts on (one line per diagnostic)."""
    from lab.errors import SourceErrors
    from lab.safe_text import safe_line

    lines = [str(d) for d in exc.diagnostics] if isinstance(exc, SourceErrors) else [str(exc)]
    return "\n".join(safe_line(line) for line in lines)


def _process_defaults() -> None:
    """Settings of the ``lab`` program's own process (not of a call from Python), each only
    where the user has set none; they change no result, only the start-up's cost."""
    if not any(name in os.environ for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")):
        # numpy's OpenBLAS starts a pool of spinning threads at import; the lab calls no BLAS
        # routine (the fleet's columns are element-wise), so one thread spares every command
        # about 0.1 CPU s.
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    # pydantic reads the entry points of every installed distribution for plugins at its first
    # model (~5 ms); the lab uses none. pydantic's documented switch (pydantic/plugin/_loader.py).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lab`` command; return its exit code."""
    given = sys.argv[1:] if argv is None else list(argv)
    # The command is the first word that is not an option: the top level takes no values.
    parser = _parser(next((a for a in given if not a.startswith("-")), ""))
    try:
        args = parser.parse_args(given)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 for --help
        return int(exc.code or 0)
    if args.command is None:
        args.func = _cmd_tui
    args.process = argv is None  # the program itself, not a call from Python (tests)
    if args.process:
        _process_defaults()
    out = sys.stdout
    try:
        return int(args.func(args, out))
    except LabError as exc:
        print(_safe_error(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of the user's.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        # The file system refused a path the user gave (a name over its length limit, no
        # permission, ...): bad input, said in one line, not a bug of the lab's.
        from lab.safe_text import safe_line

        where = f"{exc.filename}: " if exc.filename is not None else ""
        print(safe_line(f"{where}{exc.strerror or exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in the lab, not the user's input: one clear line
        if os.environ.get("LAB_DEBUG"):
            raise
        from lab.safe_text import printable

        print(f"lab: internal error: {type(exc).__name__}: {printable(str(exc))} (set LAB_DEBUG=1 for the traceback)", file=sys.stderr)
        return 3
