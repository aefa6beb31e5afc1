"""Fidelity: how closely synthetic columns, and pairs of columns, follow the real ones.

This is a vectorized re-implementation of the two properties of SDMetrics' ``QualityReport``
(0.32) that DESIGN.md calls fidelity, so that a version's quality.json agrees with the
reference without importing SDV/SDMetrics at scoring time (they are slow: per-pair pandas
groupbys, and the report subsamples large frames at random):

* **Column shapes**: per column, ``KSComplement`` (1 - two-sample Kolmogorov-Smirnov D on
  non-null values) for numerical and datetime columns, ``TVComplement`` (1 - total variation
  distance of the non-null category frequencies) for categorical and boolean ones.
* **Column pair trends**: ``CorrelationSimilarity`` (1 - |r_real - r_synthetic| / 2, Pearson on
  rows where both are present) for two continuous columns, ``ContingencySimilarity``
  (1 - total variation distance of the joint frequency table, nulls counted as a category)
  otherwise, a continuous column being cut into 10 equal-width bins first.

What we mirror on purpose, because the scores would not agree otherwise:

* A pair only counts towards the property when it is related in the real data: |r| > 0.5 for
  correlations and Cramér's V > 0.3 for contingency tables (SDMetrics 0.32's report
  defaults). Pairs below the threshold are still scored and listed, flagged
  ``meets_threshold=False``. Pass thresholds of ``0`` to average every computable pair.
* For mixed pairs each frame's numeric column is binned on *its own* ``np.histogram_bin_edges``
  and ``np.digitize`` puts nulls in the same bin as the column's maximum; bins are compared by
  index. This is how SDMetrics' ``ColumnPairTrends`` does it (a shifted column therefore only
  shows in column shapes, not in mixed pairs).
* Column kinds follow ``sdv.metadata.Metadata.detect_from_dataframes`` (SDV 2.0), see
  :func:`column_kinds`.

Where we differ (each is documented where it happens): no random 50,000-row subsample for
contingency tables (we use every row, which is deterministic and cheap here); column names
that SDV reads as PII (``email``, ``city``, ``latitude`` ...) are scored by their values rather
than skipped; nearly-unique text columns are ``"id"`` even when SDV would call them
categorical; a synthetic column whose dtype differs from the real one is coerced to the real
column's kind instead of failing.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format
from pydantic import BaseModel, ConfigDict

ColumnKind = Literal["numerical", "datetime", "categorical", "boolean", "id"]
ShapeMetric = Literal["KSComplement", "TVComplement"]
PairMetric = Literal["CorrelationSimilarity", "ContingencySimilarity"]

#: SDMetrics 0.32 ``QualityReport`` defaults: a pair counts only if the real data shows it.
REAL_CORRELATION_THRESHOLD = 0.5
REAL_ASSOCIATION_THRESHOLD = 0.3
#: Equal-width bins for a continuous column in a mixed pair (SDMetrics' default).
NUM_BINS = 10

_CONTINUOUS: frozenset[str] = frozenset({"numerical", "datetime"})
_DISCRETE: frozenset[str] = frozenset({"categorical", "boolean"})
_KS_DECIMALS = 14  # SDMetrics rounds to sys.float_info.dig - 1 so float noise is not a step
_SDV_MIN_ROWS = 5  # SDV's _MIN_ROWS_FOR_PREDICTION
_SDV_ORDINAL_MAX_LEVELS = 10
_ID_MIN_VALUES = 50
_ID_UNIQUE_SHARE = 0.9
_DENSE_TABLE_MAX = 1 << 22  # cells above which a joint table is counted sparsely


class _Model(BaseModel):
    # allow_inf_nan=False: a NaN must never reach quality.json; "not computed" is None.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ColumnScore(_Model):
    """One column's shape score; ``score`` is None when it cannot be computed (all null)."""

    kind: ColumnKind
    metric: ShapeMetric
    score: float | None


class PairScore(_Model):
    """One column pair's trend score.

    ``real``/``synthetic`` are the statistic each side shows: Pearson's r for
    ``CorrelationSimilarity``, Cramér's V for ``ContingencySimilarity``; None where undefined.
    ``meets_threshold`` says whether the pair counts towards the property average.
    """

    column_a: str
    column_b: str
    metric: PairMetric
    score: float | None
    real: float | None
    synthetic: float | None
    meets_threshold: bool


