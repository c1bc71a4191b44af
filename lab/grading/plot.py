"""Provides the run's charts as a self-contained SVG or HTML file (``lab sim ... --plot``), for CI artifacts and instructors.

The same series and markers as the TUI's Charts tab (``lab.sim.series``): one panel per
chart, lines drawn as steps over the whole run (a value above 0 at least ``LEAST`` pixels up,
noted in the panel's legend), and a dashed vertical line across every panel at each marker
(scaling activities, deployments, faults, applies), with the marker's text as its tooltip. The file needs nothing else: no scripts, no fonts, no network. Every
line and marker carries ``data-`` attributes (chart, line, kind, time), so a test or a
script can read the picture back.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from lab.sim.series import Chart, Marker, RunSeries

__all__ = ["render_html", "render_svg"]

WIDTH = 960
PANEL_H = 110
"""Height of one chart's plot area."""
TITLE_H = 22
LEFT, RIGHT = 56, 16
TOP = 64
"""Room above the first panel: the heading and the marker lane."""
LEAST = 2.0
"""Pixels above the floor a value above 0 is drawn at, however small beside the chart's top (the legend then says so)."""

COLOURS = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#d62728", "#17becf")
MARKER_COLOURS = {"scaling": "#1f77b4", "deployment": "#2ca02c", "fault": "#d62728", "apply": "#b8860b"}
MARKER_GLYPHS = {"scaling": "S", "deployment": "D", "fault": "F", "apply": "A"}


def _clock(at: float) -> str:
    whole = int(at)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def render_svg(series: RunSeries, *, heading: str) -> str:
    """The charts of a run as one SVG document."""
    charts = series.charts()
    height = TOP + len(charts) * (PANEL_H + TITLE_H + 14) + 30
    plot_w = WIDTH - LEFT - RIGHT
    duration = max(series.duration_s, 1e-9)

    def x_of(at: float) -> float:
        return LEFT + plot_w * min(max(at, 0.0), duration) / duration

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="sans-serif" font-size="11">',
        f"<title>{escape(heading)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{escape(heading)}</text>',
    ]
    out.append(f'<g class="marker-lane" transform="translate(0,{TOP - 24})">')
    for marker in series.markers:
        out.append(_marker_glyph(marker, x_of(marker.at)))
    out.append("</g>")
    y = TOP
    for chart in charts:
        out.extend(_panel(chart, y, x_of))
        y += PANEL_H + TITLE_H + 14
    for i in range(5):
        at = duration * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        out.append(f'<text x="{x_of(at):.1f}" y="{y + 4}" text-anchor="{anchor}" fill="#555">{_clock(at)}</text>')
    bottom = y - 14
    for marker in series.markers:
        x = x_of(marker.at)
        colour = MARKER_COLOURS.get(marker.kind, "#555")
        out.append(
            f'<line class="marker" data-kind={quoteattr(marker.kind)} data-at="{marker.at:g}" data-label={quoteattr(marker.label)} '
            f'x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 10}" y2="{bottom}" stroke="{colour}" stroke-dasharray="3,3" stroke-width="1">'
            f"<title>{escape(_clock(marker.at))} {escape(marker.kind)}: {escape(marker.label)}</title></line>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _marker_glyph(marker: Marker, x: float) -> str:
    colour = MARKER_COLOURS.get(marker.kind, "#555")
    failed = marker.kind == "deployment" and marker.label.endswith("failed")
    glyph = "X" if failed else MARKER_GLYPHS.get(marker.kind, "?")
    return (
        f'<text x="{x:.1f}" y="0" text-anchor="middle" font-weight="bold" fill="{"#d62728" if failed else colour}">{glyph}'
        f"<title>{escape(_clock(marker.at))} {escape(marker.kind)}: {escape(marker.label)}</title></text>"
    )


def _panel(chart: Chart, y: float, x_of: Callable[[float], float]) -> list[str]:
    top = chart.top
    plot_top = y + TITLE_H
    base = plot_top + PANEL_H
    out = [f'<g class="chart" data-chart={quoteattr(chart.title)}>']
    out.append(f'<text x="{LEFT}" y="{y + 14}" font-weight="bold">{escape(chart.title)}</text>')
    legend_x = LEFT + 12 + 7.5 * len(chart.title)  # bold text runs wider
    for i, line in enumerate(chart.lines):
        colour = COLOURS[i % len(COLOURS)]
        last = line.points[-1][1] if line.points else None
        label = f"{line.name} {_num(last)}" if last is not None else line.name
        out.append(f'<text x="{legend_x:.0f}" y="{y + 14}" fill="{colour}">■ {escape(label)}</text>')
        legend_x += 16 + 6.5 * len(label)
    # 3 errors a minute beside 2,000 are a twentieth of a pixel: drawn LEAST up, not on the floor with the zeros.
    raised = any(0 < value and PANEL_H * value / top < LEAST for line in chart.lines for _, value in line.points)
    note = f"; values above 0 drawn at least {LEAST:g} px up" if raised else ""
    out.append(f'<text x="{legend_x:.0f}" y="{y + 14}" fill="#555">({escape(chart.unit)}, top {_num(top)}{note})</text>')
    out.append(f'<rect x="{LEFT}" y="{plot_top}" width="{WIDTH - LEFT - RIGHT}" height="{PANEL_H}" fill="none" stroke="#ccc"/>')
    for fraction in (0.0, 0.5, 1.0):
        gy = base - PANEL_H * fraction
        out.append(f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end" fill="#555">{_num(top * fraction)}</text>')
        if 0 < fraction < 1:
            out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#eee"/>')
    for i, line in enumerate(chart.lines):
        coords: list[str] = []
        previous: float | None = None
        for at, value in line.points:
            x = x_of(at)
            vy = base - (max(PANEL_H * value / top, LEAST) if value > 0 else 0.0)
            if previous is not None:
                coords.append(f"{x:.1f},{previous:.1f}")  # a step: hold the old value up to the new reading
            coords.append(f"{x:.1f},{vy:.1f}")
            previous = vy
        out.append(
            f'<polyline class="series" data-chart={quoteattr(chart.title)} data-line={quoteattr(line.name)} '
            f'data-last="{_num(line.points[-1][1]) if line.points else ""}" fill="none" stroke="{COLOURS[i % len(COLOURS)]}" '
            f'stroke-width="1.5" points="{" ".join(coords)}"/>'
        )
    out.append("</g>")
    return out


def render_html(series: RunSeries, *, heading: str) -> str:
    """The charts as one HTML page: the SVG inline, then the markers as a table."""
    rows = "\n".join(
        f"<tr><td>{_clock(m.at)}</td><td>{escape(m.kind)}</td><td>{escape(m.label)}</td></tr>" for m in series.markers
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(heading)}</title>\n"
        "<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style>\n</head>\n<body>\n"
        f"{render_svg(series, heading=heading)}"
        "<h2>Markers</h2>\n<table>\n<thead><tr><th>time</th><th>kind</th><th>what</th></tr></thead>\n<tbody>\n"
        f"{rows}\n</tbody>\n</table>\n</body>\n</html>\n"
    )
