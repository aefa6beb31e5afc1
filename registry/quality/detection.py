"""Detection: can a classifier tell synthetic rows from real ones?

A gradient-boosted tree model (scikit-learn's ``HistGradientBoostingClassifier``, which bins
numbers itself, takes nulls as they are and splits categories natively) is cross-validated on
a balanced sample of real (label 0) and synthetic (label 1) rows; its mean ROC AUC over the
held-out folds is ``auc``. 0.5 means it cannot tell them apart, 1.0 that it always can.
``score = 1 - 2 * max(0, auc - 0.5)`` maps that onto [0, 1], 1 being best, as SDMetrics'
detection metrics do.

Choices, for speed and repeatability:

* At most ``max_rows`` rows of each side (10,000 by default), and the same number from both,
  drawn without replacement with ``random_seed``; stratified k-fold (3 by default) with the
  same seed, except that a synthetic row identical to a real one is kept in its twin's fold
  (see :func:`_assign_folds`), so copied rows read as "cannot tell" (AUC 0.5) rather than
  as a classifier beaten by its own memory. The same frames and seed give the same figures.
* Features are the columns present in both frames except ``"id"`` ones (see
  :func:`registry.quality.fidelity.column_kinds`; an id tells the frames apart without saying
  anything about the data). Numbers stay numbers, datetimes become nanoseconds, categories and
  booleans become codes shared by both frames (the 254 most frequent values keep their own,
  the rest share one, as the model takes at most 255 levels); nulls stay NaN.
* Threads: ``OMP_NUM_THREADS`` when set, else half the usable cores (at most 8); on a busy
  2-core machine OpenMP threads spin-wait for each other and run slower than one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format
from pydantic import BaseModel, ConfigDict

from registry._threads import thread_count as shared_thread_count
from registry.quality.fidelity import ColumnKind, column_kinds

#: Rows drawn from each side at most.
MAX_ROWS = 10_000
#: Cross-validation folds.
FOLDS = 3
#: Category codes the tree model takes: the most frequent values keep a code of their own,
#: the rest share the last one (HistGradientBoosting allows at most 255 categories).
MAX_CATEGORY_CODES = 255
MAX_THREADS = 8


class _Model(BaseModel):
    # allow_inf_nan=False: a NaN must never reach quality.json; "not computed" is None.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DetectionScores(_Model):
    """How well a classifier tells synthetic rows from real ones.

    ``auc`` is the mean cross-validated ROC AUC (0.5 ideal), ``auc_folds`` one per fold and
    ``score = 1 - 2 * max(0, auc - 0.5)`` in [0, 1] (1 best). ``auc``/``score`` are None when
    there was nothing to learn from (no shared column, fewer rows than folds on a side).
    ``rows`` is the number drawn from each side, ``columns`` the features used.
    """

    auc: float | None
    auc_folds: list[float]
    score: float | None
    rows: int
    folds: int
    columns: list[str]


# --- shared with utility.py --------------------------------------------------------------


def thread_count(environ: Mapping[str, str] | None = None) -> int:
    """OpenMP threads for the tree models (see :mod:`registry._threads`; half the cores)."""
    return shared_thread_count(cap=MAX_THREADS, environ=environ)


@contextmanager
def limited_threads() -> Iterator[None]:
    """Run the block with :func:`thread_count` OpenMP/BLAS threads (restored afterwards)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=thread_count()):
        yield


def feature_columns(
    frames: Sequence[pd.DataFrame], kinds: Mapping[str, ColumnKind], *, exclude: str | None = None
) -> list[str]:
    """Columns present in every frame, in ``kinds`` order, without ``"id"`` ones or ``exclude``."""
    shared = set(frames[0].columns).intersection(*(set(f.columns) for f in frames[1:]))
    return [
        name for name, kind in kinds.items() if name in shared and kind != "id" and name != exclude
    ]


def encode_features(
    frames: Sequence[pd.DataFrame], columns: Sequence[str], kinds: Mapping[str, ColumnKind]
) -> tuple[list[np.ndarray], np.ndarray]:
    """float64 feature matrices for the tree models, one per frame, and the categorical mask.

    Numbers as they are (infinities clipped to the largest float), datetimes as nanoseconds,
    categories and booleans as codes shared by all frames, ranked by frequency over all of
    them, the rarest beyond :data:`MAX_CATEGORY_CODES` sharing the last code; nulls as NaN.
    """
    matrices = [np.empty((len(f), len(columns))) for f in frames]
    categorical = np.zeros(len(columns), dtype=bool)
    for j, name in enumerate(columns):
        kind = kinds[name]
        if kind in ("numerical", "datetime"):
            fmt = _datetime_format(frames[0][name]) if kind == "datetime" else None
            for matrix, frame in zip(matrices, frames, strict=True):
                matrix[:, j] = _as_float(frame[name], kind, fmt)
        else:
            categorical[j] = True
            shared = _shared_codes([f[name] for f in frames])
            for matrix, codes in zip(matrices, shared, strict=True):
                matrix[:, j] = codes
    return matrices, categorical


def _datetime_format(column: pd.Series) -> str | None:
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return None
    present = column.dropna()
    return guess_datetime_format(str(present.iloc[0])) if len(present) else None


