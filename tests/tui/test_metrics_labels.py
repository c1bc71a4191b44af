"""Metric labels that do not fit keep their metric word (issue 16's "orders-green 5" truncation)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lab.tui.widgets.metrics_panel import fit_label


def test_a_long_service_name_is_cut_before_the_metric() -> None:
    assert fit_label("orders-green 5xx", 14).endswith("… 5xx")
    assert fit_label("orders-green 5xx", 16) == "orders-green 5xx"


@given(st.text(alphabet="abc- ", min_size=1, max_size=40), st.integers(min_value=4, max_value=30))
def test_a_label_never_exceeds_its_column(label: str, width: int) -> None:
    fitted = fit_label(label, width)
    assert len(fitted) <= width
    if len(label) <= width:
        assert fitted == label
    elif label.rpartition(" ")[0] and width - len(label.rpartition(" ")[2]) - 2 >= 1:
        assert fitted.endswith(" " + label.rpartition(" ")[2])


async def test_a_long_value_keeps_each_metric_on_one_line(tmp_path) -> None:
    """spot-without-draining's 5xx reach '16648/360000' (12 cells): every metric line still fits the panel at 120x40."""
    from rich.cells import cell_len

    from lab.progress import ProgressStore
    from lab.tui.app import LabApp
    from lab.tui.widgets.metrics_panel import MetricsPanel

    from .conftest import open_scenario, quiet

    app = quiet(LabApp(store=ProgressStore.load(tmp_path / "data")))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench = await open_scenario(app, pilot, "spot-without-draining")
        bench.advance(1200)
        await pilot.pause()
        panel = bench.query_one("#metrics", MetricsPanel)
        lines = str(panel.render()).splitlines()
        assert any("5xx" in line and len(line.split()[2]) >= 12 for line in lines)
        assert max(cell_len(line) for line in lines) <= panel.content_region.width
