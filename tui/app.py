"""``PhantomApp``: the Textual app behind ``phantom tui``."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from registry.core import Registry
from tui.screens.datasets import DatasetsScreen


class PhantomApp(App[None]):
    """Browse a registry: datasets, versions, cards, scores, data, diffs and SQL.

    ``registry`` is injected (tests pass their own); without it the registry holding ``root``
    (default: ``$PHANTOM_REGISTRY`` or the current directory) is opened.
    """

    CSS_PATH = Path(__file__).with_name("phantom.tcss")  # absolute: subclasses live elsewhere
    TITLE = "Phantom"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("s", "sql", "SQL"),
    ]
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"),
        (120, "-wide"),
    ]

    def __init__(self, registry: Registry | None = None, *, root: Path | str | None = None):
        super().__init__()
        self.registry = registry if registry is not None else Registry(root)
        self.query_history: list[str] = []
        self.sub_title = self.registry.root.name

    def get_default_screen(self) -> Screen[None]:
        return DatasetsScreen()

    def action_sql(self) -> None:
        from tui.screens.sql import SqlScreen

        self.push_screen(SqlScreen())

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        keys: dict[str, str] = {}
        for binding in [*getattr(self.screen, "BINDINGS", []), *self.BINDINGS]:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.action == "pull" and not self.screen.check_action("pull", ()):
                continue
            shown = binding.key_display or self.get_key_display(binding)
            known = keys.get(binding.description, "")
            if shown not in known.split():
                keys[binding.description] = f"{known} {shown}".strip()
        rows = [(shown, description) for description, shown in keys.items()]
        rows += [("↑ ↓ pgup pgdn", "Move in lists and tables"), ("tab", "Next widget")]
        self.push_screen(HelpScreen(rows))
