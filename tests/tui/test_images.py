"""An image dataset in the TUI: rows show thumbnails and class names, the grid's path."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import DataTable, Static

from registry import Registry
from tests.tui.pilot import open_version, settle, text_of
from tui.app import PhantomApp
from tui.widgets.thumbnail import UPPER_HALF, thumbnail

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_image_rows_show_thumbnails_and_label_names(released_digits: Path):
    app = PhantomApp(registry=Registry(released_digits))
    async with app.run_test(size=(100, 35)) as pilot:
        screen = await open_version(pilot, "digits@1.0.0")
        await pilot.press("2")
        await settle(pilot)

        rows = screen.query_one("#rows", DataTable)
        assert [str(c.label) for c in rows.columns.values()] == ["split", "image", "label"]
        assert rows.row_count == 80
        _split, picture, label = rows.get_row_at(0)
        assert isinstance(picture, Text) and picture.plain.count(UPPER_HALF) == 8 * 4
        assert str(label).split()[0] in {"0", "1", "7"}
        assert rows.rows[rows.coordinate_to_cell_key((0, 0)).row_key].height == 4
        status = text_of(screen.query_one("#data-status", Static))
        assert "synthetic_samples.png" in status


async def test_without_colour_image_rows_point_to_the_sample_grid(released_digits: Path):
    app = PhantomApp(registry=Registry(released_digits))
    async with app.run_test(size=(100, 35)) as pilot:
        screen = await open_version(pilot, "digits@1.0.0")
        app.console._color_system = None  # a terminal without colour (NO_COLOR, monochrome)
        await pilot.press("2")
        await settle(pilot)

        rows = screen.query_one("#rows", DataTable)
        _split, picture, _label = rows.get_row_at(0)
        assert "see the sample grid" in str(picture)
        assert "data/digits/plots/synthetic_samples.png" in text_of(
            screen.query_one("#data-status", Static)
        )


def test_a_thumbnail_keeps_the_pixels_colours() -> None:
    import numpy as np

    from registry.images import encode_png

    pixels = np.zeros((4, 2), dtype=np.uint8)
    pixels[0, 0], pixels[1, 0] = 255, 128  # top-left column: white over grey

    text = thumbnail(encode_png(pixels))

    assert text.plain == f"{UPPER_HALF * 2}\n{UPPER_HALF * 2}"
    first = text.spans[0].style
    assert (first.color.triplet.hex, first.bgcolor.triplet.hex) == ("#ffffff", "#808080")
