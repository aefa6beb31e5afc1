"""Helpers for driving the app with Textual's pilot."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tui.screens.version import VersionScreen
from tui.widgets.tables import DatasetTable, VersionTable


async def settle(pilot: Pilot) -> None:
    """Let workers finish and the screen repaint (workers may start more work)."""
    for _ in range(4):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(widget: Static) -> str:
    return str(widget.render())


def column_values(table: DataTable, column: int = 0) -> list[str]:
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


async def open_version(pilot: Pilot, tag: str) -> VersionScreen:
    app = pilot.app
    name = tag.partition("@")[0]
    await settle(pilot)
    datasets = app.screen.query_one(DatasetTable)
    datasets.move_cursor(row=datasets.get_row_index(name))
    await pilot.press("enter")
    await settle(pilot)
    versions = app.screen.query_one(VersionTable)
    versions.move_cursor(row=versions.get_row_index(tag))
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, VersionScreen)
    return app.screen


async def quality_tab_text(root: Path, tag: str) -> str:
    """Open ``tag`` in the app on the registry at ``root``; the text above its quality tab's
    per-column scores (areas, trust figures, generation figures)."""
    from registry import Registry
    from tui.app import PhantomApp

    app = PhantomApp(registry=Registry(root))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_version(pilot, tag)
        await pilot.press("4")
        await settle(pilot)
        return text_of(screen.query_one("#areas", Static))
