"""The registry on disk: git + DVC.

Everything that changes a registry through git or DVC lives here: creating a registry,
registering a recipe's stage, releasing a version (checks, push, tag), and fetching a version's
files at its tag. Which tags are releases is :mod:`registry.tags`' business; git itself runs
through :mod:`registry._git`. DVC is imported lazily.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

import yaml

from registry._files import atomic_write_text
from registry._git import git
from registry._paths import STATE_DIR, default_remote_for
from registry.errors import RecipeError, RegistryError, ReleaseError
from registry.folders import cached_version_dir, staged_folder, verify_folder
from registry.recipes import Recipe, load_recipe
from registry.tags import release_message, released_versions
from registry.versions import Version

PARAMS_FILE = "params.yaml"
STAGE = "materialize"

# One stage per recipe: DVC's foreach over the `datasets` mapping in params.yaml. Each entry
# names the file the stage depends on besides its recipe (the seed file, the folder of a
# linked seed's files, or the recipe again for seeds that are not files). The recipe is a
# params file, so `dvc params diff` between release tags shows recipe changes field by field.
# `persist` keeps DVC from deleting the old data before the command runs: materialize swaps
# the new version in atomically itself.
DVC_YAML = """\
stages:
  materialize:
    foreach: ${datasets}
    do:
      cmd: phantom materialize recipes/${key}.yaml
      deps:
        - ${item.seed}
      params:
        - recipes/${key}.yaml:
      outs:
        - data/${key}:
            persist: true
        - cards/${key}.md:
            cache: false
            persist: true
      metrics:
        - cards/${key}.quality.json:
            cache: false
            persist: true
"""

GITIGNORE_LINES = (f"{STATE_DIR}/", "__pycache__/", ".venv/")
DVCIGNORE_LINES = ("__pycache__/", f"{STATE_DIR}/", ".venv/")


# --- git ---------------------------------------------------------------------------------


def git_revision(root: Path) -> tuple[str | None, bool]:
    """The HEAD commit (None before the first commit) and whether the work tree is dirty."""
    head = git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip() or None
    dirty = bool(git(root, "status", "--porcelain", "--untracked-files=no", check=False).strip())
    return head, dirty


# --- creating a registry and registering recipes -----------------------------------------


def init_registry(path: Path, *, remote: Path | str | None = None) -> Path | str:
    """Make ``path`` a registry (idempotent); returns the DVC remote folder it uses.

    Creates the git repo, ``dvc init``, ``recipes/``, ``cards/``, ``params.yaml``,
    ``dvc.yaml``, ``.dvcignore`` and ``.gitignore``, and a default DVC remote: ``remote`` (a
    folder, by absolute path, or any URL DVC supports, passed through), else the one already
    configured, else a folder under the user data dir. A new registry records the remote in
    the committed ``.dvc/config`` so clones on this machine can read released data; in a repo
    whose ``.dvc/config`` is already committed (a cloned registry) it goes to
    ``.dvc/config.local`` instead, so the shared config is not rewritten with a local path.
    Every recipe already in ``recipes/`` gets its DVC stage.
    """
    path = path.resolve()
    path.mkdir(parents=True, exist_ok=True)
    if not (path / ".git").exists():
        git(path, "init", "-q", "-b", "main")
    if not (path / ".dvc").is_dir():
        from dvc.repo import Repo

        Repo.init(os.fspath(path))
    for folder in ("recipes", "recipes/seeds", "cards"):
        (path / folder).mkdir(exist_ok=True)
    if not (path / "dvc.yaml").exists():
        (path / "dvc.yaml").write_text(DVC_YAML)
    if not (path / PARAMS_FILE).exists():
        _write_params(path, {})
    _ensure_lines(path / ".gitignore", GITIGNORE_LINES)
    _ensure_lines(path / ".dvcignore", DVCIGNORE_LINES)
    remote_path = _ensure_remote(path, remote)
    if git(path, "rev-parse", "--verify", "-q", "HEAD", check=False).strip() == "":
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "phantom init")
    for recipe_path in sorted((path / "recipes").glob("*.yaml")):
        register_stage(path, load_recipe(recipe_path))
    return remote_path


def _ensure_lines(path: Path, lines: tuple[str, ...]) -> None:
    existing = path.read_text().splitlines() if path.exists() else []
    missing = [line for line in lines if line not in existing]
    if missing:
        path.write_text("\n".join([*existing, *missing]) + "\n")


def _ensure_remote(root: Path, remote: Path | str | None) -> Path | str:
    """Make ``remote`` the default DVC remote (``phantom``), or keep the one configured.

    A URL (``s3://``, ``gs://``, ``azure://``, ``ssh://``, ``https://``...: anything DVC
    supports, with its ``dvc-<type>`` plugin installed) is passed through as written; a folder
    is made and recorded by absolute path."""
    configured = default_remote_url(root)
    if configured is not None and remote is None:
        return configured if "://" in configured else Path(configured)
    target: Path | str
    if isinstance(remote, str) and "://" in remote:
        target = remote
    else:
        target = Path(remote or default_remote_for(root)).expanduser().resolve()
        target.mkdir(parents=True, exist_ok=True)
    committed = bool(
        git(root, "ls-tree", "--name-only", "HEAD", ".dvc/config", check=False).strip()
    )
    level = "local" if committed else "repo"
    from dvc.config import Config

    config = Config(dvc_dir=os.fspath(root / ".dvc"))
    with config.edit(level) as conf:
        conf["remote"]["phantom"] = {"url": os.fspath(target)}
        conf["core"]["remote"] = "phantom"
    return target


def default_remote_url(root: Path) -> str | None:
    """The URL (or folder) of the default DVC remote as configured, if there is one."""
    from dvc.config import Config

    config = Config(dvc_dir=os.fspath(root / ".dvc"))
    name = config["core"].get("remote")
    return config["remote"].get(name, {}).get("url") if name else None


def configured_remote(root: Path) -> Path | None:
    """The default DVC remote's folder if it is a local path, else None."""
    url = default_remote_url(root)
    if not url or "://" in url:
        return None
    return Path(url)


