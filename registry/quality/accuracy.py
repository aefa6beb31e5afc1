"""Accuracy: how closely the binned 1-, 2- and 3-column distributions of synthetic data match.

This mirrors the accuracy metrics of mostlyai-qa (1.10, ``_accuracy.py``), vectorized:

* Every column is **binned on the training data** and every other frame is mapped onto the
  same bins:

  - numbers, booleans and datetimes: when the training column holds at most ``bins``
    distinct values, one bin per value; otherwise up to ``bins`` quantile bins, found by
    mostlyai-qa's greedy search (``np.linspace`` positions in the sorted values, more
    positions until ``bins + 1`` distinct breaks appear). Breaks are floored to the fewest
    decimals that keep them distinct, bins are ``[lower, upper)``, and values outside the
    training range are clipped into the first or last bin;
  - other (text, category) columns: the ``bins`` most frequent training values (nulls take
    part in the ranking) that occur at least ``MIN_CATEGORY_COUNT`` times each get a bin;
    every other value, including values the training data never held, goes to one "other"
    bin;
  - nulls always get a bin of their own.

* The accuracy of one set of columns is ``1 - TVD`` (total variation distance: half the L1
  distance) between the relative frequencies of the joint bins in the training and the other
  frame. ``univariate``, ``bivariate`` and ``trivariate`` average it over every column, pair
  and triple; ``overall`` is the mean of the three (of those that exist).

* The **ceiling** is the same figure for the real holdout against the training data: what
  unseen real rows of that size score. A synthetic figure well above it suggests copying.

Where we differ from mostlyai-qa, on purpose:

* Column kinds come from :func:`registry.quality.fidelity.column_kinds`: ``"id"`` columns are
  not scored (mostlyai-qa bins numeric ids and samples tokens of text ids), and text that
  parses as dates is binned as dates (mostlyai-qa bins it as categories). Otherwise binning
  follows the training column's dtype, as in mostlyai-qa: numbers and booleans as numbers,
  so a whole-number "category" such as a count gets one bin per value and out-of-range
  synthetic values are clipped into the edge bins rather than counted as "other".
* mostlyai-qa compares synthetic data with training *and* holdout rows pooled; we compare it
  with the training rows and report the holdout's own figure beside it as the ceiling.
* When there are more than ``max_combinations`` pairs (or triples), a fixed, seeded sample
  of that many is scored, the same one on every run (mostlyai-qa scores every pair and a
  fresh random sample of at most 10,000 triples). ``pairs_total``/``triples_total`` say how
  many there were.
* mostlyai-qa's separate "empty string" bin is not kept: ``""`` is a category like any other;
  nor is its free-text handling (one sampled token per value): text that is not an id is
  binned as categories.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format
from pydantic import BaseModel, ConfigDict

from registry.quality.fidelity import ColumnKind, column_kinds, datetime_ns

#: Bins per column (mostlyai-qa's default), and the most we allow (a triple's joint table has
#: about bins**3 cells, counted densely).
BINS = 10
MAX_BINS = 100
#: A category needs at least this many training rows to get its own bin (mostlyai-qa's
#: rare-category protection); rarer ones count as "other".
MIN_CATEGORY_COUNT = 5
#: Pairs or triples scored at most; beyond this a fixed sample of them is scored.
MAX_COMBINATIONS = 2000
#: Seed of the sample of combinations taken when there are more than ``max_combinations``.
COMBINATION_SEED = 0

_DAY_NS = 86_400 * 10**9
_SEARCH_MAX_POSITIONS = 1000  # mostlyai-qa's cap on the quantile-break search
_CHUNK_CELLS = 1 << 22  # rows x combinations counted in one bincount call


class _Model(BaseModel):
    # allow_inf_nan=False: a NaN must never reach quality.json; "not computed" is None.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class AccuracyScores(_Model):
    """Binned-distribution accuracy of synthetic data against the training data, in [0, 1].

    ``univariate``, ``bivariate`` and ``trivariate`` are the mean accuracy over columns, pairs
    and triples; ``overall`` is their mean. The ``*_ceiling`` fields are the same figures for
    the real holdout against the training data (None without a holdout). Any figure that
    cannot be computed (no column, fewer than two columns, an empty frame) is None.
    ``columns`` holds each scored column's univariate accuracy (``columns_ceiling`` the
    holdout's). ``pairs``/``triples`` count the combinations scored out of
    ``pairs_total``/``triples_total``.
    """

    univariate: float | None
    bivariate: float | None
    trivariate: float | None
    overall: float | None
    univariate_ceiling: float | None
    bivariate_ceiling: float | None
    trivariate_ceiling: float | None
    overall_ceiling: float | None
    columns: dict[str, float]
    columns_ceiling: dict[str, float] | None
    bins: int
    pairs: int
    pairs_total: int
    triples: int
    triples_total: int


# --- binning -----------------------------------------------------------------------------


def _is_datetime(column: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(column.dtype)


def _as_float(column: pd.Series, kind: ColumnKind, fmt: str | None) -> np.ndarray:
    """float64 values with NaN for nulls; datetimes as nanoseconds since the epoch (UTC)."""
    if kind == "datetime" or _is_datetime(column):
        ns, ok = datetime_ns(column, fmt)
        return np.where(ok, ns.astype(np.float64), np.nan)
    if pd.api.types.is_timedelta64_dtype(column.dtype):
        return column.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _search_breaks(values: np.ndarray, bins: int) -> np.ndarray:
    """mostlyai-qa's greedy search for ``bins + 1`` distinct quantile breaks (sorted input)."""
    breaks = np.empty(0)
    stop = max(bins + 1, min(_SEARCH_MAX_POSITIONS, len(values) + 1))
    for positions in range(bins, stop):
        indices = np.linspace(0, len(values) - 1, positions).astype(int)
        breaks = np.unique(values[indices])
        if len(breaks) >= bins + 1:
            break
    return breaks


