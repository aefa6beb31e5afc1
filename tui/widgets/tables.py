"""The dataset and version listings: DataTables that speak in dataset names and tags."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from registry.browse import DatasetRow, VersionRow
from tui import _format as fmt


class DatasetTable(DataTable[Text | str]):
    """Datasets, one per row, keyed by name."""

    DEFAULT_CSS = """
    DatasetTable { height: 1fr; }
    """

    class Highlighted(Message):
        """The cursor moved to dataset ``name``."""

        def __init__(self, dataset: str) -> None:
            super().__init__()
            self.dataset = dataset

    class Selected(Message):
        """Dataset ``name`` was chosen (enter or click)."""

        def __init__(self, dataset: str) -> None:
            super().__init__()
            self.dataset = dataset

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._rows: list[DatasetRow] = []

    def show(self, rows: Iterable[DatasetRow]) -> None:
        """Replace the rows, keeping the cursor on the same dataset when it is still there.

        The description column gets what width is left, so the table never scrolls sideways.
        """
        self._rows = list(rows)
        current = self.highlighted_name
        cells = [
            [
                Text(row.name, style="bold"),
                Text(row.latest) if row.latest else Text("unreleased", style="dim italic"),
                fmt.count(row.rows),
                fmt.score(row.overall),
                Text(fmt.text(row.generator)),
                fmt.count(row.releases),
            ]
            for row in self._rows
        ]
        headers = ["dataset", "newest", "rows", "overall", "generator", "rel."]
        used = sum(
            max([len(h), *(c[i].cell_len for c in cells)]) + 2 * self.cell_padding
            for i, h in enumerate(headers)
        )
        room = self.scrollable_content_region.width or self.app.size.width
        describe = room - used - 2 * self.cell_padding - 1
        self.clear(columns=True)
        for index, header in enumerate(headers):
            justify = "right" if index in (2, 3, 5) else "left"
            self.add_column(Text(header, justify=justify), key=header)
        if describe >= 12:
            self.add_column("description", key="description")
        for row, values in zip(self._rows, cells, strict=True):
            if describe >= 12:
                values.append(Text(fmt.text(row.description, limit=describe), style="dim"))
            self.add_row(*values, key=row.name)
        if current is not None and current in self.rows:
            self.move_cursor(row=self.get_row_index(current))

    def on_resize(self) -> None:
        if self._rows:
            self.show(self._rows)

    @property
    def highlighted_name(self) -> str | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return str(key.value)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(str(event.row_key.value)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Selected(str(event.row_key.value)))


class VersionTable(DataTable[Text | str]):
    """Releases of one dataset, newest first, keyed by tag; one may be marked for comparing."""

    DEFAULT_CSS = """
    VersionTable { height: 1fr; }
    """

    class Highlighted(Message):
        def __init__(self, tag: str) -> None:
            super().__init__()
            self.tag = tag

    class Selected(Message):
        """Release ``tag`` was chosen (enter or click)."""

        def __init__(self, tag: str) -> None:
            super().__init__()
            self.tag = tag

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.marked: str | None = None
        self._areas: list[str] = []

    def show(self, rows: list[VersionRow]) -> None:
        """Replace the rows (columns follow the score areas these releases have)."""
        areas: list[str] = []
        for row in rows:
            areas.extend(a for a in row.areas if a not in areas)
        self.clear(columns=True)
        self._areas = areas
        self.add_column(" ", key="mark")
        self.add_column("version", key="version")
        self.add_column("released", key="created")
        self.add_column(Text("rows", justify="right"), key="rows")
        self.add_column("content", key="hash")
        self.add_column(Text("overall", justify="right"), key="overall")
        for area in areas:
            self.add_column(
                Text(fmt.AREA_ABBREVIATIONS.get(area, area[:5]), justify="right"), key=area
            )
        self.add_column(Text("depth", justify="right"), key="depth")
        self.add_column("gates", key="gates")
        for row in rows:
            self.add_row(
                self._mark(row.tag),
                Text(row.version, style="bold" if row.is_latest else ""),
                fmt.date(row.created),
                fmt.count(row.rows),
                Text(row.short_hash or fmt.DASH, style="dim"),
                fmt.score(row.overall),
                *(fmt.score(row.areas.get(area), digits=0) for area in areas),
                fmt.count(row.generation_depth),
                fmt.gates(row.gates_passed),
                key=row.tag,
            )

    @property
    def highlighted_tag(self) -> str | None:
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def toggle_mark(self, tag: str) -> None:
        """Mark ``tag`` for comparing (unmarking the one marked before), or unmark it."""
        previous = self.marked
        self.marked = None if previous == tag else tag
        for changed in {previous, tag} - {None}:
            if changed in self.rows:
                self.update_cell(changed, "mark", self._mark(changed))

    def _mark(self, tag: str) -> Text:
        return Text("●", style="bold magenta") if tag == self.marked else Text(" ")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(str(event.row_key.value)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Selected(str(event.row_key.value)))
