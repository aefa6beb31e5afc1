"""The catalog's DuckDB cache: its schema, bringing it up to date, and what a process keeps.

The cache is ``<registry>/.phantom/catalog.duckdb`` (or beside a git-URL mirror), rebuilt when
missing, unreadable or of an older schema: deleting it loses nothing but the null shares of
fetched versions, which the next query over them fills in again. A file is opened only while
it is read or updated (:func:`connect_file` waits while another process holds it), so several
processes share one registry's cache.

Refresh is incremental (:func:`refresh`): a version is keyed by tag name + tag object id, so
only new or moved tags and changed workspace files are read. What a process read stays in
:class:`State` while the tags and workspace files stay the same, so repeated refreshes and
queries open no database file.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.catalog._derive import derive
from registry.catalog._parse import read_tag_records
from registry.catalog._rows import dicts, first, insert
from registry.catalog._workspace import read_workspace_file
from registry.catalog.sandbox import Sandbox, quote_ident
from registry.errors import CatalogError
from registry.folders import fingerprint, version_shards
from registry.tags import read_tag_refs
from registry.versions import Version

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

SCHEMA_VERSION = "1"
TABLES = ("datasets", "versions", "columns", "splits", "lineage")
LOCK_WAIT_S = 10.0

# --- schema ----------------------------------------------------------------------------------

_DDL = """
CREATE TABLE _meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE _workspace (
    path VARCHAR PRIMARY KEY, kind VARCHAR, name VARCHAR, mtime_ns BIGINT, size BIGINT,
    data VARCHAR);
CREATE TABLE _fetched (
    tag VARCHAR, content_hash VARCHAR, folder VARCHAR, fingerprint VARCHAR,
    PRIMARY KEY (tag, content_hash));
CREATE TABLE versions (
    name VARCHAR, version VARCHAR, tag VARCHAR PRIMARY KEY, tag_object VARCHAR, rev VARCHAR,
    created TIMESTAMP, content_hash VARCHAR, ordinal INTEGER, is_latest BOOLEAN,
    prerelease BOOLEAN, previous_version VARCHAR, description VARCHAR, license VARCHAR,
    generator VARCHAR, generator_kind VARCHAR, generator_model VARCHAR, seed_source VARCHAR,
    seed_sha256 VARCHAR, random_seed BIGINT, generation_depth INTEGER, rows BIGINT,
    bytes BIGINT, parquet_bytes BIGINT, files INTEGER, dvc_md5 VARCHAR,
    splits MAP(VARCHAR, BIGINT), quality_overall DOUBLE, fidelity DOUBLE,
    areas MAP(VARCHAR, DOUBLE), gates_passed BOOLEAN, quality VARCHAR, recipe VARCHAR);
CREATE TABLE columns (
    name VARCHAR, version VARCHAR, tag VARCHAR, position INTEGER, column_name VARCHAR,
    type VARCHAR, null_share DOUBLE, fidelity DOUBLE, scores MAP(VARCHAR, DOUBLE));
CREATE TABLE splits (
    name VARCHAR, version VARCHAR, tag VARCHAR, split VARCHAR, rows BIGINT, bytes BIGINT);
CREATE TABLE lineage (
    name VARCHAR, version VARCHAR, tag VARCHAR, parent_kind VARCHAR, source VARCHAR,
    parent_name VARCHAR, parent_version VARCHAR, parent_tag VARCHAR, seed_sha256 VARCHAR,
    generation_depth INTEGER);
CREATE TABLE datasets (
    name VARCHAR PRIMARY KEY, description VARCHAR, license VARCHAR, generator VARCHAR,
    latest VARCHAR, latest_created TIMESTAMP, releases INTEGER, first_released TIMESTAMP,
    recipe_version VARCHAR, workspace_rows BIGINT, workspace_content_hash VARCHAR,
    workspace_status VARCHAR);
"""


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh changed: tags added or re-read, tags removed, workspace files re-read."""

    added: int = 0
    removed: int = 0
    workspace: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.workspace)


