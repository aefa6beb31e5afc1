"""The SQL console: a read-only query over the catalog and version views, results in a table."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Input, Static

from registry.browse import QueryResult, run_query
from registry.errors import PhantomError
from tui import _format as fmt
from tui.screens._base import PhantomScreen

ROW_LIMIT = 1000
EXAMPLE = "SELECT name, version, rows, quality_overall FROM versions ORDER BY created DESC"
HINT = (
    "[dim]Tables[/] datasets versions columns splits lineage  "
    '[dim]· a version is a view:[/] "name@1.0.0"  "name@1.0.0/train"  '
    "[dim]· read-only: SELECT only · ↑/↓ history[/]"
)


class SqlScreen(PhantomScreen):
    """Type a query, press enter; errors are shown in place of the results."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("enter", "run", "Run", show=True),
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
        Binding("f6", "focus_results", "Results"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial = query
        self.result: QueryResult | None = None
        self.error: str | None = None
        self._history_at: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(value=self.initial, placeholder=EXAMPLE, id="query")
        yield Static(HINT, id="sql-hint")
        yield Static(id="sql-status", classes="status")
        yield DataTable(id="results", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "SQL"
        self.query_one("#query", Input).focus()

    @property
    def history(self) -> list[str]:
        return self.app.query_history  # type: ignore[attr-defined,no-any-return]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def action_run(self) -> None:
        query = self.query_one("#query", Input).value.strip() or EXAMPLE
        self.query_one("#query", Input).value = query
        if not self.history or self.history[-1] != query:
            self.history.append(query)
        self._history_at = None
        self.query_one("#results", DataTable).loading = True
        self.query_one("#sql-status", Static).update("[dim]running…[/]")
        self.run_query(query)

    @work(thread=True, exclusive=True, group="sql")
    def run_query(self, query: str) -> None:
        try:
            result = run_query(self.registry, query, limit=ROW_LIMIT)
        except PhantomError as exc:
            self.deliver(self._failed, str(exc))
            return
        self.deliver(self._show, result)

    def _show(self, result: QueryResult) -> None:
        self.result, self.error = result, None
        self.remove_class("-error")
        table = self.query_one("#results", DataTable)
        table.loading = False
        table.clear(columns=True)
        for name in result.columns:
            table.add_column(fmt.literal(name))
        table.add_rows([fmt.cell(v) for v in row] for row in result.rows)
        more = f" (first {ROW_LIMIT:,}; add a LIMIT or use phantom sql -o)" if result.more else ""
        self.query_one("#sql-status", Static).update(
            f"[green]{len(result.rows):,} row{'s' if len(result.rows) != 1 else ''}{more}[/] "
            f"[dim]in {result.seconds:.2f} s[/]"
        )

    def _failed(self, message: str) -> None:
        self.result, self.error = None, message
        self.add_class("-error")
        table = self.query_one("#results", DataTable)
        table.loading = False
        table.clear(columns=True)
        self.query_one("#sql-status", Static).update(f"[b]error:[/b] {fmt.esc(message)}")

    def action_history(self, step: int) -> None:
        if not self.history or not self.query_one("#query", Input).has_focus:
            return
        at = len(self.history) if self._history_at is None else self._history_at
        at = max(0, min(len(self.history) - 1, at + step))
        self._history_at = at
        query = self.query_one("#query", Input)
        query.value = self.history[at]
        query.cursor_position = len(query.value)

    def action_focus_results(self) -> None:
        self.query_one("#results", DataTable).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
