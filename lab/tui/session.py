"""Provides a learner's session with one scenario: edited files, the running world, applying.

This is the TUI's bridge to the core. It owns the texts of the learner's files (autosaved),
validates them as they are typed, builds and restarts the world, applies edits at the
current simulated time the way real changes are applied, and advances the simulation in
slices. Widgets read the world only through its event log and snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.errors import Diagnostic, SourceError, SourceErrors
from lab.progress import ProgressStore
from lab.scenario.loader import LoadedScenario
from lab.scenario.simdoc import ConfigFile, apply_files, build_world, parse_config_file
from lab.scenario.workspace import starting_text
from lab.scenario.yaml_source import load_text
from lab.sim.world import World

__all__ = ["Session"]

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
            text = saved.get(name, starting_text(loaded, name))
            self.files[name] = FileState(name, spec.kind, text, [], None)
            self.validate(name)
        self.world: World = build_world(loaded, seed=self.seed)
        self.applied_at: float | None = None

    # -- files --------------------------------------------------------------------------------

    def validate(self, name: str) -> list[Diagnostic]:
        """Parse a file's current text; remember and return its problems (positioned)."""
        state = self.files[name]
        try:
            doc = load_text(state.text, name, max_bytes=256 * 1024)
            if doc.data is None:
                raise SourceError(name, 1, 1, "the file is empty")
            state.parsed = parse_config_file(doc, (), name, state.kind, collect_refusals=True)
            state.errors = list(state.parsed.all_refusals)
        except SourceErrors as exc:
            state.parsed, state.errors = None, list(exc.diagnostics)
        except SourceError as exc:
            state.parsed, state.errors = None, [exc.diagnostic]
        return state.errors

    def edit(self, name: str, text: str) -> list[Diagnostic]:
        """The learner changed a file: autosave it and validate it."""
        state = self.files[name]
        if text != state.text:
            state.text = text
            self.store.save_edit(self.scenario.id, name, text)
        return self.validate(name)

    def reset_file(self, name: str) -> None:
        """Put a file back to its starting content."""
        self.edit(name, starting_text(self.loaded, name))

    def answer(self) -> dict[str, ConfigFile]:
        """The learner's files that parse, by name."""
        return {n: s.parsed for n, s in self.files.items() if s.parsed is not None}

    def blocking_errors(self) -> list[Diagnostic]:
        """Problems that stop an Apply: files that do not parse (refusals are applied as failed calls)."""
        return [d for s in self.files.values() if s.parsed is None for d in s.errors]

    # -- simulation ----------------------------------------------------------------------------

    def apply(self) -> list[Diagnostic]:
        """Apply the edited files to the running world now; returns the problems that stop it."""
        problems = self.blocking_errors()
        if problems:
            return problems
        changed = [f for n, f in self.answer().items() if f.model != self.loaded.files[n].model or f.all_refusals]
        apply_files(self.world, changed)
        self.applied_at = self.world.now
        return []

    def restart(self) -> None:
        """Start over from time zero with the current files in place."""
        self.world = build_world(self.loaded, seed=self.seed, answer=self.answer())
        self.applied_at = 0.0

    @property
    def duration(self) -> float:
        """The scenario's run length."""
        return self.scenario.run.duration

    def advance(self, seconds: float) -> float:
        """Run the world forward (never past the end of the scenario); returns the new time."""
        target = min(self.duration, self.world.now + max(0.0, seconds))
        self.world.run(until=target)
        return self.world.now

    def step_to_next_event(self) -> float:
        """Run until the event log grows (or the scenario ends)."""
        before = len(self.world.log)
        while len(self.world.log) == before:
            if self.world.peek() > self.duration:
                self.world.run(until=self.duration)
                break
            self.world.step()
        return self.world.now
