"""Scores of linked tables: each table's own report, the sequence lengths, and whether the
children still fit their parents.

A parent/child pair (customers and their transactions) is scored three ways:

Each table
    :func:`registry.quality.report.score_tables` on the parent table and on the child table
    (key columns left out: they are positions, not data), each against its own real train
    rows and holdout (the child's holdout is the held-out parents' children).
Sequence lengths
    Children per parent, every parent counted (zero included): real train parents against
    the synthetic parents. Score ``1 - KS`` (the column-shape score of a number), with the
    mean, median and range of both sides.
Parent-child coherence
    One row per parent: its attributes beside aggregates of its children (how many, the mean
    of each numeric child column, the most common value of each other one). The contingency
    similarity (SDMetrics' pair trend of two categories) of every pair of a parent attribute
    and a child aggregate, real against synthetic, averaged, with each numeric aggregate cut
    on the real side's deciles on both sides (:func:`shared_bins`); and the column shapes of
    the aggregates. A model that drew children ignoring their parent keeps
    the shapes and loses the pairs.
Referential integrity
    Every synthetic child must reference a synthetic parent and parent keys must be unique:
    counted over every row of the build by the writer and handed in as ``integrity``.

The version's report is the parent's, with the areas rolled up over both tables: fidelity
is the mean of the parent's, the child's and the linked score (sequence lengths, coherence,
aggregate shapes), privacy the worse table's; the privacy gates read the worse table's
value, and ``tables``/``linked`` carry the details.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from registry.quality.gates import evaluate_gates
from registry.quality.report import (
    QualityReport,
    _area,
    _fmt,
    _mean,
    _overall,
    gate_values,
    score_tables,
    with_exact_copies,
)

if TYPE_CHECKING:
    from registry.recipes import QualityGates

COUNT_PREFIX = "children"
# Gates where the worse table decides: a copied child row is as bad as a copied parent.
WORST_TABLE_GATES = ("max_dcr_share", "max_exact_copies", "max_exact_copy_excess")


def score_linked(
    *,
    names: tuple[str, str],
    keys: tuple[str, str],
    real: tuple[pd.DataFrame, pd.DataFrame],
    holdout: tuple[pd.DataFrame, pd.DataFrame],
    synthetic: tuple[pd.DataFrame, pd.DataFrame],
    integrity: dict[str, int],
    copies: tuple[dict[str, int], dict[str, int]] | None = None,
    target: str | None = None,
    gates: QualityGates | None = None,
    generation_depth: int = 0,
    random_seed: int = 0,
    plots_dir: Path | None = None,
) -> QualityReport:
    """The report of a linked build (module docstring). Each pair is ``(parent, child)``;
    ``keys`` is ``(parent key column, child column holding it)``; ``copies`` the exact
    copies counted over every row of each table (``{"copies", "rows"}``), when the build is
    larger than its sample. Raises nothing for missed gates (callers decide)."""
    key, link = keys
    reports = []
    for index, drop in enumerate((key, link)):
        report = score_tables(
            real[index].drop(columns=[drop]),
            synthetic[index].drop(columns=[drop]),
            holdout=holdout[index].drop(columns=[drop]),
            target=target if index == 0 else None,
            gates=gates,
            generation_depth=generation_depth,
            random_seed=random_seed,
            plots_dir=plots_dir if index == 0 else None,
        )
        if copies is not None and copies[index].get("rows"):
            report = with_exact_copies(
                report, copies=copies[index]["copies"], rows=copies[index]["rows"], gates=gates
            )
        reports.append(report)
    parent, child = reports
    linked = linked_scores(real, synthetic, keys=keys, child_name=names[1])
    linked["referential_integrity"] = _integrity(integrity)
    return roll_up(parent, child, linked, names=names, gates=gates)


def linked_scores(
    real: tuple[pd.DataFrame, pd.DataFrame],
    synthetic: tuple[pd.DataFrame, pd.DataFrame],
    *,
    keys: tuple[str, str],
    child_name: str = "children",
) -> dict[str, Any]:
    """Sequence lengths and parent-child coherence, real against synthetic (module docstring)."""
    from registry.quality.fidelity import column_kinds, score_fidelity

    key, link = keys
    real_lengths = sequence_lengths(real[0][key], real[1][link])
    synthetic_lengths = sequence_lengths(synthetic[0][key], synthetic[1][link])
    real_agg = per_parent(real[0], real[1], keys=keys)
    synthetic_agg = per_parent(synthetic[0], synthetic[1], keys=keys)
    parent_columns = [str(c) for c in real[0].columns if c != key]
    aggregates = [c for c in real_agg.columns if c not in parent_columns]
    fidelity = score_fidelity(real_agg, synthetic_agg, kinds=column_kinds(real_agg))
    real_bins, synthetic_bins, kinds = shared_bins(real_agg, synthetic_agg, aggregates)
    binned = score_fidelity(real_bins, synthetic_bins, kinds=kinds)
    cross = [
        p
        for p in binned.pairs
        if p.score is not None
        and ((p.column_a in parent_columns) != (p.column_b in parent_columns))
    ]
    shapes = [fidelity.columns[c].score for c in aggregates if c in fidelity.columns]
    ks = _ks(real_lengths, synthetic_lengths)
    coherence = _mean([p.score for p in cross])
    aggregate_shapes = _mean(shapes)
    return {
        "score": _round(_mean([None if ks is None else 1.0 - ks, coherence, aggregate_shapes])),
        "sequence_lengths": {
            "score": _round(None if ks is None else 1.0 - ks),
            "ks": _round(ks),
            "real": _describe(real_lengths),
            "synthetic": _describe(synthetic_lengths),
        },
        "coherence": {
            "score": _round(coherence),
            "aggregate_shapes": _round(aggregate_shapes),
            "pairs": [
                {
                    "columns": [p.column_a, p.column_b],
                    "metric": p.metric,
                    "real": _round(p.real),
                    "synthetic": _round(p.synthetic),
                    "score": _round(p.score),
                }
                for p in sorted(cross, key=lambda p: (p.score, p.column_a, p.column_b))
            ],
        },
    }


def sequence_lengths(parent_keys: pd.Series, child_links: pd.Series) -> np.ndarray:
    """Children per parent, in parent order; parents without children count 0."""
    counts = child_links.value_counts()
    return parent_keys.map(counts).fillna(0).astype("int64").to_numpy()


def per_parent(
    parents: pd.DataFrame, children: pd.DataFrame, *, keys: tuple[str, str]
) -> pd.DataFrame:
    """One row per parent: its attributes (no key), its child count, the mean of each numeric
    child column and the most common value of each other child column (missing: no child)."""
    key, link = keys
    groups = children.groupby(link, sort=False)
    columns: dict[str, pd.Series] = {COUNT_PREFIX: groups.size()}
    for column in children.columns:
        if column == link:
            continue
        values = children[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            columns[f"mean_{column}"] = groups[column].mean()
        else:
            columns[f"top_{column}"] = groups[column].agg(_most_common)
    aggregates = pd.DataFrame(columns)
    frame = parents.set_index(key).join(aggregates, how="left")
    frame[COUNT_PREFIX] = frame[COUNT_PREFIX].fillna(0).astype("int64")
    frame.columns = [str(c) for c in frame.columns]
    return frame.reset_index(drop=True)


def shared_bins(
    real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str], *, bins: int = 10
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Both frames with each numeric column of ``columns`` cut into the real side's deciles
    (the same edges on both sides, as categories; no child stays missing), and the kinds.

    Pair trends bin a number on each frame's own range (SDMetrics' way): a synthetic
    aggregate that piles on one value (every chick weighed 12 times) then lands in another
    bin than the same value on the real side, and a faithful model scores near 0. Coherence
    compares parents with their children's aggregates on shared bins instead.
    """
    from registry.quality.fidelity import column_kinds

    real, synthetic = real.copy(), synthetic.copy()
    for column in columns:
        values = real[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        edges = np.unique(np.nanquantile(values.astype(float), np.linspace(0, 1, bins + 1)))
        cuts = [-np.inf, *edges[1:-1], np.inf]
        for frame in (real, synthetic):
            codes = np.digitize(frame[column].astype(float), cuts[1:-1])
            frame[column] = np.where(frame[column].isna(), None, [f"bin {c}" for c in codes])
    kinds = column_kinds(real)
    kinds.update({c: "categorical" for c in columns if c in kinds and kinds[c] != "id"})
    return real, synthetic, kinds


def roll_up(
    parent: QualityReport,
    child: QualityReport,
    linked: dict[str, Any],
    *,
    names: tuple[str, str],
    gates: QualityGates | None,
) -> QualityReport:
    """The version's report: the parent's sections, areas over both tables, the gates."""
    areas = dict(parent.areas)
    fidelity = [r.areas["fidelity"].score for r in (parent, child) if "fidelity" in r.areas]
    linked_score = linked.get("score")
    areas["fidelity"] = _area(
        _mean([*fidelity, None if linked_score is None else 100 * linked_score]) or 0.0,
        f"{names[0]} {_fmt(fidelity[0] / 100) if fidelity else 'n/a'}, {names[1]} "
        f"{_fmt(fidelity[1] / 100) if len(fidelity) > 1 else 'n/a'}, sequence lengths "
        f"{_fmt(linked['sequence_lengths']['score'])}, parent-child coherence "
        f"{_fmt(linked['coherence']['score'])}",
    )
    worse = min((parent, child), key=lambda r: r.areas["privacy"].score)
    name = names[0] if worse is parent else names[1]
    areas["privacy"] = _area(
        worse.areas["privacy"].score, f"{name}: {worse.areas['privacy'].summary}"
    )
    draft = parent.model_copy(
        update={
            "areas": areas,
            "overall": _overall(parent.kind, areas),
            "tables": {
                names[0]: parent.model_dump(mode="json", exclude={"gates"}),
                names[1]: child.model_dump(mode="json", exclude={"gates"}),
            },
            "linked": linked,
        }
    )
    values = gate_values(draft)
    child_values = gate_values(child)
    for gate in WORST_TABLE_GATES:
        pair = [v for v in (values.get(gate), child_values.get(gate)) if v is not None]
        values[gate] = max(pair) if pair else None
    return draft.model_copy(update={"gates": evaluate_gates(values, gates)})


def _integrity(counts: dict[str, int]) -> dict[str, Any]:
    children, orphans = counts.get("children", 0), counts.get("orphans", 0)
    return {
        "children": children,
        "orphans": orphans,
        "share": 1.0 if children == 0 else round(1.0 - orphans / children, 6),
        "duplicate_parent_keys": counts.get("duplicate_keys", 0),
    }


def _most_common(values: pd.Series) -> Any:
    counts = values.dropna().astype(str).value_counts()
    return counts.index[0] if len(counts) else None


def _ks(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    if len(real) == 0 or len(synthetic) == 0:
        return None
    from scipy.stats import ks_2samp

    return float(ks_2samp(real, synthetic).statistic)


def _describe(lengths: np.ndarray) -> dict[str, float | int | None]:
    if len(lengths) == 0:
        return {"parents": 0, "mean": None, "median": None, "min": None, "max": None}
    return {
        "parents": len(lengths),
        "mean": round(float(lengths.mean()), 4),
        "median": float(np.median(lengths)),
        "min": int(lengths.min()),
        "max": int(lengths.max()),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


__all__ = [
    "linked_scores",
    "per_parent",
    "roll_up",
    "score_linked",
    "sequence_lengths",
    "shared_bins",
]
