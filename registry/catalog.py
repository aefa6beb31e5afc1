"""The catalog: every released version of every dataset as DuckDB tables, and SQL over them.

Tables (what ``phantom sql`` and :meth:`Catalog.query` see):

``datasets``   one row per dataset with a recipe or a release: description, license,
               generator, latest release, release count, the workspace recipe's version and
               the workspace data's rows, content hash and status.
``versions``   one row per release tag ``name@version``: tag, tag object, commit (``rev``),
               ``created`` (tagger date, UTC), content hash, semver ``ordinal`` and
               ``is_latest``, ``previous_version``, rows, ``bytes`` (the whole version folder,
               as DVC stores it), ``parquet_bytes``, ``files``, ``dvc_md5`` (DVC's content
               address of ``data/<name>``), ``splits`` (map split -> rows), generator (kind and
               model), seed source and sha256, random seed, generation depth, license,
               description, scores (``quality_overall`` 0-100, ``fidelity`` 0-1, ``areas`` map,
               ``gates_passed``), and ``quality``/``recipe`` as JSON text.
``columns``    per version and column: position, ``column_name``, ``type`` (Arrow), ``null_share``,
               ``fidelity`` (the column's shape score) and ``scores`` (map section -> score).
``splits``     per version and split: rows and parquet bytes.
``lineage``    per version with a seed: ``parent_kind`` ``'version'`` (a ``registry:`` seed,
               resolved to the exact parent version by the seed's content hash) or ``'seed'``.

Where it comes from. Everything is read from git, never from a checkout of a tag: the tag
objects (commit, tagger date, the ``content:`` line of the message) and, at each tag's commit,
``recipes/<name>.yaml``, ``cards/<name>.md`` (its front matter lists the columns with their
types and the splits with rows and bytes), ``cards/<name>.quality.json`` and the
``materialize@<name>`` stage of ``dvc.lock`` (md5, size and file count of the data out), all
through ``git cat-file --batch`` (one process for the tag objects, one for the files).
Manifests live in the DVC-tracked data, so they are read only when a version's data is fetched
for a query; that is also when a version's ``null_share`` is filled in (from the parquet
footers) and its column types are replaced by the manifest's. Until then ``null_share`` is NULL.

Refresh is incremental: a version is keyed by tag name + tag object id. A refresh lists the
tags with one ``git for-each-ref`` that reads refs only, and ``stat``s the workspace recipes
and manifests (for ``datasets``); only new or moved tags and changed files are read. The cache
is ``<registry>/.phantom/catalog.duckdb``, rebuilt when missing, unreadable or of an older
schema; deleting it loses nothing but the null shares of fetched versions, which the next
query over them fills in again. A process keeps what it read of the cache (and its query
sandboxes) while the tags and workspace files stay the same, so repeated queries open no
database file.

Read-only. User SQL runs on a :func:`~registry._duckdb.sandboxed_connection` holding Arrow
copies of the catalog tables and one view per version spec the query names (``"name@1.0.0"``:
every split, with a ``split`` column; ``"name@1.0.0/train"``: one split; ranges and hashes
resolve as everywhere else; an unquoted released dataset name means its latest version). The
sandbox may read only the ``data/`` folders of the fetched versions, and only ``SELECT``
statements are accepted, so ``COPY ... TO``, ``ATTACH``, ``INSTALL``, ``SET``, DDL and DML
are refused before anything runs. ``duckdb.Error`` becomes :class:`CatalogError` here, once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry._paths import STATE_DIR
from registry.errors import CatalogError, PhantomError, VersionSpecError
from registry.recipes import NAME_PATTERN, SEMVER_PATTERN
from registry.versions import SemVer, Version, VersionSpec, resolve

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

CATALOG_FILE = "catalog.duckdb"
SCHEMA_VERSION = "1"
STAGE = "materialize"
TABLES = ("datasets", "versions", "columns", "splits", "lineage")
FORMATS = ("csv", "json", "parquet")
LOCK_WAIT_S = 10.0

Fetch = Callable[[Version], Path]

_SHARD = re.compile(r"^data/(?P<split>.+)-\d{5}-of-\d{5}\.parquet$")
_SPEC_IDENT = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9-]*)(?:@(?P<selector>[^/]+))?(?:/(?P<split>.+))?$"
)
_TAG = re.compile(NAME_PATTERN.removesuffix("$") + "@" + SEMVER_PATTERN.removeprefix("^"))
_MISSING_TABLE = re.compile(r"Table with name (?P<name>.+?) does not exist")
_HF_TO_ARROW = {"float64": "double", "float32": "float", "float16": "halffloat"}
_SEED_SHA = re.compile(r"\|\s*seed sha256\s*\|\s*`?(sha256:[0-9a-f]+)`?")
_DEPTH = re.compile(r"\|\s*generation depth\s*\|\s*(\d+)\s*\|")

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


@dataclass(frozen=True)
class TagRef:
    """A ``name@version`` tag: its object, the commit it names, when and what it released."""

    tag: str
    name: str
    version: str
    tag_object: str
    rev: str
    created: datetime | None
    content_hash: str


@dataclass
class _Sandbox:
    """A locked-down DuckDB database holding the catalog tables and some version views."""

    con: duckdb.DuckDBPyConnection
    views: set[str] = field(default_factory=set)


@dataclass
class _State:
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
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, pa.Table] | None = None
    sandboxes: dict[frozenset[str], _Sandbox] = field(default_factory=dict)


#: States of file catalogs by path, shared by the Catalog objects of one process.
_STATES: dict[str, _State] = {}
_LOCK = threading.RLock()
MAX_SANDBOXES = 8


class Catalog:
    """The catalog database: ``Catalog(path)`` for a cache file, ``Catalog(":memory:")`` in memory.

    A file catalog is opened only while it is read or updated, and closed after, so several
    processes can share one registry's cache (DuckDB lets one process at a time open a
    database file for writing). What was read stays in the process: a refresh that finds no
    new tag and no changed workspace file opens no database, and queries reuse their sandbox.
    """

    def __init__(self, path: Path | str = ":memory:", *, threads: int | None = None) -> None:
        self.path: Path | str = path if path == ":memory:" else Path(path).resolve()
        self.threads = threads
        self._memory: duckdb.DuckDBPyConnection | None = None
        self._state: _State | None = None
        if self.path == ":memory:":
            self._memory = _connect_memory()
            _create_schema(self._memory)

    @classmethod
    def for_registry(cls, root: Path | str, **kwargs: Any) -> Catalog:
        """The cache of the registry at ``root``: ``<root>/.phantom/catalog.duckdb``."""
        return cls(Path(root) / STATE_DIR / CATALOG_FILE, **kwargs)

    # --- refresh ------------------------------------------------------------------------------

    def refresh(self, git_dir: Path | str, *, workspace: Path | str | None = None) -> RefreshResult:
        """Bring the catalog up to date with the tags of ``git_dir`` (and a workspace checkout).

        Reads only what changed: tags whose object id is new or gone, and workspace recipes
        and manifests whose size or mtime moved. Returns what changed. Raises
        :class:`RegistryError` when git fails, :class:`CatalogError` when the cache is busy.
        """
        git_dir = Path(git_dir)
        tags = list_tags(git_dir)
        files = _workspace_files(Path(workspace)) if workspace is not None else {}
        with _LOCK:
            state = self._get_state()
            if state is not None and state.tags == tags and state.workspace == files:
                return RefreshResult()
            with self._connect() as con:
                result = _refresh(con, git_dir, tags, workspace, files)
                self._set_state(_load_state(con))
            return result

    # --- reading ------------------------------------------------------------------------------

    def released(self) -> list[Version]:
        """Every version the catalog knows, oldest first per dataset."""
        with _LOCK:
            return list(self._ensure_state().released)

    def datasets(self) -> list[dict[str, Any]]:
        """The ``datasets`` table as dicts, by name."""
        with _LOCK:
            return [dict(row) for row in self._ensure_state().datasets]

    def latest_versions(self) -> dict[str, dict[str, Any]]:
        """The ``versions`` row of each dataset's newest release, by name (no Arrow needed)."""
        with _LOCK:
            return {name: dict(row) for name, row in self._ensure_state().latest.items()}

    def tables(self) -> dict[str, pa.Table]:
        """The public tables as Arrow tables."""
        with _LOCK:
            return dict(self._ensure_tables())

    def query(self, sql: str, *, fetch: Fetch | None = None) -> duckdb.DuckDBPyRelation:
        """Run one read-only query (``SELECT`` only) over the catalog and the versions it names.

        ``fetch`` returns a verified local folder of a version (:meth:`Registry.fetch`); it is
        called the first time a version's data is queried and whenever its folder changed since.
        Returns a lazy DuckDB relation (``.df()``, ``.arrow()``, ``.fetchall()``). Raises
        :class:`CatalogError` for SQL errors and refused statements, :class:`DatasetNotFound`
        or :class:`VersionSpecError` for a version view that names nothing released.
        """
        import duckdb

        with _LOCK:
            check_read_only(sql, self._sandbox([]).con)
            views = [
                view
                for ident in quoted_identifiers(sql)
                if (view := self._view(ident, fetch, bare=False)) is not None
            ]
            names = {v.name for v in self._ensure_state().released}
            for _attempt in range(64):
                cursor = self._sandbox(views).con.cursor()
                try:
                    return cursor.sql(sql)
                except duckdb.CatalogException as exc:
                    cursor.close()
                    missing = _MISSING_TABLE.search(str(exc))
                    ident = missing.group("name") if missing else ""
                    if _spec_name(ident) not in names or any(v.ident == ident for v in views):
                        raise CatalogError(one_line(exc)) from exc
                    views.append(self._view(ident, fetch, bare=True))  # type: ignore[arg-type]
                except duckdb.Error as exc:
                    cursor.close()
                    raise CatalogError(one_line(exc)) from exc
        raise CatalogError("the query names too many versions")  # pragma: no cover

    def profile(self, version: Version, folder: Path) -> None:
        """Record a fetched version's column types (from its manifest) and null shares."""
        with _LOCK, self._connect() as con:
            _profile(con, version, folder)
            _bump(con)
            self._set_state(_load_state(con))

    def close(self) -> None:
        """Release the in-memory database (a file catalog holds nothing open)."""
        if self._memory is not None:
            self._memory.close()
            self._memory = None
            self._state = None

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.path == ":memory:":
            if self._memory is None:
                raise CatalogError("this catalog is closed; open a new Catalog")
            yield self._memory
            return
        con = _connect_file(Path(self.path))
        try:
            yield con
        finally:
            con.close()

    def _get_state(self) -> _State | None:
        return self._state if self.path == ":memory:" else _STATES.get(os.fspath(self.path))

    def _set_state(self, state: _State) -> None:
        if self.path == ":memory:":
            self._state = state
        else:
            _STATES[os.fspath(self.path)] = state

    def _ensure_state(self) -> _State:
        state = self._get_state()
        if state is None:
            with self._connect() as con:
                state = _load_state(con)
            self._set_state(state)
        return state

    def _ensure_tables(self) -> dict[str, pa.Table]:
        state = self._ensure_state()
        if state.tables is None:
            with self._connect() as con:
                fresh = _load_state(con)
                if fresh.generation != state.generation:  # another process changed it
                    state = fresh
                    self._set_state(state)
                state.tables = {
                    name: con.sql(f"SELECT * FROM {name}").to_arrow_table() for name in TABLES
                }
        return state.tables

    def _view(self, ident: str, fetch: Fetch | None, *, bare: bool) -> _View | None:
        match = _SPEC_IDENT.match(ident)
        if match is None or (match.group("selector") is None and not bare):
            return None
        selector = match.group("selector")
        spec = match.group("name") + (f"@{selector}" if selector else "")
        released = self._ensure_state().released
        try:
            parsed = VersionSpec.parse(spec)
        except VersionSpecError:
            if all(v.name != match.group("name") for v in released):
                return None  # a quoted name of something else, e.g. an alias "a@b"
            raise
        version = resolve(parsed, released)
        folder = self._local_folder(version, fetch)
        shards = version_shards(folder)
        split = match.group("split")
        if split is not None:
            if split not in shards:
                raise CatalogError(
                    f'"{ident}": {version.tag} has no split {split!r}; '
                    f"it has {', '.join(shards) or 'none'}"
                )
            shards = {split: shards[split]}
        return _View(ident, version, folder, shards)

    def _local_folder(self, version: Version, fetch: Fetch | None) -> Path:
        """A verified folder of ``version``: the one fetched before if no file in it changed."""
        known = self._ensure_state().fetched.get((version.tag, version.content_hash))
        if known is not None and fingerprint(Path(known[0])) == known[1]:
            return Path(known[0])
        if fetch is None:
            raise CatalogError(
                f"the data of {version.tag} is not local and this catalog has no registry to "
                "fetch it from; query through Registry.sql or registry.sql"
            )
        folder = Path(fetch(version))
        with self._connect() as con:
            con.execute(
                "INSERT OR REPLACE INTO _fetched VALUES (?, ?, ?, ?)",
                [version.tag, version.content_hash, os.fspath(folder), fingerprint(folder)],
            )
            _profile(con, version, folder)
            _bump(con)
            self._set_state(_load_state(con))
        return folder

    def _sandbox(self, views: list[_View]) -> _Sandbox:
        """The sandbox that may read exactly these views' folders, with their views created."""
        import duckdb

        from registry._duckdb import sandboxed_connection

        tables = self._ensure_tables()
        state = self._ensure_state()
        key = frozenset(os.fspath(view.folder / "data") for view in views)
        sandbox = state.sandboxes.get(key)
        if sandbox is None:
            con = sandboxed_connection(threads=self.threads, allowed_directories=sorted(key))
            try:
                for name, table in tables.items():
                    con.register("_table", table)
                    con.execute(f"CREATE TABLE {name} AS SELECT * FROM _table")
                    con.unregister("_table")
            except BaseException:
                con.close()
                raise
            sandbox = _Sandbox(con)
            while len(state.sandboxes) >= MAX_SANDBOXES:
                state.sandboxes.pop(next(iter(state.sandboxes)))
            state.sandboxes[key] = sandbox
        for view in views:
            if view.ident not in sandbox.views:
                try:
                    sandbox.con.execute(
                        f"CREATE OR REPLACE VIEW {_quote_ident(view.ident)} AS {view.sql()}"
                    )
                except duckdb.Error as exc:
                    raise CatalogError(one_line(exc)) from exc
                sandbox.views.add(view.ident)
        return sandbox


