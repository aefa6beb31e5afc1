"""What a reader of the registry browses: dataset and version listings, a version's card,
schema, scores and lineage, pages of its rows, per-column histograms and SQL results.

Pure functions over the registry they are handed (the :class:`~registry.core.Registry`
facade, typed as :class:`~registry._types.RegistryLike`) and its catalog, for the terminal UI
(``tui/``), ``phantom ls``/``phantom show`` and anything else that shows a registry to a
person: the shells format and draw, this module reads, so they can never disagree.
Everything but the rows of a version comes from the catalog (git), so it works for versions
whose data is not on this machine; :func:`local_folder` says whether it is, without
fetching, and :meth:`Registry.fetch` pulls it.

Nothing here imports Textual, and pandas is imported only by the histogram functions.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.errors import DatasetNotFound, PhantomError
from registry.versions import SemVer, Version

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from registry._types import RegistryLike

#: Rows a data page holds by default.
PAGE_ROWS = 200
#: Bars a categorical histogram shows before the rest become ``other``.
TOP_CATEGORIES = 8
_HASH_CHARS = 12  # hex digits of a short content hash
_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)]*)\)")


# --- datasets and versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetRow:
    """One dataset: its newest release (``latest``) and that release's rows and overall score.

    A dataset with a recipe and no release has ``latest`` None and the workspace's rows.
    """

    name: str
    latest: str | None
    releases: int
    rows: int | None
    overall: float | None
    generator: str | None
    description: str | None
    license: str | None
    recipe_version: str | None
    generation_depth: int | None
    latest_created: datetime | None
    workspace_status: str | None  # "released", "unreleased" or None (no data/<name>)


@dataclass(frozen=True)
class VersionRow:
    """One release as a listing shows it."""

    name: str
    version: str
    created: datetime | None
    rows: int | None
    content_hash: str
    overall: float | None
    areas: dict[str, float]
    generation_depth: int | None
    gates_passed: bool | None
    is_latest: bool
    generator: str | None
    rev: str

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def short_hash(self) -> str:
        """``sha256:`` and the first hex digits of the content hash ("" when unknown)."""
        digest = self.content_hash.removeprefix("sha256:")
        return f"{digest[:_HASH_CHARS]}" if digest else ""

    def to_version(self) -> Version:
        return Version(self.name, self.version, self.content_hash, rev=self.rev)


_VERSION_FIELDS = [
    "name",
    "version",
    "created",
    "rows",
    "content_hash",
    "quality_overall",
    "areas",
    "generation_depth",
    "gates_passed",
    "is_latest",
    "generator",
    "rev",
]


def dataset_rows(registry: RegistryLike) -> list[DatasetRow]:
    """Every dataset with a recipe or a release, by name; one refresh of the catalog."""
    catalog = registry.catalog()
    latest = catalog.latest_versions()  # not tables(): pyarrow would cost the first screen
    found = []
    for row in catalog.datasets():
        newest = latest.get(row["name"]) if row["latest"] else None
        found.append(
            DatasetRow(
                name=row["name"],
                latest=row["latest"],
                releases=int(row["releases"] or 0),
                rows=newest["rows"] if newest else row["workspace_rows"],
                overall=newest["quality_overall"] if newest else None,
                generator=row["generator"],
                description=row["description"],
                license=row["license"],
                recipe_version=row["recipe_version"],
                generation_depth=newest["generation_depth"] if newest else None,
                latest_created=row["latest_created"],
                workspace_status=row["workspace_status"],
            )
        )
    return found


def dataset_row(registry: RegistryLike, name: str) -> DatasetRow:
    """One dataset by name; raises :class:`DatasetNotFound` when it has no recipe or release."""
    for row in dataset_rows(registry):
        if row.name == name:
            return row
    raise DatasetNotFound(f"no dataset {name!r} has a recipe or a release; see 'phantom ls'")


def version_rows(registry: RegistryLike, name: str) -> list[VersionRow]:
    """The releases of dataset ``name``, newest first ([] when it has none)."""
    rows = [
        _version_row(row)
        for row in _table_rows(registry.catalog().tables()["versions"], _VERSION_FIELDS, name=name)
    ]
    return sorted(rows, key=lambda r: SemVer.parse(r.version), reverse=True)


def version_row(registry: RegistryLike, tag: str) -> VersionRow:
    """One release by its tag ``name@version``; raises :class:`DatasetNotFound`."""
    name, _, version = tag.partition("@")
    for row in version_rows(registry, name):
        if row.version == version:
            return row
    raise DatasetNotFound(f"{tag} is not released; see 'phantom show {name}'")


def _version_row(row: dict[str, Any]) -> VersionRow:
    return VersionRow(
        name=row["name"],
        version=row["version"],
        created=row["created"],
        rows=row["rows"],
        content_hash=row["content_hash"] or "",
        overall=row["quality_overall"],
        areas=dict(row["areas"] or ()),
        generation_depth=row["generation_depth"],
        gates_passed=row["gates_passed"],
        is_latest=bool(row["is_latest"]),
        generator=row["generator"],
        rev=row["rev"] or "",
    )


def _table_rows(table: pa.Table, columns: list[str], **equal: Any) -> list[dict[str, Any]]:
    """Rows of an Arrow catalog table as dicts, only ``columns``, where each ``equal`` holds.

    Filtered in Python: catalog tables are small, and ``pyarrow.compute`` costs a quarter of
    a second to import, which the first screen of the TUI would wait for.
    """
    wanted = list(dict.fromkeys([*columns, *equal]))
    rows = table.select(wanted).to_pylist()
    if equal:
        rows = [r for r in rows if all(r[k] == v for k, v in equal.items())]
    return [{k: r[k] for k in columns} for r in rows] if len(wanted) > len(columns) else rows


# --- one version -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaColumn:
    """A column of a version: Arrow type, null share (once fetched) and its scores."""

    position: int
    name: str
    type: str | None
    null_share: float | None
    scores: dict[str, float]


@dataclass(frozen=True)
class ColumnScore:
    """A per-column score of the quality report (fidelity column shape or conformance)."""

    column: str
    score: float
    metric: str
    section: str


@dataclass(frozen=True)
class LineageStep:
    """One step of a version's ancestry: a real seed, a sampler (no seed), or a version."""

    kind: str  # "seed" | "sampler" | "version"
    label: str  # the seed source, "sampler", or the tag
    generation_depth: int | None = None
    tag: str | None = None  # for kind == "version"


