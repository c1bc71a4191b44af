"""Provides ``TaskList``: every task of the cluster, one line each, with a cursor.

Drawn through the Line API, so 5,000 tasks cost a screenful; tasks not yet on an instance
(PROVISIONING, PENDING) come first, since those are the ones a learner asks about.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message

from lab.sim.world import TaskView, WorldSnapshot
from lab.tui.widgets.cluster_map import STATE_STYLE, TASK_GLYPHS
from lab.tui.widgets.line_view import LineView

__all__ = ["TaskList"]

ORDER = {"PROVISIONING": 0, "PENDING": 1, "ACTIVATING": 2, "RUNNING": 3, "DEACTIVATING": 4, "STOPPING": 5, "DEPROVISIONING": 6, "STOPPED": 7}
"""Waiting tasks first, stopped ones last."""


class TaskList(LineView):
    """Tasks with state (glyph and word), task definition, group, instance and stop reason."""

    class Highlighted(Message):
        """The cursor moved to a task (None: no tasks)."""

        def __init__(self, task: TaskView | None) -> None:
            super().__init__()
            self.task = task

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.tasks: list[TaskView] = []
        """The tasks on show, in display order."""

    def show(self, snapshot: WorldSnapshot) -> None:
        """Redraw from a snapshot, keeping the cursor on the same task when it is still there."""
        current = self.highlighted.task_id if self.highlighted else None
        self.tasks = sorted(snapshot.tasks, key=lambda t: (ORDER.get(t.last_status, 9), t.group, t.task_id))
        if current is not None:
            self.cursor = next((i for i, t in enumerate(self.tasks) if t.task_id == current), min(self.cursor, max(0, len(self.tasks) - 1)))
        self.reset_lines(len(self.tasks), max(1, self.scrollable_content_region.width))

    @property
    def highlighted(self) -> TaskView | None:
        """The task under the cursor."""
        return self.tasks[self.cursor] if 0 <= self.cursor < len(self.tasks) else None

    def line_text(self, index: int) -> Text:
        """One task."""
        task = self.tasks[index]
        marker = "▶ " if index == self.cursor and self.has_focus else "  "
        text = Text(marker)
        text.append(f"{TASK_GLYPHS.get(task.last_status, '?')} {task.last_status:<12}", style=STATE_STYLE.get(task.last_status, ""))
        text.append(f" {task.task_id[:8]} {task.task_definition} {task.group} ")
        text.append(task.ec2_instance_id or task.launch_type, style="dim")
        if task.stopped_reason:
            text.append(f"  {task.stopped_reason}", style="red")
        return text

    def cursor_moved(self) -> None:
        self.post_message(self.Highlighted(self.highlighted))
