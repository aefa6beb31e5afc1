"""The Hugging Face Hub: publishing released versions, reading them back, ``hf:`` seeds.

Every Hub call of Phantom lives here, made through a ``huggingface_hub.HfApi``-compatible
client: the real one by default, or the ``api=`` object a caller injects. HTTP and network
errors are translated here, once, into :class:`PublishError` (or :class:`DatasetNotFound`
when a repo or revision does not exist).

Publishing ``name@1.2.0`` to ``org/name`` (:func:`publish`):

1. The version must be released, verify against its manifest, have passed every quality gate
   and hold no exact copies of seed rows; only the files a dataset is made of are uploaded
   (card, ``data/*.parquet`` shards, ``plots/*.png``, ``quality.json``, ``recipe.yaml``,
   ``manifest.json``, and the saved model: every file the manifest lists under ``model/``,
   whatever the generator, so a pulled copy verifies and can be extended). Seed data is
   never among them.
2. The dataset repo is created if needed (``private=`` applies only then).
3. One commit adds every file and deletes what an earlier version left under ``data/``,
   ``plots/`` and ``model/`` (shards that no longer exist). It goes to ``main``, unless a
   newer version is already published: then it goes to a short-lived branch, so ``main``
   keeps the newest.
4. That commit id (not whatever ``main`` is by then) is tagged ``1.2.0``.

A version already tagged with the same content hash is a no-op; a tag with other content is
refused. The tag comes last, so a failure before it leaves no tag, and running the same
command again completes the job (LFS objects already uploaded are not sent twice).

The endpoint is ``$HF_ENDPOINT`` (read when a client is made, so it holds even if
``huggingface_hub`` was imported first); the token comes from the usual places
(``$HF_TOKEN``, ``hf auth login``), is only ever sent in request headers, and is scrubbed from
every message this module raises.

Published copies are named ``hf://org/name@<selector>`` in specs: the selector is the same
grammar as for the registry (``1.2.0``, ``^1.2``, ``~1.2.3``, ``sha256:<hex>``, or nothing for
the newest) applied to the repo's semver tags. :func:`fetch_published` downloads one into the
user cache and verifies it against its manifest, exactly as a registry version is verified.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry._paths import user_cache_dir
from registry.errors import (
    DatasetNotFound,
    PhantomError,
    PublishError,
    RegistryError,
    VersionSpecError,
)
from registry.folders import (
    SIGNATURE,
    manifest_files,
    manifest_hash,
    staged_folder,
    verify_folder,
)
from registry.versions import SemVer, Version, VersionSpec, resolve

if TYPE_CHECKING:
    import pandas as pd

    from registry._types import Progress, RegistryLike, VersionSource

HF_SCHEME = "hf://"
REPO_TYPE = "dataset"
MANIFEST = "manifest.json"
QUALITY = "quality.json"
# The files a Phantom dataset is made of (its manifest's ``files``): nothing else is uploaded.
PUBLISHABLE = re.compile(
    r"^(README\.md|manifest\.json(\.sig)?|quality\.json|recipe\.yaml|croissant\.json"
    r"|data/([a-z][a-z0-9_]*/)?[\w.-]+\.parquet|plots/[\w.-]+\.png)$"  # linked: data/<table>/
)
# The saved model (the manifest's ``model_files``): whatever the generator wrote under
# ``model/`` (a diffusion pipeline, an SDV pickle, TabularARGN's ModelStore with its .pt
# weights and .csv progress, one folder per table of linked tables), at any depth, each part
# of the path starting with a letter, digit or underscore (no ``..``, no hidden files).
MODEL_FILE = re.compile(r"^model(/\w[\w.-]*)+$")
# What an earlier version may have left on the branch that the new one does not replace.
OWNED_PREFIXES = ("data/", "plots/", "model/")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


@dataclass(frozen=True)
class HubSpec:
    """A parsed ``hf://org/name@<selector>``: the repo, and which of its versions."""

    repo_id: str
    selector: VersionSpec  # its ``name`` is the repo id

    @classmethod
    def parse(cls, spec: str) -> HubSpec:
        """Parse ``hf://org/name[@selector]`` (``hf://`` optional, ``datasets/`` allowed).

        Raises :class:`VersionSpecError` naming what is wrong.
        """
        text = spec.strip().removeprefix(HF_SCHEME).removeprefix("datasets/")
        repo_id, sep, selector = text.partition("@")
        if not _REPO_ID.match(repo_id):
            raise VersionSpecError(
                f"spec {spec!r}: expected hf://<org>/<dataset>[@version], e.g. hf://org/fraud@1.2.0"
            )
        if not sep:
            return cls(repo_id, VersionSpec(repo_id, "latest"))
        try:
            parsed = VersionSpec.parse(f"x@{selector}")
        except VersionSpecError as exc:
            raise VersionSpecError(
                f"spec {spec!r}: expected hf://{repo_id}@1.2.0, @^1.2, @~1.2.3 or @sha256:<hex>"
            ) from exc
        return cls(repo_id, replace(parsed, name=repo_id))

    def __str__(self) -> str:
        return HF_SCHEME + str(self.selector)


