"""Recipe + seed -> the files of one dataset version, written atomically, streamed in batches.

The generator is found through the generator table and used only through its protocol; what
differs between tables and images comes from its modality (:mod:`registry.modalities`). Rows
are sampled batch by batch (each batch a pure function of ``(random_seed, index)``) and go
straight into parquet shards (:mod:`registry.shards`), so peak memory does not grow with
``rows``. Each shard is written by :func:`write_shard` wherever the executor runs it (this
process, or a Ray task: :mod:`registry.executors`), with the same bytes. The scores are
computed on a bounded, deterministic sample of the build: the first rows of every batch,
``SCORE_ROWS`` in all (every row when the build is smaller). At ``SCORE_ROWS`` = 100k rows a
column-shape (KS) score is within about ±0.004 of its value on every row (95%, the KS
statistic's sampling error 1.36/sqrt(n)), well under the differences between generators that
the report is there to show. What is cheap to make exact is counted over every row as the
batches pass: exact copies of seed rows (the privacy gates and the Hub's refusal to publish
copies rely on it).

``data/<name>/`` is built in a staged folder beside it and swapped in with renames
(:func:`registry.folders.staged_folder`), so a failed or killed build leaves the previous
version where it was; the git-tracked card and metrics in ``cards/`` are replaced file by
file with ``os.replace`` only after the data is in place.
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from registry._files import atomic_write_text
from registry._hashing import content_hash, sha256_bytes, sha256_file
from registry._types import Progress
from registry.croissant import write_croissant
from registry.errors import ExecutorError, GeneratorError, QualityGateFailed
from registry.folders import MANIFEST, staged_folder
from registry.generators import MODEL_FOLDER
from registry.provenance import parquet_metadata
from registry.recipes import Recipe, load_recipe
from registry.signing import build_key, sign_manifest
from registry.validation import naming_recipe_file

if TYPE_CHECKING:
    import pyarrow as pa

    from registry._types import RegistryLike
    from registry.executors import Executor
    from registry.generators import Generator
    from registry.modalities import Modality
    from registry.seeds import SeedData
    from registry.shards import Shard

QUALITY = "quality.json"
CARD = "README.md"
RECIPE_COPY = "recipe.yaml"
PLOTS = "plots"
FAILED_DIR = ".phantom/failed"
SCORE_ROWS = 100_000  # rows the scores see at most (see the module docstring)
PROGRESS_LINES = 20  # at most this many "sampled" lines per build


@dataclass(frozen=True)
class MaterializeResult:
    """What a build wrote: the dataset folder, its manifest and its quality scores."""

    path: Path
    manifest: dict[str, Any]
    quality: dict[str, Any]

    @property
    def content_hash(self) -> str:
        return self.manifest["content_hash"]


@dataclass(frozen=True)
class _Written:
    splits: dict[str, dict[str, Any]]
    schema: Any
    sample: pd.DataFrame
    batches: int
    nulls: dict[str, int]
    hashes: dict[str, str]  # sha256 of each shard (by path in the dataset folder)
    reports: list[tuple[int, dict[str, Any]]]  # (batch index, what sampling it counted)


@dataclass(frozen=True)
class FittedBuild:
    """A recipe whose generator has fitted: what sampling the batches needs (any executor)."""

    recipe: Recipe
    recipe_path: Path
    seed: SeedData | None
    generator: Generator
    handler: Modality


def fit(
    registry: RegistryLike, recipe_path: Path, *, progress: Progress | None = None
) -> FittedBuild:
    """Load ``recipe_path`` and its seed, check them, and fit its generator (nothing written).

    Raises :class:`RecipeError`, :class:`SeedError` or :class:`GeneratorError` naming the file.
    """
    from registry import seeds
    from registry.context import build_context
    from registry.generators import generator_class
    from registry.modalities import modality

    say = progress or (lambda _message: None)
    recipe = load_recipe(recipe_path)
    context = build_context(registry, progress=say, name=recipe.name)
    seed = None
    with naming_recipe_file(recipe_path):
        kind = generator_class(recipe.generator.kind)
        handler = modality(kind.modality)
        if recipe.seed is not None:
            say(f"loading seed {recipe.seed.source}")
            seed = seeds.load_seed(
                recipe.seed,
                root=registry.root,
                random_seed=recipe.random_seed,
                read_registry_version=context.read_version,
                images=handler.reads_images,
            )
            handler.check_seed(recipe, seed.train)
        generator = kind(recipe.generator, random_seed=recipe.random_seed, context=context)
        if seed is not None:
            say(f"fitting {recipe.generator.label} on {len(seed.train):,} seed rows")
        generator.fit(seed.train if seed is not None else None)
    return FittedBuild(recipe, recipe_path, seed, generator, handler)


def materialize(
    registry: RegistryLike,
    recipe_path: Path,
    *,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> MaterializeResult:
    """Build ``data/<name>/`` (and ``cards/<name>.md``) from one recipe file in ``registry``.

    Returns a :class:`MaterializeResult`. Raises :class:`RecipeError` for a bad recipe,
    :class:`SeedError` for an unreadable seed, :class:`GeneratorError` when generation fails
    and :class:`QualityGateFailed` for missed gates; in each case nothing is written.
    ``executor`` runs the shards (:mod:`registry.executors`; this process by default): a Ray
    build writes the same bytes, and :class:`ExecutorError` says when it could not.
    """
    from registry.cards import render_card
    from registry.quality.report import (
        with_generation,
        with_model_selection,
        with_privacy_guarantee,
    )

    say = progress or (lambda _message: None)
    root = registry.root
    recipe_path = Path(recipe_path)
    key = build_key(root)  # a required signature fails the build before any work
    build = fit(registry, recipe_path, progress=say)
    recipe, seed, generator, handler = build.recipe, build.seed, build.generator, build.handler

    data_dir = root / "data" / recipe.name
    with staged_folder(data_dir) as staging:
        with naming_recipe_file(recipe_path):
            where = "" if executor is None or executor.name == "local" else f" on {executor.name}"
            say(f"sampling {recipe.rows:,} rows{where}")
            counter = handler.exact_counts(seed)
            written = write_shards(
                generator,
                handler,
                recipe,
                staging / "data",
                say,
                counter=counter,
                executor=executor,
                metadata=parquet_metadata(recipe, seed),
            )
            generation = generator.gather(written.reports)
            generator.save(staging)  # after sampling: a generator may save what it used
        say(f"scoring {len(written.sample):,} rows")
        report = handler.score(written.sample, seed, recipe=recipe, plots_dir=staging / PLOTS)
        report = report.model_copy(update={"rows": recipe.rows, "scored_rows": len(written.sample)})
        report = handler.with_exact_counts(report, counter, recipe=recipe)
        report = with_privacy_guarantee(report, generator.privacy_guarantee(), gates=recipe.quality)
        if generation is not None:
            report = with_generation(report, generation.quality, gates=recipe.quality)
        report = with_model_selection(report, generator.model_selection())
        quality_text = report.model_dump_json(indent=2) + "\n"
        refuse_missed_gates(root, recipe_path, recipe, report, quality_text)
        say(f"writing {data_dir.relative_to(root)}")
        (staging / RECIPE_COPY).write_bytes(recipe_path.read_bytes())
        (staging / QUALITY).write_text(quality_text)
        card_args = {
            "splits": written.splits,
            "schema": written.schema,
            "quality": report,
            "seed": seed,
            "generation_depth": seed.generation_depth if seed is not None else 0,
            "library_versions": generator.library_versions(),
        }
        (staging / CARD).write_text(render_card(recipe, **card_args))
        write_croissant(
            staging,
            recipe,
            seed=seed,
            splits=written.splits,
            schema=written.schema,
            hashes=written.hashes,
            quality=json.loads(quality_text),
        )
        manifest = build_manifest(
            staging,
            recipe=recipe,
            recipe_path=recipe_path,
            seed=seed,
            split_rows=written.splits,
            schema=written.schema,
            nulls=written.nulls,
            hashes=written.hashes,
            library_versions=card_args["library_versions"],
            differential_privacy=generator.privacy_guarantee(),
            model_selection=generator.model_selection(),
            sampling={
                "batch_rows": generator.batch_rows,
                "batches": written.batches,
                "scored_rows": len(written.sample),
            },
            root=root,
        )
        if generation is not None:
            manifest["generation"] = generation.usage
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if key is not None:
            say(f"signing {MANIFEST} with {key}")
            sign_manifest(staging, key)
    cards_dir = root / "cards"
    cards_dir.mkdir(exist_ok=True)
    git_card = render_card(recipe, **card_args, assets=f"../data/{recipe.name}/")
    atomic_write_text(cards_dir / f"{recipe.name}.md", git_card)
    atomic_write_text(cards_dir / f"{recipe.name}.quality.json", quality_text)
    (root / FAILED_DIR / f"{recipe.name}.quality.json").unlink(missing_ok=True)
    return MaterializeResult(data_dir, manifest, json.loads(quality_text))


def refuse_missed_gates(
    root: Path, recipe_path: Path, recipe: Recipe, report: Any, quality_text: str
) -> None:
    """Raise :class:`QualityGateFailed` (one line per missed gate) when ``report`` missed a
    gate, keeping the report in ``.phantom/failed/`` where users look."""
    if report.passed:
        return
    _keep_failed_report(root, recipe.name, quality_text)
    lines = "".join(f"\n  {gate.describe()}" for gate in report.missed_gates)
    raise QualityGateFailed(
        f"{recipe_path}: {recipe.spec} missed {len(report.missed_gates)} quality "
        f"gate(s), so nothing was written; the report is in "
        f"{FAILED_DIR}/{recipe.name}.quality.json{lines}"
    )


def write_shards(
    generator: Generator,
    handler: Modality,
    recipe: Recipe,
    folder: Path,
    say: Progress,
    *,
    counter: Any = None,
    executor: Executor | None = None,
    metadata: dict[bytes, bytes] | None = None,
) -> _Written:
    """Sample every shard of the build into ``folder``; keep the scoring sample.

    Batch 0 is sampled here first: it fixes the schema and the rows per shard, and so the
    plan of shards (:func:`registry.shards.plan_shards`). ``executor`` then runs
    :func:`write_shard` on every shard (in this process by default, or as Ray tasks) and the
    results are put together in shard order, so who ran them changes no byte.

    The sample is the first ``ceil(batch rows * SCORE_ROWS / rows)`` rows of every batch (all
    rows when the build has at most ``SCORE_ROWS``): spread over the whole build, the same on
    every run, and bounded. ``counter`` (if any) counts what must be exact over every row.
    ``metadata`` is added to every shard's schema metadata (the AI-generated statement).
    """
    from registry.executors import LocalExecutor
    from registry.shards import plan_shards, shard_rows, split_counts

    total = recipe.rows
    folder.mkdir(parents=True, exist_ok=True)
    task = ShardTask(
        generator=generator,
        handler=handler,
        folder=folder,
        label=recipe.generator.label,
        total=total,
        batch_rows=max(1, int(generator.batch_rows)),
        score_share=min(1.0, SCORE_ROWS / total),
        counter=counter,
    )
    first = task.table(task.batch(0))
    task.schema = first.schema.with_metadata({**(first.schema.metadata or {}), **(metadata or {})})
    counts = split_counts(total, recipe.splits)
    shards = plan_shards(counts, shard_rows(first))
    batches = -(-total // task.batch_rows)
    tracker = _Tracker(say, total, every=max(1, batches // PROGRESS_LINES) * task.batch_rows)
    task.progress = tracker.advance
    expected = task_versions(generator)
    splits: dict[str, dict[str, Any]] = {
        name: {"rows": rows, "bytes": 0, "files": []} for name, rows in counts.items()
    }
    kept: list[pd.DataFrame] = []
    reports = [(0, generator.batch_report(0))]  # batch 0 was sampled here, for the schema
    hashes: dict[str, str] = {}
    nulls: dict[str, int] = dict.fromkeys(task.schema.names, 0)
    for result in (executor or LocalExecutor()).map(task, shards):
        _check_versions(result, expected)
        info = splits[result.shard.split]
        info["bytes"] += result.bytes
        info["files"].append(result.shard.file)
        hashes[f"{folder.name}/{result.shard.file}"] = result.sha256
        kept.extend(result.sample)
        reports.extend(result.reports.items())
        if counter is not None:
            counter.add_counts(result.counts)
        for name, count in result.nulls.items():
            nulls[name] += count
        tracker.advance(result.shard.stop)
    for stray in folder.glob(".*.partial"):  # left by a killed attempt of a retried task
        stray.unlink()
    sample = kept[0] if len(kept) == 1 else pd.concat(kept, ignore_index=True)
    sample = sample.reset_index(drop=True)
    return _Written(splits, task.schema, sample, batches, nulls, hashes, reports)


@dataclass
class ShardResult:
    """What writing one shard hands back to the driver (small: no rows but the sample's)."""

    shard: Shard
    bytes: int
    sha256: str  # hashed where it was written: the driver never reads the rows back
    sample: list[pd.DataFrame]  # the shard's part of the scoring sample, in row order
    counts: dict[str, int]  # what the modality's counter counted over the shard's rows
    nulls: dict[str, int]  # nulls per column over the shard's rows
    versions: dict[str, str]  # the libraries that made the bytes, where the shard was written
    reports: dict[int, dict[str, Any]] = field(default_factory=dict)  # batch_report by index


@dataclass
class ShardTask:
    """Everything writing any shard of one build needs: :func:`write_shard` with it bound.

    It is what an executor ships (to Ray's object store, once): the fitted generator, the
    schema, where the shards go and how the sample is taken. ``progress`` and the last
    sampled batch are this process's own and are not shipped.
    """

    generator: Generator
    handler: Modality
    folder: Path
    label: str
    total: int
    batch_rows: int
    score_share: float
    counter: Any = None
    schema: pa.Schema | None = None
    progress: Callable[[int], None] | None = None
    _last: tuple[int, pd.DataFrame] | None = field(default=None, repr=False)

    def __call__(self, shard: Shard) -> ShardResult:
        return write_shard(self, shard)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "progress": None, "_last": None}

    def batch(self, index: int) -> pd.DataFrame:
        """Batch ``index`` of the build (the last one sampled is kept: a batch that two
        shards share is sampled once by a process that writes both)."""
        if self._last is not None and self._last[0] == index:
            return self._last[1]
        rows = min(self.batch_rows, self.total - index * self.batch_rows)
        frame = self.handler.watermark(self.generator.sample_batch(index, rows))
        if len(frame) != rows:
            raise GeneratorError(
                f"{self.label} returned {len(frame)} rows for batch {index} instead of {rows}"
            )
        self._last = (index, frame)
        return frame

    def table(self, frame: pd.DataFrame) -> pa.Table:
        return self.handler.arrow_table(frame, self.generator.class_names, self.schema)

    def sample_rows(self, index: int) -> int:
        """How many of batch ``index``'s first rows go into the scoring sample."""
        rows = min(self.batch_rows, self.total - index * self.batch_rows)
        return rows if self.score_share >= 1.0 else math.ceil(rows * self.score_share)


