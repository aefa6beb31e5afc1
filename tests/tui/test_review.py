"""The review screen driven by the pilot: 5% of a version's rows judged with a, r and c, the
review committed to git, and the release that waited for it goes through."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from textual.widgets import DataTable, Static

from registry import Registry
from registry.errors import ReleaseError
from tests.conftest import copy_registry, run
from tests.tui.pilot import column_values, open_version, settle, text_of
from tui.app import PhantomApp
from tui.screens.review import ReviewScreen
from tui.screens.version import VersionScreen

pytestmark = pytest.mark.anyio
SIZE = (120, 35)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.slow
async def test_a_review_in_the_tui_lands_in_git_and_unblocks_the_release(
    built_for_review: Path, tmp_path: Path
) -> None:
    root = copy_registry(built_for_review, tmp_path)
    registry = Registry(root)
    with pytest.raises(ReleaseError, match="needs a human review before release"):
        registry.release("pen")

    app = PhantomApp(registry=registry)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(ReviewScreen("pen@1.0.0"))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        rows = screen.query_one("#review-rows", DataTable)
        assert rows.row_count == 3  # 5% of 60 rows
        pair = screen.query_one("#review-pair", DataTable)
        assert column_values(pair) == [
            "species", "island", "bill_length_mm", "bill_depth_mm",
            "flipper_length_mm", "body_mass_g", "sex", "year",
        ]  # fmt: skip
        real = column_values(pair, 2)  # the nearest real row, beside the synthetic one
        assert real.count("-") <= 1 and real[0] in {"Adelie", "Chinstrap", "Gentoo"}
        await pilot.press("a")  # row 1 accepted, the cursor moves to row 2
        await pilot.press("c", *"bill too long", "enter")
        await pilot.press("a", "r")
        await settle(pilot)
        summary = text_of(screen.query_one("#review-summary", Static))
        assert "3 of 3 sampled rows (5%) reviewed, 2 accepted (67%)" in summary
        await pilot.press("escape")  # leaves the screen and commits the review
        await settle(pilot)
        assert not isinstance(app.screen, ReviewScreen)

    stored = yaml.safe_load((root / "reviews" / "pen@1.0.0.yaml").read_text())
    assert [r["decision"] for r in stored["rows"]] == ["accept", "accept", "reject"]
    assert [r["comment"] for r in stored["rows"]] == ["", "bill too long", ""]
    log = run(root, "git", "log", "-1", "--format=%s", "--name-only").stdout.split("\n")
    assert log[0].startswith("review pen@1.0.0: 3 of 3 sampled rows")
    assert "reviews/pen@1.0.0.yaml" in log
    assert registry.release("pen").tag == "pen@1.0.0"
    async with PhantomApp(registry=Registry(root)).run_test(size=SIZE) as pilot:
        version = await open_version(pilot, "pen@1.0.0")
        assert "## Human review\n\n3 of 3 sampled rows (5%) reviewed, 2 accepted" in version.card


@pytest.mark.slow
async def test_v_on_a_version_opens_its_review(tui_registry: Path) -> None:
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        await open_version(pilot, "txns@1.1.0")
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.query_one("#review-rows", DataTable).row_count == 20  # 5% of 400
        pair = app.screen.query_one("#review-pair", DataTable)
        assert set(column_values(pair, 2)) == {"-"}  # a sampler has no real rows
        await pilot.press("escape")  # nothing decided: nothing committed
        await settle(pilot)
        assert isinstance(app.screen, VersionScreen)
    assert not (tui_registry / "reviews").exists()
