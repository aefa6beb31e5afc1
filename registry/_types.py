"""Shared types: what a module below the facade may ask of the registry it is handed.

The :class:`~registry.core.Registry` facade hands itself down (``hub.publish(self, ...)``), as
DVC hands ``repo`` to ``dvc/repo/add.py``. Modules below it type that argument with these
protocols instead of importing ``registry.core``, so the facade stays the only thing above
them and tests can hand them a small fake.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import duckdb

    from registry.catalog import Catalog
    from registry.recipes import Recipe
    from registry.versions import Version

#: A callback told what long work is doing, one short line at a time.
Progress = Callable[[str], None]


class VersionSource(Protocol):
    """Anything that lists, resolves and fetches released versions (a checkout, a git URL)."""

    def versions(self, name: str | None = None) -> list[Version]: ...

    def resolve(self, spec: str) -> Version: ...

    def fetch(self, version: Version) -> Path: ...


class RegistryLike(VersionSource, Protocol):
    """A registry checkout: a :class:`VersionSource` with a root, recipes and a catalog."""

    root: Path

    def load_recipe(self, name_or_path: str | Path) -> Recipe: ...

    def catalog(self) -> Catalog: ...

    def sql(self, query: str) -> duckdb.DuckDBPyRelation: ...


__all__ = ["Progress", "RegistryLike", "VersionSource"]