@dataclass
class State:
    """What this process knows of a catalog, so that an unchanged catalog costs no database.

    Loaded from the database after every change this process makes; the tags and workspace
    files are compared with git and the disk on every refresh, so another process's release
    is seen at once (another process's null-share profiles are seen at the next change).
    """

    generation: str
    tags: dict[str, str]
    workspace: dict[str, tuple[int, int]]
    fetched: dict[tuple[str, str], tuple[str, str]]
    released: list[Version]
    datasets: list[dict[str, Any]]
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)  # newest release by name
    tables: dict[str, pa.Table] | None = None
    sandboxes: dict[frozenset[str], Sandbox] = field(default_factory=dict)


#: The ``versions`` columns of each dataset's newest release that a first screen lists.
LATEST = (
    "SELECT name, version, tag, rows, quality_overall, generation_depth, created "
    "FROM versions WHERE is_latest"
)

#: States of file catalogs by path, shared by the Catalog objects of one process.
STATES: dict[str, State] = {}
LOCK = threading.RLock()


def forget() -> None:
    """Drop what this process knows of every file catalog, as a new process starts."""
    with LOCK:
        STATES.clear()


# --- refreshing and loading the database -------------------------------------------------------


def refresh(
    con: duckdb.DuckDBPyConnection,
    git_dir: Path,
    tags: dict[str, str],
    workspace: Path | str | None,
    files: dict[str, tuple[int, int]],
) -> RefreshResult:
    """Compare the database with the tags and workspace files; re-read what differs."""
    known = dict(con.execute("SELECT tag, tag_object FROM versions").fetchall())
    fresh = {tag: obj for tag, obj in tags.items() if known.get(tag) != obj}
    removed = [tag for tag in known if tag not in tags]
    stored = {
        path: (mtime, size)
        for path, mtime, size in con.execute(
            "SELECT path, mtime_ns, size FROM _workspace"
        ).fetchall()
    }
    changed = {p: s for p, s in files.items() if stored.get(p) != s}
    gone = [p for p in stored if p not in files]
    result = RefreshResult(len(fresh), len(removed), len(changed) + len(gone))
    if not result.changed:
        return result
    records = read_tag_records(git_dir, read_tag_refs(git_dir, fresh))
    workspace_rows = [
        read_workspace_file(Path(workspace), path, stat)
        for path, stat in changed.items()
        if workspace is not None
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("versions", "columns", "splits", "lineage"):
            _delete(con, table, "tag", [*removed, *fresh])
        insert_records(con, records)
        _delete(con, "_workspace", "path", [*gone, *changed])
        insert(con, "_workspace", workspace_rows)
        derive(con)
        bump(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def _delete(con: duckdb.DuckDBPyConnection, table: str, column: str, keys: list[str]) -> None:
    if keys:
        con.execute(f"DELETE FROM {table} WHERE list_contains(?, {column})", [keys])


def bump(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT OR REPLACE INTO _meta VALUES ('generation', ?)",
        [f"{time.time_ns()}-{os.getpid()}"],
    )


def load_state(con: duckdb.DuckDBPyConnection) -> State:
    row = first(con.execute("SELECT value FROM _meta WHERE key = 'generation'"))
    return State(
        generation=row[0] if row else "",
        tags=dict(con.execute("SELECT tag, tag_object FROM versions").fetchall()),
        workspace={
            path: (mtime, size)
            for path, mtime, size in con.execute(
                "SELECT path, mtime_ns, size FROM _workspace"
            ).fetchall()
        },
        fetched={
            (tag, content): (folder, digest)
            for tag, content, folder, digest in con.execute("SELECT * FROM _fetched").fetchall()
        },
        released=released(con),
        datasets=dicts(con.execute("SELECT * FROM datasets ORDER BY name")),
        latest={row["name"]: row for row in dicts(con.execute(LATEST))},
    )


def profile(con: duckdb.DuckDBPyConnection, version: Version, folder: Path) -> None:
    """Replace a version's column rows by its manifest's, with null shares from the footers."""
    import pyarrow.parquet as pq

    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return
    files = [f for files in version_shards(folder).values() for f in files]
    rows = 0
    nulls: dict[str, int | None] = {}
    for path in files:
        meta = pq.ParquetFile(path).metadata
        rows += meta.num_rows
        for index in range(meta.num_row_groups):
            group = meta.row_group(index)
            for col in range(group.num_columns):
                chunk = group.column(col)
                name = chunk.path_in_schema
                stats = chunk.statistics
                count = stats.null_count if stats is not None and stats.has_null_count else None
                if count is None:
                    nulls[name] = None
                elif name not in nulls or nulls[name] is not None:
                    nulls[name] = (nulls.get(name) or 0) + count
    existing = {
        row[0]: (row[1], row[2])
        for row in con.execute(
            "SELECT column_name, fidelity, scores FROM columns WHERE tag = ?", [version.tag]
        ).fetchall()
    }
    columns = manifest.get("columns") or [{"name": name, "type": None} for name in existing]
    new_rows = []
    for position, column in enumerate(columns):
        name = column.get("name")
        count = nulls.get(name)
        fidelity, scores = existing.get(name, (None, None))
        new_rows.append(
            {
                "name": version.name,
                "version": version.version,
                "tag": version.tag,
                "position": position,
                "column_name": name,
                "type": column.get("type"),
                "null_share": None if count is None or rows == 0 else count / rows,
                "fidelity": fidelity,
                "scores": list((scores or {}).items()) if isinstance(scores, dict) else scores,
            }
        )
    con.execute("DELETE FROM columns WHERE tag = ?", [version.tag])
    insert(con, "columns", new_rows)


def record_fetch(con: duckdb.DuckDBPyConnection, version: Version, folder: Path) -> None:
    """Remember the verified folder ``version`` was fetched to (and its fingerprint); profile it."""
    con.execute(
        "INSERT OR REPLACE INTO _fetched VALUES (?, ?, ?, ?)",
        [version.tag, version.content_hash, os.fspath(folder), fingerprint(folder)],
    )
    profile(con, version, folder)


# --- opening the database --------------------------------------------------------------------


def connect_memory() -> duckdb.DuckDBPyConnection:
    import duckdb

    return duckdb.connect(":memory:", config=_CONFIG)


_CONFIG: dict[str, Any] = {
    "threads": 1,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
}


def connect_file(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating or rebuilding) the cache file; waits while another process holds it."""
    import duckdb

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogError(f"cannot create {path.parent}: {exc.strerror}") from exc
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            con = duckdb.connect(os.fspath(path), config=_CONFIG)
            break
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower() and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            if "lock" in str(exc).lower():
                raise CatalogError(
                    f"{path} is held by another process; try again when it has finished"
                ) from exc
            _discard(path)  # not a database (a crash, another version): it is only a cache
            con = duckdb.connect(os.fspath(path), config=_CONFIG)
            break
        except duckdb.Error:
            _discard(path)
            con = duckdb.connect(os.fspath(path), config=_CONFIG)
            break
    try:
        row = None
        with contextlib.suppress(duckdb.CatalogException):
            row = first(con.execute("SELECT value FROM _meta WHERE key = 'schema'"))
        if row is None or row[0] != SCHEMA_VERSION:
            _reset(con)
    except BaseException:
        con.close()
        raise
    return con


def _discard(path: Path) -> None:
    for stale in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def _reset(con: duckdb.DuckDBPyConnection) -> None:
    names = [row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    for name in names:
        con.execute(f"DROP TABLE {quote_ident(name)}")
    create_schema(con)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)
    con.execute("INSERT INTO _meta VALUES ('schema', ?), ('generation', '0')", [SCHEMA_VERSION])


def insert_records(con: duckdb.DuckDBPyConnection, records: Iterable[dict[str, Any]]) -> None:
    batches: dict[str, list[dict[str, Any]]] = {
        "versions": [],
        "columns": [],
        "splits": [],
        "lineage": [],
    }
    for record in records:
        batches["versions"].append(record["versions"])
        for table in ("columns", "splits", "lineage"):
            batches[table].extend(record[table])
    for table, rows in batches.items():
        insert(con, table, rows)


def released(con: duckdb.DuckDBPyConnection) -> list[Version]:
    rows = con.execute("SELECT name, version, content_hash, rev FROM versions").fetchall()
    found = [
        Version(name, version, content or "", rev=rev or "") for name, version, content, rev in rows
    ]
    return sorted(found, key=lambda v: (v.name, v.semver))


__all__ = [
    "LOCK",
    "STATES",
    "TABLES",
    "RefreshResult",
    "State",
    "bump",
    "connect_file",
    "connect_memory",
    "create_schema",
    "forget",
    "load_state",
    "profile",
    "record_fetch",
    "refresh",
]
