"""One release: its card, data, schema, quality, lineage and manifest, one tab each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from rich.markdown import Markdown as RichMarkdown
from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Static,
    TabbedContent,
    TabPane,
)

from registry.browse import (
    PAGE_ROWS,
    ColumnHistograms,
    DataPage,
    Histogram,
    VersionDetail,
    card_for_terminal,
    data_page,
    local_folder,
    read_manifest,
    version_detail,
    version_rows,
)
from registry.errors import PhantomError
from registry.llm.report import generation_lines
from registry.review import review_card_section
from registry.versions import SemVer
from tui import _format as fmt
from tui.screens._base import PhantomScreen
from tui.widgets.histogram import HistogramPlot
from tui.widgets.lineage import LineageTree
from tui.widgets.not_local import NotLocal
from tui.widgets.thumbnail import thumbnail

TABS = ("card", "data", "schema", "quality", "lineage", "manifest")
PREFETCH_ROWS = 20  # load the next page when the cursor is this close to the last row


class VersionScreen(PhantomScreen):
    """A release, read from the catalog at once and from its data when that is local."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        *(
            Binding(str(i), f"tab('{tab}')", tab.capitalize(), show=False)
            for i, tab in enumerate(TABS, start=1)
        ),
        Binding("p", "pull", "Pull data"),
        Binding("c", "compare", "Compare prev."),
        Binding("s", "sql", "SQL"),
        Binding("v", "review", "Review rows", show=False),
    ]

    #: The verified local folder of the version's files, once known to be here.
    folder: reactive[Path | None] = reactive(None)
    #: The column whose histogram the quality tab shows.
    column: reactive[str | None] = reactive(None)

    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag = tag
        self.detail: VersionDetail | None = None
        self.manifest: dict[str, object] = {}
        self.card = ""
        self.page: DataPage | None = None
        self._histograms: ColumnHistograms | None = None
        self._paging = False
        self._data_shown = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="version-summary", classes="summary")
        with TabbedContent(id="tabs", initial="card"):
            with TabPane("Card", id="card"), VerticalScroll(id="card-scroll"):
                yield Static(id="card-markdown")
            with TabPane("Data", id="data"):
                yield NotLocal(id="data-missing", classes="not-local")
                yield Static(id="data-status", classes="status")
                yield DataTable(id="rows", zebra_stripes=True, cursor_type="row")
            with TabPane("Schema", id="schema"):
                yield Static(id="schema-status", classes="status")
                yield DataTable(id="schema-table", zebra_stripes=True, cursor_type="row")
            with TabPane("Quality", id="quality"):
                yield Static(id="areas", classes="status")
                with Horizontal(id="quality-body"):
                    yield DataTable(id="scores", zebra_stripes=True, cursor_type="row")
                    with Vertical(id="histogram-box"):
                        yield HistogramPlot(id="histogram")
                        yield NotLocal(id="histogram-missing", classes="not-local", compact=True)
            with TabPane("Lineage", id="lineage"):
                yield Static(id="lineage-status", classes="status")
                yield LineageTree(id="lineage-tree")
            with TabPane("Manifest", id="manifest"):
                yield NotLocal(id="manifest-missing", classes="not-local")
                with VerticalScroll(id="manifest-scroll"):
                    yield Static(id="manifest-json")
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.tag
        for panel in self.query(NotLocal):
            panel.tag = self.tag
        self.query_one("#tabs").loading = True
        self.set_class(True, "-data-missing")
        self.load()

    # --- loading what needs no data -------------------------------------------------------

    @work(thread=True, exclusive=True, group="detail")
    def load(self) -> None:
        registry = self.registry
        try:
            detail = version_detail(registry, self.tag)
        except PhantomError as exc:
            self.deliver(self._failed, str(exc))
            return
        folder = local_folder(registry, detail.version)
        if folder is not None:
            try:  # verified against the manifest, as every read of a version is
                folder = registry.fetch(detail.version)
            except PhantomError as exc:
                self.deliver(self._pull_failed, str(exc))
                folder = None
        self.deliver(self._loaded, detail, folder)

    def _failed(self, message: str) -> None:
        self.query_one("#tabs").loading = False
        self.query_one("#version-summary", Static).update(f"[b red]{fmt.esc(message)}[/]")
        self.notify(message, severity="error")

    def _loaded(self, detail: VersionDetail, folder: Path | None) -> None:
        self.detail = detail
        self.refresh_bindings()
        self.query_one("#tabs").loading = False
        self._summary(detail)
        # Rich's Markdown in one Static: Textual's Markdown widget mounts a widget per block
        # and table cell, which made opening a version noticeably slower.
        self.card = card_for_terminal(detail.card) or f"*{detail.tag} has no card in git.*"
        self.card += review_card_section(self.registry.root, detail.tag)
        self.query_one("#card-markdown", Static).update(
            RichMarkdown(self.card, code_theme="ansi_dark", hyperlinks=False)
        )
        self._schema(detail)
        self._quality(detail)
        self._lineage(detail)
        self.folder = folder
        if self.focused is None:  # loading moved the focus away
            self._focus_tab(self.query_one(TabbedContent).active)

    def _summary(self, detail: VersionDetail) -> None:
        row = detail.row
        areas = fmt.area_scores(row.areas)
        overall = fmt.overall_score(row.overall)
        facts = " · ".join(
            [
                fmt.date(row.created),
                f"{fmt.plain(row.rows)} rows",
                f"depth {fmt.plain(row.generation_depth)}",
                row.short_hash or fmt.DASH,
            ]
        )
        summary = Text.from_markup(
            f"[b]{fmt.esc(row.tag)}[/b]  [dim]{fmt.esc(facts)}[/]\n"
            f"[dim]overall[/] {overall}  {areas}  [dim]gates[/] "
        )
        self.query_one("#version-summary", Static).update(
            summary.append_text(fmt.gates(row.gates_passed))
        )

    def _schema(self, detail: VersionDetail) -> None:
        table = self.query_one("#schema-table", DataTable)
        table.clear(columns=True)
        sections = sorted({s for c in detail.schema for s in c.scores})
        table.add_column(Text("#", justify="right"))
        table.add_column("column")
        table.add_column("type")
        table.add_column(Text("nulls", justify="right"))
        for section in sections:
            table.add_column(Text(section, justify="right"))  # Text: never markup
        for column in detail.schema:
            nulls = (
                Text(f"{column.null_share:.1%}", justify="right")
                if column.null_share is not None
                else Text(fmt.DASH, style="dim", justify="right")
            )
            table.add_row(
                Text(str(column.position), justify="right"),
                Text(column.name, style="bold"),
                fmt.literal(column.type),
                nulls,
                *(fmt.score(column.scores.get(s), scale=1, digits=3) for s in sections),
                key=column.name,
            )
        splits = fmt.esc(" · ".join(f"{name} {rows:,}" for name, rows in detail.splits.items()))
        self.query_one("#schema-status", Static).update(
            f"[b]{len(detail.schema)}[/b] columns   [dim]splits[/] {splits or fmt.DASH}"
            "   [dim](null shares are read from the data once it is local)[/]"
        )

    def _quality(self, detail: VersionDetail) -> None:
        quality = detail.quality
        lines = []
        overall = quality.get("overall")
        gates = quality.get("gates") or []
        missed = [g.get("gate") for g in gates if isinstance(g, dict) and not g.get("passed")]
        gate_text = (
            f"[b red]missed {fmt.esc(', '.join(map(str, missed)))}[/]"
            if missed
            else f"[green]{len(gates)} gate{'s' if len(gates) != 1 else ''} passed[/]"
            if gates
            else "[dim]no gates[/]"
        )
        if overall is not None:
            lines.append(
                f"[b]Overall [{fmt.score_style(overall)}]{overall:.1f}[/]/100[/b]   {gate_text}"
            )
        elif quality.get("generation"):  # generated text with no checks: no overall score
            lines.append(gate_text)
        else:
            lines.append("[dim]No quality report was recorded for this version.[/]")
        for area, value in (quality.get("areas") or {}).items():
            if not isinstance(value, dict):
                continue
            value_score = value.get("score")
            if not isinstance(value_score, int | float):
                continue
            lines.append(
                f"[b]{fmt.esc(f'{area:<11}')}[/b] [{fmt.score_style(value_score)}]"
                f"{value_score:>5.1f} {fmt.esc(str(value.get('verdict', '')))}[/]  "
                f"[dim]{fmt.esc(str(value.get('summary', '')))}[/]"
            )
        from registry.quality.trust import trust_lines  # pandas: only once a version is open

        lines += [_trust_line(line) for line in trust_lines(quality)]
        lines += [
            f"[dim]{fmt.esc(line)}[/]" for line in generation_lines(quality.get("generation"))
        ]
        if isinstance(quality.get("text"), dict):
            from registry.quality.text import text_summary

            lines += [
                f"[b]text[/b]        [dim]{fmt.esc(line)}[/]"
                for line in text_summary(quality["text"])
            ]
        lines += fmt.linked_quality(quality)  # linked tables: sequences, coherence, keys
        if detail.column_scores:
            lines.append("[dim]Per-column scores, worst first; ↑↓ picks the histogram.[/]")
        self.query_one("#areas", Static).update("\n".join(lines))
        table = self.query_one("#scores", DataTable)
        table.clear(columns=True)
        table.add_column("column")
        table.add_column(Text("score", justify="right"))
        table.add_column("metric")
        for item in detail.column_scores:
            table.add_row(
                Text(item.column, style="bold"),
                fmt.score(item.score, scale=1, digits=3),
                Text(item.metric, style="dim"),  # Text: never markup
                key=item.column,
            )
        if not detail.column_scores:
            self.query_one(HistogramPlot).show(None, "This version has no per-column scores.")

    def _lineage(self, detail: VersionDetail) -> None:
        lineage = detail.lineage
        depth = lineage.generation_depth
        if depth is None:
            text = "[dim]generation depth unknown[/]"
        elif depth == 0:
            text = "[b]generation depth 0[/b]: learned from real data (or sampled), not from "
            text += "another synthetic version."
        else:
            text = (
                f"[b magenta]generation depth {depth}[/]: learned from synthetic data "
                f"{depth} step{'s' if depth > 1 else ''} removed from real data. "
                "[dim]Synthetic data trained on synthetic data is how models collapse.[/]"
            )
        self.query_one("#lineage-status", Static).update(text)
        self.query_one(LineageTree).show(lineage, detail.tag)

    # --- data: present or pulled -------------------------------------------------------------

    def watch_folder(self, folder: Path | None) -> None:
        if self.detail is None:
            return
        self.set_class(folder is None, "-data-missing")
        self.refresh_bindings()
        if folder is None:
            return
        self._histograms = ColumnHistograms(self.registry, self.detail.version, folder)
        self._show_manifest(folder)
        self._data_shown = False
        if self.query_one(TabbedContent).active in ("data",):
            self._start_data()
        if self.column is not None:
            self.draw_histogram(self.column)

    def action_pull(self) -> None:
        if self.detail is None or self.folder is not None:
            return
        for panel in self.query(NotLocal):
            panel.error = ""
            panel.loading = True
        self.pull()

    def on_not_local_pull_requested(self, event: NotLocal.PullRequested) -> None:
        self.action_pull()

    @work(thread=True, exclusive=True, group="pull")
    def pull(self) -> None:
        assert self.detail is not None
        try:
            folder = self.registry.fetch(self.detail.version)
        except PhantomError as exc:
            self.deliver(self._pull_failed, str(exc))
            return
        self.deliver(self._pulled, folder)

    def _pulled(self, folder: Path) -> None:
        for panel in self.query(NotLocal):
            panel.loading = False
        self.notify(f"{self.tag} pulled", timeout=3)
        self.folder = folder

    def _pull_failed(self, message: str) -> None:
        for panel in self.query(NotLocal):
            panel.loading = False
            panel.error = message
        self.notify(message, severity="error", title=f"Could not pull {self.tag}")

    def _show_manifest(self, folder: Path) -> None:
        self.manifest = manifest = read_manifest(folder)
        text = json.dumps(manifest, indent=2)
        self.query_one("#manifest-json", Static).update(
            Syntax(text, "json", theme="ansi_dark", background_color="default")
        )

    # --- the data tab: pages read as the cursor gets near the end ------------------------------

    def _focus_tab(self, tab: str) -> None:
        main = {
            "card": "#card-scroll",
            "data": "#rows",
            "schema": "#schema-table",
            "quality": "#scores",
            "lineage": "#lineage-tree",
            "manifest": "#manifest-scroll",
        }
        widget = self.query_one(main[tab])
        if widget.display and widget.focusable:
            widget.focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self.call_after_refresh(self._focus_tab, event.pane.id)
        if event.pane.id == "data" and self.folder is not None and not self._data_shown:
            self._start_data()
        if (
            event.pane.id == "quality"
            and self.column is None
            and self.detail is not None
            and self.detail.column_scores
        ):
            self.column = self.detail.column_scores[0].column

    def _start_data(self) -> None:
        self._data_shown = True
        table = self.query_one("#rows", DataTable)
        table.clear(columns=True)
        self.page = None
        table.loading = True
        self.read_page(0)

    @work(thread=True, exclusive=True, group="page")
    def read_page(self, offset: int) -> None:
        assert self.folder is not None
        page = data_page(self.folder, offset=offset, limit=PAGE_ROWS)
        self.deliver(self._add_page, page)

    def _add_page(self, page: DataPage) -> None:
        table = self.query_one("#rows", DataTable)
        table.loading = False
        if not table.columns:
            for name in page.columns:
                table.add_column(name, key=name)
        if page.images:
            self._add_image_rows(table, page)
        else:
            table.add_rows([fmt.cell(v) for v in row] for row in page.rows)
        if self.query_one(TabbedContent).active == "data" and self.focused is None:
            table.focus()  # the loading indicator took the focus away
        self.page = page
        self._paging = False
        more = "  [dim]scroll down to read more[/]" if page.more else "  [dim](all rows)[/]"
        grid = ""
        if page.image_grid is not None:
            grid = f"\nsample grid: [b]{fmt.esc(str(page.image_grid))}[/b]"
        self.query_one("#data-status", Static).update(
            f"rows [b]1–{page.end:,}[/b] of [b]{page.total:,}[/b] read{more}{grid}"
        )

    def _add_image_rows(self, table: DataTable, page: DataPage) -> None:
        """Image cells as half-block thumbnails where the terminal shows colour, labels by name."""
        names = page.label_names or []
        image_at, label_at = page.columns.index("image"), page.columns.index("label")
        pictures = self.app.console.color_system is not None
        for row in page.rows:
            cells: list[object] = [fmt.cell(v) for v in row]
            label = row[label_at]
            if isinstance(label, int) and 0 <= label < len(names):
                cells[label_at] = Text(f"{names[label]} ({label})")
            if pictures:
                cells[image_at] = thumbnail(row[image_at])
                table.add_row(*cells, height=len(cells[image_at].split()))
            else:
                cells[image_at] = Text("image: see the sample grid", style="dim")
                table.add_row(*cells)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table_id = event.data_table.id
        if table_id == "rows":
            page = self.page
            if (
                page is not None
                and page.more
                and not self._paging
                and event.cursor_row >= event.data_table.row_count - PREFETCH_ROWS
            ):
                self._paging = True
                self.read_page(page.end)
        elif table_id == "scores" and event.row_key.value is not None:
            self.column = str(event.row_key.value)

    # --- the quality tab: histogram of the highlighted column ------------------------------------

    def watch_column(self, column: str | None) -> None:
        if column is not None and self.folder is not None:
            self.draw_histogram(column)

    def draw_histogram(self, column: str) -> None:
        self.query_one(HistogramPlot).loading = True
        self.histogram(column)

    @work(thread=True, exclusive=True, group="histogram")
    def histogram(self, column: str) -> None:
        histograms = self._histograms
        if histograms is None:
            return
        try:
            result: Histogram | None = histograms.histogram(column)
            message = ""
        except PhantomError as exc:
            result, message = None, str(exc)
        self.deliver(self._show_histogram, result, message)

    def _show_histogram(self, histogram: Histogram | None, message: str) -> None:
        plot = self.query_one(HistogramPlot)
        plot.loading = False
        plot.show(histogram, message)

    def on_lineage_tree_selected(self, event: LineageTree.Selected) -> None:
        if event.tag != self.tag:
            self.app.push_screen(VersionScreen(event.tag))

    # --- keys ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pull":  # offered only while the data is missing
            return self.detail is not None and self.folder is None
        return True

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_sql(self) -> None:
        from tui.screens.sql import SqlScreen

        self.app.push_screen(SqlScreen(f'SELECT * FROM "{self.tag}" LIMIT 100'))

    def action_review(self) -> None:
        from tui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.tag))

    def action_compare(self) -> None:
        self.compare_previous()

    @work(thread=True, exclusive=True, group="compare")
    def compare_previous(self) -> None:
        name, _, version = self.tag.partition("@")
        try:
            rows = version_rows(self.registry, name)
        except PhantomError as exc:
            self.deliver(self.notify, str(exc), severity="error")
            return
        older = [r for r in rows if SemVer.parse(r.version) < SemVer.parse(version)]
        if not older:
            self.deliver(
                self.notify, f"{self.tag} is the first release of {name}", severity="warning"
            )
            return
        previous = max(older, key=lambda r: SemVer.parse(r.version)).tag
        self.deliver(self._compare, previous)

    def _compare(self, previous: str) -> None:
        from tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen(previous, self.tag))


def _trust_line(line: str) -> str:
    """A trust figure's line, coloured by its verdict (the word after the last colon)."""
    verdict = line.rsplit(": ", 1)[-1]
    style = {"fail": "b red", "warn": "yellow", "hurts": "yellow"}.get(verdict, "dim")
    return f"[{style}]{fmt.esc(line)}[/]"
