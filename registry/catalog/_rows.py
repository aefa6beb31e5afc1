"""Rows in and out of DuckDB: Python dicts to a table through Arrow, cursors back to dicts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


def _arrow_schema(con: duckdb.DuckDBPyConnection, table: str) -> pa.Schema:
    return con.sql(f"SELECT * FROM {table} LIMIT 0").to_arrow_table().schema


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    import pyarrow as pa

    arrow = pa.Table.from_pylist(rows, schema=_arrow_schema(con, table))
    con.register("_rows", arrow)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
    finally:
        con.unregister("_rows")


def first(cursor: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    rows = cursor.fetchall()
    return rows[0] if rows else None


def dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


__all__ = ["dicts", "first", "insert"]