class FidelityScores(_Model):
    """Column shapes, column pair trends and their mean, each in [0, 1] or None if empty."""

    column_shapes: float | None
    column_pair_trends: float | None
    score: float | None
    columns: dict[str, ColumnScore]
    pairs: list[PairScore]


# --- column kinds ------------------------------------------------------------------------


def column_kinds(df: pd.DataFrame) -> dict[str, ColumnKind]:
    """Classify every column of ``df`` the way SDV 2.0's metadata detection would.

    Rules, in order (SDV's, unless marked):

    * a name with an ``id`` token (``id``, ``user_id``, ``userId``) -> ``"id"``;
    * bool values -> ``"boolean"`` (SDV says categorical; SDMetrics scores both alike);
    * datetime64 values, or text that parses with one guessed date format -> ``"datetime"``;
    * numbers -> ``"numerical"``, except whole numbers with at most
      ``min(round(rows / 10), 10)`` distinct values (more than 5 rows), which SDV calls
      ordinal and SDMetrics scores like a category -> ``"categorical"``;
    * other values (object, string, category) -> ``"categorical"``;
    * ours, not SDV's: text with at least 50 non-null values of which 90 % or more are
      distinct (uuids, names, free text) -> ``"id"``;
    * SDV's primary key: the first column that is unique, has no nulls and more than 5 rows
      and is either text or positive whole numbers becomes ``"id"``.

    ``"id"`` columns are not scored. Returns a dict in column order; raises nothing.
    """
    kinds: dict[str, ColumnKind] = {}
    key_candidates: list[str] = []
    for name in df.columns:
        kind, key_candidate = _detect_kind(str(name), df[name])
        kinds[name] = kind
        if key_candidate:
            key_candidates.append(name)
    if key_candidates:
        kinds[key_candidates[0]] = "id"
    return kinds


def _detect_kind(name: str, column: pd.Series) -> tuple[ColumnKind, bool]:
    """The kind of one column and whether SDV would consider it for the primary key."""
    rows = len(column)
    values = column.dropna()
    unique_complete = len(values) == rows and column.is_unique
    if "id" in _name_tokens(name):
        return "id", unique_complete
    dtype_kind = values.infer_objects().dtype.kind
    if dtype_kind == "b":
        return "boolean", False
    if dtype_kind == "M":
        return "datetime", False
    if dtype_kind in "iuf":
        if rows <= _SDV_MIN_ROWS or values.empty:
            return "numerical", False
        numbers = pd.to_numeric(values)
        whole = bool((numbers == numbers.round()).all())
        levels = min(round(rows / 10), _SDV_ORDINAL_MAX_LEVELS)
        kind: ColumnKind = "categorical" if whole and values.nunique() <= levels else "numerical"
        return kind, unique_complete and whole and bool((numbers >= 0).all())
    if dtype_kind == "m":
        return "numerical", False  # SDV rejects timedeltas; a duration is a number to us
    if _datetime_format(values) is not None and _parses_as_dates(values):
        return "datetime", False
    if len(values) >= _ID_MIN_VALUES and values.nunique() >= _ID_UNIQUE_SHARE * len(values):
        return "id", unique_complete
    return "categorical", rows > _SDV_MIN_ROWS and unique_complete


def _name_tokens(name: str) -> list[str]:
    """SDV's column-name tokenizer: split on ``_ - space``, else on camelCase humps."""
    tokens = name.replace(" ", "_").replace("-", "_").split("_")
    if len(tokens) == 1:
        tokens = []
        if name.upper() != name and name[1:].lower() != name[1:]:
            tokens = re.findall("[A-Z][^A-Z]*", name)
    return [token.lower() for token in tokens or [name]]


def _datetime_format(values: pd.Series) -> str | None:
    """The strftime format pandas guesses from the first non-null value, as SDV does."""
    values = values.dropna()
    if values.empty:
        return None
    return guess_datetime_format(str(values.iloc[0]))


def _parses_as_dates(values: pd.Series) -> bool:
    try:
        pd.to_datetime(values.astype(str), format=_datetime_format(values), errors="raise")
    except (ValueError, TypeError, OverflowError):
        return False
    return True