@dataclass(frozen=True)
class Lineage:
    """Where a version comes from (oldest first, ending with the version) and what it seeds."""

    steps: list[LineageStep]
    children: list[str]

    @property
    def generation_depth(self) -> int | None:
        return self.steps[-1].generation_depth if self.steps else None


@dataclass(frozen=True)
class VersionDetail:
    """Everything about a release that needs no data: listing row, card, scores, recipe."""

    row: VersionRow
    card: str  # the card's Markdown body (front matter removed), "" when the tag has none
    card_meta: dict[str, Any]
    quality: dict[str, Any]
    recipe: dict[str, Any]
    schema: list[SchemaColumn]
    splits: dict[str, int]
    column_scores: list[ColumnScore]
    lineage: Lineage
    seed_source: str | None
    seed_sha256: str | None = None  # the seed's bytes when the version was built

    @property
    def tag(self) -> str:
        return self.row.tag

    @property
    def version(self) -> Version:
        return self.row.to_version()


def version_detail(registry: RegistryLike, tag: str) -> VersionDetail:
    """The card, scores, recipe, schema and lineage of release ``tag``, read from the catalog
    and git (never from the data, so it works for versions that are not on this machine).

    Raises :class:`DatasetNotFound` when ``tag`` is not released.
    """
    from registry.catalog import read_card

    catalog = registry.catalog()
    tables = catalog.tables()
    records = _table_rows(
        tables["versions"],
        [*_VERSION_FIELDS, "quality", "recipe", "seed_source", "seed_sha256", "splits"],
        tag=tag,
    )
    if not records:
        name = tag.partition("@")[0]
        raise DatasetNotFound(f"{tag} is not released; see 'phantom show {name}'")
    record = records[0]
    row = _version_row(record)
    meta, body = read_card(registry.root, row.rev, row.name)
    quality = _json(record["quality"])
    schema = [
        SchemaColumn(
            position=r["position"],
            name=r["column_name"],
            type=r["type"],
            null_share=r["null_share"],
            scores=dict(r["scores"] or ()),
        )
        for r in sorted(
            _table_rows(
                tables["columns"],
                ["position", "column_name", "type", "null_share", "scores"],
                tag=tag,
            ),
            key=lambda r: r["position"],
        )
    ]
    return VersionDetail(
        row=row,
        card=body.lstrip("\n"),
        card_meta=meta,
        quality=quality,
        recipe=_json(record["recipe"]),
        schema=schema,
        splits=dict(record["splits"] or ()),
        column_scores=column_scores(quality),
        lineage=_lineage(tables["lineage"], tables["versions"], row),
        seed_source=record["seed_source"],
        seed_sha256=record["seed_sha256"],
    )


