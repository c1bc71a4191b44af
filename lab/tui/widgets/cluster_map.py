"""Provides ``ClusterMap``: AZ columns of instance cards with CPU/memory bars and task chips.

The map is one Line API widget: a snapshot becomes a list of small row descriptors (cheap,
no text), and only the rows on screen are drawn, so a 5,000-task cluster scrolls as fast as
a three-task one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import zip_longest
from typing import Any

from rich.text import Text

from lab.sim.world import InstanceView, TaskView, WorldSnapshot
from lab.tui.widgets.line_view import LineView

__all__ = ["ClusterMap", "TASK_GLYPHS", "chip"]

TASK_GLYPHS = {
    "PROVISIONING": "◌",
    "PENDING": "○",
    "ACTIVATING": "◔",
    "RUNNING": "●",
    "DEACTIVATING": "◕",
    "STOPPING": "◑",
    "DEPROVISIONING": "◒",
    "STOPPED": "✕",
}
"""A glyph per task state, so state never depends on colour alone."""

STATE_STYLE = {"RUNNING": "green", "PENDING": "yellow", "PROVISIONING": "yellow", "ACTIVATING": "yellow", "STOPPING": "red", "STOPPED": "red"}
"""Colour only repeats what the glyph and the word already say."""

AGENT_PORTS = frozenset({22, 2375, 2376, 51678, 51679})
"""Ports the ECS agent and Docker reserve on every instance: not the learner's."""

COLUMN_MIN_WIDTH = 30
"""Narrowest AZ column; below it the AZs stack vertically."""

Row = tuple[Any, ...]


def chip(task: TaskView) -> str:
    """A task as a chip: glyph, task definition and state word."""
    return f"{TASK_GLYPHS.get(task.last_status, '?')} {task.task_definition} {task.last_status}"


def _bar(used: int, total: int, width: int) -> str:
    filled = 0 if total <= 0 else min(width, round(width * used / total))
    return "█" * filled + "░" * (width - filled)


def _pack(tasks: list[TaskView], width: int) -> list[Row]:
    """Chips laid out left to right in lines of at most ``width`` cells."""
    rows: list[Row] = []
    line: list[TaskView] = []
    used = 0
    widths: dict[tuple[str, str], int] = {}
    for task in tasks:
        key = (task.task_definition, task.last_status)
        size = widths.get(key)
        if size is None:
            size = widths[key] = len(chip(task)) + 2
        if line and used + size > width:
            rows.append(("chips", tuple(line)))
            line, used = [], 0
        line.append(task)
        used += size
    if line:
        rows.append(("chips", tuple(line)))
    return rows


def _card(inst: InstanceView, tasks: list[TaskView], width: int) -> list[Row]:
    rows: list[Row] = [("inst", inst), ("cpu", inst), ("mem", inst)]
    if any(p not in AGENT_PORTS for p in inst.used_ports):
        rows.append(("ports", inst))
    rows += _pack(tasks, width - 3) or [("empty",)]
    return rows


