"""Where a registry is, and where Phantom keeps its local, rebuildable state."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from registry.errors import RegistryError

REGISTRY_ENV = "PHANTOM_REGISTRY"
STATE_DIR = ".phantom"
#: The catalog's cache, in a registry's ``STATE_DIR`` (or beside a git-URL mirror).
CATALOG_FILE = "catalog.duckdb"


def is_registry(path: Path) -> bool:
    """A registry is a folder holding ``recipes/`` and ``dvc.yaml`` (and so a DVC repo)."""
    return (path / "dvc.yaml").is_file() and (path / "recipes").is_dir()


def find_root(start: Path | str | None = None) -> Path:
    """The registry holding ``start`` (default: ``$PHANTOM_REGISTRY``, else the cwd).

    Walks up the parents, as git and DVC do. Raises :class:`RegistryError` when none is found.
    """
    if start is None:
        start = os.environ.get(REGISTRY_ENV) or Path.cwd()
    here = Path(start).expanduser().resolve()
    for candidate in (here, *here.parents):
        if is_registry(candidate):
            return candidate
    raise RegistryError(
        f"no registry in {here} or its parents; run 'phantom init' there or set {REGISTRY_ENV}"
    )


def user_data_dir() -> Path:
    """``$XDG_DATA_HOME/phantom`` (default ``~/.local/share/phantom``): default DVC remotes."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "phantom"


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/phantom`` (default ``~/.cache/phantom``): verified version copies."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "phantom"


def default_remote_for(root: Path) -> Path:
    """The embedded default DVC remote of a registry: a folder outside the repo, by path.

    It lives outside the work tree so that deleting a checkout (or ``.phantom/``) never deletes
    released data, and it is absolute so that clones on this machine can read it.
    """
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:10]
    return user_data_dir() / "remotes" / f"{root.resolve().name}-{digest}"
