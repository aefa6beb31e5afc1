"""Utility: does a model trained on synthetic data do as well on real data as one trained on real?

Two models of the same kind predict ``target`` from the other columns: one trained on the
synthetic rows (TSTR, train-synthetic-test-real), one on the real training rows (TRTR,
train-real-test-real). Both are scored on the real holdout, which neither the generator nor
the models saw. ``tstr_ratio`` is TSTR's figure over TRTR's: 1.0 means the synthetic data is
as useful for this task as the real data.

* **Task.** Classification when the target is categorical or boolean (see
  :func:`registry.quality.fidelity.column_kinds`) or holds numbers that are all whole with at
  most ``MAX_CLASSES_FOR_NUMBERS`` (20) distinct values in the training rows (counts, ratings,
  0/1 flags); regression for other numbers. Datetime and free-text id targets are refused.
* **Classification** reports accuracy and ROC AUC on the holdout (two classes in the
  holdout: the AUC of one against the other; more: the macro mean of one-vs-rest AUCs over
  the classes the holdout holds, as scikit-learn's ``roc_auc_score(multi_class="ovr")``).
  A model that never saw a class gives it probability 0; a training set with a single class
  gets no model: it predicts that class (accuracy is scored) and its AUC is None.
  ``tstr_ratio`` uses the AUC.
* **Regression** reports R² and mean absolute error; ``tstr_ratio`` uses R².
* ``tstr_ratio`` is None when either figure is missing or TRTR's is not above zero (a model
  that cannot beat the mean leaves nothing to compare with).
* ``tstr_ratio`` can be negative (a TSTR R² below zero) and is not clipped.
* Models: scikit-learn's ``HistGradientBoostingClassifier``/``Regressor`` with default
  settings and ``random_state=random_seed``; features encoded as for detection (ids left out).
  At most ``max_rows`` rows of each frame are used, drawn with ``random_seed``; rows whose
  target is null are dropped. The same inputs give the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from registry.errors import RecipeError
from registry.quality.detection import encode_features, feature_columns, limited_threads
from registry.quality.fidelity import ColumnKind, column_kinds

#: Rows of each frame used at most.
MAX_ROWS = 50_000
#: A numeric target of whole numbers with at most this many distinct values is a class label.
MAX_CLASSES_FOR_NUMBERS = 20

Task = Literal["classification", "regression"]


class _Model(BaseModel):
    # allow_inf_nan=False: a NaN must never reach quality.json; "not computed" is None.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TaskScores(_Model):
    """One model's figures on the real holdout; those of the other task type are None."""

    accuracy: float | None = None
    roc_auc: float | None = None
    r2: float | None = None
    mae: float | None = None


class UtilityScores(_Model):
    """Train-synthetic-test-real (TSTR) against train-real-test-real (TRTR), on the holdout.

    ``metric`` names the figure compared (``"roc_auc"`` for classification, ``"r2"`` for
    regression); ``tstr`` and ``trtr`` are that figure for each model and ``tstr_ratio`` is
    ``tstr / trtr`` (None when it cannot be formed). ``tstr_scores``/``trtr_scores`` hold all
    of each model's figures. ``rows_*`` count the rows used (target not null), ``classes`` the
    classes in the real rows (None for regression).
    """

    target: str
    task: Task
    metric: Literal["roc_auc", "r2"]
    tstr: float | None
    trtr: float | None
    tstr_ratio: float | None
    tstr_scores: TaskScores
    trtr_scores: TaskScores
    rows_train: int
    rows_synthetic: int
    rows_holdout: int
    classes: int | None
    features: list[str]