def _floor_breaks(breaks: np.ndarray) -> np.ndarray:
    """Floor all but the last break to the fewest decimals that keep them distinct."""
    with np.errstate(over="ignore", invalid="ignore"):
        for precision in range(20):
            scale = 10.0**precision
            floored = np.floor(breaks * scale) / scale
            if len(np.unique(floored)) == len(breaks):
                return np.concatenate([floored[:-1], breaks[-1:]])
    return breaks


def _numeric_binner(train: np.ndarray, bins: int, *, datetime: bool):
    """Bin edges from the training values; returns a function values -> codes, and levels."""
    values = np.sort(train[~np.isnan(train)])
    distinct = np.unique(values)
    if len(values) == 0:
        breaks = np.array([-1e10, 1e10])
    elif datetime:
        if len(distinct) == 1:
            breaks = np.array([distinct[0], distinct[0] + _DAY_NS])
        else:
            breaks = _search_breaks(values, bins)
    elif len(distinct) <= bins:
        breaks = np.append(distinct, distinct[-1] + 1)
    else:
        breaks = _search_breaks(values, bins)
    low, high = breaks[0], breaks[-1]
    if not datetime:
        breaks = _floor_breaks(breaks)
    edges = np.append(breaks[:-1], breaks[-1] + (_DAY_NS if datetime else 1))
    intervals = len(breaks) - 1

    def codes(column: np.ndarray) -> np.ndarray:
        null = np.isnan(column)
        placed = np.searchsorted(edges, np.clip(column, low, high), side="right") - 1
        placed = np.clip(placed, 0, intervals - 1)  # break + 1 can round away on huge numbers
        return np.where(null, intervals, placed).astype(np.int32)

    return codes, intervals + 1


def _categorical_binner(train: pd.Series, bins: int):
    """Top ``bins`` training values (nulls ranked too) seen often enough; others share a bin."""
    train_codes, uniques = pd.factorize(train, use_na_sentinel=True)
    counts = np.bincount(train_codes[train_codes >= 0], minlength=len(uniques))
    nulls = int((train_codes < 0).sum())
    # rank values and the null "value" together by count, ties by first appearance
    candidates = np.append(counts, nulls)
    order = np.argsort(-candidates, kind="stable")[:bins]
    kept = [int(i) for i in order if candidates[i] >= MIN_CATEGORY_COUNT and i < len(uniques)]
    kept.sort()
    other, null = len(kept), len(kept) + 1
    lookup = np.full(len(uniques) + 1, other, dtype=np.int32)
    lookup[kept] = np.arange(len(kept), dtype=np.int32)
    index = pd.Index(uniques)

    def codes(column: pd.Series) -> np.ndarray:
        if column.dtype != train.dtype:
            column = column.astype(object)
        found = index.get_indexer(column) if len(index) else np.full(len(column), -1)
        coded = lookup[np.where(found < 0, len(uniques), found)]
        return np.where(column.isna().to_numpy(), null, coded).astype(np.int32)

    return codes, null + 1


def _holds_numbers(column: pd.Series) -> bool:
    """Numbers and booleans are binned as numbers whatever their kind, as mostlyai-qa does."""
    return pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype)