def card_for_terminal(card: str) -> str:
    """A card body with its images (plots a terminal cannot show) replaced by a note."""
    return _IMAGE.sub(lambda m: f"*[plot: {m.group('alt') or m.group('src')}]*", card)


def column_scores(quality: dict[str, Any]) -> list[ColumnScore]:
    """Per-column scores of a quality.json, worst first (ties by name).

    Fidelity column shapes for seeded recipes (metric from ``worst_columns`` where listed),
    conformance to the declared distribution for samplers. [] when neither is there.
    """
    from registry.catalog import score_number

    metrics = {
        d.get("column"): d.get("metric")
        for d in quality.get("worst_columns") or ()
        if isinstance(d, dict)
    }
    found: list[ColumnScore] = []
    fidelity = quality.get("fidelity")
    if isinstance(fidelity, dict) and isinstance(fidelity.get("columns"), dict):
        for column, value in fidelity["columns"].items():
            score = score_number(value)
            if score is not None:
                found.append(
                    ColumnScore(str(column), score, str(metrics.get(column) or "shape"), "fidelity")
                )
    conformance = quality.get("conformance")
    if not found and isinstance(conformance, dict) and isinstance(conformance.get("columns"), dict):
        for column, value in conformance["columns"].items():
            score = score_number(value)
            metric = value.get("test") if isinstance(value, dict) else None
            if score is not None:
                found.append(ColumnScore(str(column), score, str(metric or "-"), "conformance"))
    return sorted(found, key=lambda c: (c.score, c.column))


def _lineage(table: pa.Table, versions: pa.Table, row: VersionRow) -> Lineage:
    columns = ["tag", "parent_kind", "source", "parent_tag", "generation_depth"]
    links = {r["tag"]: r for r in _table_rows(table, columns)}
    depths = {
        r["tag"]: r["generation_depth"] for r in _table_rows(versions, ["tag", "generation_depth"])
    }
    steps: list[LineageStep] = []
    tag: str | None = row.tag
    seen: set[str] = set()
    while tag is not None and tag not in seen:
        seen.add(tag)
        link = links.get(tag)
        steps.append(LineageStep("version", tag, depths.get(tag), tag))
        if link is None:
            steps.append(LineageStep("sampler", "sampler (no seed)", None))
            break
        if link["parent_kind"] == "version":
            if link["parent_tag"] is None:  # a registry: seed that is no longer released
                steps.append(LineageStep("seed", str(link["source"]), None))
                break
            tag = link["parent_tag"]
            continue
        steps.append(LineageStep("seed", str(link["source"]), None))
        break
    children = sorted(r["tag"] for r in links.values() if r["parent_tag"] == row.tag)
    return Lineage(steps=steps[::-1], children=children)


# --- a version's data ------------------------------------------------------------------------


def local_folder(registry: RegistryLike, version: Version) -> Path | None:
    """The folder holding ``version``'s files on this machine, or None; fetches nothing.

    The workspace ``data/<name>`` when its manifest has the version's content hash, else the
    verified copy :meth:`Registry.fetch` keeps in the user cache. Files are not re-hashed
    here: :meth:`Registry.fetch` verifies them when the data is read.
    """
    from registry.folders import MANIFEST, cached_version_dir, manifest_hash

    workspace = registry.root / "data" / version.name
    if manifest_hash(workspace) == version.content_hash:
        return workspace
    cached = cached_version_dir(version)
    return cached if (cached / MANIFEST).is_file() else None


