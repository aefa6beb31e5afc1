"""Two versions side by side: what ``phantom diff`` says, as tables."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from registry.browse import VersionRow, version_row
from registry.diff import VersionDiff
from registry.errors import PhantomError
from tui import _format as fmt
from tui.screens._base import PhantomScreen

SECTIONS = ("schema", "rows", "shift", "scores", "recipe")


class CompareScreen(PhantomScreen):
    """``old`` and ``new`` side by side, then their diff: schema, rows, shift, scores, recipe."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("x", "swap", "Swap sides"),
    ]

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old = old
        self.new = new
        self.diff: VersionDiff | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="sides"):
            yield Static(id="old-side", classes="side")
            yield Static(id="new-side", classes="side")
        with VerticalScroll(id="diff"):
            yield Static(id="diff-status", classes="status")
            for section in SECTIONS:
                yield Static(classes="section-title", id=f"{section}-title")
                yield DataTable(id=f"{section}-table", classes="diff-table", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"{self.old} → {self.new}"
        self.query_one("#diff").can_focus = True
        self.query_one("#diff").loading = True
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_swap(self) -> None:
        self.old, self.new = self.new, self.old
        self.on_mount()

    @work(thread=True, exclusive=True, group="diff")
    def load(self) -> None:
        registry = self.registry
        try:
            old, new = version_row(registry, self.old), version_row(registry, self.new)
        except PhantomError as exc:
            self.deliver(self._failed, str(exc))
            return
        self.deliver(self._sides, old, new)
        try:
            diff = registry.diff(self.old, self.new)
        except PhantomError as exc:
            self.deliver(self._failed, str(exc))
            return
        self.deliver(self._show, diff)

    def _failed(self, message: str) -> None:
        self.query_one("#diff").loading = False
        self.query_one("#diff-status", Static).remove_class("-blank")
        self.query_one("#diff-status", Static).update(f"[b red]Could not compare:[/] {message}")
        self.notify(message, severity="error", title="Could not compare")

    def _sides(self, old: VersionRow, new: VersionRow) -> None:
        for side, row, label in (("#old-side", old, "old"), ("#new-side", new, "new")):
            areas = fmt.area_scores(row.areas)
            overall = fmt.overall_score(row.overall)
            self.query_one(side, Static).update(
                f"[dim]{label}[/]  [b]{fmt.esc(row.tag)}[/b]\n"
                f"[dim]released[/] {fmt.date(row.created)}   [dim]rows[/] {fmt.plain(row.rows)}\n"
                f"[dim]content[/]  {row.short_hash or fmt.DASH}   [dim]depth[/] "
                f"{fmt.plain(row.generation_depth)}\n"
                f"[dim]overall[/]  {overall}  {areas}"
            )
        self.query_one("#diff-status", Static).update(
            "[dim]Reading both versions' rows and comparing them…[/]"
        )

    def _show(self, diff: VersionDiff) -> None:
        self.diff = diff
        self.query_one("#diff").loading = False
        old_n, new_n = diff.compared_rows
        status = self.query_one("#diff-status", Static)
        status.update("[b green]Same content.[/]" if diff.same_content else "")
        status.set_class(not diff.same_content, "-blank")
        self._section(
            "schema",
            "Schema" + ("" if diff.schema else ": unchanged"),
            ["column", "change", "old type", "new type"],
            [
                [
                    Text(s.column, style="bold"),
                    Text(
                        s.change,
                        style={"added": "green", "removed": "red"}.get(s.change, "yellow"),
                    ),
                    fmt.literal(s.old_type),
                    fmt.literal(s.new_type),
                ]
                for s in diff.schema
            ],
        )
        self._section(
            "rows",
            "Rows",
            ["", "old", "new", "change"],
            [[c.key, fmt.count(c.old), fmt.count(c.new), fmt.signed(c.delta)] for c in diff.rows],
        )
        self._section(
            "shift",
            f"Distribution shift  [dim](1 - similarity; {old_n:,} vs {new_n:,} rows)[/]",
            ["column", "shift", "metric", "old mean", "new mean", "old nulls", "new nulls"],
            [
                [
                    Text(s.column, style="bold"),
                    _shift(s.shift),
                    Text(s.metric or s.kind, style="dim"),
                    fmt.literal(s.old_mean),
                    fmt.literal(s.new_mean),
                    fmt.literal(s.old_null_share),
                    fmt.literal(s.new_null_share),
                ]
                for s in sorted(diff.columns, key=lambda c: -(c.shift or 0.0))
            ],
        )
        self._section(
            "scores",
            "Scores" + ("" if diff.scores else ": unchanged"),
            ["score", "old", "new", "change"],
            [
                [fmt.literal(c.key), fmt.literal(c.old), fmt.literal(c.new), fmt.signed(c.delta)]
                for c in diff.scores
            ],
        )
        self._section(
            "recipe",
            "Recipe" + ("" if diff.params else ": unchanged"),
            ["field", "old", "new"],
            [[fmt.literal(c.key), fmt.literal(c.old), fmt.literal(c.new)] for c in diff.params],
        )
        self.query_one("#diff").focus()  # arrows scroll the diff; tab reaches the tables

    def _section(
        self, section: str, title: str, columns: list[str], rows: list[list[Text | str]]
    ) -> None:
        self.query_one(f"#{section}-title", Static).update(f"[b]{title}[/b]")
        table = self.query_one(f"#{section}-table", DataTable)
        table.clear(columns=True)
        table.display = bool(rows)
        if not rows:
            return
        for column in columns:
            table.add_column(column)
        table.add_rows(rows)


def _shift(value: float | None) -> Text:
    if value is None:
        return Text("n/a", style="dim", justify="right")
    style = "red" if value >= 0.2 else "yellow" if value >= 0.05 else "green"
    return Text(f"{value:.4f}", style=style, justify="right")
