"""Writing a query result out: a page of rows for a screen, or csv, json or parquet.

The sandbox a query runs in cannot write files (``COPY ... TO`` is refused), so results are
written here, by this process, from the relation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.catalog.sandbox import one_line
from registry.errors import CatalogError

if TYPE_CHECKING:
    import duckdb

FORMATS = ("csv", "json", "parquet")


def result_rows(
    relation: duckdb.DuckDBPyRelation, *, limit: int | None = None
) -> tuple[list[str], list[tuple[Any, ...]], bool]:
    """Column names, up to ``limit`` rows, and whether more rows were left out."""
    import duckdb

    try:
        rows = relation.limit(limit + 1).fetchall() if limit is not None else relation.fetchall()
    except duckdb.Error as exc:
        raise CatalogError(one_line(exc)) from exc
    more = limit is not None and len(rows) > limit
    return list(relation.columns), rows[:limit] if limit is not None else rows, more


def export(relation: duckdb.DuckDBPyRelation, fmt: str, path: Path | None = None) -> str:
    """Write a query result as csv, json (an array of objects) or parquet.

    To ``path`` when given (parquet needs one), else returns the text. The file is written by
    this process, from the result: the query's sandbox cannot write files. In csv, maps, lists
    and structs are written as JSON text.
    """
    import duckdb

    if fmt not in FORMATS:
        raise CatalogError(f"format {fmt!r} is not one of table, {', '.join(FORMATS)}")
    if fmt == "parquet" and path is None:
        raise CatalogError("parquet output needs a file; add -o FILE.parquet")
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(relation.to_arrow_table(), path)
            return ""
        columns, rows = list(relation.columns), relation.fetchall()
    except duckdb.Error as exc:
        raise CatalogError(one_line(exc)) from exc
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_csv_cell(value) for value in row] for row in rows)
        text = buffer.getvalue()
    else:
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        text = json.dumps(records, indent=2, default=_json_default) + "\n"
    if path is not None:
        Path(path).write_text(text)
        return ""
    return text


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=_json_default)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


__all__ = ["FORMATS", "export", "result_rows"]