@dataclass(frozen=True)
class _View:
    ident: str
    version: Version
    folder: Path
    shards: dict[str, list[Path]]

    def sql(self) -> str:
        parts = [
            f"SELECT *, {_quote_literal(split)} AS split FROM read_parquet("
            f"[{', '.join(_quote_literal(os.fspath(f)) for f in files)}], union_by_name = true)"
            for split, files in self.shards.items()
        ]
        if not parts:
            raise CatalogError(f"{self.version.tag} has no parquet files in {self.folder}")
        return "\nUNION ALL BY NAME\n".join(parts)


# --- refreshing and loading the database -------------------------------------------------------


def _refresh(
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
        _read_workspace_file(Path(workspace), path, stat)
        for path, stat in changed.items()
        if workspace is not None
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("versions", "columns", "splits", "lineage"):
            _delete(con, table, "tag", [*removed, *fresh])
        _insert_records(con, records)
        _delete(con, "_workspace", "path", [*gone, *changed])
        _insert(con, "_workspace", workspace_rows)
        _derive(con)
        _bump(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def _delete(con: duckdb.DuckDBPyConnection, table: str, column: str, keys: list[str]) -> None:
    if keys:
        con.execute(f"DELETE FROM {table} WHERE list_contains(?, {column})", [keys])


def _bump(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT OR REPLACE INTO _meta VALUES ('generation', ?)",
        [f"{time.time_ns()}-{os.getpid()}"],
    )


def _load_state(con: duckdb.DuckDBPyConnection) -> _State:
    row = _first(con.execute("SELECT value FROM _meta WHERE key = 'generation'"))
    return _State(
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
        released=_released(con),
        datasets=_dicts(con.execute("SELECT * FROM datasets ORDER BY name")),
        latest={row["name"]: row for row in _dicts(con.execute(_LATEST))},
    )


_LATEST = (
    "SELECT name, version, tag, rows, quality_overall, generation_depth, created "
    "FROM versions WHERE is_latest"
)


def query_source(source: Any, query: str) -> duckdb.DuckDBPyRelation:
    """``registry.sql``: query a :class:`Registry`, or a git-URL registry through its mirror."""
    if hasattr(source, "sql"):
        return source.sql(query)
    mirror = Path(source.mirror)
    catalog = Catalog(mirror.with_name(mirror.name + ".catalog.duckdb"))
    catalog.refresh(mirror)
    return catalog.query(query, fetch=source.fetch)


# --- statements and identifiers --------------------------------------------------------------


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


def _spec_name(ident: str) -> str | None:
    match = _SPEC_IDENT.match(ident)
    return match.group("name") if match else None


def one_line(exc: BaseException) -> str:
    """DuckDB's message without its ``LINE 1: ...`` context, on one line."""
    text = str(exc).split("\n\n", 1)[0]
    return (
        " ".join(line.strip() for line in text.splitlines() if line.strip()) or type(exc).__name__
    )


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- version folders -------------------------------------------------------------------------


def version_shards(folder: Path) -> dict[str, list[Path]]:
    """The parquet shards of a version folder by split, in the manifest's split order."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        manifest = {}
    relpaths = sorted(manifest.get("files") or ()) or sorted(
        p.relative_to(folder).as_posix() for p in folder.glob("data/*.parquet")
    )
    shards: dict[str, list[Path]] = {split: [] for split in manifest.get("splits") or {}}
    for relpath in relpaths:
        match = _SHARD.match(relpath)
        if match:
            shards.setdefault(match.group("split"), []).append(folder / relpath)
    return {split: files for split, files in shards.items() if files}


def fingerprint(folder: Path) -> str:
    """A digest of every file's path, size and mtime under ``folder`` ("" when it is gone)."""
    if not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(
                f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


def _profile(con: duckdb.DuckDBPyConnection, version: Version, folder: Path) -> None:
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
    _insert(con, "columns", new_rows)


# --- reading git -----------------------------------------------------------------------------


def list_tags(git_dir: Path) -> dict[str, str]:
    """Every ``name@version`` tag of the repo at ``git_dir`` with its object id.

    One ``git for-each-ref`` that reads only the refs, not the tag objects: this is all an
    unchanged catalog costs.
    """
    from registry.store import git

    out = git(git_dir, "for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/tags")
    tags: dict[str, str] = {}
    for line in out.splitlines():
        tag, _, obj = line.rpartition(" ")
        if _TAG.match(tag):
            tags[tag] = obj
    return tags


def read_tag_refs(git_dir: Path, tags: dict[str, str]) -> list[TagRef]:
    """Read the tag objects of ``tags`` (tag -> object id): commit, tagger date, content hash.

    A lightweight tag (pointing at a commit) gets the commit's date and no content hash.
    """
    from registry.store import TAG_CONTENT_PREFIX

    refs = []
    for (tag, obj), raw in zip(tags.items(), cat_files(git_dir, list(tags.values())), strict=True):
        name, _, version = tag.partition("@")
        text = (raw or b"").decode(errors="replace")
        head, _, message = text.partition("\n\n")
        fields = dict(line.split(" ", 1) for line in head.splitlines() if " " in line)
        if "object" in fields and fields.get("type") == "commit":  # an annotated tag
            rev, stamp = fields["object"], fields.get("tagger", "")
        else:  # a lightweight tag names the commit itself
            rev, stamp, message = obj, fields.get("committer", ""), ""
        parts = stamp.split()
        seconds = parts[-2] if len(parts) >= 2 and parts[-2].isdigit() else None
        content = next(
            (
                line.removeprefix(TAG_CONTENT_PREFIX).strip()
                for line in message.splitlines()
                if line.startswith(TAG_CONTENT_PREFIX)
            ),
            "",
        )
        refs.append(
            TagRef(
                tag=tag,
                name=name,
                version=version,
                tag_object=obj,
                rev=rev,
                created=datetime.fromtimestamp(int(seconds), UTC).replace(tzinfo=None)
                if seconds
                else None,
                content_hash=content,
            )
        )
    return refs


def cat_files(git_dir: Path, objects: Sequence[str]) -> Iterator[bytes | None]:
    """The contents of objects (ids or ``<rev>:<path>``), from one ``git cat-file --batch``.

    Yields None for an object that does not exist. Requests are written by a thread while the
    answers are read, so neither pipe fills up.
    """
    if not objects:
        return
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=git_dir,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def write() -> None:
        assert proc.stdin is not None
        try:
            for obj in objects:
                proc.stdin.write(obj.encode() + b"\n")
            proc.stdin.close()
        except BrokenPipeError:  # git died; the reader reports it
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        for obj in objects:
            header = proc.stdout.readline()
            if not header:
                from registry.errors import RegistryError

                raise RegistryError(f"git cat-file stopped at {obj} in {git_dir}")
            parts = header.split()
            if len(parts) != 3 or parts[1] in (b"missing", b"ambiguous"):
                yield None
                continue
            size = int(parts[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)
            yield data
    finally:
        writer.join()
        proc.stdout.close()
        proc.wait()


def read_tag_records(git_dir: Path, refs: Sequence[TagRef]) -> list[dict[str, Any]]:
    """Read the recipe, card, scores and DVC lock entry of each tag; returns catalog rows."""
    paths = ("recipes/{}.yaml", "cards/{}.md", "cards/{}.quality.json", "dvc.lock")
    objects = [f"{ref.rev}:{path.format(ref.name)}" for ref in refs for path in paths]
    blobs = cat_files(git_dir, objects)
    records = []
    for ref in refs:
        recipe, card, quality, lock = (next(blobs) for _ in paths)
        records.append(parse_tag(ref, recipe=recipe, card=card, quality=quality, lock=lock))
    for _rest in blobs:  # drain: closes the process
        pass
    return records


# --- parsing what a tag holds ----------------------------------------------------------------


def _yaml_load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError:
        return None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def score_number(value: Any) -> float | None:
    """A finite score read loosely from quality JSON (a number, or a mapping with ``score``)."""
    if isinstance(value, dict):
        value = value.get("score")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def parse_card(text: str) -> tuple[dict[str, Any], str]:
    """A card's front matter (a dict) and its body."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        return {}, text
    return _mapping(_yaml_load(text[3:end])), text[end + 4 :]


def lock_entry(text: str, name: str) -> dict[str, Any]:
    """The ``data/<name>`` out of stage ``materialize@<name>`` in a ``dvc.lock`` text.

    Cuts the stage's ``outs`` block out of the text before parsing it, so a lock with many
    stages (each holding its whole recipe as params) is not parsed whole for every tag; falls
    back to parsing the whole file when the layout is not the one DVC writes.
    """
    target = f"data/{name}"
    outs: Any = None
    stage = re.search(rf"(?m)^  {re.escape(STAGE)}@{re.escape(name)}:\n", text)
    if stage is not None:
        end = re.compile(r"(?m)^ {0,2}\S").search(text, stage.end())
        block = text[stage.end() : end.start() if end else len(text)]
        begin = re.search(r"(?m)^    outs:\n", block)
        if begin is not None:
            stop = re.compile(r"(?m)^ {0,4}[^\s-]").search(block, begin.end())
            outs = _mapping(
                _yaml_load(block[begin.start() : stop.start() if stop else len(block)])
            ).get("outs")
    if outs is None:
        stages = _mapping(_mapping(_yaml_load(text)).get("stages"))
        outs = _mapping(stages.get(f"{STAGE}@{name}")).get("outs")
    for out in outs or ():
        if isinstance(out, dict) and out.get("path") == target:
            return out
    return {}


def parse_tag(
    ref: TagRef,
    *,
    recipe: bytes | None,
    card: bytes | None,
    quality: bytes | None,
    lock: bytes | None,
) -> dict[str, Any]:
    """One tag's catalog rows: ``versions`` (the dict) plus ``columns``/``splits``/``lineage``."""
    recipe_data = _mapping(_yaml_load(recipe.decode())) if recipe else {}
    meta, body = parse_card(card.decode()) if card else ({}, "")
    try:
        scores = _mapping(json.loads(quality)) if quality else {}
    except ValueError:
        scores = {}
    out = lock_entry(lock.decode(), ref.name) if lock else {}

    generator = _mapping(recipe_data.get("generator"))
    kind = generator.get("kind")
    model = generator.get("model")
    seed = _mapping(recipe_data.get("seed"))
    info = _mapping(meta.get("dataset_info"))
    split_rows = [
        (str(s.get("name")), _int(s.get("num_examples")), _int(s.get("num_bytes")))
        for s in info.get("splits") or ()
        if isinstance(s, dict)
    ]
    fidelity = _mapping(scores.get("fidelity"))
    areas = {
        str(k): v
        for k, value in _mapping(scores.get("areas")).items()
        if (v := score_number(value)) is not None
    }
    gates = [g for g in scores.get("gates") or () if isinstance(g, dict) and "passed" in g]
    seed_sha = (m.group(1) if (m := _SEED_SHA.search(body)) else None) if seed else None
    depth = _int(scores.get("generation_depth"))
    if depth is None and (m := _DEPTH.search(body)):
        depth = int(m.group(1))
    rows = sum(r for _, r, _ in split_rows if r is not None) if split_rows else None
    if rows is None:
        rows = _int(scores.get("rows")) or _int(recipe_data.get("rows"))
    md5 = out.get("md5")

    version = {
        "name": ref.name,
        "version": ref.version,
        "tag": ref.tag,
        "tag_object": ref.tag_object,
        "rev": ref.rev,
        "created": ref.created,
        "content_hash": ref.content_hash,
        "prerelease": bool(SemVer.parse(ref.version).prerelease),
        "description": recipe_data.get("description"),
        "license": recipe_data.get("license") or meta.get("license"),
        "generator": f"{kind}/{model}" if kind and model else kind,
        "generator_kind": kind,
        "generator_model": model,
        "seed_source": seed.get("source"),
        "seed_sha256": seed_sha,
        "random_seed": _int(recipe_data.get("random_seed")),
        "generation_depth": depth,
        "rows": rows,
        "bytes": _int(out.get("size")) or _int(info.get("dataset_size")),
        "parquet_bytes": _int(info.get("dataset_size")),
        "files": _int(out.get("nfiles")),
        "dvc_md5": str(md5) if md5 else None,
        "splits": [(name, r) for name, r, _ in split_rows],
        "quality_overall": score_number(scores.get("overall")),
        "fidelity": score_number(fidelity.get("score")),
        "areas": list(areas.items()),
        "gates_passed": all(bool(g["passed"]) for g in gates) if gates else None,
        "quality": json.dumps(scores, sort_keys=True) if scores else None,
        "recipe": json.dumps(recipe_data, sort_keys=True, default=str) if recipe_data else None,
    }
    per_column = _column_scores(scores)
    columns = [
        {
            "name": ref.name,
            "version": ref.version,
            "tag": ref.tag,
            "position": position,
            "column_name": str(feature.get("name")),
            "type": _arrow_type(feature),
            "null_share": None,
            "fidelity": per_column.get("fidelity", {}).get(str(feature.get("name"))),
            "scores": [
                (section, values[str(feature.get("name"))])
                for section, values in per_column.items()
                if str(feature.get("name")) in values
            ],
        }
        for position, feature in enumerate(
            f for f in info.get("features") or () if isinstance(f, dict)
        )
    ]
    splits = [
        {
            "name": ref.name,
            "version": ref.version,
            "tag": ref.tag,
            "split": s,
            "rows": r,
            "bytes": b,
        }
        for s, r, b in split_rows
    ]
    lineage = []
    source = seed.get("source")
    if source:
        parent_name = None
        if str(source).startswith("registry:"):
            with contextlib.suppress(PhantomError):
                parent_name = VersionSpec.parse(str(source).removeprefix("registry:")).name
        lineage.append(
            {
                "name": ref.name,
                "version": ref.version,
                "tag": ref.tag,
                "parent_kind": "version" if parent_name else "seed",
                "source": str(source),
                "parent_name": parent_name,
                "parent_version": None,
                "parent_tag": None,
                "seed_sha256": seed_sha,
                "generation_depth": depth,
            }
        )
    return {"versions": version, "columns": columns, "splits": splits, "lineage": lineage}


def _arrow_type(feature: dict[str, Any]) -> str | None:
    dtype = feature.get("dtype")
    if dtype is None:
        return None
    return _HF_TO_ARROW.get(str(dtype), str(dtype))


def _column_scores(scores: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per section (fidelity, conformance, ...), the per-column scores it lists."""
    found: dict[str, dict[str, float]] = {}
    for section, value in scores.items():
        columns = _mapping(value).get("columns") if isinstance(value, dict) else None
        if not isinstance(columns, dict):
            continue
        numbers = {str(k): n for k, v in columns.items() if (n := score_number(v)) is not None}
        if numbers:
            found[str(section)] = numbers
    return found


# --- the workspace ---------------------------------------------------------------------------


def _workspace_files(root: Path) -> dict[str, tuple[int, int]]:
    files: dict[str, tuple[int, int]] = {}
    candidates = [*(root / "recipes").glob("*.yaml"), *(root / "data").glob("*/manifest.json")]
    for path in candidates:
        try:
            stat = path.stat()
        except OSError:
            continue
        files[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return files


def _read_workspace_file(root: Path, relpath: str, stat: tuple[int, int]) -> dict[str, Any]:
    path = root / relpath
    if relpath.startswith("recipes/"):
        kind, name = "recipe", path.stem
        data = _workspace_recipe(path)
    else:
        kind, name = "manifest", path.parent.name
        try:
            manifest = json.loads(path.read_text())
            data = {
                "rows": _int(manifest.get("rows")),
                "content_hash": manifest.get("content_hash"),
            }
        except (OSError, ValueError):
            data = {}
    return {
        "path": relpath,
        "kind": kind,
        "name": name,
        "mtime_ns": stat[0],
        "size": stat[1],
        "data": json.dumps(data),
    }


def _workspace_recipe(path: Path) -> dict[str, Any]:
    from registry.recipes import load_recipe

    try:
        recipe = load_recipe(path)
    except PhantomError:
        return {"version": "?", "generator": "?"}
    model = getattr(recipe.generator, "model", None)
    return {
        "version": recipe.version,
        "generator": f"{recipe.generator.kind}/{model}" if model else recipe.generator.kind,
        "description": recipe.description,
        "license": recipe.license,
    }


# --- storing ---------------------------------------------------------------------------------


def _connect_memory() -> duckdb.DuckDBPyConnection:
    import duckdb

    return duckdb.connect(":memory:", config=_CONFIG)


_CONFIG: dict[str, Any] = {
    "threads": 1,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
}


def _connect_file(path: Path) -> duckdb.DuckDBPyConnection:
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
            row = _first(con.execute("SELECT value FROM _meta WHERE key = 'schema'"))
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
        con.execute(f"DROP TABLE {_quote_ident(name)}")
    _create_schema(con)


def _create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)
    con.execute("INSERT INTO _meta VALUES ('schema', ?), ('generation', '0')", [SCHEMA_VERSION])


def _arrow_schema(con: duckdb.DuckDBPyConnection, table: str) -> pa.Schema:
    return con.sql(f"SELECT * FROM {table} LIMIT 0").to_arrow_table().schema


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    import pyarrow as pa

    arrow = pa.Table.from_pylist(rows, schema=_arrow_schema(con, table))
    con.register("_rows", arrow)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
    finally:
        con.unregister("_rows")


def _insert_records(con: duckdb.DuckDBPyConnection, records: Iterable[dict[str, Any]]) -> None:
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
        _insert(con, table, rows)


def _released(con: duckdb.DuckDBPyConnection) -> list[Version]:
    rows = con.execute("SELECT name, version, content_hash, rev FROM versions").fetchall()
    found = [
        Version(name, version, content or "", rev=rev or "") for name, version, content, rev in rows
    ]
    return sorted(found, key=lambda v: (v.name, v.semver))


def _first(cursor: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    rows = cursor.fetchall()
    return rows[0] if rows else None


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _derive(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute what depends on other rows: ordinals, latest, lineage parents, datasets."""
    versions = _dicts(
        con.execute(
            "SELECT tag, name, version, content_hash, rev, created, description, license, "
            "generator FROM versions"
        )
    )
    by_name: dict[str, list[dict[str, Any]]] = {}
    for row in versions:
        row["semver"] = SemVer.parse(row["version"])
        by_name.setdefault(row["name"], []).append(row)
    updates = []
    for rows in by_name.values():
        rows.sort(key=lambda r: r["semver"])
        stable = [r for r in rows if not r["semver"].prerelease] or rows
        latest = stable[-1]["tag"]
        for index, row in enumerate(rows):
            updates.append(
                {
                    "tag": row["tag"],
                    "ordinal": index + 1,
                    "is_latest": row["tag"] == latest,
                    "previous_version": rows[index - 1]["version"] if index else None,
                }
            )
    if updates:
        import pyarrow as pa

        con.register("_derived", pa.Table.from_pylist(updates))
        con.execute(
            "UPDATE versions SET ordinal = d.ordinal, is_latest = d.is_latest, "
            "previous_version = d.previous_version FROM _derived d WHERE versions.tag = d.tag"
        )
        con.unregister("_derived")
    _derive_lineage(con, by_name)
    _derive_datasets(con, by_name)


def _derive_lineage(
    con: duckdb.DuckDBPyConnection, by_name: dict[str, list[dict[str, Any]]]
) -> None:
    released = [
        Version(r["name"], r["version"], r["content_hash"] or "", rev=r["rev"] or "")
        for rows in by_name.values()
        for r in rows
    ]
    by_hash = {v.content_hash: v for v in released if v.content_hash}
    links = con.execute(
        "SELECT tag, source, seed_sha256 FROM lineage WHERE parent_kind = 'version'"
    ).fetchall()
    updates = []
    for tag, source, seed_sha in links:
        parent = by_hash.get(seed_sha) if seed_sha else None
        if parent is None:
            with contextlib.suppress(PhantomError):
                parent = resolve(source.removeprefix("registry:"), released)
        updates.append(
            {
                "tag": tag,
                "parent_version": parent.version if parent else None,
                "parent_tag": parent.tag if parent else None,
            }
        )
    if updates:
        import pyarrow as pa

        con.register("_parents", pa.Table.from_pylist(updates))
        con.execute(
            "UPDATE lineage SET parent_version = p.parent_version, parent_tag = p.parent_tag "
            "FROM _parents p WHERE lineage.tag = p.tag"
        )
        con.unregister("_parents")


def _derive_datasets(
    con: duckdb.DuckDBPyConnection, by_name: dict[str, list[dict[str, Any]]]
) -> None:
    workspace: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, name, data in con.execute("SELECT kind, name, data FROM _workspace").fetchall():
        workspace.setdefault(name, {})[kind] = json.loads(data or "{}")
    hashes = {r["content_hash"]: r["tag"] for rows in by_name.values() for r in rows}
    rows = []
    for name in sorted(set(by_name) | set(workspace)):
        released = by_name.get(name, [])
        stable = [r for r in released if not r["semver"].prerelease] or released
        latest = stable[-1] if stable else None
        recipe = workspace.get(name, {}).get("recipe")
        manifest = workspace.get(name, {}).get("manifest")
        content = (manifest or {}).get("content_hash")
        rows.append(
            {
                "name": name,
                "description": (recipe or {}).get("description")
                or (latest["description"] if latest else None),
                "license": (recipe or {}).get("license") or (latest["license"] if latest else None),
                "generator": (recipe or {}).get("generator")
                or (latest["generator"] if latest else None),
                "latest": latest["version"] if latest else None,
                "latest_created": latest["created"] if latest else None,
                "releases": len(released),
                "first_released": min(
                    (r["created"] for r in released if r["created"]), default=None
                ),
                "recipe_version": recipe["version"] if recipe else None,
                "workspace_rows": (manifest or {}).get("rows"),
                "workspace_content_hash": content,
                "workspace_status": None
                if manifest is None
                else ("released" if content in hashes else "unreleased"),
            }
        )
    con.execute("DELETE FROM datasets")
    _insert(con, "datasets", rows)


# --- results ---------------------------------------------------------------------------------


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


__all__ = [
    "CATALOG_FILE",
    "Catalog",
    "RefreshResult",
    "check_read_only",
    "export",
    "fingerprint",
    "list_tags",
    "one_line",
    "query_source",
    "quoted_identifiers",
    "read_tag_refs",
    "result_rows",
    "version_shards",
]
