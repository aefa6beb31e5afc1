"""Where ``repo=`` points: a registry checkout on disk, or a git URL of one.

A URL is read through a bare mirror in the user cache (for its tags) and DVC (for its data),
so a training job can load a pinned version without a checkout of its own.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from registry import store
from registry._paths import user_cache_dir
from registry.core import Registry
from registry.folders import load_folder
from registry.store import fetch_verified
from registry.versions import Version, VersionSpec, resolve

if TYPE_CHECKING:
    import datasets


class GitUrlRegistry:
    """A registry known only by its git URL: versions from its tags, data through DVC."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.mirror = _mirror(url)

    def versions(self, name: str | None = None) -> list[Version]:
        found = [v for v in store.released_versions(self.mirror) if name in (None, v.name)]
        return sorted(found, key=lambda v: (v.name, v.semver))

    def resolve(self, spec: str) -> Version:
        return resolve(VersionSpec.parse(spec), self.versions())

    def fetch(self, version: Version) -> Path:
        return fetch_verified(self.url, version)

    def load(self, spec: str) -> datasets.DatasetDict:
        return load_folder(self.fetch(self.resolve(spec)))


def _mirror(url: str) -> Path:
    """A bare mirror of ``url`` under the user cache, cloned once and fetched on each use."""
    dest = user_cache_dir() / "repos" / hashlib.sha256(url.encode()).hexdigest()[:16]
    if dest.is_dir():
        store.git(dest, "fetch", "-q", "--prune", "--tags", "origin")
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        store.git(dest.parent, "clone", "-q", "--mirror", url, os.fspath(dest))
    return dest


def open_source(repo: str | Path | None) -> Registry | GitUrlRegistry:
    """The registry ``repo=`` names: None (cwd or $PHANTOM_REGISTRY), a path, or a git URL."""
    if repo is not None:
        text = os.fspath(repo)
        if "://" in text or text.startswith("git@"):
            return GitUrlRegistry(text)
    return Registry(repo)