class ClusterMap(LineView):
    """The live cluster: AZ columns, instance cards, task chips (glyph and word per state)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.snapshot: WorldSnapshot | None = None
        """The snapshot on screen."""
        self.rows: list[tuple[Row, ...]] = []
        """One entry per line: a descriptor per column."""
        self.column_width = 40

    def show(self, snapshot: WorldSnapshot) -> None:
        """Redraw from a snapshot."""
        self.snapshot = snapshot
        self.relayout()

    def relayout(self) -> None:
        """Lay the snapshot out for the current width."""
        snapshot = self.snapshot
        if snapshot is None:
            return
        width = max(20, self.scrollable_content_region.width or 40)
        live = [t for t in snapshot.tasks if t.last_status != "STOPPED"]
        by_host: dict[str | None, list[TaskView]] = defaultdict(list)
        for task in live:
            by_host[task.ec2_instance_id].append(task)
        by_az: dict[str, list[InstanceView]] = defaultdict(list)
        for inst in snapshot.instances:
            by_az[inst.availability_zone].append(inst)
        azs = sorted(by_az)
        columns = len(azs) if azs and width >= len(azs) * COLUMN_MIN_WIDTH else 1
        self.column_width = width // columns - (1 if columns > 1 else 0)
        per_az: list[list[Row]] = []
        for az in azs:
            rows: list[Row] = [("az", az, len(by_az[az]))]
            for inst in by_az[az]:
                rows += _card(inst, by_host.get(inst.ec2_instance_id, []), self.column_width)
                rows.append(("blank",))
            per_az.append(rows)
        lines: list[tuple[Row, ...]] = [(("title", len(snapshot.instances)),), (("summary", live),)]
        # INACTIVE (deregistered) and DRAINING instances stay on the map: a line counts them by
        # status, so the map agrees with the metrics' "instances" (the ACTIVE ones).
        statuses = Counter(inst.status for inst in snapshot.instances)
        if not set(statuses) <= {"ACTIVE"}:
            lines.insert(1, (("statuses", statuses),))
        if columns == 1:
            lines += [(row,) for rows in per_az for row in rows]
        else:
            lines += zip_longest(*per_az, fillvalue=("blank",))
        unplaced = by_host.get(None, [])
        # Tasks with no host are Fargate tasks, or EC2 tasks a capacity provider keeps in
        # PROVISIONING until an instance of its group can take them (§7.2): not the same thing.
        fargate = [t for t in unplaced if t.launch_type == "FARGATE"]
        waiting = [t for t in unplaced if t.launch_type != "FARGATE"]
        if fargate:
            lines.append((("fargate", len(fargate)),))
            lines += [(row,) for row in _pack(fargate, width - 3)]
        if waiting:
            lines.append((("waiting", len(waiting)),))
            lines += [(row,) for row in _pack(waiting, width - 3)]
        self.rows = lines
        self.reset_lines(len(lines), width)

    def line_text(self, index: int) -> Text:
        """Draw one line: its columns side by side."""
        cells = self.rows[index]
        if len(cells) == 1:
            return self._cell(cells[0])
        out = Text()
        for i, cell in enumerate(cells):
            text = self._cell(cell)
            text.truncate(self.column_width, pad=True)
            if i:
                out.append("│")
            out.append_text(text)
        return out

    def _cell(self, row: Row) -> Text:
        kind = row[0]
        text = Text()
        counts: dict[str, int]
        if kind == "title":
            assert self.snapshot is not None
            text.append(f"Cluster {self.snapshot.cluster}", style="bold")
            text.append(f" · {row[1]} instances")
        elif kind == "statuses":
            text.append("▣ " + ", ".join(f"{n} {status}" for status, n in sorted(row[1].items())))
        elif kind == "summary":
            counts = defaultdict(int)
            for task in row[1]:
                counts[task.last_status] += 1
            text.append(", ".join(f"{TASK_GLYPHS.get(k, '?')} {n} {k}" for k, n in sorted(counts.items())) or "no tasks yet")
        elif kind == "az":
            text.append(f"{row[1]}", style="bold underline")
            text.append(f" ({row[2]})", style="dim")
        elif kind == "inst":
            inst: InstanceView = row[1]
            text.append(f"▣ {inst.ec2_instance_id} ")
            text.append(inst.status, style="green" if inst.status == "ACTIVE" else "yellow reverse")
            text.append(f" {inst.instance_type}")
            if not inst.agent_connected:
                text.append(" ✕ agent disconnected", style="red")
        elif kind in ("cpu", "mem"):
            inst = row[1]
            bar_width = max(4, min(12, self.column_width - 24))
            if kind == "cpu":
                used, total, unit = inst.cpu_registered - inst.cpu_remaining, inst.cpu_registered, ""
            else:
                used, total, unit = inst.memory_registered_mib - inst.memory_remaining_mib, inst.memory_registered_mib, " MiB"
            text.append(f"   {kind} {_bar(used, total, bar_width)} {used}/{total}{unit}")
        elif kind == "ports":
            ports = [p for p in row[1].used_ports if p not in AGENT_PORTS]
            text.append("   ports " + ", ".join(map(str, ports)))
        elif kind == "chips":
            text.append("   ")
            for task in row[1]:
                text.append(chip(task), style=STATE_STYLE.get(task.last_status, ""))
                text.append("  ")
        elif kind == "empty":
            text.append("   (no tasks)", style="dim")
        elif kind == "fargate":
            text.append(f"Fargate ({row[1]} tasks)", style="bold underline")
        elif kind == "waiting":
            text.append(f"Waiting for an instance ({row[1]} EC2 tasks in PROVISIONING)", style="bold underline")
        return text
