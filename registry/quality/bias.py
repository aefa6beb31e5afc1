"""Bias audit: the groups of the sensitive columns a recipe names, in the seed and in the
synthetic data.

For each column of ``bias_audit.columns`` (text and booleans as they are; numbers with more
than :data:`MAX_GROUPS` values cut at the seed's quartiles) every group gets:

* its **share** of the seed's train rows and of the synthetic rows, and the share the recipe
  asked for where its ``conditions``/``rebalancing`` name the column (the before/after of a
  rebalancing);
* the **target rate** in the seed and in the synthetic rows, when the recipe has a target: the
  share of rows holding the *rate class* (a two-class target's rarer class in the seed; with
  more classes, the class whose gap widens most), or the mean of a numeric target. The gap
  between the groups' rates is the **demographic parity difference** (largest rate minus
  smallest; for a numeric target, the difference of means over the seed's standard deviation);
* **TSTR per group**: the accuracy (numeric target: mean absolute error over the seed's
  standard deviation) on the group's holdout rows of the model trained on synthetic rows,
  beside the model trained on real rows (:mod:`registry.quality._holdout_models`).

Gaps compare groups with at least :data:`MIN_GROUP_ROWS` rows in the frame the figure comes
from. A **warning** is raised where the synthetic data widens a gap the seed had by more
than :data:`GAP_TOLERANCE` (target rate; accuracy of the synthetic-trained model against
the real-trained one), or moves a group's share by more than :data:`SHARE_TOLERANCE` where
the recipe did not ask for it. Warnings never fail a build: they go on the card.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from registry.quality._holdout_models import HoldoutModels
from registry.quality.fidelity import ColumnKind

MAX_GROUPS = 12
MIN_GROUP_ROWS = 10
GAP_TOLERANCE = 0.05
SHARE_TOLERANCE = 0.05
NULL_GROUP = "(null)"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class GroupFigures(_Model):
    group: str
    seed_share: float
    synthetic_share: float
    requested_share: float | None = None
    seed_rate: float | None = None
    synthetic_rate: float | None = None
    holdout_rows: int = 0
    tstr: float | None = None  # synthetic-trained model on this group's holdout rows
    trtr: float | None = None  # real-trained model, the reference


class ColumnAudit(_Model):
    column: str
    groups: list[GroupFigures]
    rate_of: str | None  # the class whose rate is compared ("mean" for a numeric target)
    seed_gap: float | None  # demographic parity difference in the seed
    synthetic_gap: float | None
    tstr_gap: float | None  # largest minus smallest per-group figure, synthetic-trained
    trtr_gap: float | None
    warnings: list[str]


class RebalancedShare(_Model):
    """A value the recipe's conditions or rebalancing give a share: before and after."""

    column: str
    value: str
    seed_share: float
    requested_share: float
    synthetic_share: float


class BiasAuditScores(_Model):
    target: str | None
    metric: Literal["accuracy", "mae_over_std"] | None
    columns: list[ColumnAudit]
    rebalanced: list[RebalancedShare] = []
    verdict: Literal["pass", "warn"]
    warnings: list[str]


def score_bias(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    columns: list[str],
    kinds: Mapping[str, ColumnKind],
    target: str | None = None,
    models: HoldoutModels | None = None,
    requested: Mapping[str, Mapping[str, float]] | None = None,
) -> BiasAuditScores:
    """The audit of each of ``columns`` (see the module docstring). ``models`` (fitted for
    ``target``) give TSTR per group; ``requested`` is the recipe's ``{column: {value:
    share}}``. Pure; raises nothing on odd data (a figure it cannot form is None)."""
    requested = requested or {}
    audits = []
    for column in columns:
        cut = _grouper(train[column], kinds.get(column, "categorical"))
        seed_groups, synthetic_groups = cut(train[column]), cut(synthetic[column])
        names = list(seed_groups.value_counts().index[:MAX_GROUPS])
        names += [g for g in requested.get(column, {}) if g not in names]
        audits.append(
            _audit_column(
                column,
                names,
                train,
                synthetic,
                seed_groups,
                synthetic_groups,
                target=target,
                target_kind=kinds.get(target, "categorical") if target else None,
                models=models,
                holdout_groups=cut(models.holdout[column]) if models is not None else None,
                requested=requested.get(column, {}),
            )
        )
    warnings = [w for audit in audits for w in audit.warnings]
    metric = None
    if models is not None:
        metric = "accuracy" if models.task == "classification" else "mae_over_std"
    return BiasAuditScores(
        target=target,
        metric=metric,
        columns=audits,
        rebalanced=rebalanced_shares(train, synthetic, requested),
        verdict="warn" if warnings else "pass",
        warnings=warnings,
    )


