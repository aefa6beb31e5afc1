"""Where ``repo=`` points: a registry checkout on disk, or a git URL of one.

Both are a :class:`TagSource` (and so a :class:`registry._types.VersionSource`): released
versions come from release tags (:func:`registry.tags.released_versions`, read the same way
for both), the catalog from the same tags, and a version's data through DVC. They differ
only in where the tags live and where data may come from first: a :class:`Checkout` reads
its own repo and serves a version from its workspace when the content hash matches; a
:class:`GitUrlRegistry` reads a bare mirror in the user cache (cloned once, fetched on each
use) and always goes through DVC, so a training job can load a pinned version without a
checkout of its own.

The :class:`~registry.core.Registry` facade holds a :class:`Checkout` and hands its version
methods to it; lower modules that only read versions (pins, ``registry.load``) use
:func:`open_source` and never build a ``Registry``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from registry._git import git
from registry._paths import CATALOG_FILE, STATE_DIR, find_root, user_cache_dir
from registry.folders import manifest_hash, verify_folder
from registry.store import fetch_verified
from registry.tags import released_versions
from registry.versions import Version, VersionSpec, resolve

if TYPE_CHECKING:
    import duckdb

    from registry.catalog import Catalog


class TagSource:
    """Released versions read from the tags of ``git_dir``; data fetched through DVC.

    Subclasses set ``git_dir`` (where the tags are), ``catalog_path`` (the catalog's cache
    file), ``workspace`` (a checkout whose recipes and data the catalog also lists, or None)
    and implement :meth:`fetch`.
    """

    git_dir: Path
    catalog_path: Path
    workspace: Path | None = None

    def versions(self, name: str | None = None) -> list[Version]:
        """Released versions, oldest first (all datasets, or one)."""
        return released_versions(self.git_dir, name)

    def resolve(self, spec: str) -> Version:
        """The released version ``spec`` names; raises :class:`DatasetNotFound`."""
        return resolve(VersionSpec.parse(spec), self.versions())

    def fetch(self, version: Version) -> Path:
        """A verified local folder holding ``version``'s files."""
        raise NotImplementedError

    def catalog(self) -> Catalog:
        """The catalog of these tags (and the workspace), refreshed; see :mod:`registry.catalog`."""
        from registry.catalog import Catalog

        catalog = Catalog(self.catalog_path)
        catalog.refresh(self.git_dir, workspace=self.workspace)
        return catalog

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        """A read-only query over the catalog and the version views it names."""
        return self.catalog().query(query, fetch=self.fetch)


class Checkout(TagSource):
    """A registry checkout on disk: its own tags, its workspace, its DVC cache and remote."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = find_root(root)
        self.git_dir = self.root
        self.workspace = self.root
        self.catalog_path = self.root / STATE_DIR / CATALOG_FILE

    def fetch(self, version: Version) -> Path:
        """The workspace ``data/<name>`` when its content hash matches, else a cached copy.

        The copy in the user cache is read by DVC from the tag (its cache, else its remote).
        Raises :class:`IntegrityError` when a file differs from the manifest.
        """
        workspace = self.root / "data" / version.name
        if manifest_hash(workspace) == version.content_hash:
            verify_folder(workspace, expected=version.content_hash)
            return workspace
        return fetch_verified(os.fspath(self.root), version)


class GitUrlRegistry(TagSource):
    """A registry known only by its git URL: versions from its tags, data through DVC."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.git_dir = self.mirror = _mirror(url)
        self.catalog_path = self.mirror.with_name(self.mirror.name + "." + CATALOG_FILE)

    def fetch(self, version: Version) -> Path:
        return fetch_verified(self.url, version)


def _mirror(url: str) -> Path:
    """A bare mirror of ``url`` under the user cache, cloned once and fetched on each use."""
    dest = user_cache_dir() / "repos" / hashlib.sha256(url.encode()).hexdigest()[:16]
    if dest.is_dir():
        git(dest, "fetch", "-q", "--prune", "--tags", "origin")
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        git(dest.parent, "clone", "-q", "--mirror", url, os.fspath(dest))
    return dest


def _is_git_url(repo: str | os.PathLike[str]) -> bool:
    text = os.fspath(repo)
    return "://" in text or text.startswith("git@")


def open_source(repo: str | os.PathLike[str] | None) -> TagSource:
    """The registry ``repo=`` names: None (cwd or $PHANTOM_REGISTRY), a path, or a git URL.

    Raises :class:`RegistryError` when a path is in no registry or git cannot reach a URL.
    """
    if repo is not None and _is_git_url(repo):
        return GitUrlRegistry(os.fspath(repo))
    return Checkout(repo)


__all__ = ["Checkout", "GitUrlRegistry", "TagSource", "open_source"]
