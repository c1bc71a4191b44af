"""`lab sim ... --plot`: the run's charts as a self-contained SVG or HTML file, with the series and the markers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from lab.cli import main

SVG = "{http://www.w3.org/2000/svg}"


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_plot_svg_holds_every_series_and_marker_and_leaves_the_log_alone(capsys, tmp_path) -> None:
    """unscaled-instances: the SVG parses, names the charts and their lines, marks the scaling activities; the printed log is the plain run's."""
    out_file = tmp_path / "run.svg"
    code, plotted, err = run_main(capsys, "sim", "unscaled-instances", "--plot", str(out_file))
    assert code == 0, err
    _, plain, _ = run_main(capsys, "sim", "unscaled-instances")
    assert plotted == plain  # sampling the views changes no outcome

    root = ET.parse(out_file).getroot()
    assert root.tag == f"{SVG}svg"
    lines = {(p.get("data-chart"), p.get("data-line")): p for p in root.iter(f"{SVG}polyline")}
    for key in [("web tasks", "desired"), ("web tasks", "running"), ("web tasks", "pending"), ("web CPU and memory", "cpu"),
                ("web CPU and memory", "memory"), ("instances", "ecs-asg"), ("capacity provider reservation", "web-capacity"),
                ("web targets", "healthy"), ("web requests", "per min"), ("web 5xx", "per min")]:
        assert key in lines, key
        assert len(lines[key].get("points", "").split()) > 10
    assert lines[("web tasks", "desired")].get("data-last") == "10"
    markers = [(m.get("data-kind"), float(m.get("data-at") or 0), m.get("data-label")) for m in root.iter(f"{SVG}line") if m.get("class") == "marker"]
    kinds = [kind for kind, _, _ in markers]
    assert kinds.count("scaling") >= 3 and "deployment" in kinds
    assert ("scaling", 480.0, "web 2→4") in markers


def test_plot_html_is_one_page_with_the_svg_and_a_table_of_markers(capsys, tmp_path) -> None:
    """az-outage-binpack: the HTML page has the inline SVG and the fault in its marker table; nothing is fetched."""
    out_file = tmp_path / "run.html"
    code, _, err = run_main(capsys, "sim", "az-outage-binpack", "--plot", str(out_file))
    assert code == 0, err
    text = out_file.read_text(encoding="utf-8")

    class Page(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.cells: list[str] = []
            self.sources: list[str] = []

        def handle_starttag(self, tag, attrs) -> None:
            self.tags.append(tag)
            self.sources += [v or "" for k, v in attrs if k in ("src", "href")]

        def handle_data(self, data) -> None:
            if self.tags and self.tags[-1] == "td":
                self.cells.append(data)

    page = Page()
    page.feed(text)
    assert page.tags[0] == "html" and "svg" in page.tags and "polyline" in page.tags and "table" in page.tags
    assert page.sources == []  # self-contained
    assert "az-outage us-east-1a" in page.cells and "00:10:00" in page.cells
    svg = text[text.index("<svg") : text.index("</svg>") + len("</svg>")]
    assert ET.fromstring(svg).tag == f"{SVG}svg"


@pytest.mark.parametrize(("name", "expected"), [("out.png", "--plot writes .svg or .html files (got 'out.png')"), ("missing/dir/out.svg", "--plot: cannot write")])
def test_a_bad_plot_file_is_one_line_and_exit_2(capsys, tmp_path, name, expected) -> None:
    code, out, err = run_main(capsys, "sim", "unscaled-instances", "--until", "60", "--plot", str(tmp_path / name) if "/" in name else name)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and expected in err and "Traceback" not in err


def test_a_few_failures_beside_many_are_drawn_above_the_floor_and_the_legend_says_so() -> None:
    """3 errors a minute after a peak of 2,000 are a twentieth of a pixel on the 5xx panel's scale:
    drawn LEAST pixels up, not on the floor with the minutes that had none, with a note in the legend."""
    from lab.grading.plot import LEAST, render_svg
    from lab.sim.series import Chart, Line

    class Series:
        duration_s = 600.0
        markers: list = []

        def __init__(self, few: float) -> None:
            self.points = ((0.0, 0.0), (200.0, few), (400.0, 2000.0))

        def charts(self) -> list[Chart]:
            return [Chart("web 5xx", "per min", (Line("per min", self.points),), top=2000.0)]

    def drawn(few: float) -> tuple[list[float], str]:
        """The line's distinct heights above the floor, lowest first, and the panel's legend."""
        root = ET.fromstring(render_svg(Series(few), heading="t"))  # type: ignore[arg-type]
        ys = [float(p.split(",")[1]) for p in root.find(f".//{SVG}polyline").get("points").split()]  # type: ignore[union-attr]
        legend = [t.text or "" for t in root.iter(f"{SVG}text") if (t.text or "").startswith("(per min")]
        return sorted({round(max(ys) - y, 6) for y in ys}), legend[0]

    heights, legend = drawn(3.0)
    assert heights[:2] == [0.0, LEAST] and legend == f"(per min, top 2000; values above 0 drawn at least {LEAST:g} px up)"
    heights, legend = drawn(0.0)
    assert heights[:2] == [0.0, 110.0] and legend == "(per min, top 2000)"