def stage_dependency(recipe: Recipe) -> str:
    """The file a recipe's stage depends on besides the recipe: its seed file, if it has one.

    Linked tables (``seed.tables``) have two seed files, and a ``foreach`` stage takes one
    dependency per entry (DVC interpolates no list into ``deps``), so their stage depends on
    the folder holding both: keep them in a folder of their own (``recipes/seeds/<name>/``),
    or the stage also reruns when another file in their folder changes. One local table
    beside a package or registry one is that file; tables without a common folder below the
    registry root fall back to the recipe.
    """
    seed = recipe.seed
    sources = [] if seed is None else [t.source for t in (seed.tables or {}).values()]
    local = [s for s in sources or [seed.source if seed else None] if s and ":" not in s]
    if len(local) == 1:
        return local[0]
    if len(local) == 2:
        folder = _common_folder(local)
        if folder:
            return folder
    return f"recipes/{recipe.name}.yaml"


def _common_folder(paths: list[str]) -> str | None:
    """The deepest folder holding every path, when it lies below the registry root."""
    try:
        folder = posixpath.commonpath([posixpath.normpath(p) for p in paths])
    except ValueError:  # relative and absolute mixed
        return None
    return folder if folder not in ("", ".", "/") and not folder.startswith("..") else None


def registered_datasets(root: Path) -> dict[str, dict[str, str]]:
    """The ``datasets`` mapping of params.yaml: the recipes that have a DVC stage."""
    params = (
        yaml.safe_load((root / PARAMS_FILE).read_text()) if (root / PARAMS_FILE).exists() else {}
    )
    return dict((params or {}).get("datasets") or {})


def register_stage(root: Path, recipe: Recipe) -> bool:
    """Give ``recipe`` its DVC stage (an entry in params.yaml); returns whether anything changed."""
    datasets = registered_datasets(root)
    entry = {"seed": stage_dependency(recipe)}
    if datasets.get(recipe.name) == entry:
        return False
    datasets[recipe.name] = entry
    _write_params(root, datasets)
    return True


def check_stage(root: Path, recipe: Recipe, path: Path) -> None:
    """Refuse a recipe of ``recipes/`` whose DVC stage is missing or out of date.

    Recipes outside ``recipes/`` (checked before they are added) have no stage to check.
    Raises :class:`RecipeError` naming the file and the command that fixes it.
    """
    if Path(path).resolve().parent != (root / "recipes"):
        return
    if registered_datasets(root).get(recipe.name) != {"seed": stage_dependency(recipe)}:
        raise RecipeError(
            f"{path}: has no up-to-date DVC stage in params.yaml; run 'phantom init' to register it"
        )


def _write_params(root: Path, datasets: dict[str, dict[str, str]]) -> None:
    path = root / PARAMS_FILE
    params = (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}
    params["datasets"] = dict(sorted(datasets.items()))
    atomic_write_text(path, yaml.safe_dump(params, sort_keys=False))


# --- releasing ---------------------------------------------------------------------------


