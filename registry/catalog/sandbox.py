"""User SQL, locked down: only ``SELECT`` runs, on a database that can read only some folders.

A query runs on a :func:`~registry._duckdb.sandboxed_connection` holding Arrow copies of the
catalog tables and one view per version spec it names (:class:`VersionView`). The sandbox may
read only the ``data/`` folders of those versions, and :func:`check_read_only` refuses
anything but ``SELECT`` before it runs, so ``COPY ... TO``, ``ATTACH``, ``INSTALL``, ``SET``,
DDL and DML never reach DuckDB. ``duckdb.Error`` becomes :class:`CatalogError` here
(:func:`one_line`), once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from registry.errors import CatalogError
from registry.versions import Version

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

#: A quoted identifier that names a version view: ``name``, ``name@selector``, ``.../split``.
SPEC_IDENT = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9-]*)(?:@(?P<selector>[^/]+))?(?:/(?P<split>.+))?$"
)
MISSING_TABLE = re.compile(r"Table with name (?P<name>.+?) does not exist")


@dataclass
class Sandbox:
    """A locked-down DuckDB database holding the catalog tables and some version views."""

    con: duckdb.DuckDBPyConnection
    views: set[str] = field(default_factory=set)

    def add_views(self, views: Sequence[VersionView]) -> None:
        """Create the views this sandbox does not have yet."""
        import duckdb

        for view in views:
            if view.ident in self.views:
                continue
            statement = f"CREATE OR REPLACE VIEW {quote_ident(view.ident)} AS {view.sql()}"
            try:
                self.con.execute(statement)
            except duckdb.Error as exc:
                raise CatalogError(one_line(exc)) from exc
            self.views.add(view.ident)


@dataclass(frozen=True)
class VersionView:
    """The view ``"name@1.0.0"`` (every split, with a ``split`` column) or ``".../train"``."""

    ident: str
    version: Version
    folder: Path
    shards: dict[str, list[Path]]

    def sql(self) -> str:
        parts = [
            f"SELECT *, {quote_literal(split)} AS split FROM read_parquet("
            f"[{', '.join(quote_literal(os.fspath(f)) for f in files)}], union_by_name = true)"
            for split, files in self.shards.items()
        ]
        if not parts:
            raise CatalogError(f"{self.version.tag} has no parquet files in {self.folder}")
        return "\nUNION ALL BY NAME\n".join(parts)


def open_sandbox(
    tables: Mapping[str, pa.Table], *, threads: int | None, allowed: Sequence[str]
) -> Sandbox:
    """A sandbox holding copies of ``tables`` that may read only the ``allowed`` folders."""
    from registry._duckdb import sandboxed_connection

    con = sandboxed_connection(threads=threads, allowed_directories=sorted(allowed))
    try:
        for name, table in tables.items():
            con.register("_table", table)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _table")
            con.unregister("_table")
    except BaseException:
        con.close()
        raise
    return Sandbox(con)


def check_read_only(sql: str, con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Refuse anything but ``SELECT`` statements (and queries that do not parse)."""
    import duckdb

    try:
        statements = (con or duckdb).extract_statements(sql)
    except duckdb.Error as exc:
        raise CatalogError(one_line(exc)) from exc
    if not statements:
        raise CatalogError("the query is empty; write a SELECT statement")
    for statement in statements:
        if statement.type != duckdb.StatementType.SELECT:
            words = statement.query.split()
            keyword = words[0].upper() if words else statement.type.name
            raise CatalogError(
                f"{keyword} is refused: queries are read-only, only SELECT runs "
                "(save results with 'phantom sql QUERY --format csv|json|parquet -o FILE')"
            )


def quoted_identifiers(sql: str) -> list[str]:
    """The double-quoted identifiers of ``sql``, unescaped, in order, without repeats."""
    import duckdb

    found: list[str] = []
    for position, kind in duckdb.tokenize(sql):
        if kind != duckdb.token_type.identifier or sql[position : position + 1] != '"':
            continue
        end = position + 1
        chars: list[str] = []
        while end < len(sql):
            if sql[end] == '"':
                if sql[end + 1 : end + 2] == '"':
                    chars.append('"')
                    end += 2
                    continue
                break
            chars.append(sql[end])
            end += 1
        ident = "".join(chars)
        if ident not in found:
            found.append(ident)
    return found


def spec_name(ident: str) -> str | None:
    """The dataset name a view identifier starts with (None when it is no version spec)."""
    match = SPEC_IDENT.match(ident)
    return match.group("name") if match else None


def one_line(exc: BaseException) -> str:
    """DuckDB's message without its ``LINE 1: ...`` context, on one line."""
    text = str(exc).split("\n\n", 1)[0]
    return (
        " ".join(line.strip() for line in text.splitlines() if line.strip()) or type(exc).__name__
    )


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


__all__ = [
    "MISSING_TABLE",
    "SPEC_IDENT",
    "Sandbox",
    "VersionView",
    "check_read_only",
    "one_line",
    "open_sandbox",
    "quote_ident",
    "quote_literal",
    "quoted_identifiers",
    "spec_name",
]
