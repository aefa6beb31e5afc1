"""The :class:`Catalog` object: a refreshed cache and read-only SQL over it, in one handle.

It ties the jobs of this package together: :mod:`registry.tags` lists the release tags,
:mod:`.cache` keeps the DuckDB cache in step with them, :mod:`.sandbox` runs user SQL, and
version views read the verified folders a ``fetch`` callback hands back.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry._paths import CATALOG_FILE, STATE_DIR
from registry.catalog import cache
from registry.catalog._workspace import workspace_files
from registry.catalog.sandbox import (
    MISSING_TABLE,
    SPEC_IDENT,
    Sandbox,
    VersionView,
    check_read_only,
    one_line,
    open_sandbox,
    quoted_identifiers,
    spec_name,
)
from registry.errors import CatalogError, VersionSpecError
from registry.folders import fingerprint, table_shards, version_shards, version_tables
from registry.tags import list_tags
from registry.versions import Version, VersionSpec, resolve

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

#: Sandboxes (one per set of readable folders) a catalog keeps open.
MAX_SANDBOXES = 8

Fetch = Callable[[Version], Path]


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
        self._state: cache.State | None = None
        if self.path == ":memory:":
            self._memory = cache.connect_memory()
            cache.create_schema(self._memory)

    @classmethod
    def for_registry(cls, root: Path | str, **kwargs: Any) -> Catalog:
        """The cache of the registry at ``root``: ``<root>/.phantom/catalog.duckdb``."""
        return cls(Path(root) / STATE_DIR / CATALOG_FILE, **kwargs)

    # --- refresh ------------------------------------------------------------------------------

    def refresh(
        self, git_dir: Path | str, *, workspace: Path | str | None = None
    ) -> cache.RefreshResult:
        """Bring the catalog up to date with the tags of ``git_dir`` (and a workspace checkout).

        Reads only what changed: tags whose object id is new or gone, and workspace recipes
        and manifests whose size or mtime moved. Returns what changed. Raises
        :class:`RegistryError` when git fails, :class:`CatalogError` when the cache is busy.
        """
        git_dir = Path(git_dir)
        tags = list_tags(git_dir)
        files = workspace_files(Path(workspace)) if workspace is not None else {}
        with cache.LOCK:
            state = self._get_state()
            if state is not None and state.tags == tags and state.workspace == files:
                return cache.RefreshResult()
            with self._connect() as con:
                result = cache.refresh(con, git_dir, tags, workspace, files)
                self._set_state(cache.load_state(con))
            return result

    # --- reading ------------------------------------------------------------------------------

    def released(self) -> list[Version]:
        """Every version the catalog knows, oldest first per dataset."""
        with cache.LOCK:
            return list(self._ensure_state().released)

    def datasets(self) -> list[dict[str, Any]]:
        """The ``datasets`` table as dicts, by name."""
        with cache.LOCK:
            return [dict(row) for row in self._ensure_state().datasets]

    def latest_versions(self) -> dict[str, dict[str, Any]]:
        """The ``versions`` row of each dataset's newest release, by name (no Arrow needed)."""
        with cache.LOCK:
            return {name: dict(row) for name, row in self._ensure_state().latest.items()}

    def tables(self) -> dict[str, pa.Table]:
        """The public tables as Arrow tables."""
        with cache.LOCK:
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

        with cache.LOCK:
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
                    missing = MISSING_TABLE.search(str(exc))
                    ident = missing.group("name") if missing else ""
                    if spec_name(ident) not in names or any(v.ident == ident for v in views):
                        raise CatalogError(one_line(exc)) from exc
                    views.append(self._view(ident, fetch, bare=True))  # type: ignore[arg-type]
                except duckdb.Error as exc:
                    cursor.close()
                    raise CatalogError(one_line(exc)) from exc
        raise CatalogError("the query names too many versions")  # pragma: no cover

    def profile(self, version: Version, folder: Path) -> None:
        """Record a fetched version's column types (from its manifest) and null shares."""
        with cache.LOCK, self._connect() as con:
            cache.profile(con, version, folder)
            cache.bump(con)
            self._set_state(cache.load_state(con))

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
        con = cache.connect_file(Path(self.path))
        try:
            yield con
        finally:
            con.close()

    def _get_state(self) -> cache.State | None:
        return self._state if self.path == ":memory:" else cache.STATES.get(os.fspath(self.path))

    def _set_state(self, state: cache.State) -> None:
        if self.path == ":memory:":
            self._state = state
        else:
            cache.STATES[os.fspath(self.path)] = state

    def _ensure_state(self) -> cache.State:
        state = self._get_state()
        if state is None:
            with self._connect() as con:
                state = cache.load_state(con)
            self._set_state(state)
        return state

    def _ensure_tables(self) -> dict[str, pa.Table]:
        state = self._ensure_state()
        if state.tables is None:
            with self._connect() as con:
                fresh = cache.load_state(con)
                if fresh.generation != state.generation:  # another process changed it
                    state = fresh
                    self._set_state(state)
                state.tables = {
                    name: con.sql(f"SELECT * FROM {name}").to_arrow_table() for name in cache.TABLES
                }
        return state.tables

    def _view(self, ident: str, fetch: Fetch | None, *, bare: bool) -> VersionView | None:
        match = SPEC_IDENT.match(ident)
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
        tables = version_tables(folder)
        if tables:  # linked tables: a view is one table, "<spec>/<table>[/<split>]"
            shards = table_shards(ident, version.tag, shards, tables, split)
        elif split is not None:
            if split not in shards:
                raise CatalogError(
                    f'"{ident}": {version.tag} has no split {split!r}; '
                    f"it has {', '.join(shards) or 'none'}"
                )
            shards = {split: shards[split]}
        return VersionView(ident, version, folder, shards)

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
            cache.record_fetch(con, version, folder)
            cache.bump(con)
            self._set_state(cache.load_state(con))
        return folder

    def _sandbox(self, views: list[VersionView]) -> Sandbox:
        """The sandbox that may read exactly these views' folders, with their views created."""
        tables = self._ensure_tables()
        state = self._ensure_state()
        key = frozenset(os.fspath(view.folder / "data") for view in views)
        sandbox = state.sandboxes.get(key)
        if sandbox is None:
            sandbox = open_sandbox(tables, threads=self.threads, allowed=sorted(key))
            while len(state.sandboxes) >= MAX_SANDBOXES:
                state.sandboxes.pop(next(iter(state.sandboxes)))
            state.sandboxes[key] = sandbox
        sandbox.add_views(views)
        return sandbox


__all__ = ["MAX_SANDBOXES", "Catalog", "Fetch"]