def rebalanced_shares(
    train: pd.DataFrame, synthetic: pd.DataFrame, requested: Mapping[str, Mapping[str, float]]
) -> list[RebalancedShare]:
    """Each value a recipe rebalances: its share in the seed, asked for, and made."""
    out = []
    for column, shares in requested.items():
        if column not in train.columns or column not in synthetic.columns:
            continue
        before = _text(train[column]).value_counts(normalize=True)
        after = _text(synthetic[column]).value_counts(normalize=True)
        out += [
            RebalancedShare(
                column=column,
                value=value,
                seed_share=round(float(before.get(value, 0.0)), 4),
                requested_share=share,
                synthetic_share=round(float(after.get(value, 0.0)), 4),
            )
            for value, share in shares.items()
        ]
    return out


def _text(column: pd.Series) -> pd.Series:
    return column.astype(object).map(str).where(column.notna(), NULL_GROUP)


def _grouper(seed_column: pd.Series, kind: ColumnKind) -> Callable[[pd.Series], pd.Series]:
    """A function mapping a column to group names: the values as text (numbers as ``1``
    whatever their dtype), or quartile bins of the seed for numbers with many values."""
    numbers = pd.to_numeric(seed_column, errors="coerce")
    if kind == "numerical" and numbers.nunique() > MAX_GROUPS:
        edges = np.unique(np.nanquantile(numbers, [0.25, 0.5, 0.75]))

        def bins(column: pd.Series) -> pd.Series:
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
            index = np.searchsorted(edges, values, side="right")
            bounds = [-np.inf, *edges, np.inf]
            names = [f"[{bounds[i]:g}, {bounds[i + 1]:g})" for i in range(len(bounds) - 1)]
            labels = [names[i] for i in index]
            return pd.Series(labels, index=column.index).where(~np.isnan(values), NULL_GROUP)

        return bins
    numeric = pd.api.types.is_numeric_dtype(seed_column) and not pd.api.types.is_bool_dtype(
        seed_column
    )
    if kind == "numerical" or numeric:
        return _number_text
    return _text


def _number_text(column: pd.Series) -> pd.Series:
    """Numbers as text that does not depend on the dtype (1 and 1.0 are one group)."""
    values = pd.to_numeric(column, errors="coerce")
    return values.map(lambda v: f"{v:g}", na_action="ignore").where(values.notna(), NULL_GROUP)


def _audit_column(
    column: str,
    names: list[str],
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    seed_groups: pd.Series,
    synthetic_groups: pd.Series,
    *,
    target: str | None,
    target_kind: ColumnKind | None,
    models: HoldoutModels | None,
    holdout_groups: pd.Series | None,
    requested: Mapping[str, float],
) -> ColumnAudit:
    seed_share = seed_groups.value_counts(normalize=True)
    synthetic_share = synthetic_groups.value_counts(normalize=True)
    warnings = []
    rates: dict[str, dict[str, float | None]] = {"seed": {}, "synthetic": {}}
    rate_of = None
    seed_gap = synthetic_gap = None
    if target is not None and target in train.columns and target in synthetic.columns:
        rate_of, rates, seed_gap, synthetic_gap = _target_rates(
            names, train, synthetic, seed_groups, synthetic_groups, target, target_kind
        )
        if (
            seed_gap is not None
            and synthetic_gap is not None
            and synthetic_gap > seed_gap + GAP_TOLERANCE
        ):
            warnings.append(
                f"{column}: the gap in {target} rate ({rate_of}) between groups widens from "
                f"{seed_gap:.2f} in the seed to {synthetic_gap:.2f} in the synthetic data"
            )
    per_group = _per_group_models(names, models, holdout_groups)
    tstr_gap = _gap({g: f[0] for g, f in per_group.items() if f[2] >= MIN_GROUP_ROWS})
    trtr_gap = _gap({g: f[1] for g, f in per_group.items() if f[2] >= MIN_GROUP_ROWS})
    if tstr_gap is not None and trtr_gap is not None and tstr_gap > trtr_gap + GAP_TOLERANCE:
        warnings.append(
            f"{column}: a model trained on the synthetic data is less even across groups "
            f"(gap {tstr_gap:.2f}) than one trained on the real data ({trtr_gap:.2f})"
        )
    groups = []
    for name in names:
        before, after = float(seed_share.get(name, 0.0)), float(synthetic_share.get(name, 0.0))
        asked = requested.get(name)
        if asked is None and abs(after - before) > SHARE_TOLERANCE:
            warnings.append(
                f"{column}: group {name}'s share moves from {before:.1%} in the seed to "
                f"{after:.1%} in the synthetic data, which the recipe did not ask for"
            )
        tstr, trtr, rows = per_group.get(name, (None, None, 0))
        groups.append(
            GroupFigures(
                group=name,
                seed_share=round(before, 4),
                synthetic_share=round(after, 4),
                requested_share=asked,
                seed_rate=_round(rates["seed"].get(name)),
                synthetic_rate=_round(rates["synthetic"].get(name)),
                holdout_rows=rows,
                tstr=_round(tstr),
                trtr=_round(trtr),
            )
        )
    return ColumnAudit(
        column=column,
        groups=groups,
        rate_of=rate_of,
        seed_gap=_round(seed_gap),
        synthetic_gap=_round(synthetic_gap),
        tstr_gap=_round(tstr_gap),
        trtr_gap=_round(trtr_gap),
        warnings=warnings,
    )


