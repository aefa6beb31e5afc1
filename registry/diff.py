"""What changed between two versions: schema, rows, distributions, scores and recipe fields.

:func:`load_version` reads what a diff needs from a verified version folder (manifest, scores,
recipe and rows); :func:`diff_versions` is pure: two loaded versions in, a :class:`VersionDiff`
out. Distribution shift per column is ``1 -`` the column-shape similarity the quality report
uses (KSComplement for numbers and datetimes, TVComplement for categories, see
:mod:`registry.quality.fidelity`), computed between the two versions' rows over all splits;
``id``-like columns are compared by type and null share only.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.versions import Version

if TYPE_CHECKING:
    import pandas as pd

    from registry._types import VersionSource

#: Rows per version that distribution shift looks at: evenly spaced rows beyond this.
MAX_ROWS = 1_000_000
_SHAPE_METRICS = {
    "numerical": "KSComplement",
    "datetime": "KSComplement",
    "categorical": "TVComplement",
    "boolean": "TVComplement",
}
_SKIP_SCORES = {"format", "rows", "real_rows", "holdout_rows", "generation_depth"}


@dataclass(frozen=True)
class LoadedVersion:
    """One version as a diff sees it: its files' metadata and (up to MAX_ROWS of) its rows."""

    version: Version
    manifest: dict[str, Any]
    quality: dict[str, Any]
    recipe: dict[str, Any]
    frame: pd.DataFrame


@dataclass(frozen=True)
class Change:
    """One value that differs: ``old``/``new`` are None where the key is missing on that side."""

    key: str
    old: Any
    new: Any

    @property
    def delta(self) -> float | None:
        if _is_number(self.old) and _is_number(self.new):
            return float(self.new) - float(self.old)
        return None


@dataclass(frozen=True)
class SchemaChange:
    """A column added, removed, or whose Arrow type changed."""

    column: str
    change: str  # "added" | "removed" | "type"
    old_type: str | None
    new_type: str | None


@dataclass(frozen=True)
class ColumnShift:
    """How one shared column's distribution moved between the versions."""

    column: str
    kind: str
    metric: str | None
    similarity: float | None  # 1.0 = same distribution
    old_null_share: float | None
    new_null_share: float | None
    old_mean: float | None = None
    new_mean: float | None = None

    @property
    def shift(self) -> float | None:
        return None if self.similarity is None else 1.0 - self.similarity


