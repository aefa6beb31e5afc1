"""Building a linked-tables version: a parent table and its child sequences, one config each.

A ``kind: table`` recipe whose seed has ``tables:`` (:mod:`registry.linked_seeds`) is built
here instead of by :func:`registry.materialize.materialize`, with the same guarantees: the
version folder is staged and swapped in atomically, a missed gate writes nothing, the rows
are sampled batch by batch (each batch a pure function of ``(random_seed, index)``:
:class:`~registry.generators.linked.LinkedArgnGenerator`) and each shard is written on its
own by whichever executor runs it, with the same bytes.

Layout: the parent's rows are cut into splits and shards by position, as a one-table build's
rows are; each shard of the parent table has a shard of the child table with the same name
holding exactly the children of its parents, so a parent and its sequence always share a
split::

    data/<name>/data/<parent>/<split>-0000i-of-0000n.parquet
    data/<name>/data/<child>/<split>-0000i-of-0000n.parquet
    data/<name>/model/<parent>/, model/<child>/    the two saved models

The card declares one Hugging Face config per table (``configs:``, the parent's the
default), so ``datasets.load_dataset(folder, name="<child>")`` reads one table;
``registry.load("name@1.0.0", table="<child>")`` and the SQL view ``"name@1.0.0/<child>"``
do the same. The manifest is a one-table build's (its ``splits`` and ``columns`` the
parent's) plus ``tables`` (each table's splits, rows and columns) and ``linked`` (which
table references which, by which column).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from registry._files import atomic_write_text
from registry._types import Progress
from registry.errors import GeneratorError
from registry.folders import MANIFEST, staged_folder
from registry.materialize import (
    CARD,
    FAILED_DIR,
    PLOTS,
    QUALITY,
    RECIPE_COPY,
    SCORE_ROWS,
    MaterializeResult,
    _check_versions,
    build_manifest,
    refuse_missed_gates,
    task_versions,
)
from registry.recipes import Recipe, load_recipe
from registry.validation import naming_recipe_file

if TYPE_CHECKING:
    import pyarrow as pa

    from registry._types import RegistryLike
    from registry.executors import Executor
    from registry.generators.linked import LinkedArgnGenerator
    from registry.linked_seeds import LinkedSeed
    from registry.quality.report import QualityReport
    from registry.shards import Shard


def is_linked(recipe: Recipe) -> bool:
    """Whether ``recipe`` builds linked tables (its seed has ``tables:``)."""
    return recipe.seed is not None and recipe.seed.linked


def materialize_linked(
    registry: RegistryLike,
    recipe_path: Path,
    *,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> MaterializeResult:
    """Build ``data/<name>/`` (and ``cards/<name>.md``) from a linked-tables recipe.

    Returns a :class:`MaterializeResult`; raises like :func:`registry.materialize.materialize`
    (:class:`RecipeError`, :class:`SeedError`, :class:`GeneratorError`,
    :class:`QualityGateFailed`), and in each case writes nothing.
    """
    from registry.context import build_context
    from registry.generators.linked import LinkedArgnGenerator
    from registry.linked_seeds import load_linked_seed
    from registry.modalities import check_seed_columns

    say = progress or (lambda _message: None)
    root = registry.root
    recipe = load_recipe(recipe_path)
    context = build_context(registry, progress=say)
    with naming_recipe_file(recipe_path):
        say(f"loading linked seed tables {', '.join(recipe.seed.tables or {})}")  # type: ignore[union-attr]
        seed = load_linked_seed(recipe, root=root, read_registry_version=context.read_version)
        check_seed_columns(recipe, [c for c in seed.parent.columns if c != seed.key])
        generator = LinkedArgnGenerator(
            recipe.generator,  # type: ignore[arg-type]  # links_tables: a kind: table config
            random_seed=recipe.random_seed,
            key=seed.key,
            link=seed.link,
            context=context,
        )
        say(
            f"fitting {recipe.generator.label} on {len(seed.parent.train):,} {seed.parent_name} "
            f"and {len(seed.child.train):,} {seed.child_name} rows"
        )
        generator.fit(seed.parent.train, seed.child.train)

    names = (seed.parent_name, seed.child_name)
    data_dir = root / "data" / recipe.name
    with staged_folder(data_dir) as staging:
        with naming_recipe_file(recipe_path):
            generator.save(staging, names=names)
            say(f"sampling {recipe.rows:,} {seed.parent_name} rows and their {seed.child_name}")
            written = write_linked_shards(
                generator, seed, recipe, staging / "data", executor=executor
            )
        say(f"scoring {len(written.samples[0]):,} {seed.parent_name} rows")
        report = _score(written, seed, recipe, plots_dir=staging / PLOTS)
        report = report.model_copy(
            update={"rows": recipe.rows, "scored_rows": len(written.samples[0])}
        )
        quality_text = report.model_dump_json(indent=2) + "\n"
        refuse_missed_gates(root, recipe_path, recipe, report, quality_text)
        say(f"writing {data_dir.relative_to(root)}")
        (staging / RECIPE_COPY).write_bytes(recipe_path.read_bytes())
        (staging / QUALITY).write_text(quality_text)
        card_args = {
            "names": names,
            "splits": written.splits,
            "schemas": written.schemas,
            "quality": report,
            "seed": seed,
            "library_versions": generator.library_versions(),
        }
        (staging / CARD).write_text(render_linked_card(recipe, **card_args))
        manifest = build_manifest(
            staging,
            recipe=recipe,
            recipe_path=recipe_path,
            seed=seed,
            split_rows=written.splits[names[0]],
            schema=written.schemas[0],
            nulls=written.nulls[0],
            hashes=written.hashes,
            library_versions=card_args["library_versions"],  # type: ignore[arg-type]
            sampling={
                "batch_rows": generator.batch_rows,
                "batches": written.batches,
                "scored_rows": len(written.samples[0]),
            },
            root=root,
        )
        manifest["tables"] = {
            name: {
                "rows": sum(info["rows"] for info in written.splits[name].values()),
                "splits": {split: info["rows"] for split, info in written.splits[name].items()},
                "columns": [
                    {"name": f.name, "type": str(f.type), "nulls": written.nulls[i].get(f.name, 0)}
                    for f in written.schemas[i]
                ],
            }
            for i, name in enumerate(names)
        }
        manifest["linked"] = {
            "parent": names[0],
            "child": names[1],
            "primary_key": seed.key,
            "foreign_key": {"column": seed.link, "references": names[0]},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    cards_dir = root / "cards"
    cards_dir.mkdir(exist_ok=True)
    git_card = render_linked_card(recipe, **card_args, assets=f"../data/{recipe.name}/")  # type: ignore[arg-type]
    atomic_write_text(cards_dir / f"{recipe.name}.md", git_card)
    atomic_write_text(cards_dir / f"{recipe.name}.quality.json", quality_text)
    (root / FAILED_DIR / f"{recipe.name}.quality.json").unlink(missing_ok=True)
    return MaterializeResult(data_dir, manifest, json.loads(quality_text))


def _score(
    written: _Written, seed: LinkedSeed, recipe: Recipe, *, plots_dir: Path
) -> QualityReport:
    from registry.quality.linked import score_linked

    parents, children = written.samples
    exact = parents is not None and len(parents) >= written.rows[0]
    return score_linked(
        names=(seed.parent_name, seed.child_name),
        keys=(seed.key, seed.link),
        real=(seed.parent.train, seed.child.train),
        holdout=(seed.parent.holdout, seed.child.holdout),
        synthetic=(parents, children),
        integrity=written.integrity,
        copies=None if exact else written.copies,
        target=recipe.target,
        gates=recipe.quality,
        generation_depth=seed.generation_depth,
        random_seed=recipe.random_seed,
        plots_dir=plots_dir,
    )


# --- shards -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Written:
    splits: dict[str, dict[str, dict[str, Any]]]  # table -> split -> rows, bytes, files
    schemas: tuple[pa.Schema, pa.Schema]
    samples: tuple[pd.DataFrame, pd.DataFrame]
    nulls: tuple[dict[str, int], dict[str, int]]
    copies: tuple[dict[str, int], dict[str, int]]
    integrity: dict[str, int]
    hashes: dict[str, str]
    batches: int
    rows: tuple[int, int]


@dataclass
class LinkedShardResult:
    """What writing one parent shard and its child shard hands back to the driver."""

    shard: Shard
    rows: tuple[int, int]
    bytes: tuple[int, int]
    sha256: tuple[str, str]
    sample: tuple[list[pd.DataFrame], list[pd.DataFrame]]
    copies: tuple[dict[str, int], dict[str, int]]
    nulls: tuple[dict[str, int], dict[str, int]]
    integrity: dict[str, int]
    versions: dict[str, str]


@dataclass
class LinkedShardTask:
    """Everything writing any shard pair of a linked build needs (what an executor ships)."""

    generator: LinkedArgnGenerator
    folder: Path
    names: tuple[str, str]
    total: int
    score_share: float
    schemas: tuple[pa.Schema, pa.Schema]
    counters: tuple[Any, Any]
    _last: tuple[int, tuple[pd.DataFrame, pd.DataFrame]] | None = field(default=None, repr=False)

    def __call__(self, shard: Shard) -> LinkedShardResult:
        return write_linked_shard(self, shard)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_last": None}

    @property
    def batch_rows(self) -> int:
        return int(self.generator.batch_rows)

    def batch(self, index: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self._last is not None and self._last[0] == index:
            return self._last[1]
        rows = min(self.batch_rows, self.total - index * self.batch_rows)
        parents, children = self.generator.sample_batch(index, rows)
        if len(parents) != rows:
            raise GeneratorError(
                f"linked tables: batch {index} has {len(parents)} parents, not {rows}"
            )
        self._last = (index, (parents, children))
        return parents, children

    def sample_rows(self, index: int) -> int:
        rows = min(self.batch_rows, self.total - index * self.batch_rows)
        return rows if self.score_share >= 1.0 else math.ceil(rows * self.score_share)


def write_linked_shards(
    generator: LinkedArgnGenerator,
    seed: LinkedSeed,
    recipe: Recipe,
    folder: Path,
    *,
    executor: Executor | None = None,
) -> _Written:
    """Sample every shard pair into ``folder/<parent>/`` and ``folder/<child>/``.

    Batch 0 fixes both schemas and the parents per shard (from the Arrow bytes of a parent
    with its children); the executor then writes the pairs, in shard order.
    """
    from registry.executors import LocalExecutor
    from registry.modalities import modality
    from registry.quality.privacy import CopyCounter
    from registry.shards import plan_shards, shard_rows, split_counts

    table = modality("table")
    names = (seed.parent_name, seed.child_name)
    for name in names:
        (folder / name).mkdir(parents=True, exist_ok=True)
    counters = (
        CopyCounter(seed.parent.train.drop(columns=[seed.key])),
        CopyCounter(seed.child.train.drop(columns=[seed.link])),
    )
    task = LinkedShardTask(
        generator=generator,
        folder=folder,
        names=names,
        total=recipe.rows,
        score_share=min(1.0, SCORE_ROWS / recipe.rows),
        schemas=None,  # type: ignore[arg-type]  # set from batch 0 below
        counters=counters,
    )
    parents, children = task.batch(0)
    if len(children) == 0:  # no child in batch 0: the seed's types stand in
        children = seed.child.train.head(0)
    first = (table.arrow_table(parents, None), table.arrow_table(children, None))
    task.schemas = (first[0].schema, first[1].schema)
    per_parent = pa_bytes(first) // max(1, first[0].num_rows)
    counts = split_counts(recipe.rows, recipe.splits)
    shards = plan_shards(counts, shard_rows(_RowsOf(first[0].num_rows, per_parent)))
    expected = task_versions(generator)  # type: ignore[arg-type]
    splits: dict[str, dict[str, dict[str, Any]]] = {
        name: {split: {"rows": 0, "bytes": 0, "files": []} for split in counts} for name in names
    }
    kept: tuple[list[pd.DataFrame], list[pd.DataFrame]] = ([], [])
    nulls = tuple(dict.fromkeys(s.names, 0) for s in task.schemas)
    copies: tuple[dict[str, int], dict[str, int]] = ({}, {})
    integrity: dict[str, int] = {}
    hashes: dict[str, str] = {}
    for result in (executor or LocalExecutor()).map(task, shards):
        _check_versions(result, expected)  # type: ignore[arg-type]
        for i, name in enumerate(names):
            info = splits[name][result.shard.split]
            info["rows"] += result.rows[i]
            info["bytes"] += result.bytes[i]
            info["files"].append(f"{name}/{result.shard.file}")
            hashes[f"{folder.name}/{name}/{result.shard.file}"] = result.sha256[i]
            kept[i].extend(result.sample[i])
            _add(copies[i], result.copies[i])
            _add(nulls[i], result.nulls[i])
        _add(integrity, result.integrity)
    for name in names:
        for stray in (folder / name).glob(".*.partial"):
            stray.unlink()
    samples = tuple(pd.concat(parts, ignore_index=True) for parts in kept)
    return _Written(
        splits=splits,
        schemas=task.schemas,
        samples=samples,  # type: ignore[arg-type]
        nulls=nulls,  # type: ignore[arg-type]
        copies=copies,
        integrity=integrity,
        hashes=hashes,
        batches=-(-recipe.rows // task.batch_rows),
        rows=(recipe.rows, sum(info["rows"] for info in splits[names[1]].values())),
    )


def write_linked_shard(task: LinkedShardTask, shard: Shard) -> LinkedShardResult:
    """Write a parent shard and the child shard of its parents' children (same file name)."""
    from registry.modalities import modality
    from registry.shards import batch_slices
    from registry.shards import write_shard as write_parquet

    table = modality("table")
    key, link = task.generator.key, task.generator.link
    parts: tuple[list[pd.DataFrame], list[pd.DataFrame]] = ([], [])
    sample: tuple[list[pd.DataFrame], list[pd.DataFrame]] = ([], [])
    integrity = {"children": 0, "orphans": 0, "duplicate_keys": 0}
    for index, first, stop in batch_slices(shard, task.batch_rows):
        parents, children = task.batch(index)
        mine = parents.iloc[first:stop]
        theirs = children[children[link].isin(mine[key])]
        parts[0].append(mine)
        parts[1].append(theirs)
        if first == 0:  # each batch's children are checked once, by the shard with its start
            integrity["children"] += len(children)
            integrity["orphans"] += int((~children[link].isin(parents[key])).sum())
            integrity["duplicate_keys"] += int(parents[key].duplicated().sum())
        take = min(stop, task.sample_rows(index))
        if first < take:
            picked = parents.iloc[first:take]
            sample[0].append(picked.copy())
            sample[1].append(children[children[link].isin(picked[key])].copy())
    results = []
    for i, name in enumerate(task.names):

        def tables(
            frames: list[pd.DataFrame] = parts[i], schema: Any = task.schemas[i]
        ) -> Iterator[pa.Table]:
            for frame in frames:
                yield table.arrow_table(frame.reset_index(drop=True), None, schema)

        results.append(write_parquet(task.folder / name / shard.file, task.schemas[i], tables()))
    frames = tuple(pd.concat(p, ignore_index=True) if p else None for p in parts)
    return LinkedShardResult(
        shard=shard,
        rows=tuple(0 if f is None else len(f) for f in frames),  # type: ignore[arg-type]
        bytes=(results[0][0], results[1][0]),
        sha256=(results[0][1], results[1][1]),
        sample=sample,
        copies=tuple(  # type: ignore[arg-type]
            {} if f is None else c.count(f) for f, c in zip(frames, task.counters, strict=True)
        ),
        nulls=tuple(  # type: ignore[arg-type]
            {} if f is None else {str(c): int(f[c].isna().sum()) for c in f.columns} for f in frames
        ),
        integrity=integrity,
        versions=task_versions(task.generator),  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class _RowsOf:
    """What :func:`registry.shards.shard_rows` reads of a first batch: rows and Arrow bytes."""

    num_rows: int
    per_row: int

    @property
    def nbytes(self) -> int:
        return self.num_rows * self.per_row


def pa_bytes(tables: tuple[pa.Table, pa.Table]) -> int:
    return sum(t.nbytes for t in tables)


def _add(totals: dict[str, int], counts: dict[str, int]) -> None:
    for name, count in counts.items():
        totals[name] = totals.get(name, 0) + count


# --- the card -------------------------------------------------------------------------------


def linked_front_matter(
    recipe: Recipe,
    *,
    names: tuple[str, str],
    splits: dict[str, dict[str, dict[str, Any]]],
    schemas: tuple[pa.Schema, pa.Schema],
) -> dict[str, Any]:
    """A one-table card's front matter with one config per table (the parent's the default)
    and a ``dataset_info`` entry per config."""
    from registry.cards import front_matter, hf_dtype

    meta = front_matter(recipe, splits=splits[names[0]], schema=schemas[0])
    meta["configs"] = [
        {
            "config_name": name,
            "data_files": [
                {"split": split, "path": f"data/{name}/{split}-*"} for split in splits[name]
            ],
            **({"default": True} if name == names[0] else {}),
        }
        for name in names
    ]
    meta["dataset_info"] = [
        {
            "config_name": name,
            "features": [{"name": f.name, "dtype": hf_dtype(f.type)} for f in schemas[i]],
            "splits": [
                {"name": split, "num_bytes": info["bytes"], "num_examples": info["rows"]}
                for split, info in splits[name].items()
            ],
            "download_size": sum(info["bytes"] for info in splits[name].values()),
            "dataset_size": sum(info["bytes"] for info in splits[name].values()),
        }
        for i, name in enumerate(names)
    ]
    return meta


def render_linked_card(
    recipe: Recipe,
    *,
    names: tuple[str, str],
    splits: dict[str, dict[str, dict[str, Any]]],
    schemas: tuple[pa.Schema, pa.Schema],
    quality: QualityReport,
    seed: LinkedSeed,
    library_versions: dict[str, str],
    assets: str = "",
) -> str:
    """The card of a linked version: pure, like :func:`registry.cards.render_card`."""
    from registry.cards import _quality_section, _reproducibility, _schema_table, _splits_table

    meta = yaml.safe_dump(
        linked_front_matter(recipe, names=names, splits=splits, schemas=schemas), sort_keys=False
    )
    parent, child = names
    usage = (
        "## Use it\n\n"
        f"Two tables, one config each: `{parent}` (the default) and `{child}`, whose "
        f"`{seed.link}` is a `{parent}.{seed.key}`.\n\n"
        "```python\n"
        "import registry\n"
        f'{child} = registry.load("{recipe.spec}", table="{child}")\n'
        f'{child} = registry.load("{recipe.spec}/{child}")  # the same\n\n'
        "import datasets\n"
        f'{child} = datasets.load_dataset("data/{recipe.name}", name="{child}")\n'
        "```\n\n"
        f'In SQL: `"{recipe.spec}/{parent}"` and `"{recipe.spec}/{child}"`.\n'
    )
    provenance = [
        "## Provenance\n",
        "| | |",
        "|---|---|",
        f"| generator | {recipe.generator.label}, linked: {parent} (flat) + {child} (sequences) |",
        f"| random seed | {recipe.random_seed} |",
        f"| generation depth | {seed.generation_depth} |",
        f"| content hash | {_reproducibility('torch' in library_versions)} |",
        f"| seed sha256 | `{seed.sha256}` |",
    ]
    for name, part in ((parent, seed.parent), (child, seed.child)):
        origin = f" ({part.origin})" if part.origin != part.source else ""
        provenance.append(
            f"| seed {name} | `{part.source}`{origin}: {len(part.train):,} train, "
            f"{len(part.holdout):,} held out |"
        )
    tables = []
    for i, name in enumerate(names):
        tables += [
            f"### {name}\n",
            _splits_table(splits[name]).replace("## Splits\n", ""),
            _schema_table(schemas[i]).replace("## Columns\n", ""),
        ]
    parts = [
        f"---\n{meta}---\n",
        f"# {recipe.card.pretty_name or recipe.name} {recipe.version}\n",
        f"{recipe.description}\n" if recipe.description else "",
        "Synthetic data made by Phantom from the recipe below. "
        "Every row was generated; none is a record of a real person or event.\n",
        usage,
        "\n".join(provenance) + "\n",
        "## Tables\n",
        *tables,
        _quality_section(quality, assets),
        _linked_section(quality, names),
        "## Recipe\n\n```yaml\n"
        + yaml.safe_dump(recipe.model_dump(mode="json", exclude_defaults=True), sort_keys=False)
        + "```\n",
    ]
    return "\n".join(part for part in parts if part)


def _linked_section(quality: QualityReport, names: tuple[str, str]) -> str:
    linked, tables = quality.linked or {}, quality.tables or {}
    lengths = linked.get("sequence_lengths", {})
    coherence = linked.get("coherence", {})
    integrity = linked.get("referential_integrity", {})
    lines = [
        "## Linked tables\n",
        "| table | overall | fidelity | privacy |",
        "|---|---:|---:|---:|",
    ]
    for name in names:
        report = tables.get(name, {})
        areas = report.get("areas", {})
        lines.append(
            f"| {name} | {_num(report.get('overall'))} | "
            f"{_num(areas.get('fidelity', {}).get('score'))} | "
            f"{_num(areas.get('privacy', {}).get('score'))} |"
        )
    real, synthetic = lengths.get("real", {}), lengths.get("synthetic", {})
    lines += [
        "",
        f"{names[1]} per {names[0]}: real mean {_num(real.get('mean'), 2)} (range "
        f"{real.get('min')}-{real.get('max')}), synthetic mean {_num(synthetic.get('mean'), 2)} "
        f"(range {synthetic.get('min')}-{synthetic.get('max')}); sequence-length score "
        f"{_num(lengths.get('score'), 3)} (1 - KS).",
        "",
        f"Parent-child coherence {_num(coherence.get('score'), 3)}: column pair trends between "
        f"each {names[0]} column and each aggregate of its {names[1]}, real vs synthetic "
        f"(aggregate shapes {_num(coherence.get('aggregate_shapes'), 3)}).",
        "",
        f"Referential integrity: {integrity.get('orphans', 0):,} of "
        f"{integrity.get('children', 0):,} {names[1]} rows reference no {names[0]} row "
        f"(share {_num(integrity.get('share'), 4)}); duplicate keys "
        f"{integrity.get('duplicate_parent_keys', 0)}.",
    ]
    pairs = coherence.get("pairs", [])[:6]
    if pairs:
        lines += ["", "| pair | metric | real | synthetic | score |", "|---|---|---:|---:|---:|"]
        lines += [
            f"| {' / '.join(p['columns'])} | {p['metric']} | {_num(p['real'], 3)} | "
            f"{_num(p['synthetic'], 3)} | {_num(p['score'], 3)} |"
            for p in pairs
        ]
    return "\n".join(lines) + "\n"


def _num(value: Any, digits: int = 1) -> str:
    return "n/a" if value is None else f"{float(value):.{digits}f}"


__all__ = [
    "LinkedShardTask",
    "is_linked",
    "linked_front_matter",
    "materialize_linked",
    "render_linked_card",
    "write_linked_shard",
    "write_linked_shards",
]