def is_hub_spec(spec: str) -> bool:
    return spec.strip().startswith(HF_SCHEME)


@dataclass(frozen=True)
class PublishedVersion:
    """A version published on the Hub: its tag, the commit it names, its content hash."""

    repo_id: str
    version: str
    commit: str
    content_hash: str

    @property
    def spec(self) -> str:
        return f"{HF_SCHEME}{self.repo_id}@{self.version}"


@dataclass(frozen=True)
class PublishResult:
    """What :func:`publish` did: the tag and commit, and what the commit changed."""

    version: Version
    repo_id: str
    commit: str
    url: str
    uploaded: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: bool  # the version was already published with the same content
    card_warnings: tuple[str, ...] = ()  # what the Hub said about the card's YAML


@dataclass(frozen=True)
class PullResult:
    """What :func:`pull` did: the version, where its files are, what was written."""

    version: PublishedVersion
    name: str
    path: Path
    replaced: bool  # data/<name>/ held other content before
    unchanged: bool  # data/<name>/ already held exactly this version
    recipe_written: bool  # recipes/<name>.yaml did not exist and was written


@dataclass(frozen=True)
class HubSeed:
    """An ``hf:`` seed read with ``datasets``: its rows and the commit they came from."""

    frame: pd.DataFrame
    commit: str
    generation_depth: int  # what a recipe seeded from it gets: Phantom data's depth + 1, else 0


# --- the client and its errors ----------------------------------------------------------------


def default_api() -> Any:
    """A ``huggingface_hub.HfApi`` for ``$HF_ENDPOINT`` with the usual token sources."""
    from huggingface_hub import HfApi, constants

    endpoint = os.environ.get("HF_ENDPOINT") or constants.ENDPOINT
    return HfApi(endpoint=endpoint.rstrip("/"), library_name="phantom")


def _scrub(text: str) -> str:
    """``text`` with the Hub token (from any of its usual sources) masked."""
    from huggingface_hub import get_token

    for secret in {
        get_token(),
        os.environ.get("HF_TOKEN"),
        os.environ.get("HUGGING_FACE_HUB_TOKEN"),
    }:
        if secret:
            text = text.replace(secret, "***")
    return text


def _network_errors() -> tuple[type[BaseException], ...]:
    """The transport errors of the HTTP libraries in use (huggingface_hub's, fsspec's)."""
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError]
    for module, name in [
        ("httpx2", "TransportError"),
        ("httpx", "TransportError"),
        ("requests", "RequestException"),
    ]:
        error = getattr(sys.modules.get(module), name, None)
        if isinstance(error, type) and issubclass(error, BaseException):
            errors.append(error)
    return tuple(errors)


def _first_line(exc: BaseException) -> str:
    return _first_line_of(str(exc)) or type(exc).__name__


def _first_line_of(text: str) -> str:
    text = text.strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[:3])[:300]


