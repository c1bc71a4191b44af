"""Provides ``MetricsPanel``: desired, running, pending, CPU, healthy targets, 5xx, reservation and instances over time."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from lab.tui.session import MetricsHistory

__all__ = ["MetricsPanel", "fit_label", "sparkline"]

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int, *, top: float | None = None) -> str:
    """The last ``width`` values as block characters (an empty cell where nothing is known)."""
    tail = values[-width:] if width > 0 else []
    if not tail:
        return ""
    high = max([top or 0.0, *tail, 1e-9])
    return "".join(BLOCKS[min(len(BLOCKS) - 1, int((len(BLOCKS) - 1) * v / high + 0.5))] if v > 0 else " " for v in tail)


class MetricsPanel(Static, can_focus=True):
    """Metric rows: a label, the value now, and a sparkline over simulated time (F8 focuses it; the arrows scroll its pane)."""

    DEFAULT_CSS = "MetricsPanel:focus { background-tint: $foreground 5%; }"

    def show(self, history: MetricsHistory) -> None:
        """Redraw from the history the session keeps."""
        view = history.latest
        text = Text()
        if view is None:
            self.update(text)
            return
        rows: list[tuple[str, str, list[float], float | None]] = []
        for svc in view.services:
            desired = history.values(f"{svc.name} desired")
            rows.append((f"{svc.name} running", f"{svc.running}/{svc.desired}", history.values(f"{svc.name} running"), max(desired, default=0) or None))
            rows.append((f"{svc.name} desired", str(svc.desired), desired, None))
            rows.append((f"{svc.name} pending", str(svc.pending), history.values(f"{svc.name} pending"), max(desired, default=0) or None))
            if svc.cpu_utilization is not None:
                rows.append((f"{svc.name} cpu", f"{svc.cpu_utilization:.0f}%", history.values(f"{svc.name} cpu"), 100.0))
        for tg in view.target_groups:
            rows.append((f"{tg.name} healthy", f"{tg.healthy}/{tg.targets}", history.values(f"{tg.name} healthy"), None))
            rows.append((f"{tg.name} 5xx", f"{round(tg.failed_requests)}/{round(tg.requests)}", _rate(history.values(f"{tg.name} 5xx")), None))
        cpu = 100.0 * view.cpu_reserved_units / view.cpu_registered_units if view.cpu_registered_units else 0.0
        rows.append(("cpu reserved", f"{cpu:.0f}%", history.values("cpu %"), 100.0))
        for provider, reservation in view.provider_reservations:
            rows.append((f"{provider} resv", f"{reservation:.0f}%", history.values(f"{provider} reservation"), 100.0))
        rows.append(("instances", str(view.active_instances), history.values("instances"), None))
        # The label column fits the longest label while the sparklines keep 8 cells; a name that
        # still does not fit is shortened, never the metric after it ("orders-green 5xx", not "… 5").
        # The value column fits the longest value ("16648/360000" 5xx of requests is 12 cells):
        # a line wider than the panel wrapped its sparkline onto a line of its own.
        panel = self.size.width or 44
        value_width = max(9, *(len(row[1]) for row in rows))
        label_width = max(14, min(max(len(row[0]) for row in rows), panel - value_width - 11))
        width = max(8, min(history.width, panel - label_width - value_width - 3))
        for label, now, series, top in rows:
            text.append(f"{fit_label(label, label_width):<{label_width}} {now:>{value_width}} ", style="bold")
            text.append(sparkline(series, width, top=top))
            text.append("\n")
        text.append(f"over 0…{int(history.duration_s)} s simulated", style="dim")
        self.update(text)


def fit_label(label: str, width: int) -> str:
    """``label`` in at most ``width`` cells: the name before the last word is cut with an ellipsis, the metric word kept."""
    if len(label) <= width:
        return label
    name, _, metric = label.rpartition(" ")
    room = width - len(metric) - 2
    if not name or room < 1:
        return label[: width - 1] + "…"
    return f"{name[:room]}… {metric}"


def _rate(cumulative: list[float]) -> list[float]:
    """Per-bucket increase of a running total (new failures per slice of time)."""
    return [max(0.0, b - a) for a, b in zip([0.0, *cumulative], cumulative)]
