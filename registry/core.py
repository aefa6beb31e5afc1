"""``Registry``: the one facade the CLI, the TUI and the Python API call.

Each method is a few lines that hand off to the module that owns the work: recipes,
materialize, store (git + DVC), versions. Nothing here prints.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry import store
from registry._paths import find_root
from registry.errors import (
    DatasetNotFound,
    PhantomError,
    RecipeError,
    ReleaseError,
)
from registry.folders import MANIFEST, load_folder, manifest_hash, verify_folder
from registry.recipes import Recipe, load_recipe
from registry.versions import Version, VersionSpec, resolve

if TYPE_CHECKING:
    import datasets
    import duckdb

    from registry.catalog import Catalog
    from registry.diff import VersionDiff
    from registry.hub import PublishResult, PullResult
    from registry.materialize import MaterializeResult, Progress


@dataclass(frozen=True)
class DatasetSummary:
    """One dataset of the registry: its recipe and what has been released of it."""

    name: str
    recipe_version: str
    generator: str
    released: list[Version]
    materialized: dict[str, Any] | None  # the workspace manifest, if data/<name> exists

    @property
    def latest(self) -> Version | None:
        stable = [v for v in self.released if not v.semver.prerelease] or self.released
        return max(stable, key=lambda v: v.semver) if stable else None


class Registry:
    """A registry checkout: recipes, their DVC stages, and the versions released from them."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = find_root(root)

    @classmethod
    def init(cls, path: Path | str, *, remote: Path | str | None = None) -> Registry:
        """Make ``path`` a registry (git, DVC, default local remote) and open it."""
        root = Path(path).expanduser().resolve()
        store.init_registry(root, remote=Path(remote) if remote else None)
        registry = cls(root)
        for recipe_path in registry.recipe_paths():
            store.register_stage(root, load_recipe(recipe_path))
        return registry

    # --- recipes -------------------------------------------------------------------------

    def recipe_paths(self) -> list[Path]:
        return sorted((self.root / "recipes").glob("*.yaml"))

    def recipe_path(self, name: str) -> Path:
        path = self.root / "recipes" / f"{name}.yaml"
        if not path.exists():
            raise DatasetNotFound(f"no recipe {path.relative_to(self.root)}; see 'phantom ls'")
        return path

    def load_recipe(self, name_or_path: str | Path) -> Recipe:
        path = Path(name_or_path)
        if path.suffix not in {".yaml", ".yml"}:
            path = self.recipe_path(str(name_or_path))
        return load_recipe(path)

    def new_recipe(self, name: str, *, kind: str) -> Path:
        """Scaffold ``recipes/<name>.yaml`` of ``kind`` and register its DVC stage."""
        from registry.scaffold import scaffold_recipe

        path = self.root / "recipes" / f"{name}.yaml"
        if path.exists():
            raise RecipeError(f"{path.relative_to(self.root)} already exists; edit it instead")
        text = scaffold_recipe(name, kind=kind)
        recipe = load_recipe_text(text, path)
        path.write_text(text)
        store.register_stage(self.root, recipe)
        return path

    def validate(self, paths: list[Path] | None = None) -> list[Recipe]:
        """Check recipes deeply (seed columns, SQL expressions, DVC stage); returns them.

        Raises the first problem as a :class:`PhantomError` naming the file and field.
        """
        from registry.validation import validate_recipe

        registered = store.registered_datasets(self.root)
        recipes = []
        for path in paths or self.recipe_paths():
            recipe = validate_recipe(Path(path), registry=self)
            if Path(path).resolve().parent == (self.root / "recipes") and (
                registered.get(recipe.name) != {"seed": store.stage_dependency(recipe)}
            ):
                raise RecipeError(
                    f"{path}: has no up-to-date DVC stage in params.yaml; "
                    "run 'phantom init' to register it"
                )
            recipes.append(recipe)
        return recipes

    # --- building and releasing -----------------------------------------------------------

    def materialize(
        self, recipe_path: Path | str, *, progress: Progress | None = None
    ) -> MaterializeResult:
        """Build ``data/<name>/`` from a recipe; see :func:`registry.materialize.materialize`."""
        from registry.materialize import materialize

        return materialize(self, Path(recipe_path), progress=progress)

    def release(self, name: str) -> Version:
        """Tag ``name@<recipe version>`` and push its data; refuses what is not reproducible.

        Returns the released :class:`Version` (the existing one when the same content was
        already released). Raises :class:`ReleaseError` with the reason otherwise.
        """
        recipe = self.load_recipe(name)
        store.check_releasable(self.root, name)
        folder = self.root / "data" / name
        manifest = self.verify(folder)
        if manifest["version"] != recipe.version:
            raise ReleaseError(
                f"data/{name} holds version {manifest['version']} but the recipe says "
                f"{recipe.version}; run 'dvc repro' and commit dvc.lock"
            )
        existing = [v for v in self.versions(name) if v.version == recipe.version]
        if existing:
            if existing[0].content_hash == manifest["content_hash"]:
                return existing[0]
            raise ReleaseError(
                f"{recipe.spec} is already released with other content "
                f"({existing[0].content_hash[:19]}); bump version in recipes/{name}.yaml"
            )
        store.push_data(self.root, name)
        return store.tag_release(self.root, name, recipe.version, manifest["content_hash"])

    # --- versions and data -----------------------------------------------------------------

    def versions(self, name: str | None = None) -> list[Version]:
        """Released versions, oldest first (all datasets, or one)."""
        found = [v for v in store.released_versions(self.root) if name in (None, v.name)]
        return sorted(found, key=lambda v: (v.name, v.semver))

    def resolve(self, spec: str) -> Version:
        return resolve(VersionSpec.parse(spec), self.versions())

    def datasets(self) -> list[DatasetSummary]:
        """Every dataset with a recipe or a release."""
        released: dict[str, list[Version]] = {}
        for version in self.versions():
            released.setdefault(version.name, []).append(version)
        summaries = []
        names = {p.stem for p in self.recipe_paths()} | set(released)
        for name in sorted(names):
            path = self.root / "recipes" / f"{name}.yaml"
            recipe = _try_load(path)
            manifest_path = self.root / "data" / name / MANIFEST
            summaries.append(
                DatasetSummary(
                    name=name,
                    recipe_version=recipe.version if recipe else "?",
                    generator=_describe(recipe),
                    released=released.get(name, []),
                    materialized=json.loads(manifest_path.read_text())
                    if manifest_path.exists()
                    else None,
                )
            )
        return summaries

    def fetch(self, version: Version) -> Path:
        """A verified local folder holding ``version``'s files.

        The workspace copy when its content hash matches, else a copy in the user cache read
        by DVC from the tag (its cache, else its remote). Raises :class:`IntegrityError` when a
        file differs from the manifest.
        """
        workspace = self.root / "data" / version.name
        if manifest_hash(workspace) == version.content_hash:
            self.verify(workspace, expected=version.content_hash)
            return workspace
        return store.fetch_verified(os.fspath(self.root), version)

    def verify(self, folder: Path, *, expected: str | None = None) -> dict[str, Any]:
        return verify_folder(folder, expected=expected)

    def load(self, spec: str, *, lock: Path | str | None = None) -> datasets.DatasetDict:
        """The :class:`datasets.DatasetDict` of the version ``spec`` resolves to, verified.

        ``hf://org/name@...`` specs load the published copy. Under a lock (``lock=``, a lock
        file or its config, or ``$PHANTOM_LOCK``) the pinned version loads and its bytes must
        match the pinned hash; see :mod:`registry.pins`.
        """
        from registry.pins import locate

        return load_folder(locate(spec, source=self, lock=lock))

    # --- the Hugging Face Hub --------------------------------------------------------------

    def publish(
        self,
        spec: str,
        repo_id: str,
        *,
        private: bool = False,
        api: Any = None,
        progress: Progress | None = None,
    ) -> PublishResult:
        """Publish a released version to a Hub dataset repo; see :func:`registry.hub.publish`."""
        from registry.hub import publish

        return publish(self, spec, repo_id, private=private, api=api, progress=progress)

    def pull(
        self, spec: str, *, force: bool = False, api: Any = None, progress: Progress | None = None
    ) -> PullResult:
        """Bring a published version into ``data/<name>/``; see :func:`registry.hub.pull`."""
        from registry.hub import pull

        return pull(self.root, spec, force=force, api=api, progress=progress)

    # --- catalog, SQL and diff -------------------------------------------------------------

    def catalog(self) -> Catalog:
        """The catalog (cached in ``.phantom/catalog.duckdb``), refreshed from tags + workspace."""
        from registry.catalog import Catalog

        catalog = Catalog.for_registry(self.root)
        catalog.refresh(self.root, workspace=self.root)
        return catalog

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        """Run a read-only query over the catalog and version views; see :mod:`registry.catalog`."""
        return self.catalog().query(query, fetch=self.fetch)

    def diff(self, old: str, new: str) -> VersionDiff:
        """What changed between two released versions; see :func:`registry.diff.diff_versions`."""
        from registry.diff import diff_versions, load_version

        a, b = self.resolve(old), self.resolve(new)
        return diff_versions(load_version(a, self.fetch(a)), load_version(b, self.fetch(b)))


# --- helpers shared by Registry and the module-level API --------------------------------------


def load_recipe_text(text: str, path: Path) -> Recipe:
    import yaml

    from registry.recipes import parse_recipe

    return parse_recipe(yaml.safe_load(text), source=path)


def _try_load(path: Path) -> Recipe | None:
    try:
        return load_recipe(path)
    except PhantomError:
        return None


def _describe(recipe: Recipe | None) -> str:
    if recipe is None:
        return "?"
    model = getattr(recipe.generator, "model", None)
    return f"{recipe.generator.kind}/{model}" if model else recipe.generator.kind