@contextmanager
def _hub_errors(what: str, *, retry_hint: str = "") -> Iterator[None]:
    """Translate Hub HTTP and network errors raised while doing ``what`` into Phantom errors."""
    from huggingface_hub.errors import (
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    network = _network_errors()
    hint = f"; {retry_hint}" if retry_hint else ""
    try:
        yield
    except PhantomError:
        raise
    except RepositoryNotFoundError as exc:
        raise DatasetNotFound(
            _scrub(f"{what}: the repo does not exist on the Hub or the token cannot read it")
        ) from exc
    except RevisionNotFoundError as exc:
        raise DatasetNotFound(_scrub(f"{what}: no such revision on the Hub")) from exc
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else 0
        detail = getattr(exc, "server_message", None) or _first_line(exc)
        if status in (401, 403):
            advice = "; check the token (HF_TOKEN, or 'hf auth login') and its write access"
        else:
            advice = hint if status >= 500 or status == 0 else ""
        raise PublishError(
            _scrub(f"{what} failed: the Hub answered {status} ({_first_line_of(detail)}){advice}")
        ) from exc
    except network as exc:
        raise PublishError(
            _scrub(f"{what} failed: network error ({_first_line(exc)}){hint}")
        ) from exc
    except RuntimeError as exc:
        # huggingface_hub wraps a failed LFS upload in a RuntimeError; its cause says why.
        cause = exc.__cause__
        if not isinstance(cause, (HfHubHTTPError, *network)):
            raise
        raise PublishError(
            _scrub(f"{what} failed: {_first_line(exc)} ({_first_line(cause)}){hint}")
        ) from exc


# --- publishing -------------------------------------------------------------------------------


def check_publishable(folder: Path, version: Version) -> dict[str, Any]:
    """Refuse, with the reason, a version folder that must not leave this machine.

    Returns its manifest. Raises :class:`PublishError` when a quality gate was missed, the
    privacy report counts exact copies of seed rows, or a file is not part of a Phantom
    dataset (which is how seed data could leak). ``folder`` is already verified.
    """
    manifest = json.loads((folder / MANIFEST).read_text())
    try:
        quality = json.loads((folder / QUALITY).read_text())
    except (OSError, ValueError) as exc:
        raise PublishError(
            f"{version.tag} has no readable {QUALITY}, so its gates cannot be checked; "
            "rebuild it with 'dvc repro' and release a new version"
        ) from exc
    missed = [g for g in quality.get("gates") or [] if not g.get("passed")]
    if missed:
        names = ", ".join(str(g.get("gate")) for g in missed)
        raise PublishError(
            f"{version.tag} failed {len(missed)} quality gate(s) ({names}), so it is not "
            "published; fix the recipe and release a new version"
        )
    copies = _exact_copies(quality)
    if copies > 0:
        raise PublishError(
            f"{version.tag} contains {copies} exact copies of seed rows, so it is not "
            "published; change the generator or its parameters and release a new version"
        )
    seed_hashes = _seed_hashes(manifest.get("seed") or {})
    for relpath, digest in manifest_files(manifest).items():
        if not is_publishable(relpath):
            raise PublishError(
                f"{version.tag}: {relpath} is not part of a Phantom dataset (card, data/*.parquet, "
                "plots/*.png, quality.json, recipe.yaml, model/), so nothing is published"
            )
        if digest in seed_hashes:
            raise PublishError(f"{version.tag}: {relpath} is the seed data itself; not published")
    return manifest


def is_publishable(relpath: str) -> bool:
    """Whether ``relpath`` (a path a manifest lists) is part of a Phantom dataset: a data,
    card or score file (:data:`PUBLISHABLE`) or a saved model file (:data:`MODEL_FILE`)."""
    return bool(PUBLISHABLE.match(relpath) or MODEL_FILE.match(relpath))


def _exact_copies(quality: dict[str, Any]) -> int:
    """Exact copies of seed rows in a version: over every table of linked tables (whose
    top-level privacy section is the parent table's), else the one table's."""
    reports = list((quality.get("tables") or {}).values()) or [quality]
    return sum(int((r.get("privacy") or {}).get("exact_copies") or 0) for r in reports)


def _seed_hashes(seed: dict[str, Any]) -> set[str]:
    """The sha256 of a seed and, for linked tables, of each of its tables."""
    tables = (seed.get("tables") or {}).values()
    return {h for h in [seed.get("sha256"), *(t.get("sha256") for t in tables)] if h}


def publish(
    registry: VersionSource,
    spec: str,
    repo_id: str,
    *,
    private: bool = False,
    api: Any = None,
    progress: Progress | None = None,
    check: Callable[[Path], None] | None = None,
) -> PublishResult:
    """Publish the released version ``spec`` names to the Hub dataset repo ``repo_id``.

    ``check`` is called on the verified version folder before anything is sent (the
    registry's signature policy); what it raises stops the publish.

    Returns a :class:`PublishResult` (``unchanged`` when that version was already published
    with the same content). Raises :class:`PublishError` when the version is not released,
    is refused (see :func:`check_publishable`), exists on the Hub with other content, or the
    Hub or network fails; in the last case nothing is tagged and a retry completes the job.
    """
    say = progress or (lambda _message: None)
    if not _REPO_ID.match(repo_id):
        raise PublishError(f"repo {repo_id!r} is not a Hub repo id; expected <org>/<name>")
    try:
        version = registry.resolve(spec)
    except DatasetNotFound as exc:
        raise PublishError(f"cannot publish {spec}: it is not released ({exc})") from exc
    folder = registry.fetch(version)
    verify_folder(folder, expected=version.content_hash or None)
    manifest = check_publishable(folder, version)
    if check is not None:
        check(folder)
    content = manifest["content_hash"]
    signed = [SIGNATURE] if (folder / SIGNATURE).is_file() else []
    files = sorted([*manifest_files(manifest), MANIFEST, *signed])
    tag = version.version
    side_branch = f"phantom-publish-{tag}"
    hub = api if api is not None else default_api()
    what = f"publishing {version.tag} to {repo_id}"
    retry = "nothing was tagged; run the same command again to finish"

    with _hub_errors(what, retry_hint=retry):
        say(f"creating dataset repo {repo_id} if needed")
        repo_url = hub.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True)
        refs = hub.list_repo_refs(repo_id, repo_type=REPO_TYPE)
        tags = {ref.name: ref.target_commit for ref in refs.tags}
        if tag in tags:
            published = _remote_manifest(hub, repo_id, tags[tag])
            if published is None or published.get("content_hash") != content:
                other = (published or {}).get("content_hash") or "no Phantom manifest"
                raise PublishError(
                    f"{repo_id} already has version {tag} with other content ({other[:19]}); "
                    f"bump version in recipes/{version.name}.yaml and release it"
                )
            say(f"{repo_id}@{tag} is already published with the same content")
            if side_branch in {ref.name for ref in refs.branches}:  # left by a failed cleanup
                hub.delete_branch(repo_id, branch=side_branch, **_dataset())
            return PublishResult(version, repo_id, tags[tag], str(repo_url), (), (), True)

        branches = {ref.name: ref.target_commit for ref in refs.branches}
        branch = "main"
        if any(_newer(other, tag) for other in tags):
            # Keep main on the newest version: commit an older one beside it, then tag it.
            branch = side_branch
            if branch not in branches:
                hub.create_branch(repo_id, branch=branch, revision=branches["main"], **_dataset())
                branches[branch] = branches["main"]
        present = hub.list_repo_files(repo_id, repo_type=REPO_TYPE, revision=branch)
        owned = [p for p in present if p.startswith(OWNED_PREFIXES) or p == SIGNATURE]
        stale = sorted(p for p in owned if p not in files)
        operations = _operations(folder, files, stale)
        say(f"uploading {len(files)} files to {repo_id} ({branch}), removing {len(stale)}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                commit = hub.create_commit(
                    repo_id,
                    operations,
                    commit_message=f"Publish {version.tag}",
                    commit_description=f"Phantom release {version.tag}\n\ncontent: {content}",
                    revision=branch,
                    parent_commit=branches.get(branch),
                    **_dataset(),
                )
            except ValueError as exc:
                if "metadata" not in str(exc):
                    raise
                raise PublishError(
                    f"{what} refused: the Hub rejected the card's YAML ({_first_line(exc)}); "
                    f"fix the card template and release a new version"
                ) from exc
        card_warnings = tuple(
            _scrub(str(w.message)) for w in caught if "validating metadata" in str(w.message)
        )
        say(f"tagging commit {commit.oid[:12]} as {tag}")
        hub.create_tag(
            repo_id,
            tag=tag,
            revision=commit.oid,
            tag_message=f"phantom publish {version.tag}\n\ncontent: {content}",
            **_dataset(),
        )
        if branch != "main":
            hub.delete_branch(repo_id, branch=branch, **_dataset())
    return PublishResult(
        version,
        repo_id,
        commit.oid,
        str(repo_url),
        tuple(files),
        tuple(stale),
        False,
        card_warnings,
    )


