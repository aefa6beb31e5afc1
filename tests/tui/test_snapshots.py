"""Snapshots of the main screens at 80x24 and 160x48 (pytest-textual-snapshot).

The registry has fixed content and dates (see conftest), every load is awaited before the
screenshot, and inputs do not blink, so the SVGs are the same on every run. After a deliberate
change of the UI: review the report, then ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from registry import Registry
from registry.browse import QueryResult, run_query
from tests.tui.pilot import open_version, settle
from tui.app import PhantomApp

NARROW = (80, 24)
WIDE = (160, 48)


def steps(*keys: str, version: str | None = None) -> Callable[[Pilot], Awaitable[None]]:
    """A ``run_before`` that opens ``version`` (if given), presses ``keys`` (a ``set:TEXT`` key
    types TEXT into the focused input), waits for every load and stops cursors blinking."""

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        if version is not None:
            await open_version(pilot, version)
        for key in keys:
            if key.startswith("set:"):
                focused = pilot.app.focused
                assert isinstance(focused, Input)
                focused.value = key.removeprefix("set:")
            else:
                await pilot.press(key)
            await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        pilot.app.clear_notifications()
        await settle(pilot)

    return run


QUERY = "SELECT name, version, rows, quality_overall FROM versions ORDER BY 1, 2"
SCREENS = {
    "datasets": steps(),
    "versions": steps("enter"),
    "card": steps(version="txns@1.1.0"),
    "data": steps("2", version="txns@1.1.0"),
    # The first column's histogram: after "down" the narrow plot's x labels sometimes landed a
    # cell apart (plotext's label placement at 80 columns); test_app covers the key itself.
    "quality": steps("4", version="txns@1.1.0"),
    "quality-seeded": steps("4", version="wine-synth@1.1.0"),
    "compare": steps("c", version="txns@1.1.0"),
    "sql": steps("s", f"set:{QUERY}", "enter"),
}


@pytest.mark.parametrize(
    ("screen", "size"),
    [
        *((name, NARROW) for name in SCREENS),
        ("datasets", WIDE),
        ("quality", WIDE),
        ("compare", WIDE),
    ],
    ids=lambda value: f"{value[0]}x{value[1]}" if isinstance(value, tuple) else value,
)
def test_screen_matches_snapshot(
    snap_compare, tui_registry: Path, monkeypatch: pytest.MonkeyPatch, screen: str, size
):
    import tui.screens.sql

    def untimed(*args: object, **kwargs: object) -> QueryResult:  # elapsed time varies
        return dataclasses.replace(run_query(*args, **kwargs), seconds=0.0)  # type: ignore[arg-type]

    monkeypatch.setattr(tui.screens.sql, "run_query", untimed)
    app = PhantomApp(registry=Registry(tui_registry))
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
