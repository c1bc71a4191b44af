"""Provides ``ImagesView``: the images a run built and the layers its hosts hold, from the event log.

For each built image (``ImageBuilt``): its layers with the instruction, size and whether the
last build took it from the cache, the total, and what the last rebuild missed: the MB of
new layers and the pull time they cost on the hosts that pulled the image after it
(``ImagePullStarted`` / ``ImagePullFinished``). Then, for each host, the images it pulled and
the layers and MB it holds. A shell reads events only: nothing here touches the simulator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rich.text import Text
from textual.widget import Widget

from lab.sim.events import ImageBuilt, ImagePullFinished, ImagePullStarted
from lab.sim.registry import nominal_pull_s
from lab.tui.widgets.event_log import format_time

__all__ = ["HostImages", "ImageSummary", "ImagesView", "PullCost", "summarise_images"]

MB = 1_000_000


@dataclass(slots=True)
class PullCost:
    """One pull of a built image onto a host, after its last build."""

    host: str
    at: float
    layers_fetched: int
    layers_total: int
    bytes_fetched: int
    duration_s: float | None = None
    """None while the pull is still running."""


@dataclass(slots=True)
class ImageSummary:
    """The last build of one image, the build before it, and the pulls since."""

    built: ImageBuilt
    builds: int
    pulls: list[PullCost] = field(default_factory=list)

    @property
    def rebuilt_bytes(self) -> int:
        """The bytes of the layers the last build made anew (what hosts that had the previous build lack)."""
        return sum(size for _, size, cached in self.built.layers if not cached)

    @property
    def rebuilt_steps(self) -> list[tuple[int, str]]:
        """The steps (line, instruction) the last build ran instead of taking from the cache."""
        return [(line, text) for line, text, cached in self.built.steps if not cached]


@dataclass(slots=True)
class HostImages:
    """What one EC2 host pulled: images (with layer counts) and the layers and bytes it holds."""

    host: str
    images: dict[str, int] = field(default_factory=dict)
    layers: int = 0
    bytes_held: int = 0


def summarise_images(events: Iterable[object]) -> tuple[list[ImageSummary], list[HostImages]]:
    """Read the built images and the hosts' layers from a run's events, in order."""
    images: dict[str, ImageSummary] = {}
    hosts: dict[str, HostImages] = {}
    open_pulls: dict[tuple[str, str], PullCost] = {}
    for event in events:
        if isinstance(event, ImageBuilt):
            before = images.get(event.image)
            images[event.image] = ImageSummary(event, (before.builds if before else 0) + 1)
        elif isinstance(event, ImagePullStarted):
            if event.ec2_instance_id is not None:
                host = hosts.setdefault(event.ec2_instance_id, HostImages(event.ec2_instance_id))
                host.images[_short(event.image)] = event.layers_total
                # A layer another pull is already fetching counts as cached, so the sums
                # count each layer a host holds once.
                host.layers += event.layers_total - event.layers_cached
                host.bytes_held += event.bytes_to_fetch
            summary = images.get(_short(event.image))
            if summary is not None:
                pull = PullCost(event.ec2_instance_id or "Fargate", event.at, event.layers_total - event.layers_cached, event.layers_total, event.bytes_to_fetch)
                summary.pulls.append(pull)
                open_pulls[(event.task_id, event.container)] = pull
        elif isinstance(event, ImagePullFinished):
            finished = open_pulls.pop((event.task_id, event.container), None)
            if finished is not None:
                finished.duration_s = event.duration_s
    return list(images.values()), sorted(hosts.values(), key=lambda h: h.host)


def _short(uri: str) -> str:
    """``123….dkr.ecr…/reports:2.4.0`` → ``reports:2.4.0`` (the name ``world.builds`` gives)."""
    return uri.rsplit("/", 1)[-1]


def _mb(size: int) -> str:
    if 0 < size < 100_000:
        return f"{size / 1000:.0f} kB" if size >= 1000 else f"{size} B"
    return f"{size / MB:,.1f} MB"


def ec2_pull_estimate_s(size: int, layers: int) -> float:
    """The pull model's time for ``size`` bytes in ``layers`` layers on an EC2 host, without its jitter (0 with nothing to fetch)."""
    return nominal_pull_s(size, layers) if layers else 0.0