def _dataset() -> dict[str, str]:
    return {"repo_type": REPO_TYPE}


def _newer(other: str, tag: str) -> bool:
    try:
        return SemVer.parse(other) > SemVer.parse(tag)
    except VersionSpecError:
        return False


def _operations(folder: Path, files: list[str], stale: list[str]) -> list[Any]:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    adds = [
        CommitOperationAdd(path_in_repo=rel, path_or_fileobj=str(folder / rel)) for rel in files
    ]
    return [*adds, *(CommitOperationDelete(path_in_repo=rel) for rel in stale)]


def _remote_manifest(hub: Any, repo_id: str, revision: str) -> dict[str, Any] | None:
    """The Phantom manifest at ``revision`` of a Hub repo, or None when it has none."""
    from huggingface_hub.errors import EntryNotFoundError

    try:
        path = hub.hf_hub_download(repo_id, MANIFEST, revision=revision, **_dataset())
    except EntryNotFoundError:
        return None
    try:
        manifest = json.loads(Path(path).read_text())
    except ValueError:
        return None
    return manifest if isinstance(manifest, dict) and "content_hash" in manifest else None


# --- reading published versions ----------------------------------------------------------------


def published_versions(repo_id: str, *, api: Any = None) -> list[Version]:
    """The semver tags of a Hub dataset repo, oldest first (content hashes not read)."""
    hub = api if api is not None else default_api()
    with _hub_errors(f"listing the versions of {repo_id}"):
        refs = hub.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    found = []
    for ref in refs.tags:
        try:
            SemVer.parse(ref.name)
        except VersionSpecError:
            continue
        found.append(Version(repo_id, ref.name, "", rev=ref.target_commit))
    return sorted(found, key=lambda v: v.semver)


