"""Provides a learner's session with one scenario: edited files, the running world, applying.

This is the TUI's bridge to the core. It owns the texts of the learner's files (autosaved),
validates them as they are typed, builds and restarts the world, applies edits at the
current simulated time the way real changes are applied, and advances the simulation in
slices. Widgets read the world only through its event log and snapshots.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from lab.errors import Diagnostic, SourceError, SourceErrors
from lab.grading.checks import RunView, failure_is_final, judge
from lab.progress import ProgressStore
from lab.scenario.loader import LoadedScenario
from lab.scenario.simdoc import ConfigFile, apply_files, build_world, file_document, parse_config_file
from lab.scenario.workspace import starting_text
from lab.sim.series import RunSeries, fault_marks
from lab.sim.world import MetricsView, World

__all__ = ["AppliedChange", "MetricsHistory", "Objective", "Session"]

SPEEDS = (1, 10, 60, 600)
"""Simulated seconds per real second the learner can choose."""


@dataclass
class FileState:
    """One learner file: its current text and what validation says about it."""

    name: str
    kind: str
    text: str
    errors: list[Diagnostic]
    parsed: ConfigFile | None


@dataclass(frozen=True)
class AppliedChange:
    """One Apply of the learner's: the simulated time and the files it sent (replayed by time travel)."""

    at: float
    files: tuple[ConfigFile, ...]


@dataclass(frozen=True)
class Objective:
    """One check as the learner sees it while the simulation runs."""

    title: str
    points: int
    required: bool
    met: bool
    final: bool
    """``met`` can no longer change in this run: it reached the end, or something that must
    never happen did (a task stopped, a cap was passed)."""
    broken: bool = False
    """Failed for good before the end of the run (only a restart can make it pass)."""


@dataclass
class MetricsHistory:
    """Metric values over simulated time, one sample per time bucket (what sparklines plot).

    Buckets split the scenario's run into ``width`` equal spans; the last reading in a span
    is its value. Samples are keyed by simulated time, never by real time, so a run looks the
    same at any speed.
    """

    duration_s: float
    width: int = 60
    series: dict[str, list[float | None]] = field(default_factory=dict)
    latest: MetricsView | None = None
    last_bucket: int = -1
    """The bucket of the latest reading: later buckets are the future and stay empty."""

    def record(self, view: MetricsView) -> None:
        """Remember the values of ``view`` in the bucket of its time."""
        self.latest = view
        bucket = min(self.width - 1, int(self.width * view.now / max(self.duration_s, 1e-9)))
        self.last_bucket = bucket
        values: dict[str, float] = {"instances": view.active_instances}
        values["cpu %"] = 100.0 * view.cpu_reserved_units / view.cpu_registered_units if view.cpu_registered_units else 0.0
        for svc in view.services:
            values[f"{svc.name} desired"] = svc.desired
            values[f"{svc.name} running"] = svc.running
            values[f"{svc.name} pending"] = svc.pending
            if svc.cpu_utilization is not None:
                values[f"{svc.name} cpu"] = svc.cpu_utilization
        for provider, reservation in view.provider_reservations:
            values[f"{provider} reservation"] = reservation
        for tg in view.target_groups:
            values[f"{tg.name} healthy"] = tg.healthy
            values[f"{tg.name} 5xx"] = tg.failed_requests
        for name, value in values.items():
            row = self.series.setdefault(name, [None] * self.width)
            row[bucket] = value

    def values(self, name: str) -> list[float]:
        """A series with its gaps filled by the previous value (zero before the first)."""
        out, last = [], 0.0
        for value in self.series.get(name, [])[: self.last_bucket + 1]:
            last = last if value is None else value
            out.append(last)
        return out

    def clear(self) -> None:
        """Forget everything (a restart)."""
        self.series.clear()
        self.latest = None
        self.last_bucket = -1