class ImagesView(Widget):
    """The Images tab: each built image's layers, the last rebuild's misses and their pull cost, and each host's layers."""

    DEFAULT_CSS = """
    ImagesView { height: auto; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.images: list[ImageSummary] = []
        self.hosts: list[HostImages] = []

    def show(self, events: Iterable[object]) -> None:
        """Redraw from the run's events so far."""
        self.images, self.hosts = summarise_images(events)
        self.refresh(layout=True)

    def render(self) -> Text:
        return self.draw(self.size.width or None)

    def draw(self, width: int | None = None) -> Text:
        """The tab's text (also what tests read): one line per row, cut at ``width`` so nothing wraps."""
        lines: list[Text] = []
        if not self.images:
            lines.append(Text("No image built yet: apply the Dockerfile (ctrl+s) to build and push it.", style="dim"))
        for summary in self.images:
            self._draw_image(lines, summary)
        if self.images:
            lines.append(Text("Hosts", style="bold underline"))
            lines.append(Text("a pull fetches only the layers a host lacks", style="dim"))
            if not self.hosts:
                lines.append(Text("no pull yet", style="dim"))
            for host in self.hosts:
                lines.append(Text.assemble((f"{host.host}  ", "bold"), f"{host.layers} layers, {_mb(host.bytes_held)}"))
                for name, n in host.images.items():
                    lines.append(Text(f"↳ {name} ({n} layers)"))
        if width:
            for line in lines:
                line.truncate(width, overflow="ellipsis")
        return Text("\n").join(lines)

    def _draw_image(self, lines: list[Text], summary: ImageSummary) -> None:
        built = summary.built
        cached = sum(1 for _, _, hit in built.steps if hit)
        lines.append(Text.assemble((f"{built.image}  ", "bold cyan"), f"build {summary.builds} at {format_time(built.at)} ({built.dockerfile})"))
        lines.append(Text(f"{len(built.layers)} layers, {_mb(built.size_bytes)}; {cached} of {len(built.steps)} steps CACHED"))
        for i, (instruction, size, hit) in enumerate(built.layers, 1):
            base = instruction.startswith("FROM ")
            state, style = ("base", "dim") if base else (("cached", "green") if hit else ("REBUILT", "bold yellow"))
            # Every span starts with a visible character (padding trails): a screenshot's SVG
            # renderer may drop a span's leading spaces and shift it left.
            lines.append(Text.assemble(f"{i:<3}", (f"{state:<8}", style), f"{_mb(size):<10}", (instruction, "dim" if base else "")))
        lines.append(Text(f"{'=':<3}{'total':<8}{_mb(built.size_bytes)}", style="bold"))
        cold = ec2_pull_estimate_s(built.size_bytes, len(built.layers))
        lines.append(Text(f"↳ ~{cold:.1f} s to pull onto an empty EC2 host", style="dim"))
        rebuilt = summary.rebuilt_steps
        if summary.builds > 1:
            if rebuilt:
                first_line, first = rebuilt[0]
                new_layers = sum(1 for text, _, hit in built.layers if not hit and not text.startswith("FROM "))
                estimate = ec2_pull_estimate_s(summary.rebuilt_bytes, new_layers)
                lines.append(Text.assemble(("last rebuild: ", "bold"), (f"{len(rebuilt)} steps rebuilt, first line {first_line}", "yellow")))
                lines.append(Text(f"↳ `{first}`", style="yellow"))
                lines.append(Text(f"↳ {new_layers} new layers, {_mb(summary.rebuilt_bytes)}: ~{estimate:.1f} s of pull"))
                lines.append(Text("↳ on each EC2 host that ran the previous build", style="dim"))
            else:
                lines.append(Text("last rebuild: every step CACHED, nothing new to pull", style="green"))
        since = [p for p in summary.pulls if p.at >= built.at]
        if since:
            lines.append(Text(f"pulls since this build ({len(since)}):", style="bold"))
            for pull in since[-6:]:
                took = f"{pull.duration_s:.1f} s" if pull.duration_s is not None else "pulling…"
                # The cost first (time, MB), the host last: a narrow pane cuts the end of the line.
                lines.append(Text(f"↳ {format_time(pull.at)} {took:>8} {_mb(pull.bytes_fetched):>10} {pull.layers_fetched}/{pull.layers_total} layers {pull.host}"))
        else:
            lines.append(Text("not pulled since: a task started on a host pulls what it lacks", style="dim"))
        lines.append(Text(""))
