"""Fixtures for the terminal lab's tests: a progress store in a temporary folder, quiet apps."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.progress import ProgressStore
from lab.tui.app import LabApp
from lab.tui.screens.workbench import WorkbenchScreen

FIXED_ROLE = """\
RoleName: ecsInstanceRole
AssumeRolePolicyDocument:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Principal: {Service: ec2.amazonaws.com}
      Action: sts:AssumeRole
ManagedPolicyArns:
  - arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role
"""
"""The instance role with the managed policy the ECS agent needs (the scenario's fix)."""


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    """An empty progress store under a temporary data dir."""
    return ProgressStore.load(tmp_path / "data")


def quiet(app: LabApp) -> LabApp:
    """No animations: what a test sees does not depend on timing."""
    app.animation_level = "none"
    return app


def footer_keys(screen) -> dict:
    """The screen's own footer's keys by action, left to right, asserting that each is whole on
    screen: left of the command palette's key, which is docked at the right edge over whatever keys
    run under it (a modal screen's footer has no palette key: within the screen's width)."""
    from textual.widgets._footer import FooterKey

    palette = screen.query("FooterKey.-command-palette")
    right = palette.first().region.x if palette else screen.size.width
    keys = sorted((key for key in screen.query(FooterKey) if not key.has_class("-command-palette")), key=lambda key: key.region.x)
    for key in keys:
        assert key.region.width and key.region.right <= right, f"{key.key_display} {key.description} is not whole on screen"
    return {key.action: key for key in keys}


def footer_line(screen) -> str:
    """The screen's own footer as ``key description|key description…``, left to right, each whole on screen."""
    return "|".join(f"{key.key_display} {key.description}" for key in footer_keys(screen).values())


def shown_footer_key(screen, action: str):
    """The footer's key for ``action``, asserting that it and every other footer key are on screen."""
    return footer_keys(screen)[action]


async def until(pilot, condition, what: str) -> None:
    """Pause until ``condition()`` holds (at most 50 pauses, then fail naming ``what``).

    A tab shown or a screen pushed is laid out over several rounds of messages, and one
    ``pilot.pause`` waits for one round; the rest is Textual's guess that the process is idle
    (its CPU time stalls), which a loaded machine also makes true while work is still queued.
    """
    for _ in range(50):
        if condition():
            return
        await pilot.pause()
    raise AssertionError(f"never happened: {what}")


async def open_scenario(app: LabApp, pilot, scenario_id: str = "ecr-pull-denied") -> WorkbenchScreen:
    """Highlight a scenario in the catalogue and press Enter."""
    from textual.widgets import DataTable

    table = app.screen.query_one(DataTable)
    table.move_cursor(row=[k.value for k in table.rows].index(scenario_id))
    table.focus()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, WorkbenchScreen)
    return app.screen