def _bin_frames(
    train: pd.DataFrame,
    others: list[pd.DataFrame],
    kinds: Mapping[str, ColumnKind],
    bins: int,
) -> tuple[list[str], np.ndarray, list[np.ndarray]]:
    """Codes of the scored columns: names, levels per column, [train, *others] (columns x rows)."""
    shared = set(train.columns).intersection(*(set(o.columns) for o in others))
    names: list[str] = []
    levels: list[int] = []
    coded: list[list[np.ndarray]] = [[] for _ in range(1 + len(others))]
    for name, kind in kinds.items():
        if name not in shared or kind == "id":
            continue
        frames = [train[name], *(o[name] for o in others)]
        if kind in ("numerical", "datetime") or _holds_numbers(train[name]):
            fmt = None
            if kind == "datetime" and not _is_datetime(train[name]):
                present = train[name].dropna()
                fmt = guess_datetime_format(str(present.iloc[0])) if len(present) else None
            arrays = [_as_float(f, kind, fmt) for f in frames]
            to_codes, n_levels = _numeric_binner(arrays[0], bins, datetime=kind == "datetime")
            columns = [to_codes(a) for a in arrays]
        else:
            to_codes, n_levels = _categorical_binner(train[name], bins)
            columns = [to_codes(f) for f in frames]
        names.append(name)
        levels.append(n_levels)
        for store, column in zip(coded, columns, strict=True):
            store.append(column)
    stacked = [
        np.vstack(c) if c else np.zeros((0, len(f)), dtype=np.int32)
        for c, f in zip(coded, [train, *others], strict=True)
    ]
    return names, np.asarray(levels, dtype=np.int64), stacked


# --- combinations ------------------------------------------------------------------------


def _unrank(rank: int, n: int, k: int) -> list[int]:
    """The ``rank``-th k-subset of range(n) in lexicographic order."""
    combo: list[int] = []
    x = 0
    for i in range(k):
        while True:
            block = math.comb(n - x - 1, k - i - 1)
            if rank < block:
                break
            rank -= block
            x += 1
        combo.append(x)
        x += 1
    return combo


def _combinations(n: int, k: int, cap: int) -> tuple[np.ndarray, int]:
    """Column-index combinations to score, lexicographically sorted, and how many exist.

    All of them when there are at most ``cap``; else ``cap`` drawn without replacement with a
    fixed seed, so the same columns always give the same sample.
    """
    total = math.comb(n, k) if n >= k else 0
    if total <= cap:
        combos = list(itertools.combinations(range(n), k))
    else:
        rng = np.random.default_rng(COMBINATION_SEED)
        ranks = np.sort(rng.choice(total, size=cap, replace=False))
        combos = [tuple(_unrank(int(r), n, k)) for r in ranks]
    return np.asarray(combos, dtype=np.int64).reshape(-1, k), total


# --- accuracy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    """Combinations counted in one ``bincount``: they share every column but the last."""

    rows: slice  # their positions in the combinations array
    prefix: np.ndarray  # the shared leading columns
    last: np.ndarray  # each combination's last column
    offsets: np.ndarray  # where each combination's cells start in the count vector
    cells: int


