"""The panel shown where a version's data is needed but is not on this machine."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.markup import escape as esc
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static


class NotLocal(Vertical):
    """Says that ``tag``'s data is not local and offers to pull it; shows pulls and errors."""

    DEFAULT_CSS = """
    NotLocal {
        height: auto;
        padding: 1 2;
        border: round $warning;
        margin: 1 2;
    }
    NotLocal > #message { width: 1fr; height: auto; }
    NotLocal > #error { width: 1fr; height: auto; color: $error; display: none; }
    NotLocal.-failed > #error { display: block; }
    NotLocal Center { height: auto; margin-top: 1; }
    NotLocal.-compact { padding: 0 1; margin: 1 1; }
    """

    class PullRequested(Message):
        """The user asked to pull the data (button or key)."""

    tag: reactive[str] = reactive("")
    error: reactive[str] = reactive("")

    def __init__(self, *, compact: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.compact = compact
        self.set_class(compact, "-compact")

    def compose(self) -> ComposeResult:
        yield Static(id="message")
        yield Static(id="error")
        with Center():
            yield Button(
                "Pull (p)" if self.compact else "Pull the data  (p)", id="pull", variant="warning"
            )

    def watch_tag(self, tag: str) -> None:
        if self.compact:
            message = f"The data of [b]{esc(tag)}[/b] is not local: pull it to see histograms."
        else:
            message = (
                f"The data of [b]{esc(tag)}[/b] is not on this machine: it is neither in the "
                "workspace nor in Phantom's cache. Pull it from the DVC cache or remote "
                "(as [b]phantom show[/b] or a query over it would); its card, scores, schema "
                "and lineage are shown without it."
            )
        self.query_one("#message", Static).update(message)

    def watch_error(self, error: str) -> None:
        self.query_one("#error", Static).update(esc(error))
        self.set_class(bool(error), "-failed")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.PullRequested())
