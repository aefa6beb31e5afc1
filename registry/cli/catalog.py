"""Commands over the catalog: sql, diff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from registry.cli import _registry, _table, app

SQL_HELP = (
    "SQL over the tables datasets, versions, columns, splits, lineage and version views: "
    '"name@1.0.0" (every split, with a split column), "name@1.0.0/train", "name@^1.0".'
)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help=SQL_HELP)],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, csv, json or parquet.")
    ] = "table",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to FILE (format from its suffix by default)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows the table format shows.")] = 100,
) -> None:
    """Run a read-only SQL query over the catalog and the data of released versions."""
    from registry.catalog import export, result_rows

    relation = _registry().sql(query)
    if fmt == "table" and output is None:
        header, rows, more = result_rows(relation, limit=limit)
        _table(header, [[_cell(value) for value in row] for row in rows])
        if more:
            typer.echo(f"(first {limit} rows; raise --limit or use --format csv)", err=True)
        return
    if fmt == "table":
        fmt = output.suffix.lstrip(".") if output is not None else fmt
    text = export(relation, fmt, output)
    if output is None:
        typer.echo(text, nl=False)
    else:
        typer.echo(f"wrote {output}", err=True)


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="A version spec, e.g. name@1.0.0.")],
    new: Annotated[str, typer.Argument(help="The version to compare it with.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the diff as JSON.")] = False,
) -> None:
    """Compare two versions: schema, rows, distributions, scores and recipe fields."""
    result = _registry().diff(old, new)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    for line in result.lines():
        typer.echo(line)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