def write_shard(task: ShardTask, shard: Shard) -> ShardResult:
    """Sample the batches that overlap ``shard``'s rows and write it: the one function a local
    and a Ray build both run, so both write the same bytes (row groups follow the batch
    slices). Returns the shard's part of the scoring sample and its exact counts."""
    from registry.shards import batch_slices
    from registry.shards import write_shard as write_parquet

    assert task.schema is not None, "the driver sets the schema from batch 0"
    sample: list[pd.DataFrame] = []
    counts: dict[str, int] = {}
    nulls: dict[str, int] = dict.fromkeys(task.schema.names, 0)
    reports: dict[int, dict[str, Any]] = {}

    def tables() -> Iterator[pa.Table]:
        for index, first, stop in batch_slices(shard, task.batch_rows):
            frame = task.batch(index)
            reports[index] = task.generator.batch_report(index)
            table = task.table(frame).slice(first, stop - first)
            take = min(stop, task.sample_rows(index))
            if first < take:
                sample.append(frame.iloc[first:take].copy())
            if task.counter is not None:
                part = frame.iloc[first:stop] if (first, stop) != (0, len(frame)) else frame
                for name, count in task.counter.count(part).items():
                    counts[name] = counts.get(name, 0) + count
            for name, column in zip(table.column_names, table.columns, strict=True):
                nulls[name] += column.null_count
            yield table
            if task.progress is not None:
                task.progress(index * task.batch_rows + stop)

    size, sha256 = write_parquet(task.folder / shard.file, task.schema, tables())
    versions = task_versions(task.generator)
    return ShardResult(shard, size, sha256, sample, counts, nulls, versions, reports)