def _plan(combos: np.ndarray, levels: np.ndarray, rows: int) -> list[_Chunk]:
    """Group lexicographically sorted combinations by prefix, in chunks of bounded size."""
    if len(combos) == 0:
        return []
    k = combos.shape[1]
    prefixes = combos[:, : k - 1]
    changed = np.any(prefixes[1:] != prefixes[:-1], axis=1) if k > 1 else np.zeros(0, bool)
    bounds = np.append(np.flatnonzero(np.r_[True, changed]), len(combos))
    by_rows = max(1, _CHUNK_CELLS // max(rows, 1))
    chunks = []
    for begin, end in itertools.pairwise(bounds):
        prefix = combos[begin, : k - 1]
        prefix_levels = int(np.prod(levels[prefix])) if len(prefix) else 1
        by_cells = max(1, _CHUNK_CELLS // (prefix_levels * int(levels.max())))
        step = min(by_rows, by_cells)
        for lo in range(begin, end, step):
            hi = min(end, lo + step)
            last = combos[lo:hi, k - 1]
            cells = prefix_levels * levels[last]
            offsets = np.concatenate([[0], np.cumsum(cells)[:-1]]).astype(np.int32)
            chunks.append(_Chunk(slice(lo, hi), prefix, last, offsets, int(cells.sum())))
    return chunks


def _shares(codes: np.ndarray, levels: np.ndarray, plan: list[_Chunk]) -> list[np.ndarray]:
    """Relative frequency of every joint bin, one vector per chunk (codes: columns x rows).

    The prefix key is built once per chunk and each last column is added with its offset, so
    one ``bincount`` counts every combination of the chunk.
    """
    shares = []
    rows = codes.shape[1]
    for chunk in plan:
        key = np.zeros(rows, dtype=np.int32)
        for column in chunk.prefix:
            key = key * np.int32(levels[column]) + codes[column]
        keys = (
            key[None, :] * levels[chunk.last].astype(np.int32)[:, None]
            + codes[chunk.last]
            + chunk.offsets[:, None]
        )
        counts = np.bincount(keys.ravel(), minlength=chunk.cells)
        shares.append(counts / rows)
    return shares


def _accuracies(
    plan: list[_Chunk], reference: list[np.ndarray], other: list[np.ndarray], size: int
) -> np.ndarray:
    """1 - TVD of every combination, from the shares of the two frames."""
    result = np.empty(size)
    for chunk, ref, oth in zip(plan, reference, other, strict=True):
        result[chunk.rows] = 1.0 - 0.5 * np.add.reduceat(np.abs(ref - oth), chunk.offsets)
    return np.clip(result, 0.0, 1.0)


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _figures(
    plans: dict[int, list[_Chunk]],
    sizes: dict[int, int],
    reference: dict[int, list[np.ndarray]],
    other: dict[int, list[np.ndarray]],
) -> tuple[dict[int, float | None], np.ndarray]:
    """Mean accuracy per order (None where nothing to average) and per-column accuracies."""
    means: dict[int, float | None] = {}
    per_column = np.empty(0)
    for order in (1, 2, 3):
        values = _accuracies(plans[order], reference[order], other[order], sizes[order])
        if order == 1:
            per_column = values
        means[order] = float(values.mean()) if len(values) else None
    return means, per_column


def score_accuracy(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    kinds: Mapping[str, ColumnKind] | None = None,
    bins: int = BINS,
    max_combinations: int = MAX_COMBINATIONS,
) -> AccuracyScores:
    """Univariate, bivariate and trivariate accuracy of ``synthetic`` against ``train``.

    Columns are binned on ``train`` (see the module docstring) and every column, pair and
    triple of the columns present in all given frames is compared as ``1 - TVD``; with a
    ``holdout`` the same figures for holdout-vs-train are the ceilings. ``kinds`` defaults to
    :func:`column_kinds` of ``train``; ``"id"`` columns are skipped. At most
    ``max_combinations`` pairs and as many triples are scored (a fixed sample beyond that).
    Returns :class:`AccuracyScores`; raises ``ValueError`` for ``bins`` outside 2..100 or
    ``max_combinations < 1``, nothing on odd data.
    """
    if not 2 <= bins <= MAX_BINS:
        raise ValueError(f"bins must be between 2 and {MAX_BINS}, got {bins}")
    if max_combinations < 1:
        raise ValueError(f"max_combinations must be at least 1, got {max_combinations}")
    kinds = column_kinds(train) if kinds is None else kinds
    others = [synthetic] if holdout is None else [synthetic, holdout]
    names, levels, coded = _bin_frames(train, others, kinds, bins)
    n = len(names)
    pairs, pairs_total = _combinations(n, 2, max_combinations)
    triples, triples_total = _combinations(n, 3, max_combinations)
    combos = {1: np.arange(n, dtype=np.int64).reshape(-1, 1), 2: pairs, 3: triples}
    rows = max(c.shape[1] for c in coded)
    plans = {order: _plan(c, levels, rows) for order, c in combos.items()}
    sizes = {order: len(c) for order, c in combos.items()}
    shares = [
        {order: _shares(codes, levels, plan) for order, plan in plans.items()}
        if codes.shape[1]
        else None
        for codes in coded
    ]

    empty: dict[int, float | None] = {1: None, 2: None, 3: None}
    synthetic_means, synthetic_columns = empty, np.empty(0)
    if shares[0] is not None and shares[1] is not None:
        synthetic_means, synthetic_columns = _figures(plans, sizes, shares[0], shares[1])
    ceiling_means: dict[int, float | None] = empty
    columns_ceiling: dict[str, float] | None = None
    if holdout is not None:
        columns_ceiling = {}
        if shares[0] is not None and shares[2] is not None:
            ceiling_means, holdout_columns = _figures(plans, sizes, shares[0], shares[2])
            columns_ceiling = dict(zip(names, map(float, holdout_columns), strict=True))
    return AccuracyScores(
        univariate=synthetic_means[1],
        bivariate=synthetic_means[2],
        trivariate=synthetic_means[3],
        overall=_mean(synthetic_means.values()),
        univariate_ceiling=ceiling_means[1],
        bivariate_ceiling=ceiling_means[2],
        trivariate_ceiling=ceiling_means[3],
        overall_ceiling=_mean(ceiling_means.values()),
        columns=dict(zip(names, map(float, synthetic_columns), strict=False)),
        columns_ceiling=columns_ceiling,
        bins=bins,
        pairs=len(pairs),
        pairs_total=pairs_total,
        triples=len(triples),
        triples_total=triples_total,
    )
