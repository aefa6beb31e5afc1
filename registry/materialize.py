"""Recipe + seed -> the files of one dataset version, written atomically.

``data/<name>/`` is built in a staging folder beside it and swapped in with renames, so a
failed or killed build leaves the previous version where it was; the git-tracked card and
metrics in ``cards/`` are replaced file by file with ``os.replace`` only after the data is in
place.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from registry._files import atomic_write_text
from registry._hashing import content_hash, sha256_bytes, sha256_file
from registry.errors import QualityGateFailed
from registry.recipes import DiffusionGenerator, Recipe, SdvGenerator, load_recipe
from registry.validation import check_seed_columns, naming_recipe_file

MAX_SHARD_ROWS = 1_000_000
MAX_SHARD_BYTES = 128 * 1024 * 1024
MANIFEST = "manifest.json"
QUALITY = "quality.json"
CARD = "README.md"
RECIPE_COPY = "recipe.yaml"
PLOTS = "plots"
FAILED_DIR = ".phantom/failed"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class MaterializeResult:
    """What a build wrote: the dataset folder, its manifest and its quality scores."""

    path: Path
    manifest: dict[str, Any]
    quality: dict[str, Any]

    @property
    def content_hash(self) -> str:
        return self.manifest["content_hash"]


def materialize(
    recipe_path: Path, *, root: Path, progress: Progress | None = None
) -> MaterializeResult:
    """Build ``data/<name>/`` (and ``cards/<name>.md``) from one recipe file.

    Returns a :class:`MaterializeResult`. Raises :class:`RecipeError` for a bad recipe,
    :class:`SeedError` for an unreadable seed and :class:`GeneratorError` when generation
    fails; in each case nothing is written.
    """
    from registry import seeds
    from registry.cards import render_card
    from registry.generators import make_generator
    from registry.quality.report import score_dataset

    say = progress or (lambda _message: None)
    recipe_path = Path(recipe_path)
    recipe = load_recipe(recipe_path)
    images = isinstance(recipe.generator, DiffusionGenerator)
    seed = None
    if recipe.seed is not None:
        say(f"loading seed {recipe.seed.source}")
        with naming_recipe_file(recipe_path):
            seed = seeds.load_seed(
                recipe.seed,
                root=root,
                random_seed=recipe.random_seed,
                read_registry_version=registry_reader(root),
                images=images,
            )
        check_seed_columns(recipe, list(seed.train.columns), source=recipe_path)

    with naming_recipe_file(recipe_path):
        generator = make_generator(_located(recipe, root), random_seed=recipe.random_seed)
        if hasattr(generator, "progress"):
            generator.progress = say
        if seed is not None:
            say(f"fitting {describe_generator(recipe)} on {len(seed.train):,} seed rows")
        generator.fit(seed.train if seed is not None else None)
        say(f"sampling {recipe.rows:,} rows")
        frame = generator.sample(recipe.rows)
    class_names = getattr(generator, "class_names", None) if images else None

    splits = split_frame(frame, recipe.splits)
    depth = seed.generation_depth if seed is not None else 0
    data_dir = root / "data" / recipe.name
    staging = _fresh_staging(data_dir)
    try:
        say("scoring")
        report = score_dataset(recipe, frame, seed, plots_dir=staging / PLOTS)
        quality_text = report.model_dump_json(indent=2) + "\n"
        if not report.passed:
            _keep_failed_report(root, recipe.name, quality_text)
            lines = "".join(f"\n  {gate.describe()}" for gate in report.missed_gates)
            raise QualityGateFailed(
                f"{recipe_path}: {recipe.spec} missed {len(report.missed_gates)} quality "
                f"gate(s), so nothing was written; the report is in "
                f"{FAILED_DIR}/{recipe.name}.quality.json{lines}"
            )
        say(f"writing {data_dir.relative_to(root)}")
        split_rows = write_shards(splits, staging / "data", class_names=class_names)
        if hasattr(generator, "save_model"):
            generator.save_model(staging)
        (staging / RECIPE_COPY).write_bytes(recipe_path.read_bytes())
        (staging / QUALITY).write_text(quality_text)
        card_args = {
            "splits": split_rows,
            "schema": _arrow_schema(frame, class_names),
            "quality": report,
            "seed": seed,
            "generation_depth": depth,
        }
        card = render_card(recipe, **card_args)
        (staging / CARD).write_text(card)
        manifest = build_manifest(
            staging,
            recipe=recipe,
            recipe_path=recipe_path,
            seed=seed,
            split_rows=split_rows,
            schema=card_args["schema"],
            library_versions=generator.library_versions(),
            root=root,
        )
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        _swap_in(staging, data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    cards_dir = root / "cards"
    cards_dir.mkdir(exist_ok=True)
    git_card = render_card(recipe, **card_args, assets=f"../data/{recipe.name}/")
    atomic_write_text(cards_dir / f"{recipe.name}.md", git_card)
    atomic_write_text(cards_dir / f"{recipe.name}.quality.json", quality_text)
    (root / FAILED_DIR / f"{recipe.name}.quality.json").unlink(missing_ok=True)
    return MaterializeResult(data_dir, manifest, json.loads(quality_text))


def _keep_failed_report(root: Path, name: str, text: str) -> None:
    """A build that missed its gates writes nothing to data/; its report goes where users look."""
    folder = root / FAILED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / f"{name}.quality.json", text)


def describe_generator(recipe: Recipe) -> str:
    if isinstance(recipe.generator, SdvGenerator | DiffusionGenerator):
        return f"{recipe.generator.kind} {recipe.generator.model}"
    return recipe.generator.kind


def _located(recipe: Recipe, root: Path) -> Any:
    """The generator section with a pretrained ``path`` made absolute.

    ``path`` is a folder inside the registry, or ``registry:<name>@<version>``: the model an
    earlier version saved beside its data, so it can be extended without retraining.
    """
    config = recipe.generator
    if not isinstance(config, DiffusionGenerator) or config.path is None:
        return config
    if config.path.startswith("registry:"):
        from registry.core import Registry
        from registry.generators.diffusion import MODEL_FOLDER

        registry = Registry(root)
        folder = registry.fetch(registry.resolve(config.path.removeprefix("registry:")))
        path = folder / MODEL_FOLDER
    else:
        from registry.seeds import resolve_inside

        path = resolve_inside(config.path, root=root)
    return config.model_copy(update={"path": str(path)})


def registry_reader(root: Path) -> Callable[[str], Any]:
    def read(spec: str) -> Any:
        from registry.core import Registry
        from registry.seeds import RegistryFrame

        registry = Registry(root)
        version = registry.resolve(spec)
        folder = registry.fetch(version)
        manifest = json.loads((folder / MANIFEST).read_text())
        frames = [
            pd.read_parquet(folder / rel)
            for rel in sorted(manifest["files"])
            if rel.endswith(".parquet")
        ]
        frame = pd.concat(frames, ignore_index=True)
        return RegistryFrame(frame, int(manifest["generation_depth"]), manifest["content_hash"])

    return read


# --- splitting and writing ---------------------------------------------------------------


def split_frame(frame: pd.DataFrame, shares: dict[str, float]) -> dict[str, pd.DataFrame]:
    """Cut the (already shuffled) sample into splits by share, largest remainder rounding."""
    total = len(frame)
    exact = {name: share * total for name, share in shares.items()}
    counts = {name: int(value) for name, value in exact.items()}
    leftover = total - sum(counts.values())
    for name in sorted(exact, key=lambda n: exact[n] - counts[n], reverse=True)[:leftover]:
        counts[name] += 1
    splits, start = {}, 0
    for name, count in counts.items():
        splits[name] = frame.iloc[start : start + count].reset_index(drop=True)
        start += count
    return splits


def write_shards(
    splits: dict[str, pd.DataFrame], folder: Path, *, class_names: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Write each split as ``<split>-0000i-of-0000n.parquet`` shards, Hugging Face style.

    A shard holds at most 1M rows or ~128 MB (estimated from the in-memory Arrow size).
    With ``class_names`` the frames are images and the shards carry the ``Image`` and
    ``ClassLabel`` features. Returns per split: rows, bytes and the shard file names.
    """
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, dict[str, Any]] = {}
    for name, frame in splits.items():
        table = _arrow_table(frame, class_names)
        bytes_per_row = max(1, table.nbytes // max(1, table.num_rows))
        per_shard = max(1, min(MAX_SHARD_ROWS, MAX_SHARD_BYTES // bytes_per_row))
        count = max(1, -(-table.num_rows // per_shard))
        files = []
        for index in range(count):
            shard = table.slice(index * per_shard, per_shard)
            file_name = f"{name}-{index:05d}-of-{count:05d}.parquet"
            pq.write_table(shard, folder / file_name, compression="zstd")
            files.append(file_name)
        written[name] = {
            "rows": table.num_rows,
            "bytes": sum((folder / f).stat().st_size for f in files),
            "files": files,
        }
    return written


def _parquet_friendly(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals become plain strings: Arrow dictionaries are not an HF datasets feature."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def _arrow_table(frame: pd.DataFrame, class_names: list[str] | None) -> Any:
    import pyarrow as pa

    if class_names is not None:
        from registry.images import hf_table

        return hf_table(frame, class_names)
    return pa.Table.from_pandas(_parquet_friendly(frame), preserve_index=False)


def _arrow_schema(frame: pd.DataFrame, class_names: list[str] | None = None) -> Any:
    import pyarrow as pa

    if class_names is not None:
        return _arrow_table(frame.iloc[:0], class_names).schema
    return pa.Schema.from_pandas(_parquet_friendly(frame), preserve_index=False)


# --- manifest -------------------------------------------------------------------------------


def build_manifest(
    folder: Path,
    *,
    recipe: Recipe,
    recipe_path: Path,
    seed: Any,
    split_rows: dict[str, dict[str, Any]],
    schema: Any,
    library_versions: dict[str, str],
    root: Path,
) -> dict[str, Any]:
    """Provenance of a build: every file's sha256 and everything that decided the bytes."""
    from registry import __version__
    from registry.store import git_revision

    files = {
        path.relative_to(folder).as_posix(): sha256_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }
    revision, dirty = git_revision(root)
    return {
        "name": recipe.name,
        "version": recipe.version,
        "content_hash": content_hash(files),
        "files": files,
        "rows": sum(info["rows"] for info in split_rows.values()),
        "splits": {name: info["rows"] for name, info in split_rows.items()},
        "columns": [{"name": f.name, "type": str(f.type)} for f in schema],
        "recipe_sha256": sha256_bytes(recipe_path.read_bytes()),
        "seed": None if seed is None else seed.manifest_entry(),
        "generator": recipe.generator.model_dump(mode="json", include={"kind", "model"}),
        "random_seed": recipe.random_seed,
        "generation_depth": seed.generation_depth if seed is not None else 0,
        "library_versions": {
            "phantom": __version__,
            "python": platform.python_version(),
            **_io_versions(),
            **library_versions,
        },
        "git_revision": revision,
        "git_dirty": dirty,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _io_versions() -> dict[str, str]:
    import matplotlib
    import numpy
    import pyarrow

    # Parquet bytes carry the pyarrow version; plot PNG bytes depend on matplotlib's.
    return {
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "numpy": numpy.__version__,
        "matplotlib": matplotlib.__version__,
    }


# --- atomic replacement -----------------------------------------------------------------------


def _fresh_staging(data_dir: Path) -> Path:
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _recover(data_dir)
    staging = data_dir.parent / f".{data_dir.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def _recover(data_dir: Path) -> None:
    """Undo what a killed build left: restore a set-aside version, drop stale staging folders."""
    backup = data_dir.parent / f".{data_dir.name}.previous"
    if backup.is_dir() and not data_dir.exists():
        os.replace(backup, data_dir)
    shutil.rmtree(backup, ignore_errors=True)
    for stale in data_dir.parent.glob(f".{data_dir.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _swap_in(staging: Path, data_dir: Path) -> None:
    """Two renames: the old version aside, the new one in; a crash between is undone by _recover."""
    backup = data_dir.parent / f".{data_dir.name}.previous"
    if data_dir.exists():
        os.replace(data_dir, backup)
    os.replace(staging, data_dir)
    shutil.rmtree(backup, ignore_errors=True)