def task_versions(generator: Generator) -> dict[str, str]:
    """The versions of the libraries whose behaviour decides a shard's bytes."""
    import numpy
    import pyarrow

    return {
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "numpy": numpy.__version__,
        **generator.library_versions(),
    }


def _check_versions(result: ShardResult, expected: dict[str, str]) -> None:
    for name, version in expected.items():
        found = result.versions.get(name)
        if found != version:
            raise ExecutorError(
                f"shard {result.shard.file} was sampled with {name} {found} where this "
                f"process has {version}; install the same versions on every worker (the "
                "bytes depend on them)"
            )


class _Tracker:
    """Says "sampled n/total rows" at most about ``PROGRESS_LINES`` times, in row order."""

    def __init__(self, say: Progress, total: int, *, every: int) -> None:
        self.say, self.total, self.every = say, total, every
        self.done, self.next = 0, min(every, total)

    def advance(self, position: int) -> None:
        if position <= self.done:
            return
        self.done = position
        if position >= self.next:
            self.say(f"sampled {position:,}/{self.total:,} rows")
            self.next = min(self.total, (position // self.every + 1) * self.every)
            if position >= self.total:
                self.next = self.total + 1


def _keep_failed_report(root: Path, name: str, text: str) -> None:
    """A build that missed its gates writes nothing to data/; its report goes where users look."""
    folder = root / FAILED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / f"{name}.quality.json", text)


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
    sampling: dict[str, int],
    root: Path,
    nulls: dict[str, int] | None = None,
    hashes: dict[str, str] | None = None,
    differential_privacy: dict[str, Any] | None = None,
    model_selection: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Provenance of a build: every file's sha256 and everything that decided the bytes, and
    each column's type and (``nulls``) its null count over every row. ``hashes`` holds the
    sha256 of files already hashed where they were written (the shards); the rest are read."""
    from registry._version import __version__
    from registry.store import git_revision

    files, model_files = {}, {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            relpath = path.relative_to(folder).as_posix()
            listed = model_files if relpath.startswith(f"{MODEL_FOLDER}/") else files
            listed[relpath] = (hashes or {}).get(relpath) or sha256_file(path)
    revision, dirty = git_revision(root)
    return {
        "name": recipe.name,
        "version": recipe.version,
        "content_hash": content_hash(files),
        "files": files,
        "model_files": model_files,
        "rows": sum(info["rows"] for info in split_rows.values()),
        "splits": {name: info["rows"] for name, info in split_rows.items()},
        "columns": [
            {"name": f.name, "type": str(f.type)}
            | ({} if nulls is None else {"nulls": nulls.get(f.name, 0)})
            for f in schema
        ],
        "recipe_sha256": sha256_bytes(recipe_path.read_bytes()),
        "seed": None if seed is None else seed.manifest_entry(),
        "generator": recipe.generator.model_dump(mode="json", include={"kind", "model"}),
        "random_seed": recipe.random_seed,
        "sampling": sampling,
        "generation_depth": seed.generation_depth if seed is not None else 0,
        "differential_privacy": differential_privacy,
        **({"model_selection": model_selection} if model_selection is not None else {}),
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