@dataclass(frozen=True)
class VersionDiff:
    """Everything that differs between ``old`` and ``new`` (tags)."""

    old: str
    new: str
    same_content: bool
    schema: list[SchemaChange] = field(default_factory=list)
    rows: list[Change] = field(default_factory=list)
    columns: list[ColumnShift] = field(default_factory=list)
    scores: list[Change] = field(default_factory=list)
    params: list[Change] = field(default_factory=list)
    compared_rows: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (what ``phantom diff --json`` prints)."""
        data = asdict(self)
        data["columns"] = [{**asdict(c), "shift": c.shift} for c in self.columns]
        data["scores"] = [{**asdict(c), "delta": c.delta} for c in self.scores]
        return json.loads(json.dumps(data, default=str))

    def lines(self) -> list[str]:
        """The diff as text, one section per kind of change."""
        out = [f"{self.old} -> {self.new}" + ("  (same content)" if self.same_content else "")]
        out.append("schema:" if self.schema else "schema: unchanged")
        for s in self.schema:
            detail = {
                "added": f"+ {s.column} {s.new_type}",
                "removed": f"- {s.column} {s.old_type}",
                "type": f"~ {s.column} {s.old_type} -> {s.new_type}",
            }[s.change]
            out.append(f"  {detail}")
        out.append("rows:")
        for c in self.rows:
            out.append(f"  {c.key:<24} {_fmt(c.old):>12} -> {_fmt(c.new):<12} {_signed(c.delta)}")
        old_n, new_n = self.compared_rows
        out.append(f"distribution shift (1 - similarity; {old_n:,} vs {new_n:,} rows):")
        for s in sorted(self.columns, key=lambda c: -(c.shift or 0.0)):
            means = (
                f"  mean {_fmt(s.old_mean)} -> {_fmt(s.new_mean)}"
                if s.old_mean is not None or s.new_mean is not None
                else ""
            )
            nulls = (
                f"  nulls {_fmt(s.old_null_share)} -> {_fmt(s.new_null_share)}"
                if s.old_null_share != s.new_null_share
                else ""
            )
            shift = "n/a" if s.shift is None else f"{s.shift:.4f}"
            out.append(f"  {s.column:<24} {shift:>8}  {s.metric or s.kind}{means}{nulls}")
        out.append("scores:" if self.scores else "scores: unchanged")
        for c in self.scores:
            out.append(f"  {c.key:<40} {_fmt(c.old):>10} -> {_fmt(c.new):<10} {_signed(c.delta)}")
        out.append("recipe:" if self.params else "recipe: unchanged")
        for c in self.params:
            out.append(f"  {c.key}: {_show(c.old)} -> {_show(c.new)}")
        return out


# --- loading ---------------------------------------------------------------------------------


def load_version(version: Version, folder: Path) -> LoadedVersion:
    """Read a verified version folder: manifest, quality.json, recipe.yaml and its rows.

    Rows of every split are concatenated; beyond :data:`MAX_ROWS` evenly spaced rows are
    kept. Raises ``OSError``/``ValueError`` only for a folder that was not verified.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    from registry.folders import version_shards

    manifest = json.loads((folder / "manifest.json").read_text())
    quality_path = folder / "quality.json"
    quality = json.loads(quality_path.read_text()) if quality_path.exists() else {}
    recipe_path = folder / "recipe.yaml"
    recipe = yaml.safe_load(recipe_path.read_text()) if recipe_path.exists() else {}
    tables = [pq.read_table(f) for files in version_shards(folder).values() for f in files]
    table = pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
    if table.num_rows > MAX_ROWS:
        step = table.num_rows / MAX_ROWS
        table = table.take(pa.array([int(i * step) for i in range(MAX_ROWS)]))
    return LoadedVersion(version, manifest, quality or {}, recipe or {}, table.to_pandas())


# --- the diff ---------------------------------------------------------------------------------


def diff_releases(source: VersionSource, old: str, new: str) -> VersionDiff:
    """What changed between the released versions ``old`` and ``new`` (two specs) of ``source``.

    Both are resolved and fetched verified first; raises :class:`DatasetNotFound` or
    :class:`IntegrityError` as :meth:`Registry.fetch` does.
    """
    a, b = source.resolve(old), source.resolve(new)
    return diff_versions(load_version(a, source.fetch(a)), load_version(b, source.fetch(b)))


def diff_versions(old: LoadedVersion, new: LoadedVersion) -> VersionDiff:
    """Compare two loaded versions; pure (reads nothing, writes nothing)."""
    return VersionDiff(
        old=old.version.tag,
        new=new.version.tag,
        same_content=bool(old.version.content_hash)
        and old.version.content_hash == new.version.content_hash,
        schema=schema_changes(old.manifest, new.manifest),
        rows=row_changes(old.manifest, new.manifest),
        columns=column_shifts(old.frame, new.frame),
        scores=score_changes(old.quality, new.quality),
        params=changed(flatten(old.recipe), flatten(new.recipe)),
        compared_rows=(len(old.frame), len(new.frame)),
    )


def schema_changes(old: dict[str, Any], new: dict[str, Any]) -> list[SchemaChange]:
    """Columns added, removed or retyped, in the new version's column order."""
    before = {c["name"]: c.get("type") for c in old.get("columns") or ()}
    after = {c["name"]: c.get("type") for c in new.get("columns") or ()}
    changes = [SchemaChange(name, "removed", kind, None) for name, kind in before.items()]
    changes = [c for c in changes if c.column not in after]
    for name, kind in after.items():
        if name not in before:
            changes.append(SchemaChange(name, "added", None, kind))
        elif before[name] != kind:
            changes.append(SchemaChange(name, "type", before[name], kind))
    return changes


