"""``Registry``: the one facade the CLI, the TUI and the Python API call.

Each method is a few lines that hand off to the module that owns the work: recipes,
scaffold, validation, materialize, store (git + DVC), remote (tags and data of a checkout),
catalog, diff, pins and hub. Modules below hand nothing back up: those that need the
registry are handed this object (typed as :class:`registry._types.RegistryLike`) and never
import this module. Nothing here prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry import store
from registry.errors import DatasetNotFound
from registry.folders import load_folder, verify_folder
from registry.recipes import Recipe, load_recipe
from registry.remote import Checkout

if TYPE_CHECKING:
    import datasets
    import duckdb

    from registry._types import Progress
    from registry.catalog import Catalog
    from registry.diff import VersionDiff
    from registry.hub import PublishResult, PullResult
    from registry.materialize import MaterializeResult
    from registry.review import ReviewSession
    from registry.verification import Verified
    from registry.versions import Version


class Registry:
    """A registry checkout: recipes, their DVC stages, and the versions released from them."""

    def __init__(self, root: Path | str | None = None) -> None:
        self._checkout = Checkout(root)
        self.root = self._checkout.root

    @classmethod
    def init(cls, path: Path | str, *, remote: Path | str | None = None) -> Registry:
        """Make ``path`` a registry (git, DVC, a default DVC remote) and open it; ``remote`` is
        a folder or any DVC remote URL (``s3://``, ``gs://``, ``ssh://``...), passed through."""
        root = Path(path).expanduser().resolve()
        store.init_registry(root, remote=remote or None)
        return cls(root)

    def remote(self) -> Path | None:
        """The folder of the default DVC remote (None when it is not a local folder)."""
        return store.configured_remote(self.root)

    def remote_url(self) -> str | None:
        """The default DVC remote as configured: a folder or a URL (``s3://...``)."""
        return store.default_remote_url(self.root)

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
        from registry.scaffold import write_recipe

        return write_recipe(self.root, name, kind=kind)

    def validate(self, paths: list[Path] | None = None) -> list[Recipe]:
        """Check recipes deeply (seed columns, SQL expressions, DVC stage); returns them.

        Raises the first problem as a :class:`PhantomError` naming the file and field.
        """
        from registry.validation import validate_recipe

        recipes = []
        for path in paths or self.recipe_paths():
            recipe = validate_recipe(Path(path), registry=self)
            store.check_stage(self.root, recipe, Path(path))
            recipes.append(recipe)
        return recipes

    # --- building and releasing -----------------------------------------------------------

    def materialize(
        self,
        recipe_path: Path | str,
        *,
        progress: Progress | None = None,
        executor: str | None = None,
        address: str | None = None,
    ) -> MaterializeResult:
        """Build ``data/<name>/`` from a recipe; see :func:`registry.materialize.materialize`.

        ``executor`` (``local``, ``ray``; default ``$PHANTOM_EXECUTOR``, else ``executor.name``
        in ``phantom.yaml``, else local) says who samples the shards; ``address`` names the Ray
        cluster (default ``executor.address`` in ``phantom.yaml``).
        """
        from registry.executors import executor as make_executor
        from registry.linked import is_linked, materialize_linked
        from registry.materialize import materialize
        from registry.settings import load_settings

        shared = load_settings(self.root).executor
        build = materialize_linked if is_linked(load_recipe(recipe_path)) else materialize
        return build(
            self,
            Path(recipe_path),
            progress=progress,
            executor=make_executor(
                executor, address=address or shared.address, default=shared.name
            ),
        )

    def release(self, name: str) -> Version:
        """Tag ``name@<recipe version>`` and push its data; see :func:`registry.store.release`.

        A recipe with ``review.min_accept`` waits for its review (:mod:`registry.review`)."""
        from registry.review import require_review

        recipe = self.load_recipe(name)
        require_review(self.root, recipe, self.root / "data" / name, action="release")
        return store.release(self.root, recipe)

    def review(self, spec: str) -> ReviewSession:
        """The human review of ``name@version``; see :func:`registry.review.open_review`."""
        from registry.review import open_review

        return open_review(self, spec)

    # --- versions and data -----------------------------------------------------------------

    def versions(self, name: str | None = None) -> list[Version]:
        """Released versions, oldest first (all datasets, or one)."""
        return self._checkout.versions(name)

    def resolve(self, spec: str) -> Version:
        """The released version ``spec`` names; raises :class:`DatasetNotFound`."""
        return self._checkout.resolve(spec)

    def fetch(self, version: Version) -> Path:
        """A verified local folder of ``version``; see :meth:`registry.remote.Checkout.fetch`."""
        return self._checkout.fetch(version)

    def verify(self, folder: Path, *, expected: str | None = None) -> dict[str, Any]:
        """Check a folder against its manifest; see :func:`registry.folders.verify_folder`."""
        return verify_folder(folder, expected=expected)

    def verify_version(self, spec: str) -> Verified:
        """Check a released version's files, signature and watermark; see
        :func:`registry.verification.verify_version_folder`."""
        from registry.verification import verify_version_folder

        version = self.resolve(spec)
        folder = self.fetch(version)
        return verify_version_folder(folder, self.root, expected=version.content_hash or None)

    # --- settings and trust ---------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        """A ``phantom config`` value; see :mod:`registry.settings`."""
        from registry.settings import get_setting

        return get_setting(self.root, key)

    def set_setting(self, key: str, value: str) -> str:
        """Set a ``phantom config`` value; returns where it was written."""
        from registry.settings import set_setting

        return set_setting(self.root, key, value)

    def trust(self, key: Path | str, principal: str) -> Path:
        """Trust ``key`` to sign versions as ``principal``; see :mod:`registry.signing`."""
        from registry.signing import trust_key

        return trust_key(self.root, Path(key).expanduser(), principal)

    def load(
        self, spec: str, *, lock: Path | str | None = None, table: str | None = None
    ) -> datasets.DatasetDict:
        """The :class:`datasets.DatasetDict` of the version ``spec`` resolves to, verified.

        ``hf://org/name@...`` specs load the published copy. Under a lock (``lock=``, a lock
        file or its config, or ``$PHANTOM_LOCK``) the pinned version loads and its bytes must
        match the pinned hash; see :mod:`registry.pins`. A version of linked tables loads one
        table: ``table=`` or ``name@1.0.0/<table>`` (default: the parent table).
        """
        from registry.folders import split_table_spec
        from registry.pins import locate

        spec, table = split_table_spec(spec, table)
        return load_folder(locate(spec, source=self, lock=lock), table=table)

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
        from registry.review import require_published_review
        from registry.settings import load_settings
        from registry.signing import check_signature

        def signature_policy(folder: Path) -> None:
            if load_settings(self.root).signing.required:  # unsigned or tampered: refused
                check_signature(folder, self.root, required=True)

        require_published_review(self, spec)
        return publish(
            self, spec, repo_id, private=private, api=api, progress=progress, check=signature_policy
        )

    def pull(
        self, spec: str, *, force: bool = False, api: Any = None, progress: Progress | None = None
    ) -> PullResult:
        """Bring a published version into ``data/<name>/`` (and its recipe, with its DVC stage,
        when the registry has none); see :func:`registry.hub.pull`."""
        from registry.hub import pull

        result = pull(self, spec, force=force, api=api, progress=progress)
        if result.recipe_written:
            store.register_stage(self.root, self.load_recipe(result.name))
        return result

    # --- catalog, SQL and diff -------------------------------------------------------------

    def catalog(self) -> Catalog:
        """The catalog (cached in ``.phantom/catalog.duckdb``), refreshed from tags + workspace."""
        return self._checkout.catalog()

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        """Run a read-only query over the catalog and version views; see :mod:`registry.catalog`."""
        return self._checkout.sql(query)

    def diff(self, old: str, new: str) -> VersionDiff:
        """What changed between two released versions; see :func:`registry.diff.diff_releases`."""
        from registry.diff import diff_releases

        return diff_releases(self, old, new)