def infer_task(column: pd.Series, kind: ColumnKind, *, target: str) -> Task:
    """Classification or regression for a target column of this kind (see module docstring).

    Raises :class:`RecipeError` for a datetime target or a text identifier.
    """
    if kind in ("categorical", "boolean"):
        return "classification"
    if kind == "datetime":
        raise RecipeError(
            f"target {target!r} holds dates, which utility cannot predict; "
            "set target to a category or a number"
        )
    numbers = pd.to_numeric(column.dropna(), errors="coerce")
    if numbers.isna().any():  # text that is nearly unique: an identifier
        raise RecipeError(
            f"target {target!r} looks like an identifier (almost every value differs); "
            "set target to a column worth predicting"
        )
    whole = bool((numbers == numbers.round()).all())
    if whole and numbers.nunique() <= MAX_CLASSES_FOR_NUMBERS:
        return "classification"
    return "regression"


def score_utility(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    target: str,
    random_seed: int = 0,
    max_rows: int = MAX_ROWS,
    kinds: Mapping[str, ColumnKind] | None = None,
) -> UtilityScores:
    """TSTR and TRTR figures for predicting ``target``, both tested on the real ``holdout``.

    Features are the columns shared by the three frames except ``target`` and ids (``kinds``
    defaults to :func:`column_kinds` of ``train``). Returns :class:`UtilityScores`. Raises
    :class:`RecipeError` when ``target`` is missing from a frame, has no value in one, is of a
    kind that cannot be predicted, or when no feature column is left; ``ValueError`` for
    ``max_rows < 1``.
    """
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    frames = {"train": train, "holdout": holdout, "synthetic": synthetic}
    for label, frame in frames.items():
        if target not in frame.columns:
            columns = ", ".join(map(str, frame.columns[:10]))
            raise RecipeError(
                f"target {target!r} is not a column of the {label} data; "
                f"set target to one of: {columns}"
            )
    kinds = column_kinds(train) if kinds is None else kinds
    kind = kinds.get(target, "categorical")
    frames = {
        label: _sample(f[f[target].notna()], max_rows, random_seed) for label, f in frames.items()
    }
    for label, frame in frames.items():
        if frame.empty:
            raise RecipeError(
                f"target {target!r} has no values in the {label} data; "
                "set target to a column that is filled in"
            )
    task = infer_task(frames["train"][target], kind, target=target)
    features = feature_columns(list(frames.values()), kinds, exclude=target)
    if not features:
        raise RecipeError(
            f"target {target!r} leaves no column to predict it from; "
            "utility needs at least one other shared column"
        )
    feature_kinds = {name: kinds[name] for name in features}
    (x_train, x_holdout, x_synthetic), categorical = encode_features(
        [frames["train"], frames["holdout"], frames["synthetic"]], features, feature_kinds
    )
    y = {label: frame[target] for label, frame in frames.items()}
    if task == "classification":
        tstr, trtr, classes = _classification(
            x_synthetic, x_train, x_holdout, y, categorical, random_seed
        )
        metric: Literal["roc_auc", "r2"] = "roc_auc"
    else:
        tstr, trtr = _regression(x_synthetic, x_train, x_holdout, y, categorical, random_seed)
        classes = None
        metric = "r2"
    return UtilityScores(
        target=target,
        task=task,
        metric=metric,
        tstr=getattr(tstr, metric),
        trtr=getattr(trtr, metric),
        tstr_ratio=_ratio(getattr(tstr, metric), getattr(trtr, metric)),
        tstr_scores=tstr,
        trtr_scores=trtr,
        rows_train=len(frames["train"]),
        rows_synthetic=len(frames["synthetic"]),
        rows_holdout=len(frames["holdout"]),
        classes=classes,
        features=features,
    )


def _sample(frame: pd.DataFrame, max_rows: int, random_seed: int) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame
    rows = np.random.default_rng(random_seed).choice(len(frame), size=max_rows, replace=False)
    return frame.iloc[np.sort(rows)]


def _ratio(tstr: float | None, trtr: float | None) -> float | None:
    if tstr is None or trtr is None or trtr <= 0:
        return None
    return float(tstr / trtr)


# --- classification ----------------------------------------------------------------------