def row_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Total rows and rows per split (every split of either side, changed or not)."""
    rows = [Change("total", old.get("rows"), new.get("rows"))]
    before, after = old.get("splits") or {}, new.get("splits") or {}
    for split in [*before, *(s for s in after if s not in before)]:
        rows.append(Change(f"split {split}", before.get(split), after.get(split)))
    return rows


def column_shifts(old: pd.DataFrame, new: pd.DataFrame) -> list[ColumnShift]:
    """Per shared column: shape similarity between the versions, null shares and means."""
    import pandas as pd

    from registry.quality.fidelity import column_kinds, column_shapes

    shared = [c for c in old.columns if c in set(new.columns)]
    if not shared:
        return []
    kinds = column_kinds(old[shared])
    scores = column_shapes(old[shared], new[shared], kinds)
    shifts = []
    for name in shared:
        kind = kinds[name]
        numeric = kind == "numerical" and pd.api.types.is_numeric_dtype(old[name])
        numeric = numeric and pd.api.types.is_numeric_dtype(new[name])
        shifts.append(
            ColumnShift(
                column=str(name),
                kind=kind,
                metric=_SHAPE_METRICS.get(kind),
                similarity=_finite(scores.get(name)),
                old_null_share=_null_share(old[name]),
                new_null_share=_null_share(new[name]),
                old_mean=_finite(old[name].mean()) if numeric else None,
                new_mean=_finite(new[name].mean()) if numeric else None,
            )
        )
    return shifts


def score_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Headline scores that differ: overall, area scores, section figures, per-column scores."""
    return changed(headline_scores(old), headline_scores(new))


def headline_scores(quality: dict[str, Any]) -> dict[str, Any]:
    """``overall``, ``areas.<area>``, ``<section>.<figure>``, ``<section>.columns.<column>``,
    ``gates.<gate>`` (pass/fail) from a quality.json of any format (unknown parts are skipped).
    """
    found: dict[str, Any] = {}
    for key, value in quality.items():
        if key in _SKIP_SCORES:
            continue
        if _is_number(value):
            found[key] = value
        elif key == "areas" and isinstance(value, dict):
            for area, score in value.items():
                number = score.get("score") if isinstance(score, dict) else score
                if _is_number(number):
                    found[f"areas.{area}"] = number
        elif key == "gates" and isinstance(value, list):
            for gate in value:
                if isinstance(gate, dict) and "gate" in gate and "passed" in gate:
                    found[f"gates.{gate['gate']}"] = "pass" if gate["passed"] else "FAIL"
        elif isinstance(value, dict):
            for figure, number in value.items():
                if figure in _SKIP_SCORES:
                    continue
                if _is_number(number):
                    found[f"{key}.{figure}"] = number
                elif figure == "columns" and isinstance(number, dict):
                    for column, score in number.items():
                        score = score.get("score") if isinstance(score, dict) else score
                        if _is_number(score):
                            found[f"{key}.columns.{column}"] = score
    return found


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted keys for nested mappings; lists of named mappings are keyed ``[name]``."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat or ({prefix: {}} if prefix else {})
    if (
        isinstance(value, list)
        and value
        and all(isinstance(item, dict) and isinstance(item.get("name"), str) for item in value)
        and len({item["name"] for item in value}) == len(value)
    ):
        flat = {}
        for item in value:
            rest = {k: v for k, v in item.items() if k != "name"}
            flat.update(flatten(rest, f"{prefix}[{item['name']}]"))
        return flat
    return {prefix: value}


def changed(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The keys whose values differ (missing on one side counts), old keys first."""
    keys = [*old, *(k for k in new if k not in old)]
    return [Change(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


# --- helpers -----------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _null_share(column: pd.Series) -> float | None:
    return float(column.isna().mean()) if len(column) else None


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _signed(delta: float | None) -> str:
    if delta is None or delta == 0:
        return ""
    return f"({delta:+,.4g})"


def _show(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value, default=str)


__all__ = [
    "MAX_ROWS",
    "Change",
    "ColumnShift",
    "LoadedVersion",
    "SchemaChange",
    "VersionDiff",
    "changed",
    "diff_releases",
    "diff_versions",
    "flatten",
    "headline_scores",
    "load_version",
]
