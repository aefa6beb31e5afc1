"""Augmentation lift: does adding the synthetic rows to the real ones help the model?

The "hybrid" check practitioners run before they train on synthetic data: one model is
trained on the real train rows, one on the synthetic rows, one on both together, and each is
tested on the real holdout (models and features as in :mod:`registry.quality.utility`; see
:mod:`registry.quality._holdout_models`). ``lift`` is the real + synthetic model's figure
(ROC AUC, or R² for a numeric target) minus the real-only model's: above
:data:`LIFT_TOLERANCE` the data *helps*, below minus it the data *hurts*, else it is
*neutral*.

Rare classes are where augmentation is meant to help, so each class a recipe over-samples
(its ``conditions`` or ``rebalancing`` on the target) gets its recall under each model,
beside its share in the seed and in the synthetic rows; without such a recipe, the classes
under :data:`RARE_SHARE` of the seed do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from registry.quality._holdout_models import HoldoutModels
from registry.quality.utility import TaskScores

#: A lift within this much of zero (AUC or R² points) is neutral.
LIFT_TOLERANCE = 0.01
#: Without a rebalancing recipe, classes under this share of the seed are the rare ones.
RARE_SHARE = 0.1
MAX_CLASSES = 10


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ClassLift(_Model):
    """One (rare or over-sampled) class: shares and each model's recall on the holdout."""

    label: str
    seed_share: float
    synthetic_share: float
    requested_share: float | None  # what the recipe asked for, if it rebalanced this class
    holdout_rows: int
    recall: dict[str, float | None]  # real, synthetic, real+synthetic


class AugmentationLift(_Model):
    """Each training set's figures on the real holdout and the lift of adding synthetic."""

    target: str
    metric: Literal["roc_auc", "r2"]
    real: TaskScores
    synthetic: TaskScores
    real_plus_synthetic: TaskScores
    lift: float | None
    verdict: Literal["helps", "neutral", "hurts"] | None
    classes: list[ClassLift]
    rows: dict[str, int]


def score_lift(
    models: HoldoutModels,
    *,
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    requested: Mapping[str, float] | None = None,
) -> AugmentationLift:
    """The lift from ``models`` (fitted by
    :func:`~registry.quality._holdout_models.fit_holdout_models`); ``requested`` is the
    recipe's ``{class: share}`` for the target, if it rebalances it."""
    metric: Literal["roc_auc", "r2"] = "roc_auc" if models.task == "classification" else "r2"
    scores = {side: models.scores(side) for side in ("real", "synthetic", "real+synthetic")}
    real, hybrid = getattr(scores["real"], metric), getattr(scores["real+synthetic"], metric)
    lift = None if real is None or hybrid is None else round(hybrid - real, 4)
    return AugmentationLift(
        target=models.target,
        metric=metric,
        real=scores["real"],
        synthetic=scores["synthetic"],
        real_plus_synthetic=scores["real+synthetic"],
        lift=lift,
        verdict=None if lift is None else _verdict(lift),
        classes=_classes(models, train, synthetic, requested or {})
        if models.task == "classification"
        else [],
        rows=models.rows,
    )


def _verdict(lift: float) -> Literal["helps", "neutral", "hurts"]:
    if lift > LIFT_TOLERANCE:
        return "helps"
    return "hurts" if lift < -LIFT_TOLERANCE else "neutral"


def _classes(
    models: HoldoutModels,
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    requested: Mapping[str, float],
) -> list[ClassLift]:
    seed_shares = _shares(train[models.target])
    synthetic_shares = _shares(synthetic[models.target])
    picked = [label for label in requested if label in models.classes] or [
        label for label, share in seed_shares.items() if share < RARE_SHARE
    ]
    out = []
    for label in sorted(picked, key=lambda name: seed_shares.get(name, 0.0))[:MAX_CLASSES]:
        code = models.classes.index(label) if label in models.classes else -1
        out.append(
            ClassLift(
                label=label,
                seed_share=round(seed_shares.get(label, 0.0), 4),
                synthetic_share=round(synthetic_shares.get(label, 0.0), 4),
                requested_share=requested.get(label),
                holdout_rows=int(np.sum(models.truth == code)),
                recall={
                    side: None if (r := models.recall(side, code)) is None else round(r, 4)
                    for side in ("real", "synthetic", "real+synthetic")
                },
            )
        )
    return out


def _shares(column: pd.Series) -> dict[str, float]:
    """Share of each value (as text) among the filled-in rows."""
    present = column.dropna().astype(object).map(str)
    return {str(k): float(v) for k, v in present.value_counts(normalize=True).items()}