def _labels(y: Mapping[str, pd.Series]) -> tuple[dict[str, np.ndarray], int]:
    """Integer labels shared by all frames (values equal across dtypes share one)."""
    series = list(y.values())
    if any(s.dtype != series[0].dtype for s in series) or any(
        isinstance(s.dtype, pd.CategoricalDtype) for s in series
    ):
        series = [s.astype(object) for s in series]
    codes, uniques = pd.factorize(pd.concat(series, ignore_index=True), sort=False)
    bounds = np.cumsum([0, *(len(s) for s in series)])
    labels = {label: codes[a:b] for label, a, b in zip(y, bounds[:-1], bounds[1:], strict=True)}
    return labels, len(uniques)


def _classification(
    x_synthetic: np.ndarray,
    x_train: np.ndarray,
    x_holdout: np.ndarray,
    y: Mapping[str, pd.Series],
    categorical: np.ndarray,
    random_seed: int,
) -> tuple[TaskScores, TaskScores, int]:
    labels, n_labels = _labels(y)
    truth = labels["holdout"]
    scores = [
        _fit_classifier(x, labels[side], x_holdout, truth, n_labels, categorical, random_seed)
        for side, x in (("synthetic", x_synthetic), ("train", x_train))
    ]
    real_classes = len(np.union1d(labels["train"], truth))
    return scores[0], scores[1], real_classes


def _fit_classifier(
    x: np.ndarray,
    y: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    n_labels: int,
    categorical: np.ndarray,
    random_seed: int,
) -> TaskScores:
    """Accuracy and AUC on the test rows; a single-class training set predicts that class."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    seen = np.unique(y)
    if len(seen) < 2:
        accuracy = float(np.mean(y_test == seen[0]))
        return TaskScores(accuracy=accuracy, roc_auc=None)
    model = HistGradientBoostingClassifier(
        categorical_features=categorical, random_state=random_seed
    )
    with limited_threads():
        model.fit(x, y)
        proba = model.predict_proba(x_test)
    full = np.zeros((len(x_test), n_labels))
    full[:, model.classes_] = proba
    accuracy = float(np.mean(model.classes_[np.argmax(proba, axis=1)] == y_test))
    return TaskScores(accuracy=accuracy, roc_auc=_roc_auc(y_test, full))


def _roc_auc(y_test: np.ndarray, proba: np.ndarray) -> float | None:
    """Binary AUC (one class against the other) or macro one-vs-rest AUC over the test's."""
    from sklearn.metrics import roc_auc_score

    present = np.unique(y_test)
    if len(present) < 2:
        return None
    if len(present) == 2:
        return float(roc_auc_score(y_test == present[1], proba[:, present[1]]))
    return float(np.mean([roc_auc_score(y_test == c, proba[:, c]) for c in present]))


# --- regression --------------------------------------------------------------------------


def _regression(
    x_synthetic: np.ndarray,
    x_train: np.ndarray,
    x_holdout: np.ndarray,
    y: Mapping[str, pd.Series],
    categorical: np.ndarray,
    random_seed: int,
) -> tuple[TaskScores, TaskScores]:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.metrics import mean_absolute_error, r2_score

    values = {
        label: pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        for label, s in y.items()
    }
    truth = values["holdout"]
    keep = np.isfinite(truth)
    results = []
    for side, x in (("synthetic", x_synthetic), ("train", x_train)):
        target = values[side]
        usable = np.isfinite(target)
        if usable.sum() < 2 or not keep.any():
            results.append(TaskScores())
            continue
        model = HistGradientBoostingRegressor(
            categorical_features=categorical, random_state=random_seed
        )
        with limited_threads():
            model.fit(x[usable], target[usable])
            predicted = model.predict(x_holdout[keep])
        constant = np.ptp(truth[keep]) == 0
        r2 = None if constant or keep.sum() < 2 else float(r2_score(truth[keep], predicted))
        mae = float(mean_absolute_error(truth[keep], predicted))
        results.append(TaskScores(r2=r2, mae=mae))
    return results[0], results[1]
