"""Phantom: a registry of versioned synthetic datasets.

The public API is this module's ``__all__``. Heavy libraries (datasets, DVC, SDV, torch) load
only when a function that needs them is called, so ``import registry`` stays fast.
"""

from __future__ import annotations

import os as _os
from pathlib import Path as _Path
from typing import TYPE_CHECKING
from typing import Any as _Any

from registry.core import Registry
from registry.errors import (
    CatalogError,
    DatasetNotFound,
    ExecutorError,
    GeneratorError,
    InputError,
    IntegrityError,
    PhantomError,
    PublishError,
    QualityGateFailed,
    RecipeError,
    RegistryError,
    ReleaseError,
    SeedError,
    SigningError,
    VersionSpecError,
)
from registry.recipes import Recipe, load_recipe
from registry.resolvers import register_resolvers
from registry.versions import Version, VersionSpec

if TYPE_CHECKING:
    import datasets
    import duckdb

    from registry.hub import PublishResult
    from registry.materialize import MaterializeResult
    from registry.quality.report import QualityReport

from registry._version import __version__


def resolve(spec: str, repo: str | _Path | None = None) -> Version:
    """The released :class:`Version` that ``spec`` names in the registry at ``repo``.

    ``repo`` is a registry path or git URL; default: ``$PHANTOM_REGISTRY`` or the registry
    holding the current directory. ``hf://org/name@...`` resolves among the versions published
    to that Hub repo (``rev`` is then the Hub commit). Raises :class:`DatasetNotFound` or
    :class:`VersionSpecError`.
    """
    from registry.hub import is_hub_spec, resolve_published
    from registry.remote import open_source

    if is_hub_spec(spec):
        published = resolve_published(spec)
        return Version(
            published.repo_id, published.version, published.content_hash, published.commit
        )
    return open_source(repo).resolve(spec)


def load(
    spec: str,
    repo: str | _Path | None = None,
    *,
    lock: str | _Path | None = None,
    table: str | None = None,
) -> datasets.DatasetDict:
    """Load a released version as a ``datasets.DatasetDict``, every file checked by sha256.

    ``hf://org/name@1.2.0`` loads a published copy from the Hub. Under a lock (``lock=``, a
    lock file or the config beside it, else ``$PHANTOM_LOCK``; see :mod:`registry.pins`) the
    pinned version loads. Raises :class:`DatasetNotFound` when nothing matches ``spec`` (or the
    lock does not pin it) and :class:`IntegrityError` when the bytes differ from the manifest
    or the pinned hash. A version of linked tables loads one table: ``table="transactions"``
    or the spec ``name@1.0.0/transactions`` (default: the parent table).
    """
    from registry.pins import load as load_pinned

    return load_pinned(spec, repo=repo, lock=lock, table=table)


def publish(
    spec: str, repo_id: str, *, repo: str | _Path | None = None, private: bool = False
) -> PublishResult:
    """Publish the released version ``spec`` to the Hub dataset repo ``repo_id``, tagged.

    ``repo`` is the registry checkout holding it (default: ``$PHANTOM_REGISTRY`` or the current
    directory's). The endpoint follows ``$HF_ENDPOINT`` and the token the usual sources.
    Returns a :class:`registry.hub.PublishResult`; raises :class:`PublishError` when the version
    is not released, missed a gate, holds seed copies, exists on the Hub with other content,
    or the upload fails (then nothing is tagged and the same call again completes it).
    """
    return Registry(repo).publish(spec, repo_id, private=private)


def score(
    real: _Any,
    synthetic: _Any,
    *,
    holdout: _Any = None,
    target: str | None = None,
    recipe: str | _os.PathLike[str] | None = None,
    plots_dir: str | _os.PathLike[str] | None = None,
) -> QualityReport:
    """Score a synthetic table (frame or CSV/parquet path) against real data.

    Returns the :class:`registry.quality.report.QualityReport` with every gate's verdict;
    see :func:`registry.scoring.score`.
    """
    from registry.scoring import score as score_tables

    return score_tables(
        real, synthetic, holdout=holdout, target=target, recipe=recipe, plots_dir=plots_dir
    )


def sql(query: str, repo: str | _Path | None = None) -> duckdb.DuckDBPyRelation:
    """Run a read-only SQL query over the catalog and the versions it names, as ``"name@1.0.0"``.

    ``repo`` is a registry path or git URL, as for :func:`load`. Returns a DuckDB relation
    (``.df()``, ``.arrow()``, ``.fetchall()``). Raises :class:`CatalogError` for SQL errors and
    statements that are not ``SELECT``, :class:`DatasetNotFound` for a view naming nothing.
    """
    from registry.remote import open_source

    return open_source(repo).sql(query)


def materialize(
    recipe_path: str | _os.PathLike[str],
    *,
    executor: str | None = None,
    address: str | None = None,
) -> MaterializeResult:
    """Build ``data/<name>/`` from a recipe inside the registry that holds it; ``executor``
    ``"ray"`` samples its shards on the Ray cluster at ``address`` (same bytes as local)."""
    path = _Path(recipe_path).resolve()
    return Registry(path.parent).materialize(path, executor=executor, address=address)


__all__ = [
    "CatalogError",
    "DatasetNotFound",
    "ExecutorError",
    "GeneratorError",
    "InputError",
    "IntegrityError",
    "PhantomError",
    "PublishError",
    "QualityGateFailed",
    "Recipe",
    "RecipeError",
    "Registry",
    "RegistryError",
    "ReleaseError",
    "SeedError",
    "SigningError",
    "Version",
    "VersionSpec",
    "VersionSpecError",
    "__version__",
    "load",
    "load_recipe",
    "materialize",
    "publish",
    "register_resolvers",
    "resolve",
    "score",
    "sql",
]
