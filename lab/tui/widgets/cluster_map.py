"""Provides ``ClusterMap``: AZ columns of instance cards with CPU/memory bars and task chips."""

from __future__ import annotations

from collections import defaultdict

from rich.text import Text
from textual.widgets import Static

from lab.sim.world import WorldSnapshot

__all__ = ["ClusterMap", "TASK_GLYPHS", "render_cluster"]

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

STATE_STYLE = {"RUNNING": "green", "PENDING": "yellow", "PROVISIONING": "yellow", "STOPPED": "red"}
MAX_CHIPS = 12
"""Tasks drawn per instance card; more are summarised (a 5,000-task cluster stays readable)."""


def _bar(used: int, total: int, width: int = 10) -> str:
    filled = 0 if total <= 0 else min(width, round(width * used / total))
    return "█" * filled + "░" * (width - filled)


def render_cluster(snapshot: WorldSnapshot, *, max_instances: int = 60) -> Text:
    """The cluster as text: one block per AZ, one card per instance, tasks as chips."""
    text = Text()
    live = [t for t in snapshot.tasks if t.last_status != "STOPPED"]
    by_host: dict[str | None, list] = defaultdict(list)
    for task in live:
        by_host[task.ec2_instance_id].append(task)
    by_az: dict[str, list] = defaultdict(list)
    for inst in snapshot.instances:
        by_az[inst.availability_zone].append(inst)
    text.append(f"Cluster {snapshot.cluster}", style="bold")
    text.append(f"  ·  {len(snapshot.instances)} instances, {len(live)} tasks\n")
    shown = 0
    for az in sorted(by_az):
        text.append(f"{az}\n", style="bold underline")
        for inst in by_az[az]:
            if shown >= max_instances:
                break
            shown += 1
            status_style = "green" if inst.status == "ACTIVE" else "yellow"
            text.append(f" {inst.ec2_instance_id} {inst.instance_type} ")
            text.append(inst.status, style=status_style)
            if not inst.agent_connected:
                text.append(" agent disconnected", style="red")
            cpu_used = inst.cpu_registered - inst.cpu_remaining
            mem_used = inst.memory_registered_mib - inst.memory_remaining_mib
            text.append(f"\n   cpu {_bar(cpu_used, inst.cpu_registered)} {cpu_used}/{inst.cpu_registered}")
            text.append(f"\n   mem {_bar(mem_used, inst.memory_registered_mib)} {mem_used}/{inst.memory_registered_mib} MiB")
            ports = [p for p in inst.used_ports if p not in (22, 2375, 2376, 51678, 51679)]
            if ports:
                shown_ports = ", ".join(map(str, ports[:8])) + (" …" if len(ports) > 8 else "")
                text.append(f"\n   ports {shown_ports}")
            tasks = by_host.get(inst.ec2_instance_id, [])
            text.append("\n   ")
            for task in tasks[:MAX_CHIPS]:
                glyph = TASK_GLYPHS.get(task.last_status, "?")
                family = task.task_definition.split(":")[0]
                text.append(f"{glyph} {family} {task.last_status}", style=STATE_STYLE.get(task.last_status, ""))
                text.append("  ")
            if len(tasks) > MAX_CHIPS:
                text.append(f"+{len(tasks) - MAX_CHIPS} more")
            if not tasks:
                text.append("(no tasks)", style="dim")
            text.append("\n")
    if shown < len(snapshot.instances):
        text.append(f"… {len(snapshot.instances) - shown} more instances\n", style="dim")
    fargate = by_host.get(None, [])
    if fargate:
        text.append("Fargate\n", style="bold underline")
        for task in fargate[:MAX_CHIPS]:
            text.append(f" {TASK_GLYPHS.get(task.last_status, '?')} {task.task_definition} {task.last_status} {task.availability_zone}\n")
    return text


class ClusterMap(Static):
    """The live cluster: AZ columns, instance cards, task chips (glyph and word per state)."""

    def show(self, snapshot: WorldSnapshot) -> None:
        """Redraw from a snapshot."""
        self.update(render_cluster(snapshot))