def resolve_published(spec: str | HubSpec, *, api: Any = None) -> PublishedVersion:
    """The published version ``hf://org/name@selector`` names, with its content hash.

    Raises :class:`DatasetNotFound` when the repo, or a matching version, does not exist, and
    :class:`PublishError` when the tagged commit carries no Phantom manifest.
    """
    parsed = spec if isinstance(spec, HubSpec) else HubSpec.parse(spec)
    hub = api if api is not None else default_api()
    released = published_versions(parsed.repo_id, api=hub)
    if not released:
        raise DatasetNotFound(
            f"{parsed.repo_id} has no published version on the Hub; "
            f"run 'phantom publish <name>@<version> --repo {parsed.repo_id}'"
        )
    with _hub_errors(f"reading {parsed}"):
        if parsed.selector.kind == "hash":  # a content hash is only known from the manifests
            released = [replace(v, content_hash=_content_hash(hub, v)) for v in released]
        version = resolve(parsed.selector, released)
        manifest = _remote_manifest(hub, parsed.repo_id, version.rev)
    if manifest is None:
        raise PublishError(
            f"{parsed.repo_id}@{version.version} has no Phantom {MANIFEST}, so it cannot be "
            "verified; load it with datasets.load_dataset instead"
        )
    return PublishedVersion(parsed.repo_id, version.version, version.rev, manifest["content_hash"])


def _content_hash(hub: Any, version: Version) -> str:
    manifest = _remote_manifest(hub, version.name, version.rev) or {}
    return str(manifest.get("content_hash", ""))


def fetch_published(
    version: PublishedVersion, *, api: Any = None, expected: str | None = None
) -> Path:
    """A verified local copy (in the user cache) of a published version's files.

    Downloads the files its manifest lists at its commit (not its tag, which could move) and
    checks every sha256 and the content hash (``expected``, default the version's). Raises
    :class:`IntegrityError` when the bytes differ.
    """
    expected = expected or version.content_hash
    owner, name = version.repo_id.split("/")
    digest = expected.removeprefix("sha256:")[:16]
    dest = user_cache_dir() / "hub" / f"{owner}--{name}" / f"{version.version}-{digest}"
    if not dest.is_dir():
        hub = api if api is not None else default_api()
        with staged_folder(dest) as staging:
            with _hub_errors(f"downloading {version.spec}", retry_hint="run it again"):
                manifest = _remote_manifest(hub, version.repo_id, version.commit) or {}
                files = [*manifest_files(manifest), MANIFEST, SIGNATURE]
                snapshot = Path(
                    hub.snapshot_download(
                        version.repo_id,
                        revision=version.commit,
                        allow_patterns=files,
                        **_dataset(),
                    )
                )
            for relpath in files:
                if not is_publishable(relpath) or not (snapshot / relpath).is_file():
                    continue  # never materialize a path the manifest should not hold
                target = staging / relpath
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(snapshot / relpath, target)
            verify_folder(staging, expected=expected)
    verify_folder(dest, expected=expected)
    return dest


