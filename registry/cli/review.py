"""``phantom review``: judge a sample of a version's rows, from a script or in the TUI."""

from __future__ import annotations

from typing import Annotated

import typer

from registry.cli import _registry, _table, app


def _numbers(values: list[str]) -> list[int]:
    """``--accept 1 --accept 2,3`` -> [1, 2, 3]."""
    from registry.errors import InputError

    numbers = []
    for value in values:
        for part in value.split(","):
            if not part.strip().isdigit():
                raise InputError(f"row {part.strip()!r}: expected a sample row number, e.g. 3")
            numbers.append(int(part))
    return numbers


@app.command()
def review(
    spec: Annotated[str, typer.Argument(help="The version to review: name@version.")],
    accept: Annotated[
        list[str] | None, typer.Option(help="Accept sample rows (repeat, or 1,2,3).")
    ] = None,
    reject: Annotated[list[str] | None, typer.Option(help="Reject sample rows.")] = None,
    row: Annotated[list[str] | None, typer.Option(help="Rows --comment applies to.")] = None,
    comment: Annotated[
        str | None, typer.Option(help="Comment on the rows named by --accept/--reject/--row.")
    ] = None,
    show: Annotated[
        int | None, typer.Option(help="Print one sample row beside its nearest real row.")
    ] = None,
    list_rows: Annotated[
        bool, typer.Option("--list", help="Print the sample and its decisions.")
    ] = False,
) -> None:
    """Review a version's sampled rows; without options, open the review screen of the TUI.

    Decisions are committed to git in reviews/NAME@VERSION.yaml; a recipe's
    review.min_accept makes release and publish wait for them.
    """
    registry = _registry()
    accepted, rejected, commented = (_numbers(v or []) for v in (accept, reject, row))
    if not (accepted or rejected or commented or comment or show or list_rows):
        from tui.app import PhantomApp
        from tui.screens.review import ReviewScreen

        app_ = PhantomApp(registry=registry)
        app_.call_later(app_.push_screen, ReviewScreen(spec))
        app_.run()
        return
    session = registry.review(spec)
    if comment is not None and not (accepted or rejected or commented):
        from registry.errors import InputError

        raise InputError("--comment: name the rows it is about with --row, --accept or --reject")
    for number in accepted:
        session.decide(number, "accept", comment)
    for number in rejected:
        session.decide(number, "reject", comment)
    for number in commented:
        session.comment(number, comment or "")
    if accepted or rejected or commented:
        session.commit()
        typer.echo(f"recorded in {session.path.relative_to(registry.root)} (committed)")
    if show is not None:
        from registry.review import side_by_side

        _table(
            ["column", "synthetic", "nearest real"], [list(t) for t in side_by_side(session, show)]
        )
    if list_rows:
        _table(
            ["row", "split", "index", "distance", "decision", "comment"],
            [
                [
                    str(r.row),
                    r.split,
                    str(r.index),
                    "-" if r.distance is None else f"{r.distance:.4f}",
                    r.decision or "-",
                    r.comment,
                ]
                for r in session.review.rows
            ],
        )
    typer.echo(f"{session.review.tag}: {session.review.summary()}")
