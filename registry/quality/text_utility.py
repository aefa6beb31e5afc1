"""Utility of a synthetic text column: train on synthetic, test on real, against train on real.

A TF-IDF (word 1-2 grams, terms in at least two texts, at most 50k) + logistic regression
classifier predicts the recipe's target from the text alone, trained once on the synthetic
texts (TSTR) and once on the real train texts (TRTR), both scored on the real holdout with
ROC AUC (and accuracy), as :mod:`registry.quality.utility` scores tables; ``tstr_ratio`` is
TSTR's AUC over TRTR's. Only class targets (at most :data:`MAX_CLASSES` values) are scored;
at most :data:`TSTR_ROWS` texts of each frame are used, drawn with the random seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

TSTR_ROWS = 10_000  # texts each utility classifier trains on
MAX_CLASSES = 50  # a target with more values is not a class to predict from text


class TextUtility(BaseModel):
    model_config = ConfigDict(frozen=True)

    metric: str = "roc_auc"
    model: str = "tf-idf (word 1-2 grams) + logistic regression"
    tstr: float | None
    trtr: float | None
    tstr_ratio: float | None
    tstr_accuracy: float
    trtr_accuracy: float
    holdout_rows: int


def text_utility(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    column: str,
    target: str,
    random_seed: int = 0,
) -> TextUtility | None:
    """TSTR vs TRTR of a TF-IDF + logistic regression classifier predicting ``target`` from
    ``column``; None when the target is not a class (or is the text itself) or a side is
    empty."""
    from registry.quality.utility import _labels

    if target == column or target not in synthetic.columns or target not in train.columns:
        return None
    frames = {
        side: _with_target(frame, column, target, TSTR_ROWS, random_seed)
        for side, frame in (("synthetic", synthetic), ("train", train), ("holdout", holdout))
    }
    if any(len(f) == 0 for f in frames.values()) or train[target].nunique() > MAX_CLASSES:
        return None
    labels, n_labels = _labels({side: f[target] for side, f in frames.items()})
    truth = labels["holdout"]
    figures = {
        side: _fit_text_classifier(
            frames[side][column].tolist(),
            labels[side],
            frames["holdout"][column].tolist(),
            truth,
            n_labels,
            random_seed,
        )
        for side in ("synthetic", "train")
    }
    (tstr, tstr_accuracy), (trtr, trtr_accuracy) = figures["synthetic"], figures["train"]
    return TextUtility(
        tstr=_round(tstr),
        trtr=_round(trtr),
        tstr_ratio=_round(tstr / trtr) if tstr is not None and trtr else None,
        tstr_accuracy=round(tstr_accuracy, 4),
        trtr_accuracy=round(trtr_accuracy, 4),
        holdout_rows=len(frames["holdout"]),
    )


def _fit_text_classifier(
    texts: list[str],
    y: np.ndarray,
    test_texts: list[str],
    y_test: np.ndarray,
    n_labels: int,
    random_seed: int,
) -> tuple[float | None, float]:
    """ROC AUC and accuracy on the test texts; a single-class training set predicts it."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from registry.quality.detection import limited_threads
    from registry.quality.utility import _roc_auc

    seen = np.unique(y)
    if len(seen) < 2:
        return None, float(np.mean(y_test == seen[0]))
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=50_000)
    with limited_threads():
        try:
            features = vectorizer.fit_transform(texts)
        except ValueError:  # no term occurs twice: nothing to learn from
            return None, float(np.mean(y_test == np.bincount(y).argmax()))
        model = LogisticRegression(max_iter=1000, random_state=random_seed)
        model.fit(features, y)
        proba = model.predict_proba(vectorizer.transform(test_texts))
    full = np.zeros((len(test_texts), n_labels))
    full[:, model.classes_] = proba
    accuracy = float(np.mean(model.classes_[np.argmax(proba, axis=1)] == y_test))
    return _roc_auc(y_test, full), accuracy


def _with_target(
    frame: pd.DataFrame, column: str, target: str, rows: int, random_seed: int
) -> pd.DataFrame:
    picked = frame[[column, target]].dropna()
    if len(picked) > rows:
        picked = picked.sample(rows, random_state=random_seed)
    return picked.astype({column: str})


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)
