"""``?``: the keys of the screen beneath, and how the app is laid out."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

GUIDE = (
    "[b]Datasets[/b] → enter → the [b]versions[/b] of one → enter → a [b]version[/b]: card, "
    "data, schema, quality (per-column scores, worst first, with real-vs-synthetic "
    "histograms), lineage and manifest. Mark a version with [b]m[/b] and press [b]c[/b] on "
    "another to compare them, or [b]c[/b] alone to compare with the release before. "
    "[b]s[/b] opens the SQL console. The mouse works too: click rows, tabs and buttons."
)


class HelpScreen(ModalScreen[None]):
    """The keys that work on the screen beneath, with a short guide; any key closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, description in self.keys:
            table.add_row(Text(key, style="bold"), description)
        with VerticalScroll(id="help-box"):
            yield Static("[b]Keys[/b]", classes="help-title")
            yield Static(table, id="help-keys")
            yield Static(GUIDE, id="help-guide")

    def action_close(self) -> None:
        self.dismiss()

    def on_click(self) -> None:
        self.dismiss()
