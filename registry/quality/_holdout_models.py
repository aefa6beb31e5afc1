"""Models trained on real, synthetic, and real + synthetic rows, each tested on the holdout.

Augmentation lift compares the three; the bias audit reads their figures per group. Same
task rule, features, model (``HistGradientBoosting*`` with default settings and
``random_state=random_seed``) and row bounds as the utility score
(:mod:`registry.quality.utility`), so the real-only and synthetic-only figures are its
TRTR and TSTR; here every model's predictions on the holdout rows are kept, so that any
subset of them (a class, a group) can be scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from registry.quality.detection import encode_features, feature_columns, limited_threads
from registry.quality.fidelity import ColumnKind
from registry.quality.utility import (
    Task,
    TaskScores,
    _labels,
    _roc_auc,
    _sample,
    infer_task,
)

#: The training sets: real train rows, synthetic rows, and both together.
SIDES = ("real", "synthetic", "real+synthetic")


@dataclass(frozen=True)
class HoldoutModels:
    """Each side's predictions on the holdout rows (``holdout``, target filled in).

    Classification: ``truth`` holds label codes into ``classes`` and each prediction is a
    ``(rows, classes)`` probability matrix; regression: values and predicted values.
    """

    target: str
    task: Task
    holdout: pd.DataFrame
    truth: np.ndarray
    classes: list[str]
    predictions: dict[str, np.ndarray]
    rows: dict[str, int]

    def scores(self, side: str, rows: np.ndarray | None = None) -> TaskScores:
        """``side``'s figures on the holdout rows where ``rows`` (a mask) is true (all: None)."""
        from sklearn.metrics import mean_absolute_error, r2_score

        keep = np.ones(len(self.truth), dtype=bool) if rows is None else rows
        truth, predicted = self.truth[keep], self.predictions[side][keep]
        if len(truth) == 0:
            return TaskScores()
        if self.task == "classification":
            accuracy = float(np.mean(np.argmax(predicted, axis=1) == truth))
            return TaskScores(accuracy=accuracy, roc_auc=_roc_auc(truth, predicted))
        r2 = float(r2_score(truth, predicted)) if len(truth) > 1 and np.ptp(truth) > 0 else None
        return TaskScores(r2=r2, mae=float(mean_absolute_error(truth, predicted)))

    def recall(self, side: str, label: int) -> float | None:
        """Share of the holdout rows of class ``label`` that ``side``'s model labels right."""
        rows = self.truth == label
        if not rows.any():
            return None
        return float(np.mean(np.argmax(self.predictions[side][rows], axis=1) == label))


def fit_holdout_models(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    target: str,
    kinds: Mapping[str, ColumnKind],
    random_seed: int = 0,
    max_rows: int,
) -> HoldoutModels | None:
    """The three models' predictions on the holdout; None when the target cannot be learned
    (missing from a frame, empty, or no feature left): the utility score says why."""
    frames = {"train": train, "holdout": holdout, "synthetic": synthetic}
    if any(target not in frame.columns for frame in frames.values()):
        return None
    frames = {
        label: _sample(f[f[target].notna()], max_rows, random_seed) for label, f in frames.items()
    }
    if any(frame.empty for frame in frames.values()):
        return None
    task = infer_task(frames["train"][target], kinds.get(target, "categorical"), target=target)
    features = feature_columns(list(frames.values()), kinds, exclude=target)
    if not features:
        return None
    (x_train, x_holdout, x_synthetic), categorical = encode_features(
        [frames["train"], frames["holdout"], frames["synthetic"]],
        features,
        {name: kinds[name] for name in features},
    )
    x = {
        "real": x_train,
        "synthetic": x_synthetic,
        "real+synthetic": np.vstack([x_train, x_synthetic]),
    }
    if task == "classification":
        codes, n_labels = _labels({label: frame[target] for label, frame in frames.items()})
        classes = _class_names({label: frame[target] for label, frame in frames.items()})
        y = {"real": codes["train"], "synthetic": codes["synthetic"]}
        y["real+synthetic"] = np.concatenate([y["real"], y["synthetic"]])
        truth = codes["holdout"]
        predictions = {
            side: _classify(x[side], y[side], x_holdout, n_labels, categorical, random_seed)
            for side in SIDES
        }
    else:
        values = {
            label: pd.to_numeric(frame[target], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            for label, frame in frames.items()
        }
        y = {"real": values["train"], "synthetic": values["synthetic"]}
        y["real+synthetic"] = np.concatenate([y["real"], y["synthetic"]])
        truth = values["holdout"]
        predictions = {
            side: _regress(x[side], y[side], x_holdout, categorical, random_seed) for side in SIDES
        }
        keep = np.isfinite(truth)
        frames["holdout"] = frames["holdout"][keep]
        truth = truth[keep]
        predictions = {side: p[keep] for side, p in predictions.items()}
        classes = []
    return HoldoutModels(
        target=target,
        task=task,
        holdout=frames["holdout"].reset_index(drop=True),
        truth=truth,
        classes=classes,
        predictions=predictions,
        rows={"real": len(x_train), "synthetic": len(x_synthetic), "holdout": len(truth)},
    )


def _class_names(y: Mapping[str, pd.Series]) -> list[str]:
    """The names of :func:`~registry.quality.utility._labels`' codes, in code order."""
    series = [s.astype(object) for s in y.values()]
    _, uniques = pd.factorize(pd.concat(series, ignore_index=True), sort=False)
    return [str(value) for value in uniques]


def _classify(
    x: np.ndarray,
    y: np.ndarray,
    x_test: np.ndarray,
    n_labels: int,
    categorical: np.ndarray,
    random_seed: int,
) -> np.ndarray:
    """Class probabilities on ``x_test`` (a class never seen gets 0; one class: certainty)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    full = np.zeros((len(x_test), n_labels))
    seen = np.unique(y)
    if len(seen) < 2:
        full[:, seen[0]] = 1.0
        return full
    model = HistGradientBoostingClassifier(
        categorical_features=categorical, random_state=random_seed
    )
    with limited_threads():
        model.fit(x, y)
        full[:, model.classes_] = model.predict_proba(x_test)
    return full


def _regress(
    x: np.ndarray, y: np.ndarray, x_test: np.ndarray, categorical: np.ndarray, random_seed: int
) -> np.ndarray:
    from sklearn.ensemble import HistGradientBoostingRegressor

    usable = np.isfinite(y)
    if usable.sum() < 2:
        return np.full(len(x_test), float(np.nanmean(y)) if usable.any() else 0.0)
    model = HistGradientBoostingRegressor(
        categorical_features=categorical, random_state=random_seed
    )
    with limited_threads():
        model.fit(x[usable], y[usable])
        return model.predict(x_test)
