"""Pilot tests of the Images tab: a rebuild's layers, its cache misses and their pull cost, and the hosts' layers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import TabbedContent, TextArea

from lab.progress import ProgressStore
from lab.sim.events import ImageBuilt, ImagePullFinished, ImagePullStarted
from lab.tui.app import LabApp
from lab.tui.screens.workbench import WorkbenchScreen
from lab.tui.widgets.images_view import ImagesView, ec2_pull_estimate_s, summarise_images

from .conftest import quiet

REORDERED = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8080
CMD ["gunicorn", "-b", "0.0.0.0:8080", "app:app"]
"""


async def _rebuilt(pilot) -> tuple[WorkbenchScreen, ImagesView]:
    """cache-busting-copy-order: run a minute, apply the reordered Dockerfile, run 30 s more, open Images."""
    bench = pilot.app.screen
    assert isinstance(bench, WorkbenchScreen)
    bench.advance(60)
    editor = bench.query_one("#edit-Dockerfile TextArea", TextArea)
    editor.focus()
    editor.text = REORDERED
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()
    bench.advance(30)
    bench.query_one("#center", TabbedContent).active = "tab-images"
    await pilot.pause()
    return bench, bench.query_one("#images", ImagesView)


@pytest.mark.slow
async def test_a_rebuild_shows_its_cached_and_rebuilt_layers_and_what_they_cost(store: ProgressStore, tmp_path: Path) -> None:
    """After the edit, the tab lists the layers with their state, the total, the misses and the hosts' layers."""
    app = quiet(LabApp(store=store, scenario_id="cache-busting-copy-order", seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bench, view = await _rebuilt(pilot)
        [summary] = view.images
        assert summary.builds == 2
        text = view.draw().plain
        assert "catalog:3.1.0  build 2 at 00:01:00 (Dockerfile)" in text
        assert "FROM python:3.12-slim" in text and "base" in text
        assert "REBUILT" in text and "RUN pip install --no-cache-dir -r requirements.txt" in text
        assert "total" in text and "s to pull onto an empty EC2 host" in text
        # WORKDIR is cached; the COPY of requirements.txt is the first miss, and every later step runs.
        assert summary.rebuilt_steps[0] == (3, "COPY requirements.txt .")
        assert f"{len(summary.rebuilt_steps)} steps rebuilt, first line 3\n↳ `COPY requirements.txt .`" in text
        assert "s of pull\n↳ on each EC2 host that ran the previous build" in text
        assert "Hosts" in text and "catalog:3.1.0 (" in text
        assert len(view.hosts) == 2 and all(h.host.startswith("i-") and h.host in text for h in view.hosts)
        if os.environ.get("LAB_SCREENSHOT_DIR"):
            app.save_screenshot("images-rebuild.svg", path=os.environ["LAB_SCREENSHOT_DIR"])
        # A restart builds the edited file into a new world at 0 s: one build, with a fresh cache.
        await pilot.press("ctrl+r")
        await pilot.pause()
        [again] = view.images
        assert (again.builds, again.built.at) == (1, 0.0)
        assert "build 1 at 00:00:00" in view.draw().plain


async def test_the_tab_exists_only_where_images_are_built(store: ProgressStore) -> None:
    app = quiet(LabApp(store=store, scenario_id="ecr-pull-denied", seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.screen.query("#tab-images")


def test_summary_counts_each_layer_a_host_holds_once_and_times_the_pulls() -> None:
    """Two tasks pulling at once: the second finds the layers arriving, so the host holds them once."""
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0"
    built = ImageBuilt(0.0, "web:1.0", "Dockerfile", (("FROM python:3.12-slim", 29_000_000, True), ("RUN pip install x", 50_000_000, False)), ((2, "RUN pip install x", False),), 79_000_000)
    events = [
        built,
        ImagePullStarted(5.0, "t1", "web", uri, "i-1", 2, 0, 79_000_000, "role"),
        ImagePullStarted(5.0, "t2", "web", uri, "i-1", 2, 2, 0, "role"),
        ImagePullFinished(7.5, "t1", "web", uri, "i-1", 2.5, 79_000_000),
    ]
    [summary], [host] = summarise_images(events)
    assert (host.host, host.layers, host.bytes_held, host.images) == ("i-1", 2, 79_000_000, {"web:1.0": 2})
    assert [(p.layers_fetched, p.duration_s) for p in summary.pulls] == [(2, 2.5), (0, None)]
    assert summary.rebuilt_bytes == 50_000_000
    assert ec2_pull_estimate_s(0, 0) == 0.0 and ec2_pull_estimate_s(80_000_000, 1) > 1.0


def test_the_estimate_is_the_pull_models_time_without_jitter() -> None:
    """One formula: the tab's estimate is lab.sim.registry.nominal_pull_s, which the pull model scales by 0.9–1.1."""
    from lab.sim.registry import nominal_pull_s

    assert ec2_pull_estimate_s(160_000_000, 2) == nominal_pull_s(160_000_000, 2)
    assert nominal_pull_s(160_000_000, 2, fargate=True) > nominal_pull_s(160_000_000, 2)
