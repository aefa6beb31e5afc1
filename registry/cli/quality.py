"""``phantom score``: the quality report for any real/synthetic pair."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registry.cli import _table, app


@app.command()
def score(
    real: Annotated[Path, typer.Option(help="The real rows the generator learned from.")],
    synthetic: Annotated[Path, typer.Option(help="The synthetic rows to score.")],
    holdout: Annotated[
        Path | None,
        typer.Option(help="Real rows the generator never saw (default: 20% of --real)."),
    ] = None,
    target: Annotated[str | None, typer.Option(help="Column to predict, for utility.")] = None,
    recipe: Annotated[
        Path | None, typer.Option(help="Take gates (and target) from a recipe.")
    ] = None,
    plots: Annotated[Path | None, typer.Option(help="Folder to save the plots in.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole report as JSON.")
    ] = False,
) -> None:
    """Score a synthetic table against real data; exit 1 when a quality gate is missed."""
    from registry.quality.trust import trust_lines
    from registry.scoring import score as score_tables

    report = score_tables(
        real, synthetic, holdout=holdout, target=target, recipe=recipe, plots_dir=plots
    )
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        typer.echo(f"overall {report.overall:.1f}/100")
        _table(
            ["area", "score", "verdict", "summary"],
            [[n, f"{a.score:.1f}", a.verdict, a.summary] for n, a in report.areas.items()],
        )
        for line in trust_lines(report.model_dump(mode="json")):
            typer.echo(line)
        if report.text:
            from registry.quality.text import text_summary

            for line in text_summary(report.text):
                typer.echo(f"text   {line}")
        for gate in report.gates:
            typer.echo(("ok     " if gate.passed else "MISSED ") + gate.describe())
    for gate in report.missed_gates:
        typer.echo(f"gate missed: {gate.describe()}", err=True)
    if not report.passed:
        raise typer.Exit(1)
