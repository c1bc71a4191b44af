"""Provides ``LabApp``: the catalogue, the workbench, grading, hints and progress."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from lab.errors import LabError
from lab.progress import ProgressStore
from lab.scenario.loader import find_scenario, list_scenarios, load_scenario
from lab.tui.screens.catalogue import CatalogueScreen
from lab.tui.screens.help import HelpScreen
from lab.tui.screens.workbench import WorkbenchScreen
from lab.tui.session import Session

__all__ = ["LabApp"]


class LabApp(App[None]):
    """The ECS Lab terminal app."""

    CSS_PATH = "lab.tcss"
    TITLE = "ECS Lab"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("f2", "toggle_dark", "Theme", id="toggle-theme"),
    ]

    def __init__(self, *, scenario_id: str | None = None, store: ProgressStore | None = None, seed: int | None = None) -> None:
        super().__init__()
        self.store = store or ProgressStore.load()
        self.start_scenario = scenario_id
        self.seed = seed
        self.loaded = {}
        for path in list_scenarios():
            try:
                loaded = load_scenario(path)
            except LabError as exc:
                self.log.warning(f"{path} does not load: {exc}")
                continue
            self.loaded[loaded.scenario.id] = loaded

    def on_mount(self) -> None:
        self.push_screen(CatalogueScreen([s.scenario for s in self.loaded.values()], self.store))
        if self.store.problem:
            self.notify(self.store.problem, severity="warning", timeout=10)
        if self.start_scenario:
            self.open_scenario(self.start_scenario)

    def open_scenario(self, scenario_id: str) -> None:
        """Open the workbench on a scenario (edits and progress restored)."""
        loaded = self.loaded.get(scenario_id)
        if loaded is None:
            try:
                loaded = load_scenario(find_scenario(scenario_id))
            except LabError as exc:
                self.notify(str(exc), severity="error", timeout=10)
                return
        entry = self.store.get(scenario_id)
        if entry.status == "new":
            entry.status = "attempted"
            self.store.save()
        self.push_screen(WorkbenchScreen(Session(loaded, self.store, seed=self.seed)))

    def on_catalogue_screen_opened(self, message: CatalogueScreen.Opened) -> None:
        self.open_scenario(message.scenario_id)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:  # type: ignore[type-arg]
        yield from super().get_system_commands(screen)
        for sid, loaded in sorted(self.loaded.items()):
            yield SystemCommand(f"scenario: open {sid}", loaded.scenario.title, lambda sid=sid: self.open_scenario(sid))
        if isinstance(screen, WorkbenchScreen):
            yield SystemCommand("sim: play / pause", "Start or stop the simulation clock", screen.action_toggle_play)
            yield SystemCommand("sim: step", "Run to the next event", screen.action_step)
            yield SystemCommand("sim: run to end", "Run to the end of the scenario", screen.action_to_end)
            yield SystemCommand("sim: apply", "Apply your files to the running simulation", screen.action_apply)
            yield SystemCommand("sim: restart", "Restart from time zero with your files", screen.action_restart)
            yield SystemCommand("grade: run", "Grade your files on every seed", screen.action_grade)
            yield SystemCommand("hint: next", "Reveal the next hint", screen.action_hint)
