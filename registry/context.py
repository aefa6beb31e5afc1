"""The :class:`~registry.generators.BuildContext` a registry hands its generators.

A build needs the registry for two things below the facade: reading a ``registry:`` seed
(a released version's rows) and locating a saved model (``registry:<name>@<version>`` or a
folder inside the registry). The facade passes itself in, as DVC hands ``repo`` to
``dvc/repo/*.py``; nothing here builds a ``Registry`` of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from registry.folders import MANIFEST
from registry.generators import MODEL_FOLDER, BuildContext
from registry.generators._base import Progress

if TYPE_CHECKING:
    from registry.seeds import RegistryFrame
    from registry.versions import Version

REGISTRY_PREFIX = "registry:"


class VersionSource(Protocol):
    """What a build needs of the registry: its root, and released versions as folders."""

    root: Path

    def resolve(self, spec: str) -> Version: ...

    def fetch(self, version: Version) -> Path: ...


def build_context(registry: VersionSource, *, progress: Progress | None = None) -> BuildContext:
    """The context of a build in ``registry``: its root, progress lines, models and seeds."""
    return BuildContext(
        root=registry.root,
        progress=progress or (lambda _message: None),
        locate=lambda path: locate_model(registry, path),
        read_version=lambda spec: read_version_frame(registry, spec),
    )


def locate_model(registry: VersionSource, path: str) -> Path:
    """The folder of a saved model: ``registry:<spec>`` is the ``model/`` of that released
    version (fetched and verified); anything else is a folder inside the registry."""
    if path.startswith(REGISTRY_PREFIX):
        version = registry.resolve(path.removeprefix(REGISTRY_PREFIX))
        return registry.fetch(version) / MODEL_FOLDER
    from registry.seeds import resolve_inside

    return resolve_inside(path, root=registry.root)


def read_version_frame(registry: VersionSource, spec: str) -> RegistryFrame:
    """Every row of a released version (all splits), for a ``registry:`` seed."""
    import pandas as pd

    from registry.seeds import RegistryFrame

    folder = registry.fetch(registry.resolve(spec))
    manifest = json.loads((folder / MANIFEST).read_text())
    frames = [
        pd.read_parquet(folder / rel)
        for rel in sorted(manifest["files"])
        if rel.endswith(".parquet")
    ]
    frame = pd.concat(frames, ignore_index=True)
    return RegistryFrame(frame, int(manifest["generation_depth"]), manifest["content_hash"])


__all__ = ["VersionSource", "build_context", "locate_model", "read_version_frame"]