def pull(
    registry: RegistryLike,
    spec: str,
    *,
    api: Any = None,
    force: bool = False,
    progress: Progress | None = None,
) -> PullResult:
    """Bring a published version into ``registry`` as ``data/<name>/``.

    The files are verified before they replace anything, and swapped in atomically. When
    ``recipes/<name>.yaml`` does not exist, the version's recipe is written there
    (``recipe_written``); the facade then registers its DVC stage, so ``dvc
    commit``/``phantom release`` can take it from there.
    Raises :class:`PublishError`/:class:`DatasetNotFound` for Hub problems, and
    :class:`RegistryError` when ``data/<name>/`` holds other content and ``force`` is not set.
    """
    say = progress or (lambda _message: None)
    published = resolve_published(spec, api=api)
    say(f"downloading {published.spec} (commit {published.commit[:12]})")
    folder = fetch_published(published, api=api)
    manifest = json.loads((folder / MANIFEST).read_text())
    name = manifest["name"]
    dest = registry.root / "data" / name
    current = manifest_hash(dest)
    unchanged = current == published.content_hash
    replaced = dest.exists() and not unchanged
    if replaced and not force:
        raise RegistryError(
            f"data/{name} holds other content ({(current or 'no manifest')[:19]}); "
            f"pass --force to replace it with {published.spec}"
        )
    if not unchanged:
        with staged_folder(dest) as staging:
            shutil.copytree(folder, staging, dirs_exist_ok=True)
    recipe_path = registry.root / "recipes" / f"{name}.yaml"
    recipe_written = not recipe_path.exists()
    if recipe_written:
        recipe_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / "recipe.yaml", recipe_path)
    return PullResult(published, name, dest, replaced, unchanged, recipe_written)


# --- hf: seeds --------------------------------------------------------------------------------


def read_seed(repo_id: str, revision: str, *, api: Any = None) -> HubSeed:
    """The rows of a Hub dataset at ``revision``, read with ``datasets.load_dataset``.

    The revision (a tag, branch or commit) is first resolved to its commit, and the data is
    loaded at that commit, so the seed is pinned even if the tag later moves. Every split is
    concatenated in the order the dataset lists them. Raises :class:`DatasetNotFound` or
    :class:`PublishError`.
    """
    import datasets
    import pandas as pd

    hub = api if api is not None else default_api()
    what = f"reading hf:{repo_id}@{revision}"
    with _hub_errors(what):
        commit = hub.dataset_info(repo_id, revision=revision).sha
        manifest = _remote_manifest(hub, repo_id, commit)
    try:
        loaded = datasets.load_dataset(repo_id, revision=commit)
    except datasets.exceptions.DatasetNotFoundError as exc:
        raise DatasetNotFound(_scrub(f"{what}: {_first_line(exc)}")) from exc
    except (ConnectionError, FileNotFoundError) as exc:
        raise PublishError(_scrub(f"{what} failed: {_first_line(exc)}")) from exc
    splits = loaded.values() if isinstance(loaded, datasets.DatasetDict) else [loaded]
    frame = pd.concat([split.to_pandas() for split in splits], ignore_index=True)
    # Data Phantom published is synthetic: one more generation. Anything else counts as real.
    depth = int(manifest.get("generation_depth", 0)) + 1 if manifest else 0
    return HubSeed(frame, commit, depth)


__all__ = [
    "HF_SCHEME",
    "HubSeed",
    "HubSpec",
    "PublishResult",
    "PublishedVersion",
    "PullResult",
    "check_publishable",
    "default_api",
    "fetch_published",
    "is_hub_spec",
    "publish",
    "published_versions",
    "pull",
    "read_seed",
    "resolve_published",
]
