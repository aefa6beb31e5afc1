"""The releases of one dataset: open one, or mark one and compare it with another."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Input, Static

from registry.browse import DatasetRow, VersionRow, dataset_rows, version_rows
from registry.errors import PhantomError
from registry.versions import SemVer
from tui import _format as fmt
from tui.screens._base import PhantomScreen
from tui.widgets.tables import VersionTable


class VersionsScreen(PhantomScreen):
    """Version, release date, rows, content hash, scores and generation depth of each release."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("enter", "open", "Open"),
        Binding("m", "mark", "Mark"),
        Binding("c", "compare", "Compare"),
        Binding("slash", "search", "Search", key_display="/"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.dataset = name
        self.rows: list[VersionRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="dataset-summary", classes="summary")
        yield Input(placeholder="/ to filter versions", id="filter")
        yield VersionTable(id="versions")
        yield Static(id="versions-empty", classes="empty")
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.dataset
        self.query_one(VersionTable).focus()
        self.query_one(VersionTable).loading = True
        self.load()

    @work(thread=True, exclusive=True, group="versions")
    def load(self) -> None:
        registry = self.registry
        try:
            rows = version_rows(registry, self.dataset)
            summary = next((d for d in dataset_rows(registry) if d.name == self.dataset), None)
        except PhantomError as exc:
            self.deliver(self.notify, str(exc), severity="error")
            return
        self.deliver(self._loaded, rows, summary)

    def _loaded(self, rows: list[VersionRow], summary: DatasetRow | None) -> None:
        self.rows = rows
        table = self.query_one(VersionTable)
        table.loading = False
        self._show()
        if not self.query_one("#filter", Input).value:  # loading moved the focus away
            table.focus()
        description = fmt.esc(fmt.text(summary.description if summary else None))
        facts = []
        if summary is not None:
            facts = [
                fmt.text(summary.generator),
                fmt.text(summary.license),
                f"{summary.releases} release{'s' if summary.releases != 1 else ''}",
                f"recipe {fmt.text(summary.recipe_version)}",
            ]
        self.query_one("#dataset-summary", Static).update(
            f"[b]{self.dataset}[/b]  {description}\n[dim]{fmt.esc(' · '.join(facts))}[/dim]"
        )
        if not rows:
            self.set_class(True, "-empty")
            self.query_one("#versions-empty", Static).update(
                f"[b]{self.dataset} has no released version yet.[/b]\n\n"
                f"Build it with [b]dvc repro[/b], commit, then [b]phantom release "
                f"{self.dataset}[/b]."
            )

    def _show(self) -> None:
        words = self.query_one("#filter", Input).value.lower().split()
        shown = [r for r in self.rows if all(w in r.version for w in words)]
        self.query_one(VersionTable).show(shown)
        noun = "release" if len(self.rows) == 1 else "releases"
        self.sub_title = (
            f"{len(shown)} of {len(self.rows)} {noun}" if words else f"{len(self.rows)} {noun}"
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(VersionTable).focus()

    def action_search(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_back(self) -> None:
        search = self.query_one("#filter", Input)
        if search.has_focus:
            search.value = ""
            self.query_one(VersionTable).focus()
            return
        self.app.pop_screen()

    # --- opening and comparing -------------------------------------------------------------

    def action_open(self) -> None:
        tag = self.query_one(VersionTable).highlighted_tag
        if tag is not None:
            self._open(tag)

    def on_version_table_selected(self, event: VersionTable.Selected) -> None:
        self._open(event.tag)

    def _open(self, tag: str) -> None:
        from tui.screens.version import VersionScreen

        self.app.push_screen(VersionScreen(tag))

    def action_mark(self) -> None:
        table = self.query_one(VersionTable)
        tag = table.highlighted_tag
        if tag is None:
            return
        table.toggle_mark(tag)
        if table.marked:
            self.notify(
                f"{table.marked} marked: move to another version and press c to compare",
                timeout=4,
            )

    def action_compare(self) -> None:
        """Compare the marked version with the highlighted one, else the highlighted one with
        the release before it."""
        table = self.query_one(VersionTable)
        tag = table.highlighted_tag
        if tag is None:
            return
        if table.marked and table.marked != tag:
            pair = sorted([table.marked, tag], key=lambda t: SemVer.parse(t.partition("@")[2]))
            old, new = pair
        else:
            ordered = sorted(self.rows, key=lambda r: SemVer.parse(r.version))
            index = next(i for i, r in enumerate(ordered) if r.tag == tag)
            if index == 0:
                self.notify(
                    f"{tag} is the first release; mark another with m to compare with it",
                    severity="warning",
                )
                return
            old, new = ordered[index - 1].tag, tag
        from tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen(old, new))
