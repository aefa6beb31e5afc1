"""The first screen: every dataset of the registry, filtered as you type."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Header, Input, Static

from registry.browse import DatasetRow, dataset_rows
from registry.errors import PhantomError
from tui import _format as fmt
from tui.screens._base import PhantomScreen
from tui.widgets.tables import DatasetTable

EMPTY = (
    "[b]This registry has no datasets yet.[/b]\n\n"
    "Scaffold a recipe with [b]phantom new NAME[/b] (or write recipes/NAME.yaml), build it "
    "with [b]dvc repro[/b], and release it with [b]phantom release NAME[/b]. "
    "Press [b]r[/b] to look again."
)


class DatasetsScreen(PhantomScreen):
    """Datasets with their newest release, rows, overall score and generator."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("enter", "open", "Open", show=True),
        Binding("r", "reload", "Reload"),
        Binding("escape", "clear_search", "Clear", show=False),
    ]

    class Loaded(Message):
        """The dataset list was read and painted (``count`` datasets)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(self) -> None:
        super().__init__(id="datasets-screen")
        self.rows: list[DatasetRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="/ to filter by name, generator or description", id="filter")
        with Horizontal(id="datasets-body"):
            yield DatasetTable(id="datasets")
            yield Static(id="dataset-info", classes="side-panel")
        yield Static(EMPTY, id="datasets-empty", classes="empty")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DatasetTable).focus()
        self.action_reload()

    # --- loading -------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.query_one(DatasetTable).loading = True
        self.load()

    @work(thread=True, exclusive=True, group="datasets")
    def load(self) -> None:
        try:
            rows = dataset_rows(self.registry)
        except PhantomError as exc:
            self.deliver(self._failed, str(exc))
            return
        self.deliver(self._loaded, rows)

    def _loaded(self, rows: list[DatasetRow]) -> None:
        self.rows = rows
        table = self.query_one(DatasetTable)
        table.loading = False
        self.set_class(not rows, "-empty")
        self._show()
        if not self.query_one("#filter", Input).value:  # loading moved the focus away
            table.focus()
        self.call_after_refresh(self.post_message, self.Loaded(len(rows)))

    def _failed(self, message: str) -> None:
        self.query_one(DatasetTable).loading = False
        self.notify(message, severity="error", title="Could not read the registry")

    # --- filtering -------------------------------------------------------------------------

    def _show(self) -> None:
        words = self.query_one("#filter", Input).value.lower().split()
        shown = [
            row
            for row in self.rows
            if all(
                word in " ".join([row.name, row.generator or "", row.description or ""]).lower()
                for word in words
            )
        ]
        table = self.query_one(DatasetTable)
        table.show(shown)
        total = len(self.rows)
        where = self.registry.root.name
        noun = "dataset" if total == 1 else "datasets"
        counted = f"{len(shown)} of {total} {noun}" if words else f"{total} {noun}"
        self.sub_title = f"{where} · {counted}"
        self._describe(table.highlighted_name)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DatasetTable).focus()

    def action_search(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#filter", Input)
        if search.value:
            search.value = ""
        self.query_one(DatasetTable).focus()

    # --- choosing --------------------------------------------------------------------------

    def action_open(self) -> None:
        name = self.query_one(DatasetTable).highlighted_name
        if name is not None:
            self._open(name)

    def on_dataset_table_selected(self, event: DatasetTable.Selected) -> None:
        self._open(event.dataset)

    def on_dataset_table_highlighted(self, event: DatasetTable.Highlighted) -> None:
        self._describe(event.dataset)

    def _open(self, name: str) -> None:
        from tui.screens.versions import VersionsScreen

        self.app.push_screen(VersionsScreen(name))

    def _describe(self, name: str | None) -> None:
        row = next((r for r in self.rows if r.name == name), None)
        info = self.query_one("#dataset-info", Static)
        if row is None:
            info.update("")
            return
        e = fmt.esc
        lines = [
            f"[b]{e(row.name)}[/b]",
            "",
            e(fmt.text(row.description)),
            "",
            f"[dim]newest[/]      {e(row.latest or 'unreleased')}",
            f"[dim]released[/]    {fmt.date(row.latest_created)}",
            f"[dim]releases[/]    {row.releases}",
            f"[dim]rows[/]        {fmt.plain(row.rows)}",
            f"[dim]overall[/]     {fmt.plain(row.overall)}",
            f"[dim]generator[/]   {e(fmt.text(row.generator))}",
            f"[dim]depth[/]       {fmt.plain(row.generation_depth)}",
            f"[dim]license[/]     {e(fmt.text(row.license))}",
            f"[dim]recipe[/]      {e(fmt.text(row.recipe_version))}"
            + (f" ([i]{row.workspace_status}[/i] data)" if row.workspace_status else ""),
        ]
        info.update("\n".join(lines))
