"""A DuckDB connection that SQL written by users cannot escape.

Recipes carry SQL (sampler ``expression`` columns) and ``phantom sql`` runs queries typed by
people; neither may read or write files, reach the network, load extensions or change those
settings back. :func:`sandboxed_connection` returns an in-memory connection where:

- ``enable_external_access`` is false: ``read_csv``/``read_parquet``/``glob`` of a path,
  ``COPY ... TO``, ``ATTACH`` of a file, ``EXPORT DATABASE``, ``INSTALL`` and ``LOAD`` of a
  non-bundled extension, persistent secrets and Python replacement scans (a query naming a
  Python variable) all fail with ``duckdb.PermissionException`` or a catalog error;
- extensions are never auto-installed or auto-loaded (those bundled into the wheel, such as
  ``json`` and ``parquet``, keep working);
- ``lock_configuration`` is true, so ``SET``/``RESET``/``PRAGMA`` cannot turn any of it back
  on; pick ``threads`` and ``memory_limit`` when creating the connection.

Data goes in from Python: ``con.register("frame", dataframe_or_arrow_table)`` still works.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from registry._threads import usable_cores

if TYPE_CHECKING:
    import duckdb

#: Upper bound of the default thread count: DuckDB gains little beyond it on the small,
#: interactive queries Phantom runs, and CI machines are shared.
MAX_DEFAULT_THREADS = 4


def default_threads() -> int:
    """The thread count used when none is given: the usable CPUs, at most 4."""
    return max(1, min(MAX_DEFAULT_THREADS, usable_cores()))


def sandboxed_connection(
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    allowed_directories: Iterable[str | os.PathLike[str]] = (),
) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB connection locked against file, network and extension access.

    ``threads`` defaults to :func:`default_threads`; pass ``threads=1`` where results must not
    depend on scheduling (floating-point sums and ``list()`` orders can differ between runs
    when several threads aggregate). ``memory_limit`` takes DuckDB's syntax (``"2GB"``).

    ``allowed_directories`` are folders SQL may still reach (DuckDB's setting of that name):
    note that DuckDB then permits writes there too (``COPY ... TO``), so name only folders
    whose contents SQL may also overwrite, or register the data from Python instead.

    Returns the connection; the caller closes it (it is also a context manager).
    """
    import duckdb

    config: dict[str, str | bool | int] = {
        "threads": threads if threads is not None else default_threads(),
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "allow_persistent_secrets": False,
        "python_enable_replacements": False,
    }
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    con = duckdb.connect(":memory:", config=config)
    try:
        allowed = [_as_directory(path) for path in allowed_directories]
        if allowed:  # DuckDB accepts this list only once the database runs, before the lock
            con.execute("SET allowed_directories = ?", [allowed])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _as_directory(path: str | os.PathLike[str]) -> str:
    text = os.path.abspath(os.fspath(path))
    return text if text.endswith(os.sep) else text + os.sep


__all__ = ["MAX_DEFAULT_THREADS", "default_threads", "sandboxed_connection"]