def _target_rates(
    names: list[str],
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    seed_groups: pd.Series,
    synthetic_groups: pd.Series,
    target: str,
    target_kind: ColumnKind | None,
) -> tuple[str, dict[str, dict[str, float | None]], float | None, float | None]:
    """The rate class, each group's rate per frame, and the seed's and synthetic gaps."""
    frames = {
        "seed": (train[target], seed_groups),
        "synthetic": (synthetic[target], synthetic_groups),
    }
    numbers = pd.to_numeric(train[target], errors="coerce")
    if target_kind == "numerical" and numbers.nunique() > 2:
        scale = float(numbers.std()) or 1.0
        rates = {
            side: _group_means(pd.to_numeric(values, errors="coerce"), groups, names)
            for side, (values, groups) in frames.items()
        }
        gaps = [_gap(_eligible(rates[s], frames[s][1])) for s in ("seed", "synthetic")]
        scaled = [None if g is None else g / scale for g in gaps]
        return "mean", rates, scaled[0], scaled[1]
    seed_classes = train[target].dropna().astype(object).map(str).value_counts()
    candidates = list(seed_classes.index)
    if len(candidates) == 2:
        candidates = [candidates[-1]]  # the rarer class of two
    best: tuple[float, str, dict[str, dict[str, float | None]], float | None, float | None] | None
    best = None
    for label in candidates:
        rates = {
            side: _group_means(
                values.astype(object).map(str).eq(label).where(values.notna()), groups, names
            )
            for side, (values, groups) in frames.items()
        }
        seed_gap = _gap(_eligible(rates["seed"], seed_groups))
        synthetic_gap = _gap(_eligible(rates["synthetic"], synthetic_groups))
        widening = (synthetic_gap or 0.0) - (seed_gap or 0.0)
        if best is None or widening > best[0]:
            best = (widening, label, rates, seed_gap, synthetic_gap)
    if best is None:
        return "", {"seed": {}, "synthetic": {}}, None, None
    return best[1], best[2], best[3], best[4]


def _group_means(values: pd.Series, groups: pd.Series, names: list[str]) -> dict[str, float | None]:
    numbers = pd.to_numeric(values, errors="coerce").astype(np.float64)
    means = numbers.groupby(groups.to_numpy()).mean()
    return {
        name: (float(means[name]) if name in means and np.isfinite(means[name]) else None)
        for name in names
    }


def _eligible(rates: Mapping[str, float | None], groups: pd.Series) -> dict[str, float | None]:
    counts = groups.value_counts()
    return {g: r for g, r in rates.items() if counts.get(g, 0) >= MIN_GROUP_ROWS}


def _per_group_models(
    names: list[str], models: HoldoutModels | None, holdout_groups: pd.Series | None
) -> dict[str, tuple[float | None, float | None, int]]:
    """``{group: (tstr, trtr, holdout rows)}``: accuracy, or MAE over the seed's std."""
    if models is None or holdout_groups is None:
        return {}
    groups = holdout_groups.to_numpy()
    scale = float(np.std(models.truth)) if models.task == "regression" else 1.0
    out = {}
    for name in names:
        rows = groups == name
        if not rows.any():
            out[name] = (None, None, 0)
            continue
        figures = [models.scores(side, rows) for side in ("synthetic", "real")]
        if models.task == "classification":
            values = [f.accuracy for f in figures]
        else:
            values = [None if f.mae is None else f.mae / (scale or 1.0) for f in figures]
        out[name] = (values[0], values[1], int(rows.sum()))
    return out


def _gap(values: Mapping[str, float | None]) -> float | None:
    present = [v for v in values.values() if v is not None]
    return float(max(present) - min(present)) if len(present) >= 2 else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)