# --- per-column preparation --------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """One shared column turned into arrays once, then reused by every metric."""

    kind: ColumnKind
    # continuous: float64 with NaN for nulls (datetimes as ns), and the exact KS samples
    real_values: np.ndarray | None = None
    synthetic_values: np.ndarray | None = None
    real_ks: np.ndarray | None = None
    synthetic_ks: np.ndarray | None = None
    # discrete: joint category codes; nulls get the last code (levels - 1)
    real_codes: np.ndarray | None = None
    synthetic_codes: np.ndarray | None = None
    levels: int = 0


def _prepare(
    real: pd.DataFrame, synthetic: pd.DataFrame, kinds: Mapping[str, ColumnKind]
) -> dict[str, _Prepared]:
    """Arrays for every column present in both frames whose kind is scored, in kinds order."""
    prepared: dict[str, _Prepared] = {}
    shared = set(real.columns) & set(synthetic.columns)
    for name, kind in kinds.items():
        if name not in shared or kind == "id":
            continue
        real_col, synthetic_col = real[name], synthetic[name]
        if kind == "datetime":
            fmt = None if _is_datetime(real_col) else _datetime_format(real_col)
            real_ns, real_ok = datetime_ns(real_col, fmt)
            synthetic_ns, synthetic_ok = datetime_ns(synthetic_col, fmt)
            prepared[name] = _Prepared(
                kind,
                real_values=np.where(real_ok, real_ns.astype(np.float64), np.nan),
                synthetic_values=np.where(synthetic_ok, synthetic_ns.astype(np.float64), np.nan),
                real_ks=real_ns[real_ok],
                synthetic_ks=synthetic_ns[synthetic_ok],
            )
        elif kind == "numerical":
            real_values, synthetic_values = _as_float(real_col), _as_float(synthetic_col)
            prepared[name] = _Prepared(
                kind,
                real_values=real_values,
                synthetic_values=synthetic_values,
                real_ks=_ks_sample(real_values),
                synthetic_ks=_ks_sample(synthetic_values),
            )
        else:
            real_codes, synthetic_codes, levels = _joint_codes(real_col, synthetic_col)
            prepared[name] = _Prepared(
                kind, real_codes=real_codes, synthetic_codes=synthetic_codes, levels=levels
            )
    return prepared


