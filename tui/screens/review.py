"""Human review of a version: each sampled row beside its nearest real row; a, r, c to judge.

Every decision is written to ``reviews/<name>@<version>.yaml`` at once and committed to git
when the screen closes (or on ``w``); see :mod:`registry.review`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static

from registry.errors import PhantomError
from registry.review import Decision, ReviewSession, side_by_side
from tui import _format as fmt
from tui.screens._base import PhantomScreen

DECISION_STYLE = {"accept": "green", "reject": "red", None: "dim"}


class ReviewScreen(PhantomScreen):
    """The review sample of ``name@version``: a list of rows and the highlighted one, side by
    side with its nearest real row."""

    DEFAULT_CSS = """
    #review-body { height: 1fr; }
    #review-rows { width: 44; }
    #review-pair { width: 1fr; }
    #review-comment-input { display: none; }
    ReviewScreen.-commenting #review-comment-input { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back (commits)"),
        Binding("a", "decide('accept')", "Accept"),
        Binding("r", "decide('reject')", "Reject"),
        Binding("c", "comment", "Comment"),
        Binding("w", "commit", "Commit"),
    ]

    def __init__(self, spec: str) -> None:
        super().__init__()
        self.spec = spec
        self.session: ReviewSession | None = None
        self.changed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="review-summary", classes="summary")
        with Horizontal(id="review-body"):
            yield DataTable(id="review-rows", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="review-pair", cursor_type="none", zebra_stripes=True)
        yield Static(id="review-comment", classes="status")
        yield Input(placeholder="comment, enter to save", id="review-comment-input")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"review {self.spec}"
        self.query_one("#review-body").loading = True
        self.load()

    @work(thread=True, exclusive=True, group="review")
    def load(self) -> None:
        try:
            session = self.registry.review(self.spec)
        except PhantomError as exc:
            self.deliver(self.notify, str(exc), severity="error")
            return
        self.deliver(self._loaded, session)

    def _loaded(self, session: ReviewSession) -> None:
        self.session = session
        self.query_one("#review-body").loading = False
        rows = self.query_one("#review-rows", DataTable)
        rows.add_columns("#", "row", Text("distance", justify="right"), "decision")
        for row in session.review.rows:
            rows.add_row(*self._cells(row.row), key=str(row.row))
        pair = self.query_one("#review-pair", DataTable)
        pair.add_columns("column", "synthetic", "nearest real")
        rows.focus()
        self._show(1)

    def _cells(self, number: int) -> tuple[Text, ...]:
        assert self.session is not None
        row = self.session.row(number)
        distance = fmt.DASH if row.distance is None else f"{row.distance:.3f}"
        return (
            Text(str(row.row)),
            Text(f"{row.split}:{row.index}"),
            Text(distance, justify="right"),
            Text(row.decision or fmt.DASH, style=DECISION_STYLE[row.decision]),
        )

    def _show(self, number: int) -> None:
        """Summary, the row beside its nearest real row, and its comment."""
        assert self.session is not None
        review, policy = self.session.review, self.session.policy
        gate = f" · gate {policy.min_accept:.0%} accepted" if policy.min_accept is not None else ""
        self.query_one("#review-summary", Static).update(
            Text.from_markup(f"[b]{fmt.esc(review.tag)}[/b]  {fmt.esc(review.summary())}{gate}")
        )
        pair = self.query_one("#review-pair", DataTable)
        pair.clear()
        for column, synthetic, real in side_by_side(self.session, number):
            pair.add_row(Text(column, style="bold"), Text(synthetic), Text(real))
        comment = self.session.row(number).comment
        self.query_one("#review-comment", Static).update(
            Text(f"comment: {comment}" if comment else "no comment (c to add one)")
        )

    @property
    def current(self) -> int:
        return self.query_one("#review-rows", DataTable).cursor_row + 1

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.session is not None and event.data_table.id == "review-rows":
            self._show(event.cursor_row + 1)

    def _refresh_row(self, number: int) -> None:
        rows = self.query_one("#review-rows", DataTable)
        for column, cell in zip(rows.columns, self._cells(number), strict=True):
            rows.update_cell(str(number), column, cell)
        self._show(number)

    # --- keys ----------------------------------------------------------------------------------

    def action_decide(self, decision: Decision) -> None:
        if self.session is None:
            return
        number = self.current
        self.session.decide(number, decision)
        self.changed = True
        self._refresh_row(number)
        self.query_one("#review-rows", DataTable).action_cursor_down()

    def action_comment(self) -> None:
        if self.session is None:
            return
        field = self.query_one("#review-comment-input", Input)
        field.value = self.session.row(self.current).comment
        self.set_class(True, "-commenting")
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        assert self.session is not None
        self.session.comment(self.current, event.value.strip())
        self.changed = True
        self.set_class(False, "-commenting")
        self.query_one("#review-rows", DataTable).focus()
        self._refresh_row(self.current)

    def action_commit(self) -> None:
        if self.session is None:
            return
        try:
            committed = self.session.commit()
        except PhantomError as exc:
            self.notify(str(exc), severity="error")
            return
        self.changed = False
        path = self.session.path.relative_to(self.session.root)
        self.notify(f"committed {path}" if committed else f"{path} has no change", timeout=3)

    def action_back(self) -> None:
        if self.has_class("-commenting"):  # escape leaves the comment field first
            self.set_class(False, "-commenting")
            self.query_one("#review-rows", DataTable).focus()
            return
        if self.changed:
            self.action_commit()
        self.app.pop_screen()
