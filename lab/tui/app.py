"""Provides ``LabApp``: the catalogue, the workbench, grading, hints and progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from lab.progress import ProgressStore
from lab.tui.catalogue_index import CatalogueEntry, read_index
from lab.tui.collector import Collector
from lab.tui.practice_app import PRACTICE_KEYS, PracticeMixin
from lab.tui.screens import HELP_BINDING
from lab.tui.screens.catalogue import CatalogueScreen

if TYPE_CHECKING:
    from lab.tui.screens.workbench import WorkbenchScreen

__all__ = ["LabApp"]


class LabApp(PracticeMixin, App[None]):
    """The ECS Lab terminal app.

    Start-up reads only the catalogue fields of each scenario; the scenario loader, the
    simulator and the grader are imported when a scenario is opened (and warmed up in a
    thread after the first frame), so the catalogue appears about as fast as any Textual app.
    """

    CSS_PATH = "catalogue.tcss"
    """The catalogue's styles only; every other screen names ``lab.tcss`` (``lab.tui.screens.LAB_CSS``)."""
    TITLE = "ECS Lab"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),  # also in modal screens (help, why, a question)
        HELP_BINDING,
        # Hidden at 80 columns, where it pushed a screen's way out (esc) or ^q Quit under the
        # palette's key: every screen's footer shows it last when there is room (FittedFooter).
        # The Help list and the palette ("theme: toggle") name it.
        Binding("f2", "toggle_dark", "Theme", id="toggle-theme", show=False),
    ]

    def __init__(
        self,
        *,
        scenario_id: str | None = None,
        store: ProgressStore | None = None,
        seed: int | None = None,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        """Args:
            now: the wall clock for repetition dates (tests pass a fake one).
            monotonic: the clock exam time is measured with (tests drive it).
        """
        super().__init__()
        self.init_practice(now, monotonic)
        self.store = store or ProgressStore.load()
        self.start_scenario = scenario_id
        self.seed = seed
        index = read_index()
        self.catalogue_problems = index.problems
        self.catalogue: dict[str, CatalogueEntry] = {e.id: e for e in index.entries}
        """Scenarios by id, as the catalogue lists them."""
        self.tracks = index.tracks
        """The curriculum's tracks the catalogue groups scenarios by."""
        self._last_save_problem: str | None = None
        self.collector = Collector()
        """When garbage is collected in full: between ticks, not in a step or a key (``lab.tui.collector``)."""

    def get_default_screen(self) -> Screen:
        """The catalogue, unless a scenario is opened at start (the catalogue is then pushed beneath it in ``on_mount``).

        The catalogue as the first screen spares a blank default screen, composed and laid
        out before the catalogue is pushed over it.
        """
        if self.start_scenario:
            return super().get_default_screen()
        return self._catalogue_screen()

    def _catalogue_screen(self) -> CatalogueScreen:
        return CatalogueScreen(list(self.catalogue.values()), self.store, self.tracks, first_frame=not self.start_scenario)

    def on_mount(self) -> None:
        self.collector.start(hold=not self.start_scenario)
        if self.start_scenario:
            self.push_screen(self._catalogue_screen())
        if self.store.problem:
            self.notify(self.store.problem, severity="warning", timeout=10)
        for problem in self.catalogue_problems:
            self.notify(problem, severity="warning", timeout=10)
        if self.start_scenario:
            self.open_scenario(self.start_scenario)
        else:
            self.call_after_refresh(self._first_frame_drawn)

    def on_unmount(self) -> None:
        self.collector.stop()

    def _first_frame_drawn(self) -> None:
        self.collector.release()
        self._warm_up()

    @work(thread=True, group="warm-up")
    def _warm_up(self) -> None:
        import lab.tui.screens.workbench  # noqa: F401  (the first open is then instant)

    def open_scenario(self, scenario_id: str) -> None:
        """Open the workbench on a scenario (edits and progress restored)."""
        from lab.errors import LabError
        from lab.scenario.loader import find_scenario, load_scenario
        from lab.tui.screens.workbench import WorkbenchScreen
        from lab.tui.session import Session

        entry = self.catalogue.get(scenario_id)
        try:
            loaded = load_scenario(entry.path if entry else find_scenario(scenario_id))
        except LabError as exc:
            self.notify(str(exc), title=f"{scenario_id} does not load", severity="error", timeout=10)
            return
        self.report_save(self.store.mark_attempted(scenario_id))
        self.push_screen(WorkbenchScreen(Session(loaded, self.store, seed=self.seed)))

    def notify(self, message: str, *, title: str = "", severity: str = "information", timeout: float | None = None, markup: bool = True) -> None:
        """Show a notification, always as plain text.

        Notifications quote learners' files (``unknown key 'a[b=$c]'``): parsed as markup they
        would end the app with a MarkupError, so markup is off for every one of them.
        """
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    def report_save(self, problem: str | None) -> None:
        """Tell the learner when progress or an edit could not be written (it is kept and retried)."""
        if problem and problem != self._last_save_problem:
            self.notify(problem, title="Not saved", severity="error", timeout=10)
        elif problem is None and self._last_save_problem:
            self.notify("Saved again: your progress and edits are on disk.", timeout=5)
        self._last_save_problem = problem

    def on_catalogue_screen_opened(self, message: CatalogueScreen.Opened) -> None:
        if message.scenario_id in PRACTICE_KEYS:
            self.open_practice_entry(message.scenario_id)
        else:
            self.open_scenario(message.scenario_id)

    def on_workbench_screen_graded(self, message: WorkbenchScreen.Graded) -> None:
        """After the workbench shows a graded run: failed checks join the review queue."""
        self.record_graded(message.report)

    async def action_quit(self) -> None:
        """Quit; with an exam not yet submitted, ask first (quitting loses its answers; ctrl+q again quits)."""
        from lab.tui.screens.confirm import QuitModal

        taking_exam = any(getattr(screen, "exam_in_progress", False) for screen in self.screen_stack)
        if not taking_exam or isinstance(self.screen, QuitModal):
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(QuitModal("Quit the lab? The exam has not been submitted: its answers are lost and it is not scored (ctrl+s submits it)."), answered)

    def action_help(self) -> None:
        from lab.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("theme: toggle dark / light", "Switch between the dark and the light theme", self.action_toggle_dark)
        yield SystemCommand("practice: questions", "Practise questions by topic, domain or scenario", self.open_practice_menu)
        yield SystemCommand("practice: exam", "A timed exam by DOP-C02 domain weight", self.open_exam_menu)
        yield SystemCommand("practice: review due", "Missed questions and failed checks that are due", self.open_due)
        for sid, entry in sorted(self.catalogue.items()):
            yield SystemCommand(f"scenario: open {sid}", entry.title, lambda sid=sid: self.open_scenario(sid))
        if hasattr(screen, "driver"):
            yield from workbench_commands(screen)  # type: ignore[arg-type]


def workbench_commands(screen: WorkbenchScreen) -> Iterable[SystemCommand]:
    """Palette entries for the workbench, named "area: action"."""
    from lab.tui.session import SPEEDS

    s = screen
    yield SystemCommand("sim: play / pause", "Start or stop the simulation clock", s.action_toggle_play)
    yield SystemCommand("sim: pause", "Stop the simulation clock", s.action_pause)
    yield SystemCommand("sim: step to the next event", "Run until something happens", s.action_step)
    yield SystemCommand("sim: run to the end", "Run to the end of the scenario", s.action_to_end)
    for i, speed in enumerate(SPEEDS):
        yield SystemCommand(f"sim: speed x{speed}", f"{speed} simulated seconds per second", partial(s.action_speed, i))
    yield SystemCommand("sim: apply my files", "Send your files into the running simulation now", s.action_apply)
    yield SystemCommand("sim: restart from zero", "Restart at t=0 with your files", s.action_restart)
    yield SystemCommand("sim: why not placed?", "Every instance's first failed placement check", s.action_why)
    yield SystemCommand("grade: run the graded run", "Grade your files on every seed", s.action_grade)
    yield SystemCommand("hint: reveal the next hint", "Hints are counted in your progress", s.action_hint)
    yield SystemCommand("file: open in $EDITOR", "Edit the current file in your own editor", s.action_external_editor)
    yield SystemCommand("file: reset to the starting files", "Asks first", s.action_reset_files)