def _is_datetime(column: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(column.dtype)


def datetime_ns(column: pd.Series, fmt: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds since the epoch (UTC for aware values) and a mask of the non-null ones."""
    if not _is_datetime(column):
        text = column.where(column.isna(), column.astype(str))
        converted = pd.to_datetime(text, format=fmt, errors="coerce")
        if not _is_datetime(converted):  # mixed time zones come back as objects
            converted = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
        column = converted
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_convert(None)
    column = column.dt.as_unit("ns")
    ok = column.notna().to_numpy()
    return column.to_numpy(dtype="datetime64[ns]").view(np.int64), ok


def _as_float(column: pd.Series) -> np.ndarray:
    """float64 values with NaN for nulls and for anything that is not a number."""
    if _is_datetime(column):
        ns, ok = datetime_ns(column, None)
        return np.where(ok, ns.astype(np.float64), np.nan)
    if pd.api.types.is_timedelta64_dtype(column.dtype):
        return column.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    numbers = pd.to_numeric(column, errors="coerce")
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _ks_sample(values: np.ndarray) -> np.ndarray:
    """Non-null values rounded like SDMetrics' KSComplement (huge values left as they are)."""
    values = values[~np.isnan(values)]
    small = np.abs(values) < 1e290  # rounding multiplies by 1e14, which would overflow
    return np.where(small, np.round(values, _KS_DECIMALS), values)


def _joint_codes(real: pd.Series, synthetic: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Category codes shared by both frames; nulls get code ``levels - 1``.

    Values match by equality, as SDMetrics' ``Counter``/``groupby`` do, so 1 and 1.0 are one
    category; mismatched dtypes are compared as Python objects.
    """
    if real.dtype != synthetic.dtype:
        real, synthetic = real.astype(object), synthetic.astype(object)
    both = pd.concat([real, synthetic], ignore_index=True)
    codes, uniques = pd.factorize(both, use_na_sentinel=True)
    null_code = len(uniques)
    codes = np.where(codes < 0, null_code, codes).astype(np.int64)
    return codes[: len(real)], codes[len(real) :], null_code + 1


# --- column shapes -----------------------------------------------------------------------


def column_shapes(
    real: pd.DataFrame, synthetic: pd.DataFrame, kinds: Mapping[str, ColumnKind]
) -> dict[str, float]:
    """Shape score per shared, scored column: KSComplement or TVComplement, in [0, 1].

    Columns that cannot be scored (no non-null value on one side) are left out, as their NaN
    is left out of SDMetrics' average. Returns ``{column: score}`` in ``kinds`` order.
    """
    scores = _shape_scores(_prepare(real, synthetic, kinds))
    return {name: s.score for name, s in scores.items() if s.score is not None}


def _shape_scores(prepared: Mapping[str, _Prepared]) -> dict[str, ColumnScore]:
    scores: dict[str, ColumnScore] = {}
    for name, col in prepared.items():
        if col.kind in _CONTINUOUS:
            assert col.real_ks is not None and col.synthetic_ks is not None
            scores[name] = ColumnScore(
                kind=col.kind,
                metric="KSComplement",
                score=_ks_complement(col.real_ks, col.synthetic_ks),
            )
        else:
            assert col.real_codes is not None and col.synthetic_codes is not None
            scores[name] = ColumnScore(
                kind=col.kind,
                metric="TVComplement",
                score=_tv_complement(col.real_codes, col.synthetic_codes, col.levels),
            )
    return scores


def _ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    """1 - sup |F_real - F_synthetic|, evaluated at every observed value (as scipy does)."""
    if len(real) == 0 or len(synthetic) == 0:
        return None
    real, synthetic = np.sort(real), np.sort(synthetic)
    points = np.concatenate([real, synthetic])
    cdf_real = np.searchsorted(real, points, side="right") / len(real)
    cdf_synthetic = np.searchsorted(synthetic, points, side="right") / len(synthetic)
    return float(1.0 - np.max(np.abs(cdf_real - cdf_synthetic)))


def _tv_complement(real: np.ndarray, synthetic: np.ndarray, levels: int) -> float | None:
    """1 - total variation distance of the non-null category frequencies."""
    null_code = levels - 1
    real, synthetic = real[real != null_code], synthetic[synthetic != null_code]
    if len(real) == 0 or len(synthetic) == 0:
        return None
    p_real = np.bincount(real, minlength=levels) / len(real)
    p_synthetic = np.bincount(synthetic, minlength=levels) / len(synthetic)
    return float(1.0 - 0.5 * np.abs(p_real - p_synthetic).sum())


# --- column pair trends ------------------------------------------------------------------


def column_pair_trends(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    kinds: Mapping[str, ColumnKind],
    *,
    real_correlation_threshold: float = REAL_CORRELATION_THRESHOLD,
    real_association_threshold: float = REAL_ASSOCIATION_THRESHOLD,
) -> dict[tuple[str, str], float]:
    """Trend score of every pair that counts towards the property, in [0, 1].

    A pair counts when it is computable and the real data shows the relation (|r| above
    ``real_correlation_threshold``, Cramér's V above ``real_association_threshold``), so the
    mean of the returned values is the property. Every pair, counted or not, is listed in
    :attr:`FidelityScores.pairs`. Returns ``{(column_a, column_b): score}``; raises nothing.
    """
    pairs = _pair_scores(
        _prepare(real, synthetic, kinds),
        real_correlation_threshold=real_correlation_threshold,
        real_association_threshold=real_association_threshold,
    )
    return {
        (p.column_a, p.column_b): p.score
        for p in pairs
        if p.meets_threshold and p.score is not None
    }


def _pair_scores(
    prepared: Mapping[str, _Prepared],
    *,
    real_correlation_threshold: float,
    real_association_threshold: float,
) -> list[PairScore]:
    names = list(prepared)
    continuous = [n for n in names if prepared[n].kind in _CONTINUOUS]
    corr_real, corr_synthetic = (
        _correlations(prepared, continuous, "real"),
        _correlations(prepared, continuous, "synthetic"),
    )
    # SDMetrics gets no correlation for a constant column (it refuses) nor for a side holding
    # infinities (scipy returns NaN); pandas would quietly drop the infinite rows instead.
    constant = {n for n in continuous if _is_constant(prepared[n])}
    infinite_real = {n for n in continuous if _has_inf(prepared[n].real_values)}
    infinite_synthetic = {n for n in continuous if _has_inf(prepared[n].synthetic_values)}
    bins = {n: _bin_codes(prepared[n]) for n in continuous}
    discrete = {n: _null_coded(prepared[n]) for n in names if prepared[n].kind in _DISCRETE}

    pairs: list[PairScore] = []
    for a, b in itertools.combinations(names, 2):
        if a in corr_real.columns and b in corr_real.columns:
            pairs.append(
                _correlation_pair(
                    a,
                    b,
                    None if {a, b} & (constant | infinite_real) else _finite(corr_real.at[a, b]),
                    None
                    if {a, b} & (constant | infinite_synthetic)
                    else _finite(corr_synthetic.at[a, b]),
                    real_correlation_threshold,
                )
            )
        else:
            coded_a = bins[a] if a in bins else discrete[a]
            coded_b = bins[b] if b in bins else discrete[b]
            pairs.append(_contingency_pair(a, b, coded_a, coded_b, real_association_threshold))
    return pairs


_Coded = tuple[np.ndarray, np.ndarray, int] | None  # real codes, synthetic codes, levels


def _correlations(
    prepared: Mapping[str, _Prepared], names: list[str], side: Literal["real", "synthetic"]
) -> pd.DataFrame:
    """Pearson r of every continuous pair on rows where both are present (pandas' nancorr).

    Columns are centred first: r does not change, but datetimes (~1.6e18 ns) would otherwise
    lose enough precision in pandas' one-pass sums to give |r| > 1.
    """
    columns = {}
    for n in names:
        values = prepared[n].real_values if side == "real" else prepared[n].synthetic_values
        assert values is not None
        finite = values[np.isfinite(values)]
        columns[n] = values - finite.mean() if len(finite) else values
    return pd.DataFrame(columns).corr(method="pearson", min_periods=2).clip(-1.0, 1.0)


def _has_inf(values: np.ndarray | None) -> bool:
    return values is not None and bool(np.isinf(values).any())


def _is_constant(col: _Prepared) -> bool:
    """SDMetrics refuses a correlation when either frame's column has one distinct value."""
    for values in (col.real_values, col.synthetic_values):
        assert values is not None
        present = values[~np.isnan(values)]
        if len(present) and present.min() == present.max():
            return True
    return False


def _bin_codes(col: _Prepared) -> _Coded:
    """Each frame binned on its own 10 equal-width edges; nulls land in the top bin.

    ``np.digitize`` over ``NUM_BINS + 1`` edges gives codes 0..NUM_BINS + 1 (the maximum and
    NaN both get NUM_BINS + 1), which is exactly what SDMetrics' ColumnPairTrends compares.
    Returns None when a frame holds infinities, which SDMetrics cannot bin either.
    """
    coded = []
    for values in (col.real_values, col.synthetic_values):
        assert values is not None
        try:
            edges = np.histogram_bin_edges(values[~np.isnan(values)], bins=NUM_BINS)
        except ValueError:
            return None
        coded.append(np.digitize(values, edges).astype(np.int64))
    return coded[0], coded[1], NUM_BINS + 2


def _null_coded(col: _Prepared) -> _Coded:
    assert col.real_codes is not None and col.synthetic_codes is not None
    return col.real_codes, col.synthetic_codes, col.levels


def _correlation_pair(
    a: str, b: str, real: float | None, synthetic: float | None, threshold: float
) -> PairScore:
    score = None
    if real is not None and synthetic is not None:
        score = 1.0 - abs(real - synthetic) / 2.0
    meets = score is not None and (threshold <= 0 or (real is not None and abs(real) > threshold))
    return PairScore(
        column_a=a,
        column_b=b,
        metric="CorrelationSimilarity",
        score=score,
        real=real,
        synthetic=synthetic,
        meets_threshold=meets,
    )


def _contingency_pair(
    a: str, b: str, coded_a: _Coded, coded_b: _Coded, threshold: float
) -> PairScore:
    score = real_v = synthetic_v = None
    if coded_a is not None and coded_b is not None:
        real_a, synthetic_a, _ = coded_a
        real_b, synthetic_b, levels_b = coded_b
        if len(real_a) and len(synthetic_a):
            real_keys, real_counts = _joint_counts(real_a, real_b, levels_b)
            syn_keys, syn_counts = _joint_counts(synthetic_a, synthetic_b, levels_b)
            score = _contingency_similarity(
                real_keys, real_counts / len(real_a), syn_keys, syn_counts / len(synthetic_a)
            )
            real_v = _cramers_v(real_keys, real_counts, levels_b)
            synthetic_v = _cramers_v(syn_keys, syn_counts, levels_b)
    meets = score is not None and (threshold <= 0 or (real_v is not None and real_v > threshold))
    return PairScore(
        column_a=a,
        column_b=b,
        metric="ContingencySimilarity",
        score=score,
        real=real_v,
        synthetic=synthetic_v,
        meets_threshold=meets,
    )


def _joint_counts(
    codes_a: np.ndarray, codes_b: np.ndarray, levels_b: int
) -> tuple[np.ndarray, np.ndarray]:
    """Occupied cells of the joint table as (sorted cell keys, counts); dense when small."""
    keys = codes_a * levels_b + codes_b
    top = int(keys.max()) + 1 if len(keys) else 0
    if top <= max(_DENSE_TABLE_MAX, 4 * len(keys)):
        counts = np.bincount(keys, minlength=top)
        occupied = np.flatnonzero(counts)
        return occupied, counts[occupied]
    return np.unique(keys, return_counts=True)


def _contingency_similarity(
    real_keys: np.ndarray, p_real: np.ndarray, syn_keys: np.ndarray, p_syn: np.ndarray
) -> float:
    """1 - total variation distance between two sparse joint distributions."""
    cells = np.union1d(real_keys, syn_keys)
    dense_real = np.zeros(len(cells))
    dense_syn = np.zeros(len(cells))
    dense_real[np.searchsorted(cells, real_keys)] = p_real
    dense_syn[np.searchsorted(cells, syn_keys)] = p_syn
    return float(1.0 - 0.5 * np.abs(dense_real - dense_syn).sum())


def _cramers_v(keys: np.ndarray, counts: np.ndarray, levels_b: int) -> float | None:
    """Cramér's V without continuity correction (scipy's ``association(method="cramer")``).

    Uses chi2 = N * sum(O^2 / (R_i C_j)) - N over occupied cells only, so a table of two
    high-cardinality columns never has to be built. None when the table has fewer than two
    occupied rows or columns, where V is undefined.
    """
    rows, row_of = np.unique(keys // levels_b, return_inverse=True)
    cols, col_of = np.unique(keys % levels_b, return_inverse=True)
    if min(len(rows), len(cols)) < 2:
        return None
    counts = counts.astype(np.float64)
    total = counts.sum()
    row_sums = np.bincount(row_of, weights=counts)
    col_sums = np.bincount(col_of, weights=counts)
    chi2 = total * np.sum(counts**2 / (row_sums[row_of] * col_sums[col_of])) - total
    phi2 = max(chi2, 0.0) / total
    return float(min(math.sqrt(phi2 / (min(len(rows), len(cols)) - 1)), 1.0))


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


# --- the whole property ------------------------------------------------------------------


def score_fidelity(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    kinds: Mapping[str, ColumnKind] | None = None,
    real_correlation_threshold: float = REAL_CORRELATION_THRESHOLD,
    real_association_threshold: float = REAL_ASSOCIATION_THRESHOLD,
) -> FidelityScores:
    """Column shapes, column pair trends and their mean, as SDMetrics' QualityReport scores.

    ``kinds`` defaults to :func:`column_kinds` of the real frame. Only columns present in both
    frames are scored; frames may differ in length and in dtypes. A property with nothing to
    average (no scorable column, no pair above the thresholds) is None and the overall score
    is the mean of the others. Returns :class:`FidelityScores`; raises nothing on odd data.
    """
    prepared = _prepare(real, synthetic, column_kinds(real) if kinds is None else kinds)
    columns = _shape_scores(prepared)
    pairs = _pair_scores(
        prepared,
        real_correlation_threshold=real_correlation_threshold,
        real_association_threshold=real_association_threshold,
    )
    shapes = _mean(c.score for c in columns.values())
    trends = _mean(p.score for p in pairs if p.meets_threshold)
    return FidelityScores(
        column_shapes=shapes,
        column_pair_trends=trends,
        score=_mean([shapes, trends]),
        columns=columns,
        pairs=pairs,
    )


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None
