"""The :class:`~registry.generators.BuildContext` a registry hands its generators.

A build needs the registry for two things below the facade: reading a ``registry:`` seed
(a released version's rows) and locating a saved model (``registry:<name>@<version>`` or a
folder inside the registry). The facade passes itself in, as DVC hands ``repo`` to
``dvc/repo/*.py``; nothing here builds a ``Registry`` of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry._types import Progress, RegistryLike
from registry.errors import PhantomError
from registry.folders import MANIFEST, version_shards
from registry.generators import MODEL_FOLDER, BuildContext

if TYPE_CHECKING:
    from registry.seeds import RegistryFrame

REGISTRY_PREFIX = "registry:"


def build_context(
    registry: RegistryLike, *, progress: Progress | None = None, name: str | None = None
) -> BuildContext:
    """The context of a build in ``registry``: its root, progress lines, models and seeds,
    and (given the dataset's ``name``) the released versions of that dataset."""
    say = progress or (lambda _message: None)
    return BuildContext(
        root=registry.root,
        progress=say,
        locate=lambda path: locate_model(registry, path),
        read_version=lambda spec: read_version_frame(registry, spec),
        score_table=score_table,
        released=lambda: released_folders(registry, name, progress=say) if name else [],
    )


def score_table(*args: Any, **kwargs: Any) -> Any:
    """Phantom's table report (:func:`registry.quality.report.score_tables`), imported when a
    generator first scores candidates."""
    from registry.quality.report import score_tables

    return score_tables(*args, **kwargs)


def released_folders(registry: RegistryLike, name: str, *, progress: Progress) -> list[Path]:
    """Verified local folders of every released version of ``name``, oldest first: the
    workspace copy when it matches, else a copy fetched once into the user cache from the
    DVC cache or remote. A version whose data cannot be read is left out, with a line."""
    folders = []
    for version in registry.versions(name):
        try:
            folders.append(registry.fetch(version))
        except PhantomError as exc:
            progress(f"{version.tag} is left out of the saved responses: {exc}")
    return folders


def locate_model(registry: RegistryLike, path: str) -> Path:
    """The folder of a saved model: ``registry:<spec>`` is the ``model/`` of that released
    version (fetched and verified); anything else is a folder inside the registry."""
    if path.startswith(REGISTRY_PREFIX):
        version = registry.resolve(path.removeprefix(REGISTRY_PREFIX))
        return registry.fetch(version) / MODEL_FOLDER
    from registry.seeds import resolve_inside

    return resolve_inside(path, root=registry.root)


def read_version_frame(registry: RegistryLike, spec: str) -> RegistryFrame:
    """Every row of a released version (all splits), for a ``registry:`` seed."""
    import pandas as pd

    from registry.seeds import RegistryFrame

    folder = registry.fetch(registry.resolve(spec))
    manifest = json.loads((folder / MANIFEST).read_text())
    shards = sorted(path for paths in version_shards(folder).values() for path in paths)
    frame = pd.concat([pd.read_parquet(path) for path in shards], ignore_index=True)
    return RegistryFrame(frame, int(manifest["generation_depth"]), manifest["content_hash"])


__all__ = ["build_context", "locate_model", "read_version_frame", "released_folders"]
