"""The TUI driven with Textual's pilot: datasets, versions, each tab of a version, pulling,
SQL, comparing, help, an empty registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static, TabbedContent

from registry import Registry
from registry.browse import PAGE_ROWS
from tests.tui.pilot import column_values, open_version, settle, text_of
from tui.app import PhantomApp
from tui.screens.compare import CompareScreen
from tui.screens.datasets import DatasetsScreen
from tui.screens.help import HelpScreen
from tui.screens.sql import SqlScreen
from tui.screens.version import VersionScreen
from tui.screens.versions import VersionsScreen
from tui.widgets.histogram import HistogramPlot
from tui.widgets.lineage import LineageTree
from tui.widgets.not_local import NotLocal
from tui.widgets.tables import DatasetTable, VersionTable

pytestmark = pytest.mark.anyio
SIZE = (100, 35)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- datasets and versions ------------------------------------------------------------------


async def test_datasets_screen_lists_name_newest_rows_score_generator(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DatasetsScreen)
        table = app.screen.query_one(DatasetTable)
        assert column_values(table) == ["txns", "wine-child", "wine-synth"]
        txns = [str(cell) for cell in table.get_row("txns")]
        assert txns[:6] == ["txns", "1.1.0", "400", "98.0", "sampler", "2"]
        wine = [str(cell) for cell in table.get_row("wine-synth")]
        assert wine[:6] == ["wine-synth", "1.1.0", "1,000", "83.0", "sdv/gaussian_copula", "2"]
        assert app.screen.sub_title == "registry · 3 datasets"


async def test_slash_filters_datasets_as_you_type_and_escape_clears(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        table = app.screen.query_one(DatasetTable)
        await pilot.press("w", "i")
        assert column_values(table) == ["wine-child", "wine-synth"]
        await pilot.press("n", "e", "-", "c")
        assert column_values(table) == ["wine-child"]
        assert app.screen.sub_title == "registry · 1 of 3 datasets"
        await pilot.press("escape")
        assert column_values(table) == ["txns", "wine-child", "wine-synth"]
        assert app.focused is table


async def test_enter_opens_the_versions_of_a_dataset_newest_first(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the cursor starts on txns
        await settle(pilot)
        assert isinstance(app.screen, VersionsScreen)
        table = app.screen.query_one(VersionTable)
        assert [str(k.value) for k in table.rows] == ["txns@1.1.0", "txns@1.0.0"]
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[:4] == [" ", "version", "released", "rows"]
        assert labels[4:] == ["content", "overall", "conf", "depth", "gates"]
        newest = [str(cell) for cell in table.get_row("txns@1.1.0")]
        released = Registry(tui_registry).resolve("txns@1.1.0")
        assert newest[1:4] == ["1.1.0", "2025-03-02 12:00", "400"]
        assert newest[4] == released.content_hash.removeprefix("sha256:")[:12]
        assert newest[7:] == ["0", "pass"]
        await pilot.press("escape")
        assert isinstance(app.screen, DatasetsScreen)


# --- one version, tab by tab -----------------------------------------------------------------


async def test_version_tabs_show_card_data_schema_quality_lineage_manifest(tui_registry: Path):
    """A walk through one version: every tab, paging, the histogram, then SQL over it."""
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_version(pilot, "txns@1.1.0")
        tabs = screen.query_one(TabbedContent)
        assert tabs.active == "card"
        assert screen.card.startswith("# txns 1.1.0")
        assert "[plot: columns]" in screen.card  # images a terminal cannot show
        assert screen.query_one("#card-markdown").region.height > 10
        assert "txns@1.1.0" in text_of(screen.query_one("#version-summary", Static))

        await pilot.press("2")
        await settle(pilot)
        assert tabs.active == "data"
        rows = screen.query_one("#rows", DataTable)
        assert [str(c.label) for c in rows.columns.values()] == [
            "split",
            "id",
            "merchant",
            "amount",
            "hour",
            "is_fraud",
        ]
        assert rows.row_count == PAGE_ROWS
        assert "1–200" in text_of(screen.query_one("#data-status", Static))
        await pilot.press("ctrl+end")  # near the end: the next page is read
        await settle(pilot)
        assert rows.row_count == 400
        assert str(rows.get_row_at(399)[0]) == "test"
        assert "of 400" in text_of(screen.query_one("#data-status", Static))

        await pilot.press("3")
        await settle(pilot)
        schema = screen.query_one("#schema-table", DataTable)
        assert column_values(schema, 1) == ["id", "merchant", "amount", "hour", "is_fraud"]
        assert column_values(schema, 2) == ["string", "string", "double", "int64", "int32"]
        assert "train 320 · test 80" in text_of(screen.query_one("#schema-status", Static))

        await pilot.press("4")
        await settle(pilot)
        scores = screen.query_one("#scores", DataTable)
        values = [float(str(v)) for v in column_values(scores, 1)]
        assert values == sorted(values)  # worst first
        plot = screen.query_one(HistogramPlot)
        assert plot.histogram is not None
        assert plot.histogram.column == column_values(scores, 0)[0]
        assert plot.histogram.real is None  # a sampler: synthetic only
        assert "Overall" in text_of(screen.query_one("#areas", Static))
        await pilot.press("down")  # the histogram follows the highlighted column
        await settle(pilot)
        assert plot.histogram is not None
        assert plot.histogram.column == column_values(scores, 0)[1]
        assert abs(sum(plot.histogram.synthetic) - 1.0) < 1e-9

        await pilot.press("5")
        await settle(pilot)
        tree = screen.query_one(LineageTree)
        labels = [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]
        assert labels[0].startswith("sampler")
        assert labels[1].startswith("txns@1.1.0")
        assert "generation depth 0" in text_of(screen.query_one("#lineage-status", Static))

        await pilot.press("6")
        await settle(pilot)
        released = Registry(tui_registry).resolve("txns@1.1.0")
        assert screen.manifest["content_hash"] == released.content_hash
        assert screen.query_one("#manifest-scroll").region.height > 0

        await pilot.press("s")  # SQL over this version
        assert isinstance(app.screen, SqlScreen)
        assert '"txns@1.1.0"' in app.screen.query_one("#query", Input).value
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#results", DataTable).row_count == 100


async def test_version_not_local_offers_a_pull_and_pulling_shows_its_data(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_version(pilot, "txns@1.0.0")  # the workspace holds 1.1.0
        assert screen.folder is None
        await pilot.press("2")
        await settle(pilot)
        panel = screen.query_one("#data-missing", NotLocal)
        assert panel.display and panel.region.height > 0
        assert "txns@1.0.0" in text_of(panel.query_one("#message", Static))
        assert not screen.query_one("#rows", DataTable).display
        await pilot.press("p")
        await settle(pilot)
        assert screen.folder is not None
        assert not panel.region.height  # hidden again
        assert screen.query_one("#rows", DataTable).row_count == PAGE_ROWS


async def test_pull_of_data_never_pushed_shows_the_error_in_place(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_version(pilot, "wine-synth@1.1.0")
        await pilot.press("2")
        await settle(pilot)
        panel = screen.query_one("#data-missing", NotLocal)
        await pilot.click("#data-missing #pull")
        await settle(pilot)
        assert screen.folder is None
        assert panel.error
        assert panel.has_class("-failed")
        # what needs no data is still there
        await pilot.press("4")
        await settle(pilot)
        scores = screen.query_one("#scores", DataTable)
        assert column_values(scores, 0) == ["target", "hue", "malic_acid", "alcohol"]


async def test_lineage_walks_from_the_real_seed_to_a_depth_1_version(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_version(pilot, "wine-child@1.0.0")
        await pilot.press("5")
        await settle(pilot)
        tree = screen.query_one(LineageTree)
        labels = [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]
        assert labels[0] == "real seed sklearn:wine"
        assert labels[1].startswith("wine-synth@1.1.0")
        assert labels[2] == "wine-child@1.0.0  depth 1"
        assert "generation depth 1" in text_of(screen.query_one("#lineage-status", Static))
        # choosing the parent opens it
        tree.move_cursor(tree.get_node_at_line(1))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, VersionScreen) and app.screen.tag == "wine-synth@1.1.0"


# --- SQL ---------------------------------------------------------------------------------------


async def test_sql_console_runs_a_query_and_shows_the_rows(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, SqlScreen)
        app.screen.query_one(
            "#query", Input
        ).value = 'SELECT merchant, count(*) AS n FROM "txns@1.1.0" GROUP BY 1 ORDER BY 1'
        await pilot.press("enter")
        await settle(pilot)
        results = app.screen.query_one("#results", DataTable)
        assert [str(c.label) for c in results.columns.values()] == ["merchant", "n"]
        assert column_values(results) == ["grocery", "online", "travel"]
        assert sum(int(v) for v in column_values(results, 1)) == 400
        assert "3 rows" in text_of(app.screen.query_one("#sql-status", Static))


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("SELEC nope", "syntax error"),
        ("DROP TABLE versions", "read-only"),
        ('SELECT * FROM "nothing@1.0.0"', "nothing"),
    ],
)
async def test_sql_console_shows_a_bad_query_inline(tui_registry: Path, query: str, says: str):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        app.screen.query_one("#query", Input).value = query
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.has_class("-error")
        assert says in text_of(app.screen.query_one("#sql-status", Static))
        assert app.screen.query_one("#results", DataTable).row_count == 0
        await pilot.press("up")  # history brings the query back
        assert app.screen.query_one("#query", Input).value == query


# --- comparing -------------------------------------------------------------------------------


async def test_mark_and_compare_shows_the_two_versions_and_their_diff(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("m")  # txns@1.1.0
        table = app.screen.query_one(VersionTable)
        assert table.marked == "txns@1.1.0"
        await pilot.press("down", "c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert (screen.old, screen.new) == ("txns@1.0.0", "txns@1.1.0")
        assert "txns@1.0.0" in text_of(screen.query_one("#old-side", Static))
        assert "txns@1.1.0" in text_of(screen.query_one("#new-side", Static))
        assert screen.diff is not None
        shift = screen.query_one("#shift-table", DataTable)
        assert column_values(shift)[0] == "amount"  # the column whose distribution moved
        recipe = screen.query_one("#recipe-table", DataTable)
        assert column_values(recipe) == ["version", "generator.columns[amount].mean"]
        assert [str(v) for v in recipe.get_row_at(1)[1:]] == ["3.5", "4.5"]


async def test_c_on_a_version_compares_it_with_the_release_before(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        await open_version(pilot, "txns@1.1.0")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert (app.screen.old, app.screen.new) == ("txns@1.0.0", "txns@1.1.0")


async def test_compare_without_data_says_why_in_place(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        await open_version(pilot, "wine-synth@1.1.0")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        status = text_of(app.screen.query_one("#diff-status", Static))
        assert "Could not compare" in status
        assert "wine-synth@1.1.0" in text_of(app.screen.query_one("#new-side", Static))


# --- keys, help, empty registry --------------------------------------------------------------


async def test_question_mark_lists_the_keys_of_the_screen(tui_registry: Path):
    app = PhantomApp(registry=Registry(tui_registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        assert keys["/"] == "Search" and keys["q"] == "Quit" and keys["s"] == "SQL"
        await pilot.press("escape")
        assert isinstance(app.screen, DatasetsScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_empty_registry_says_how_to_add_a_dataset(registry_root: Path):
    app = PhantomApp(registry=Registry(registry_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-empty")
        assert "no datasets yet" in text_of(screen.query_one("#datasets-empty", Static))
        await pilot.press("enter", "s")
        await pilot.press("enter")  # the example query over the (empty) catalog
        await settle(pilot)
        assert isinstance(app.screen, SqlScreen) and not app.screen.has_class("-error")


async def test_a_recipe_without_release_opens_to_a_hint(registry_root: Path, make_sampler_recipe):
    make_sampler_recipe("fresh")
    app = PhantomApp(registry=Registry(registry_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DatasetTable)
        assert str(table.get_row("fresh")[1]) == "unreleased"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.has_class("-empty")
        assert "phantom release fresh" in text_of(app.screen.query_one("#versions-empty", Static))