def release(root: Path, recipe: Recipe) -> Version:
    """Tag ``name@<recipe version>`` and push its data; refuses what is not reproducible.

    Returns the released :class:`Version` (the existing one when the same content was
    already released). Raises :class:`ReleaseError` with the reason otherwise, and
    :class:`IntegrityError` when ``data/<name>`` does not match its manifest.
    """
    name = recipe.name
    check_releasable(root, name)
    manifest = verify_folder(root / "data" / name)
    if manifest["version"] != recipe.version:
        raise ReleaseError(
            f"data/{name} holds version {manifest['version']} but the recipe says "
            f"{recipe.version}; run 'dvc repro' and commit dvc.lock"
        )
    existing = [v for v in released_versions(root, name) if v.version == recipe.version]
    if existing:
        if existing[0].content_hash == manifest["content_hash"]:
            return existing[0]
        raise ReleaseError(
            f"{recipe.spec} is already released with other content "
            f"({existing[0].content_hash[:19]}); bump version in recipes/{name}.yaml"
        )
    push_data(root, name)
    return tag_release(root, name, recipe.version, manifest["content_hash"])


def check_releasable(root: Path, name: str) -> None:
    """Refuse, with the reason, unless recipe, dvc.lock and outputs are committed and current."""
    paths = [f"recipes/{name}.yaml", "dvc.lock", PARAMS_FILE, f"cards/{name}.md"]
    for path in paths:
        if not (root / path).exists():
            raise ReleaseError(f"{path} does not exist; run 'dvc repro' and commit the result")
        if not git(root, "ls-files", path).strip():
            raise ReleaseError(f"{path} is not committed; run 'git add {path}' and commit")
    dirty = git(root, "status", "--porcelain", "--", *paths, f"cards/{name}.quality.json")
    if dirty.strip():
        first = dirty.splitlines()[0][3:]
        raise ReleaseError(f"{first} has uncommitted changes; commit them before releasing {name}")
    lock = yaml.safe_load((root / "dvc.lock").read_text()) or {}
    if f"{STAGE}@{name}" not in (lock.get("stages") or {}):
        raise ReleaseError(f"dvc.lock has no stage for {name}; run 'dvc repro' and commit dvc.lock")
    status = _dvc_status(root, _stage_target(root, name))
    if status:
        raise ReleaseError(
            f"data/{name} does not match dvc.lock ({status}); run 'dvc repro' and commit dvc.lock"
        )


def _stage_target(root: Path, name: str) -> str:
    """An absolute stage address: DVC's API resolves relative targets against the cwd."""
    return f"{root / 'dvc.yaml'}:{STAGE}@{name}"


def _dvc_status(root: Path, target: str) -> str:
    from dvc.repo import Repo

    with Repo(os.fspath(root)) as repo:
        status = repo.status(targets=[target])
    if not status:
        return ""
    changes = next(iter(status.values()))
    return "; ".join(str(change) for change in changes)[:200]


def push_data(root: Path, name: str) -> None:
    """Push a dataset's DVC-tracked data to the default remote."""
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        with Repo(os.fspath(root)) as repo:
            repo.push(targets=[_stage_target(root, name)])
    except (DvcException, OSError) as exc:  # a remote's plugin raises OSErrors of its own
        raise ReleaseError(f"dvc push of data/{name} failed: {exc}") from exc


def tag_release(root: Path, name: str, version: str, content_hash: str) -> Version:
    """Create the annotated tag ``name@version`` whose message records the content hash."""
    tag = f"{name}@{version}"
    git(root, "tag", "-a", tag, "-m", release_message(tag, content_hash))
    rev = git(root, "rev-list", "-n", "1", tag).strip()
    return Version(name, version, content_hash, rev=rev)


# --- reading a version's files -----------------------------------------------------------


def fetch_verified(repo: str, version: Version) -> Path:
    """Copy a version from ``repo`` into the user cache (once) and verify it."""
    dest = cached_version_dir(version)
    if not dest.is_dir():
        fetch_version_files(repo, version, dest)
    verify_folder(dest, expected=version.content_hash or None)
    return dest


def fetch_version_files(repo: str, version: Version, dest: Path) -> None:
    """Copy ``data/<name>/`` as of the version's tag into ``dest``.

    DVC reads it from the repo's cache when it is there, else from its remote. ``repo`` is a
    registry path or a git URL. The copy is staged beside ``dest`` and swapped in
    (:func:`~registry.folders.staged_folder`), so ``dest`` is either complete or absent.
    """
    from dvc.api import DVCFileSystem

    source = f"data/{version.name}"
    try:
        with staged_folder(dest) as staging:
            fs = DVCFileSystem(repo, rev=version.rev or version.tag)
            paths = fs.find(source)
            if not paths:
                raise RegistryError(
                    f"{version.tag} has no data in {repo}'s DVC cache or remote; "
                    f"run 'dvc push' where it was released"
                )
            for path in paths:
                target = staging / os.path.relpath(path, source)
                target.parent.mkdir(parents=True, exist_ok=True)
                fs.get_file(path, os.fspath(target))
    except RegistryError:
        raise
    except Exception as exc:  # DVC's errors have no common base: translate them all here
        if dest.is_dir():  # a concurrent fetch finished first
            return
        raise RegistryError(f"cannot read data of {version.tag} from {repo}: {exc}") from exc