def read_manifest(folder: Path) -> dict[str, Any]:
    """The ``manifest.json`` of a version folder ({} when it cannot be read)."""
    try:
        return json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class DataPage:
    """Rows ``offset`` .. ``offset + len(rows)`` of a version (all splits, in split order),
    each with its ``split`` first; ``total`` is the version's row count."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    offset: int
    total: int
    #: The ClassLabel names of an image dataset's ``label`` column (None for tables).
    label_names: list[str] | None = None
    #: The PNG grid of sample images saved with an image dataset, if there is one.
    image_grid: Path | None = None

    @property
    def images(self) -> bool:
        return self.label_names is not None and "image" in self.columns

    @property
    def end(self) -> int:
        return self.offset + len(self.rows)

    @property
    def more(self) -> bool:
        return self.end < self.total


@dataclass
class _RowGroups:
    """The parquet shards of a folder as (split, path, row group, rows) spans."""

    columns: list[str]
    spans: list[tuple[str, Path, int, int]]
    total: int
    label_names: list[str] | None = None


_GROUPS: OrderedDict[tuple[str, str], _RowGroups] = OrderedDict()
_DECODED: OrderedDict[tuple[str, int], pa.Table] = OrderedDict()
_DATA_LOCK = threading.Lock()
_MAX_DECODED = 4


def data_page(folder: Path, *, offset: int = 0, limit: int = PAGE_ROWS) -> DataPage:
    """Rows ``offset`` .. ``offset + limit`` of the version in ``folder``, read lazily.

    Only the parquet row groups that hold those rows are decoded (the last few are kept, so
    paging through a row group decodes it once). Values are Python objects. Raises nothing
    for an offset past the end (the page is empty).
    """
    import pyarrow as pa

    groups = _row_groups(folder)
    offset = max(0, offset)
    parts: list[pa.Table] = []
    start = 0
    for split, path, index, rows in groups.spans:
        stop = start + rows
        if stop > offset and start < offset + limit:
            table = _decoded(path, index)
            lo = max(0, offset - start)
            hi = min(rows, offset + limit - start)
            part = table.slice(lo, hi - lo)
            parts.append(part.add_column(0, "split", pa.array([split] * part.num_rows)))
        if stop >= offset + limit:
            break
        start = stop
    columns = ["split", *groups.columns]
    rows_out: list[tuple[Any, ...]] = []
    for part in parts:
        data = part.to_pydict()
        missing = [None] * part.num_rows  # a column another shard has and this one lacks
        values = [data.get(c, missing) for c in columns]
        rows_out.extend(zip(*values, strict=True))
    grid = folder / "plots" / "synthetic_samples.png"
    return DataPage(
        columns=columns,
        rows=rows_out,
        offset=offset,
        total=groups.total,
        label_names=groups.label_names,
        image_grid=grid if groups.label_names is not None and grid.is_file() else None,
    )


def browsed_shards(folder: Path) -> dict[str, list[Path]]:
    """The shards by split that browsing reads: a one-table version's, or the parent table's
    of linked tables (their default config; the child is a SQL view and a ``table=`` load)."""
    from registry.folders import version_shards, version_tables

    shards = version_shards(folder)
    tables = version_tables(folder)
    if not tables:
        return shards
    prefix = f"{tables[0]}/"
    return {k.removeprefix(prefix): v for k, v in shards.items() if k.startswith(prefix)}


def _row_groups(folder: Path) -> _RowGroups:
    import pyarrow.parquet as pq

    from registry.folders import fingerprint

    key = (str(folder), fingerprint(folder))
    with _DATA_LOCK:
        if key in _GROUPS:
            _GROUPS.move_to_end(key)
            return _GROUPS[key]
    from registry.images import class_names_of_schema

    columns: list[str] = []
    spans: list[tuple[str, Path, int, int]] = []
    label_names: list[str] | None = None
    for split, files in browsed_shards(folder).items():
        for path in files:
            meta = pq.ParquetFile(path).metadata
            schema = meta.schema.to_arrow_schema()
            label_names = label_names or class_names_of_schema(schema)
            for name in schema.names:
                if name not in columns:
                    columns.append(name)
            for index in range(meta.num_row_groups):
                spans.append((split, path, index, meta.row_group(index).num_rows))
    groups = _RowGroups(columns, spans, sum(span[3] for span in spans), label_names)
    with _DATA_LOCK:
        _GROUPS[key] = groups
        while len(_GROUPS) > 16:
            _GROUPS.popitem(last=False)
    return groups


def _decoded(path: Path, index: int) -> pa.Table:
    import pyarrow.parquet as pq

    key = (str(path), index)
    with _DATA_LOCK:
        if key in _DECODED:
            _DECODED.move_to_end(key)
            return _DECODED[key]
    table = pq.ParquetFile(path).read_row_group(index)
    with _DATA_LOCK:
        _DECODED[key] = table
        while len(_DECODED) > _MAX_DECODED:
            _DECODED.popitem(last=False)
    return table


# --- histograms ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Histogram:
    """Real and synthetic shares of rows per bin of one column, on shared bins.

    ``labels`` name the bins (categories, or bin centres as text); ``centers`` are the
    numeric centres of number and datetime bins (nanoseconds for datetimes), None for
    categories. ``real`` is None when there is no real data (a sampler recipe).
    """

    column: str
    kind: str
    labels: list[str]
    centers: list[float] | None
    synthetic: list[float]
    real: list[float] | None
    notes: list[str] = field(default_factory=list)


def histogram(real: pd.Series | None, synthetic: pd.Series, *, kind: str) -> Histogram:
    """Shares of rows per bin for a real and a synthetic column (pure).

    Bins follow the version's quality plots: shared equal-width bins for numbers and
    datetimes (one per value for small whole numbers; tails cut at the 0.5 and 99.5
    percentiles when they would squash the rest, end bins then counting the cut rows), and
    the most frequent categories (the rest as ``other``, nulls as ``(null)``) for categorical
    and boolean columns. ``id`` columns (keys, uuids, free text) get no bins, and a note.
    """
    import numpy as np

    from registry.quality.plots import as_float, category_shares, histogram_edges

    name = str(synthetic.name)
    sides = [s for s in (real, synthetic) if s is not None]
    notes: list[str] = []
    if kind == "id":
        return Histogram(name, kind, [], None, [], None if real is None else [], ["identifier"])
    if kind in ("numerical", "datetime"):
        values = [as_float(s, kind) for s in sides]
        finite = [v[np.isfinite(v)] for v in values]
        combined = np.concatenate(finite) if finite else np.array([])
        if combined.size == 0:
            empty: list[float] = []
            return Histogram(name, kind, [], [], empty, None if real is None else [], ["no values"])
        edges, clipped = histogram_edges(combined, whole=kind == "numerical")
        if clipped:
            notes.append("tails cut at 0.5-99.5%")
        shares = [
            (np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)[0] / max(v.size, 1)).tolist()
            for v in finite
        ]
        centers = ((edges[:-1] + edges[1:]) / 2).tolist()
        labels = [_center_label(c, kind) for c in centers]
        return Histogram(
            name,
            kind,
            labels,
            centers,
            shares[-1],
            shares[0] if real is not None else None,
            notes,
        )
    category_shares = [category_shares(s) for s in sides]
    total: dict[str, float] = {}
    for shares in category_shares:
        for label, share in shares.items():
            total[str(label)] = total.get(str(label), 0.0) + float(share)
    order = sorted(total, key=lambda label: (-round(total[label], 12), label))
    top = order[:TOP_CATEGORIES]
    other = len(order) > TOP_CATEGORIES + 1
    if not other:
        top = order
    labels = [*top, f"other ({len(order) - len(top)})"] if other else list(top)

    def side(shares: pd.Series) -> list[float]:
        heights = [float(shares.get(label, 0.0)) for label in top]
        if other:
            heights.append(max(0.0, 1.0 - sum(heights)))
        return heights

    bars = [side(s) for s in category_shares]
    return Histogram(
        name, kind, labels, None, bars[-1], bars[0] if real is not None else None, notes
    )


def _center_label(center: float, kind: str) -> str:
    if kind == "datetime":
        return datetime.fromtimestamp(center / 1e9, UTC).strftime("%Y-%m-%d")
    if center == int(center) and abs(center) < 1e15:
        return str(int(center))
    return f"{center:.4g}"


class ColumnHistograms:
    """Histograms of one version's columns against its real seed rows, read once and kept.

    The synthetic side is the version's rows (all splits); the real side is the train part of
    the seed the recipe names, split as the build split it (what the quality report compared
    with). A sampler recipe has no real side. When the seed's bytes moved since the version
    was built (its sha256 differs from the manifest's), histograms carry a note saying so.
    """

    def __init__(self, registry: RegistryLike, version: Version, folder: Path) -> None:
        self.registry = registry
        self.version = version
        self.folder = folder
        self._real: pd.DataFrame | None = None
        self._real_read = False
        self._kinds: dict[str, str] | None = None
        self.notes: list[str] = []
        self.real_source: str | None = None

    def columns(self) -> list[str]:
        return list(_row_groups(self.folder).columns)

    def histogram(self, column: str) -> Histogram:
        """The histogram of ``column``; raises :class:`DatasetNotFound` for an unknown one."""
        import pandas as pd
        import pyarrow.parquet as pq

        if column not in self.columns():
            raise DatasetNotFound(f"{self.version.tag} has no column {column!r}")
        parts = [
            pq.read_table(path, columns=[column]).column(0).to_pandas()
            for files in browsed_shards(self.folder).values()
            for path in files
        ]
        synthetic = pd.concat(parts, ignore_index=True) if parts else pd.Series([], dtype=float)
        synthetic.name = column
        real_frame = self._real_rows()
        real = (
            real_frame[column] if real_frame is not None and column in real_frame.columns else None
        )
        kind = self._kind(column, real, synthetic)
        result = histogram(real, synthetic, kind=kind)
        return Histogram(
            result.column,
            result.kind,
            result.labels,
            result.centers,
            result.synthetic,
            result.real,
            [*result.notes, *self.notes],
        )

    def _kind(self, column: str, real: pd.Series | None, synthetic: pd.Series) -> str:
        from registry.quality.fidelity import column_kinds

        if self._kinds is None:
            real_frame = self._real_rows()
            if real_frame is not None:
                self._kinds = {str(k): v for k, v in column_kinds(real_frame).items()}
            else:
                self._kinds = {}
        if column not in self._kinds:
            frame = (real if real is not None else synthetic).to_frame()
            self._kinds[column] = str(column_kinds(frame)[column])
        return self._kinds[column]

    def _real_rows(self) -> pd.DataFrame | None:
        if self._real_read:
            return self._real
        self._real_read = True
        import yaml

        from registry.context import read_version_frame
        from registry.recipes import parse_recipe
        from registry.seeds import load_seed

        path = self.folder / "recipe.yaml"
        try:
            recipe = parse_recipe(yaml.safe_load(path.read_text()), source=path)
        except (OSError, yaml.YAMLError, PhantomError) as exc:
            self.notes.append(f"recipe unreadable: {exc}")
            return None
        if recipe.seed is None or recipe.seed.source is None:  # none, or linked tables
            return None
        self.real_source = recipe.seed.source
        try:
            seed = load_seed(
                recipe.seed,
                root=self.registry.root,
                random_seed=recipe.random_seed,
                read_registry_version=lambda spec: read_version_frame(self.registry, spec),
            )
        except PhantomError as exc:
            self.notes.append(f"real data unavailable: {exc}")
            return None
        recorded = (read_manifest(self.folder).get("seed") or {}).get("sha256")
        if recorded and recorded != seed.sha256:
            self.notes.append("the seed changed since this version was built")
        self._real = seed.train
        return self._real


# --- SQL ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    """Column names, up to ``limit`` rows, whether more were left out, and the time taken."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    more: bool
    seconds: float


def run_query(registry: RegistryLike, sql: str, *, limit: int = 1000) -> QueryResult:
    """Run a read-only query (see :meth:`Registry.sql`) and fetch up to ``limit`` rows.

    Raises :class:`CatalogError` (bad SQL, refused statement), :class:`DatasetNotFound` or
    :class:`VersionSpecError` (a view naming nothing released), or the fetch's errors.
    """
    from registry.catalog import result_rows

    start = time.perf_counter()
    columns, rows, more = result_rows(registry.sql(sql), limit=limit)
    return QueryResult(columns, rows, more, time.perf_counter() - start)


# --- helpers -----------------------------------------------------------------------------------


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


__all__ = [
    "PAGE_ROWS",
    "ColumnHistograms",
    "ColumnScore",
    "DataPage",
    "DatasetRow",
    "Histogram",
    "Lineage",
    "LineageStep",
    "QueryResult",
    "SchemaColumn",
    "VersionDetail",
    "VersionRow",
    "card_for_terminal",
    "column_scores",
    "data_page",
    "dataset_row",
    "dataset_rows",
    "histogram",
    "local_folder",
    "read_manifest",
    "run_query",
    "version_detail",
    "version_row",
    "version_rows",
]