def _as_float(column: pd.Series, kind: ColumnKind, fmt: str | None) -> np.ndarray:
    """float64 with NaN for nulls and non-numbers; datetimes as ns since the epoch (UTC)."""
    if kind == "datetime" or pd.api.types.is_datetime64_any_dtype(column.dtype):
        if not pd.api.types.is_datetime64_any_dtype(column.dtype):
            text = column.where(column.isna(), column.astype(str))
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
            if not pd.api.types.is_datetime64_any_dtype(parsed.dtype):  # mixed time zones
                parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
            column = parsed
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            column = column.dt.tz_convert(None)
        ns = column.dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)
        values = np.where(column.notna().to_numpy(), ns.astype(np.float64), np.nan)
    elif pd.api.types.is_timedelta64_dtype(column.dtype):
        values = column.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    elif pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    top = np.finfo(np.float64).max
    return np.clip(values, -top, top)


def _shared_codes(columns: Sequence[pd.Series]) -> list[np.ndarray]:
    """Category codes by descending frequency over all columns; NaN for nulls."""
    if any(c.dtype != columns[0].dtype for c in columns) or any(
        isinstance(c.dtype, pd.CategoricalDtype) for c in columns
    ):
        columns = [c.astype(object) for c in columns]
    joined = pd.concat(list(columns), ignore_index=True)
    codes, uniques = pd.factorize(joined, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    rank = np.empty(len(uniques), dtype=np.float64)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(uniques))
    rank = np.minimum(rank, MAX_CATEGORY_CODES - 1)
    coded = np.where(codes >= 0, rank[np.maximum(codes, 0)] if len(uniques) else 0, np.nan)
    bounds = np.cumsum([0, *(len(c) for c in columns)])
    return [coded[a:b] for a, b in itertools.pairwise(bounds)]


# --- detection ---------------------------------------------------------------------------


def _assign_folds(
    x_real: np.ndarray, x_synthetic: np.ndarray, folds: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified folds in which a synthetic row identical to a real one shares its fold.

    Each real row is paired with at most one synthetic row of equal features (the k-th copy
    of a row on one side with the k-th on the other). Pairs, unpaired real rows and unpaired
    synthetic rows are dealt round-robin, in random order, over the folds, so every fold
    holds as many real as synthetic rows (to within two). Without the pairing, a copied row
    would be tested against its own twin, labelled the other way, in the training folds, and
    a perfect copy would score an AUC far below 0.5 instead of "cannot tell".
    """

    def occurrences(x: np.ndarray) -> pd.MultiIndex:
        hashes = pd.util.hash_pandas_object(pd.DataFrame(x), index=False).to_numpy()
        nth = pd.Series(hashes).groupby(hashes).cumcount().to_numpy()
        return pd.MultiIndex.from_arrays([hashes, nth])

    partner = occurrences(x_synthetic).get_indexer(occurrences(x_real))
    paired = np.flatnonzero(partner >= 0)
    lonely_synthetic = np.ones(len(x_synthetic), dtype=bool)
    lonely_synthetic[partner[paired]] = False

    def deal(count: int) -> np.ndarray:
        dealt = np.empty(count, dtype=np.int64)
        dealt[rng.permutation(count)] = np.arange(count) % folds
        return dealt

    fold_real = np.empty(len(x_real), dtype=np.int64)
    fold_synthetic = np.empty(len(x_synthetic), dtype=np.int64)
    pair_folds = deal(len(paired))
    fold_real[paired] = pair_folds
    fold_synthetic[partner[paired]] = pair_folds
    fold_real[partner < 0] = deal(int((partner < 0).sum()))
    fold_synthetic[lonely_synthetic] = deal(int(lonely_synthetic.sum()))
    return fold_real, fold_synthetic


def score_detection(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    random_seed: int = 0,
    max_rows: int = MAX_ROWS,
    folds: int = FOLDS,
    kinds: Mapping[str, ColumnKind] | None = None,
) -> DetectionScores:
    """Cross-validated ROC AUC of a classifier telling ``synthetic`` rows from ``real`` ones.

    ``min(len(real), len(synthetic), max_rows)`` rows are drawn from each side with
    ``random_seed``; features are the shared, non-id columns (``kinds`` defaults to
    :func:`column_kinds` of ``real``). Deterministic for the same inputs. Returns
    :class:`DetectionScores`; raises ``ValueError`` for ``max_rows < 1`` or ``folds < 2``.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    kinds = column_kinds(real) if kinds is None else kinds
    columns = feature_columns([real, synthetic], kinds)
    rows = min(len(real), len(synthetic), max_rows)
    if not columns or rows < folds:
        return DetectionScores(
            auc=None, auc_folds=[], score=None, rows=rows, folds=folds, columns=columns
        )

    rng = np.random.default_rng(random_seed)
    real_rows = np.sort(rng.choice(len(real), size=rows, replace=False))
    synthetic_rows = np.sort(rng.choice(len(synthetic), size=rows, replace=False))
    (x_real, x_synthetic), categorical = encode_features(
        [real.iloc[real_rows], synthetic.iloc[synthetic_rows]], columns, kinds
    )
    x = np.vstack([x_real, x_synthetic])
    y = np.r_[np.zeros(rows, dtype=np.int8), np.ones(rows, dtype=np.int8)]

    fold_real, fold_synthetic = _assign_folds(x_real, x_synthetic, folds, rng)
    fold = np.r_[fold_real, fold_synthetic]
    aucs: list[float] = []
    with limited_threads():
        for k in range(folds):
            test = fold == k
            model = HistGradientBoostingClassifier(
                categorical_features=categorical, random_state=random_seed
            )
            model.fit(x[~test], y[~test])
            proba = model.predict_proba(x[test])[:, 1]
            aucs.append(float(roc_auc_score(y[test], proba)))
    auc = float(np.mean(aucs))
    return DetectionScores(
        auc=auc,
        auc_folds=aucs,
        score=float(np.clip(1.0 - 2.0 * max(0.0, auc - 0.5), 0.0, 1.0)),
        rows=rows,
        folds=folds,
        columns=columns,
    )