class Session:
    """A learner working on one scenario."""

    def __init__(self, loaded: LoadedScenario, store: ProgressStore, *, seed: int | None = None) -> None:
        self.loaded = loaded
        self.store = store
        self.scenario = loaded.scenario
        self.seed = seed if seed is not None else self.scenario.run.seeds[0]
        saved = store.edits(self.scenario.id)
        self.files: dict[str, FileState] = {}
        for name, spec in self.scenario.files.items():
            # A read-only file is always the scenario's: an autosaved copy (from before it was
            # marked read-only) is not shown.
            text = starting_text(loaded, name) if spec.readonly else saved.get(name, starting_text(loaded, name))
            self.files[name] = FileState(name, spec.kind, text, [], None)
            self.validate(name)
        self.world: World = build_world(loaded, seed=self.seed)
        self.applied_at: float | None = None
        self._base_answer: dict[str, ConfigFile] | None = None
        """The files a restart put in place at time zero (None: the scenario's own)."""
        self.applies: list[AppliedChange] = []
        """Every Apply of this run, oldest first: what a jump back replays."""
        self._replayed = 0
        """How many of ``applies`` the current world has had (fewer after a jump back)."""
        self.horizon = 0.0
        """The furthest simulated time this run has covered (time travel goes anywhere up to it)."""
        self.applied_texts = {name: starting_text(loaded, name) for name in self.files}
        """Each file's text as the running world has it (from the start, the last Apply or restart)."""
        self.history = MetricsHistory(self.duration)
        """Metrics over simulated time, sampled after every slice."""
        self.series = RunSeries(self.duration, faults=fault_marks(self.scenario.world.timeline))
        """The charts' time series and markers, sampled with ``history``."""
        self.sample()

    # -- files --------------------------------------------------------------------------------

    def validate(self, name: str) -> list[Diagnostic]:
        """Parse a file's current text; remember and return its problems (positioned)."""
        state = self.files[name]
        try:
            doc = file_document(state.text, name, state.kind, max_bytes=256 * 1024)
            if doc.data is None:
                raise SourceError(name, 1, 1, "the file is empty")
            state.parsed = parse_config_file(doc, (), name, state.kind, collect_refusals=True)
            state.errors = list(state.parsed.all_refusals)
        except SourceErrors as exc:
            state.parsed, state.errors = None, list(exc.diagnostics)
        except SourceError as exc:
            state.parsed, state.errors = None, [exc.diagnostic]
        return state.errors

    def is_readonly(self, name: str) -> bool:
        """Whether the scenario shows this file read-only."""
        return self.scenario.files[name].readonly

    def edit(self, name: str, text: str) -> list[Diagnostic]:
        """The learner changed a file: autosave it and validate it (a read-only file keeps its text).

        A save that fails (a full disk) keeps the text here and in the store's pending edits;
        ``store.save_problem`` says why and the next save retries it.
        """
        state = self.files[name]
        if self.is_readonly(name):
            return state.errors
        if text != state.text:
            state.text = text
            self.store.save_edit(self.scenario.id, name, text)
        return self.validate(name)

    def reset_file(self, name: str) -> None:
        """Put a file back to its starting content."""
        self.edit(name, starting_text(self.loaded, name))

    def reset_all(self) -> None:
        """Put every file back to its starting content and forget the autosaved edits."""
        for name in self.files:
            self.reset_file(name)
        self.store.reset_edits(self.scenario.id)

    def answer(self) -> dict[str, ConfigFile]:
        """The learner's files that parse, by name."""
        return {n: s.parsed for n, s in self.files.items() if s.parsed is not None}

    def blocking_errors(self) -> list[Diagnostic]:
        """Problems that stop an Apply: files that do not parse (refusals are applied as failed calls)."""
        return [d for s in self.files.values() if s.parsed is None for d in s.errors]

    # -- simulation ----------------------------------------------------------------------------

    def unapplied(self) -> list[str]:
        """Files whose text differs from what the running world has (edited since the last Apply)."""
        return [name for name, state in self.files.items() if state.text != self.applied_texts[name]]

    def apply(self) -> list[Diagnostic]:
        """Apply the edited files to the running world now; returns the problems that stop it.

        Viewing the past (after a jump back), an Apply starts a new future: the run covered
        beyond now and the Applies made in it are discarded.
        """
        problems = self.blocking_errors()
        if problems:
            return problems
        changed = [f for n, f in self.answer().items() if f.model != self.loaded.files[n].model or f.all_refusals]
        self._settle()
        self.applies = [a for a in self.applies if a.at <= self.world.now]
        self.applies.append(AppliedChange(self.world.now, tuple(changed)))
        self.horizon = self.world.now
        self._replayed = len(self.applies)
        apply_files(self.world, changed)
        self.applied_at = self.world.now
        self.applied_texts = {name: state.text for name, state in self.files.items()}
        self.series.mark_apply(self.world.now)
        return []

    def _settle(self) -> None:
        """Process every event already due at this instant, so that an Apply lands between instants.

        A tick may stop halfway through the events of one simulated time; a replay stops
        before all of them (``World.run``). Applying only once the instant is settled puts the
        Apply at the same place in both, so a replay logs exactly what the first run logged.
        """
        world = self.world
        while world.peek() <= world.now:
            world.step()

    def restart(self) -> None:
        """Start over from time zero with the current files in place."""
        self._base_answer = self.answer()
        self.applies = []
        self.horizon = 0.0
        self.applied_texts = {name: state.text for name, state in self.files.items()}
        self._rebuild()

    def _rebuild(self) -> None:
        """A new world at time zero with the run's starting files; empty charts."""
        self.world = build_world(self.loaded, seed=self.seed, answer=self._base_answer)
        self._replayed = 0
        self.applied_at = None if self._base_answer is None else 0.0
        self.history.clear()
        self.series.clear()
        if self._base_answer is not None:
            self.series.mark_apply(0.0, "restart with your files")
        self.sample()

    # -- time travel ---------------------------------------------------------------------------

    @property
    def viewing_past(self) -> bool:
        """The clock is behind the furthest time this run covered (after a jump back)."""
        return self.world.now < self.horizon

    def jump_to(self, at: float, *, deadline: float | None = None) -> float:
        """Show the world at simulated time ``at`` (clamped to 0..``horizon``); returns the new time.

        Forward, the world just runs on. Back, it is rebuilt and replayed: the world is
        deterministic, so building it again with the same seed and files and applying the
        same Applies at the same times gives the same world at every instant. Checkpoints
        are not an option (SimPy processes are generators, which cannot be copied). A
        replay costs what the run cost: under a second for most shipped scenarios, a few
        for the busiest (``memory-limit-oom``), so the workbench replays in budgeted ticks:
        with a ``deadline`` (``perf_counter``) this returns when it comes, earlier than
        ``at``; call again with the same ``at`` to go on (only a jump back rebuilds).
        """
        at = max(0.0, min(float(at), self.horizon))
        if at < self.world.now:
            self._rebuild()
        # Chart-bucket slices, sampled after each: the charts look as when the run was played.
        bucket = max(self.series.step_s, 1.0)
        while self.world.now < at:
            until = min(at, self.world.now + bucket)
            if deadline is None:
                self.advance(until - self.world.now)
            else:
                self.advance_until(until, deadline=deadline)
                if time.perf_counter() >= deadline:
                    break
        return self.world.now

    def _next_apply_at(self) -> float:
        """When the next recorded Apply this world has not had is due (``inf``: none)."""
        return self.applies[self._replayed].at if self._replayed < len(self.applies) else math.inf

    def _apply_due(self, before: float) -> None:
        """Replay the recorded Applies due by ``before`` that this world has not had yet (after a jump back)."""
        while self._replayed < len(self.applies) and self.applies[self._replayed].at <= before:
            change = self.applies[self._replayed]
            self.world.run(until=change.at)
            self._settle()
            apply_files(self.world, list(change.files))
            self.applied_at = change.at
            self.series.mark_apply(change.at)
            self._replayed += 1


    @property
    def duration(self) -> float:
        """The scenario's run length."""
        return self.scenario.run.duration

    def advance(self, seconds: float) -> float:
        """Run the world forward (never past the end of the scenario); returns the new time."""
        target = min(self.duration, self.world.now + max(0.0, seconds))
        self._apply_due(target)
        self.world.run(until=target)
        self.sample()
        return self.world.now

    def advance_until(self, target_s: float, *, deadline: float) -> float:
        """Process events one at a time towards ``target_s`` until ``deadline`` (``perf_counter``).

        The finest slice there is: a world with thousands of tasks still gives the UI its
        turn after any single event, and within the one event of a scheduler pass that
        places thousands of tasks (``World.pausing`` meanwhile). Returns the new time (earlier than ``target_s`` when the
        deadline came first).
        """
        world = self.world
        end = min(self.duration, target_s)
        next_apply = self._next_apply_at()

        def should_yield() -> bool:
            return time.perf_counter() >= deadline

        while (upcoming := world.peek()) <= end:
            if next_apply <= upcoming:  # only after a jump back: a recorded Apply is due first
                self._apply_due(upcoming)
                next_apply = self._next_apply_at()
            # One event at least per call, so that a late call (a busy machine) still moves on;
            # a scheduler pass of thousands of placements pauses at the deadline (one placement
            # at least) and the next call goes on with it before anything else.
            world.step(should_yield)
            if should_yield():
                self.sample()
                return world.now
        self._apply_due(end)
        world.run(until=end)
        self.sample()
        return world.now

    def run_for(self, seconds: float, *, slice_s: float = 30.0) -> float:
        """Advance in slices of at most ``slice_s`` simulated seconds, sampling metrics after each."""
        end = min(self.duration, self.world.now + max(0.0, seconds))
        while self.world.now < end:
            self.advance(min(slice_s, end - self.world.now))
        return self.world.now

    def sample(self) -> None:
        """Read the metrics now into the history and the charts' series (and extend the covered run)."""
        self.horizon = max(self.horizon, self.world.now)
        view = self.world.metrics()
        self.history.record(view)
        self.series.record(view, self.world.log)

    @property
    def finished(self) -> bool:
        """The clock reached the end of the scenario."""
        return self.world.now >= self.duration

    def step_to_next_event(self) -> float:
        """Run until the event log grows (or the scenario ends)."""
        before = len(self.world.log)
        while len(self.world.log) == before:
            if self.world.peek() > self.duration:
                self._apply_due(self.duration)
                self.world.run(until=self.duration)
                break
            self._apply_due(self.world.peek())
            self.world.step()
        self.sample()
        return self.world.now

    def objectives(self) -> list[Objective]:
        """Every check judged on the run so far (a check that cannot be judged yet is not met)."""
        world = self.world
        files = {**self.loaded.files, **self.answer()}
        view = RunView(world, files, duration=max(world.now, 0.001), apply_at=self.applied_at or 0.0)
        out = []
        for check in self.scenario.checks:
            try:
                met = judge(check, view).passed
            except Exception:  # noqa: BLE001 - a check not judgeable mid-run is "not yet", never a crash
                met = False
            broken = not met and not self.finished and failure_is_final(check)
            out.append(Objective(check.describe(), check.points, check.required, met, self.finished or broken, broken))
        return out

    def add_time_spent(self, seconds: float) -> None:
        """Count real seconds the learner spent on the scenario (saved with the progress)."""
        self.store.add_time_spent(self.scenario.id, seconds)
