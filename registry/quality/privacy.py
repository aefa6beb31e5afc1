"""Privacy: how close synthetic rows sit to the training rows, against the holdout's baseline.

Distances are Euclidean on the mixed-type encoding of :mod:`registry.quality._encoding`
(numbers on train's quantile scale, categories one-hot so a mismatch costs 1, nulls as their
own value, id columns left out), fitted on train only. For every synthetic row we find its
nearest and second-nearest train row and holdout row, **exactly** (see "Search" below), and
report:

* **DCR** (distance to closest record): median and 5th percentile of the distance to the
  nearest train row, and the same to the nearest holdout row as the baseline. A generator that
  memorizes shows DCRs to train well below those to holdout.
* **DCR share**: the share of synthetic rows closer to train than to holdout, a tie counting
  half; about 0.5 when the generator learned the distribution rather than the rows. A larger
  reference set is closer by chance, so the two are first cut to the same size: with
  ``n = min(len(train), len(holdout))`` rows, the larger set is replaced by ``n`` of its rows
  drawn uniformly without replacement by ``numpy.random.default_rng(0)`` (in original order),
  the smaller is kept whole, and every synthetic row is compared with both. With equal sizes
  nothing is sampled. (mostlyai-qa compares equal-size samples the same way.)
* **NNDR** (nearest / second-nearest distance ratio): median over synthetic rows of
  ``d1 / d2`` to train, and to holdout as the baseline. Low values mean a synthetic row sits
  on one particular record rather than in a crowd. ``0 / 0`` (two neighbours on the very
  same point) counts as 1, the limit of ``d1 == d2``.
* **Exact copies**: synthetic rows equal to some train row on the original values of every
  non-id column (nulls equal nulls), against the natural rate: the share of holdout rows equal
  to some train row. Rows are compared by exact ids from pandas' hash-table factorization.

Search. Brute force is ``synthetic x train`` distance evaluations (10^10 at 100k x 100k), far
too slow in NumPy. Instead:

0. *Distinct rows*: equal row ids mean equal encodings, so each distinct synthetic row is
   searched once, and each distinct reference row once, standing for as many rows as it
   occurs (a row present c times fills c of the k places). Real tables repeat rows; a
   table resampled with replacement repeats most of them.

Then we use that a category mismatch costs exactly 1 (whole numbers) while the quantile part
of a distance is usually small:

1. *Level 0*: rows are grouped by all their codes; one KD-tree over ``[group * BIG, numbers]``
   finds each query's k nearest rows *within its own group* (BIG exceeds twice any in-group
   distance, so other groups never win, and a bound on the search distance prunes them
   early). A row of another group differs in at least one code, so is at least 1 away: a
   query whose k-th distance is at most 1 is final.
2. *Level 1*, for the rest: for each code column j, rows are grouped by all codes but j and
   the same kind of tree returns the k nearest *by numbers alone*. That is enough: a row
   differing at j costs its numbers' part plus 1, and every row of the group that is nearer
   by numbers is also nearer in truth (it pays at most the same mismatch), so the true k
   nearest rows differing at j are among those hits. With level 0 this covers every row at
   most one mismatch away; any other row is at least 2 away, so a k-th distance of at most
   2 is final.
3. Whatever is still open goes to an exact brute force: a float32 BLAS product with a
   rigorous error bound, every candidate inside the bound re-measured in float64
   (see :func:`_brute`).

Every reported distance is recomputed by :func:`~registry.quality._encoding.squared_distances`
in one fixed order, so the results equal a naive exact computation (``scipy``'s ``cdist`` on
:meth:`~registry.quality._encoding.MixedEncoding.dense`) to float rounding (~1e-15), and
equal distances are exact ties. Speed on one thread (Ecdat::HI, 13 mixed columns):
``benchmarks/quality_privacy.py`` (resampled and perturbed, so no row repeats) ~0.1 s at
10k x 10k and ~0.85 s at 100k x 100k; ``benchmarks/quality_report.py`` (train and holdout
resampled as they are, 22k distinct rows in 100k) ~0.65 s at 100k x 100k. Tables where
most rows differ from all others in two or more categories (many independent categorical
columns) leave most rows to the brute force, which is exact but quadratic (~10 s at
50k x 50k); more than 31 numerical columns skip the trees altogether.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from registry._threads import thread_count as shared_thread_count
from registry._threads import usable_cores
from registry.quality._encoding import (
    EncodedFrame,
    combine_codes,
    encode,
    squared_distances,
)
from registry.quality.fidelity import ColumnKind, column_kinds

#: Seed of the one sample drawn here: the larger reference set cut to size for the DCR share.
SHARE_SEED = 0
_TREE_MAX_DIMS = 32  # KD-trees lose to brute force beyond a few dozen dimensions
_LEAF_SIZE = 32
_BRUTE_CELLS = 1 << 21  # distance-matrix cells per brute-force block (8 MiB of float32)
_BRUTE_ONE_HOT_MAX = 64  # code columns with more codes are compared, not multiplied
_SMALL_PROBLEM = 1 << 22  # query x reference pairs below which brute force is as fast
_MAX_THREADS = 8
_FLOAT32_MAX_NORM = 1e3  # squared norms above which brute force multiplies in float64

Method = Literal["auto", "tree", "brute"]


class _Model(BaseModel):
    # allow_inf_nan=False: a NaN must never reach quality.json; "not computed" is None.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PrivacyScores(_Model):
    """Distances from synthetic rows to train and holdout rows, and exact copies.

    Distances are in the mixed-type encoding (one unit = a category mismatch, or a number
    moved across train's whole distribution). A field is None when it cannot be computed:
    no column to compare, no synthetic rows, or an empty (or, for NNDR, one-row) reference.
    """

    columns: list[str]  # the non-id columns compared, in kinds order
    train_rows: int
    holdout_rows: int
    synthetic_rows: int
    dcr_train_median: float | None
    dcr_train_p05: float | None
    dcr_holdout_median: float | None
    dcr_holdout_p05: float | None
    dcr_share: float | None  # closer to train than holdout, ties half; ~0.5 is ideal
    dcr_share_reference_rows: int | None  # rows train and holdout were both cut to
    nndr_train_median: float | None
    nndr_holdout_median: float | None
    exact_copies: int | None  # synthetic rows equal to a train row
    exact_copy_share: float | None
    natural_copy_share: float | None  # holdout rows equal to a train row: the baseline


def score_privacy(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    kinds: Mapping[str, ColumnKind] | None = None,
    threads: int | None = None,
) -> PrivacyScores:
    """DCR, DCR share, NNDR and exact copies of ``synthetic`` against ``train``/``holdout``.

    ``kinds`` defaults to :func:`~registry.quality.fidelity.column_kinds` of ``train``; the
    columns compared are its non-id ones present in all three frames. Deterministic: the one
    sample (for the DCR share) uses :data:`SHARE_SEED`. Searches on ``threads`` threads,
    by default :func:`thread_count` (the report passes fewer, as other scores run beside
    it); the answer does not depend on it. Returns :class:`PrivacyScores`;
    raises nothing on odd data (empty frames give None fields).
    """
    kinds = column_kinds(train) if kinds is None else kinds
    shared = set(train.columns) & set(holdout.columns) & set(synthetic.columns)
    used = {name: kind for name, kind in kinds.items() if kind != "id" and name in shared}
    sizes = {
        "train_rows": len(train),
        "holdout_rows": len(holdout),
        "synthetic_rows": len(synthetic),
    }
    if not used:
        return PrivacyScores(columns=[], **sizes, **_empty_scores())

    threads = thread_count() if threads is None else max(1, threads)
    _, (trn, hol, syn) = encode(train, [holdout, synthetic], used)
    to_train = nearest_squared(syn, trn, k=2, threads=threads)
    to_holdout = nearest_squared(syn, hol, k=2, threads=threads)
    share, share_rows = _dcr_share(syn, trn, hol, to_train, to_holdout, threads=threads)

    dcr_train = np.sqrt(to_train[:, 0]) if len(trn) else np.empty(0)
    dcr_holdout = np.sqrt(to_holdout[:, 0]) if len(hol) else np.empty(0)
    copies = np.isin(syn.row_ids, trn.row_ids) if len(trn) else np.empty(0, dtype=bool)
    natural = np.isin(hol.row_ids, trn.row_ids) if len(trn) else np.empty(0, dtype=bool)
    return PrivacyScores(
        columns=list(used),
        **sizes,
        dcr_train_median=_quantile(dcr_train, 0.5),
        dcr_train_p05=_quantile(dcr_train, 0.05),
        dcr_holdout_median=_quantile(dcr_holdout, 0.5),
        dcr_holdout_p05=_quantile(dcr_holdout, 0.05),
        dcr_share=share,
        dcr_share_reference_rows=share_rows,
        nndr_train_median=_quantile(_nndr(to_train), 0.5),
        nndr_holdout_median=_quantile(_nndr(to_holdout), 0.5),
        exact_copies=int(copies.sum()) if len(trn) and len(syn) else None,
        exact_copy_share=float(copies.mean()) if len(copies) else None,
        natural_copy_share=float(natural.mean()) if len(natural) else None,
    )


class CopyCounter:
    """Exact copies of train rows counted over every row of a build, batch by batch.

    The report's scores see a bounded sample of a large build; a copied seed row is what must
    not slip through unseen, and counting it is cheap: each row's columns are hashed
    (``pandas.util.hash_pandas_object`` on values normalized by kind: numbers as float64,
    nulls equal nulls) and looked up among the train rows' hashes. Same columns and rule as
    ``exact_copies`` above (64-bit hashes: a false match has odds of about n / 2^64).
    """

    def __init__(self, train: pd.DataFrame, *, kinds: Mapping[str, ColumnKind] | None = None):
        kinds = column_kinds(train) if kinds is None else kinds
        self.columns = [name for name, kind in kinds.items() if kind != "id"]
        self._train = np.unique(row_hashes(train, self.columns))
        self.copies = 0
        self.rows = 0

    def add(self, batch: pd.DataFrame) -> None:
        """Count the rows of ``batch`` equal to some train row."""
        self.add_counts(self.count(batch))

    def count(self, batch: pd.DataFrame) -> dict[str, int]:
        """``{"copies", "rows"}`` of ``batch`` alone, leaving the totals as they are: what a
        shard task counts and hands back to be summed with :meth:`add_counts`."""
        if not self.columns or not set(self.columns) <= set(batch.columns):
            return {"copies": 0, "rows": 0}
        copies = int(np.isin(row_hashes(batch, self.columns), self._train).sum())
        return {"copies": copies, "rows": len(batch)}

    def add_counts(self, counts: Mapping[str, int]) -> None:
        """Add counts made by :meth:`count` (in this process or another) to the totals."""
        self.copies += counts.get("copies", 0)
        self.rows += counts.get("rows", 0)


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A uint64 per row over ``columns``, equal for rows with equal values whatever the dtypes
    (an int 3 and a float 3.0 hash alike; so do every column's nulls)."""
    normalized = {}
    for name in columns:
        values = frame[name]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            normalized[name] = values.astype(object).where(values.notna(), None).astype(str)
        else:
            normalized[name] = values.astype("float64")
    return pd.util.hash_pandas_object(pd.DataFrame(normalized), index=False).to_numpy()


def _empty_scores() -> dict[str, None]:
    names = set(PrivacyScores.model_fields) - {
        "columns",
        "train_rows",
        "holdout_rows",
        "synthetic_rows",
    }
    return dict.fromkeys(names)


def _dcr_share(
    syn: EncodedFrame,
    trn: EncodedFrame,
    hol: EncodedFrame,
    to_train: np.ndarray,
    to_holdout: np.ndarray,
    *,
    threads: int,
) -> tuple[float | None, int | None]:
    """Share of synthetic rows closer to train than holdout (ties half), equal-size sets."""
    rows = min(len(trn), len(hol))
    if rows == 0 or len(syn) == 0:
        return None, None
    if len(trn) > rows:
        sample = _sample(len(trn), rows)
        to_train = nearest_squared(syn, trn.take(sample), k=1, threads=threads)
    elif len(hol) > rows:
        sample = _sample(len(hol), rows)
        to_holdout = nearest_squared(syn, hol.take(sample), k=1, threads=threads)
    closer = to_train[:, 0] < to_holdout[:, 0]
    tied = to_train[:, 0] == to_holdout[:, 0]
    return float(closer.mean() + 0.5 * tied.mean()), rows


def _sample(size: int, rows: int) -> np.ndarray:
    """``rows`` of ``range(size)`` without replacement, by :data:`SHARE_SEED`, in order."""
    return np.sort(np.random.default_rng(SHARE_SEED).choice(size, rows, replace=False))


def _nndr(squared: np.ndarray) -> np.ndarray:
    """Nearest / second-nearest distance per row; 0/0 is 1; empty if no second neighbour."""
    if len(squared) == 0 or not np.isfinite(squared[:, 1]).all():
        return np.empty(0)
    first, second = np.sqrt(squared[:, 0]), np.sqrt(squared[:, 1])
    ratio = np.ones(len(first))
    np.divide(first, second, out=ratio, where=second > 0)
    return ratio


def _quantile(values: np.ndarray, q: float) -> float | None:
    return float(np.quantile(values, q)) if len(values) else None


def thread_count() -> int:
    """Search threads (see :mod:`registry._threads`): every usable core, at most 8, since the
    tree queries release the GIL and do not spin-wait."""
    return min(usable_cores(), shared_thread_count(cap=_MAX_THREADS, share_of_cores=1.0))


# --- exact k-nearest-neighbour search ---------------------------------------------------------


def nearest_squared(
    query: EncodedFrame,
    reference: EncodedFrame,
    *,
    k: int,
    threads: int = 1,
    method: Method = "auto",
) -> np.ndarray:
    """Exact squared distances from every query row to its ``k`` nearest reference rows.

    Returns a ``(len(query), k)`` float64 array, ascending along rows, ``inf`` where the
    reference has fewer than ``k`` rows. ``method`` forces the tree search or the brute force
    (tests use it); ``"auto"`` takes brute force for small problems or many numbers.

    Rows with equal ``row_ids`` hold equal encodings (see
    :func:`~registry.quality._encoding.encode`), so each distinct query row is searched once
    and each distinct reference row once, weighed by how often it occurs: a row that is in
    the reference c times fills c of the k places, as it would in a search over every row.
    Real tables repeat rows often (Ecdat::HI resampled to 100k keeps 22k distinct ones).
    """
    m, n = len(query), len(reference)
    if m == 0 or n == 0:
        return np.full((m, k), np.inf)
    query_rows, query_of, _ = _distinct(query.row_ids)
    reference_rows, _, counts = _distinct(reference.row_ids)
    if query_rows is not None:
        query = query.take(query_rows)
    if reference_rows is not None:
        reference = reference.take(reference_rows)
    squared = _search(query, reference, counts, k=k, threads=threads, method=method)
    return squared if query_of is None else squared[query_of]


def _distinct(
    row_ids: np.ndarray,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """First row of each distinct id (in order), each row's distinct index, and the counts;
    three Nones when every id is distinct already."""
    codes, uniques = pd.factorize(row_ids)
    if len(uniques) == len(row_ids):
        return None, None, None
    seen = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.concatenate([[True], codes[1:] > seen[:-1]]))
    return first, codes.astype(np.int64), np.bincount(codes, minlength=len(uniques))


def _search(
    query: EncodedFrame,
    reference: EncodedFrame,
    counts: np.ndarray | None,
    *,
    k: int,
    threads: int,
    method: Method,
) -> np.ndarray:
    """:func:`nearest_squared` over distinct rows; reference row i stands for ``counts[i]``
    rows (one each when ``counts`` is None). Levels as in the module docstring."""
    m, n = len(query), len(reference)
    numbers, code_columns = query.numbers.shape[1], query.codes.shape[1]
    if method == "auto":
        small = m * n <= _SMALL_PROBLEM
        method = "brute" if small or numbers + 1 > _TREE_MAX_DIMS else "tree"
    if method == "brute":
        return _expand(*_brute(query, reference, k=k, threads=threads), counts)

    # level 0: the k nearest among rows with all the same codes
    rows = np.arange(m)
    big = _separation(query, reference)
    group_ref, group_q = _groups(reference.codes, query.codes, range(code_columns))
    found = _tree_search(query, rows, reference, group_ref, group_q, big=big, k=k, threads=threads)
    index, squared = _top_k(query, rows, reference, found, k=k)
    expanded = _expand(index, squared, counts)
    open_rows = rows[expanded[:, -1] > 1] if code_columns > 0 else rows[:0]
    # level 1: for each code column j, the k nearest by numbers among rows equal outside j
    if len(open_rows):
        found = [index[open_rows]]
        for column in range(code_columns):
            keep = [c for c in range(code_columns) if c != column]
            group_ref, group_q = _groups(reference.codes, query.codes[open_rows], keep)
            found.append(
                _tree_search(
                    query, open_rows, reference, group_ref, group_q, big=big, k=k, threads=threads
                )
            )
        index_open, squared_open = _top_k(query, open_rows, reference, np.hstack(found), k=k)
        expanded[open_rows] = _expand(index_open, squared_open, counts)
        open_rows = open_rows[expanded[open_rows, -1] > 2] if code_columns > 1 else open_rows[:0]
    if len(open_rows):
        found_brute = _brute(query.take(open_rows), reference, k=k, threads=threads)
        expanded[open_rows] = _expand(*found_brute, counts)
    return expanded


def _expand(index: np.ndarray, squared: np.ndarray, counts: np.ndarray | None) -> np.ndarray:
    """The k smallest distances when distinct neighbour ``index[i, j]`` (at ``squared[i, j]``,
    ascending, ``-1`` = none) occurs ``counts[index[i, j]]`` times in the reference.

    The k nearest distinct rows suffice: any other row is at least as far as the k-th of them.
    """
    if counts is None:
        return squared
    weight = np.where(index >= 0, counts[np.maximum(index, 0)], 0)
    filled = np.cumsum(weight, axis=1)
    out = np.full(squared.shape, np.inf)
    line = np.arange(len(index))
    for rank in range(squared.shape[1]):
        column = (filled <= rank).sum(axis=1)  # the first neighbour that fills this place
        ok = column < squared.shape[1]
        out[ok, rank] = squared[line[ok], column[ok]]
    return out


def _top_k(
    query: EncodedFrame,
    rows: np.ndarray,
    reference: EncodedFrame,
    candidates: np.ndarray,
    *,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest distinct candidates per row (``-1`` = none) and their exact distances."""
    valid = candidates >= 0
    squared = np.full(candidates.shape, np.inf)
    pairs_rows = np.broadcast_to(rows[:, None], candidates.shape)[valid]
    squared[valid] = squared_distances(query, pairs_rows, reference, candidates[valid])
    index = np.full((len(rows), k), -1, dtype=np.int64)
    best = np.full((len(rows), k), np.inf)
    line = np.arange(len(rows))
    for rank in range(k):
        pick = np.argmin(squared, axis=1)
        best[:, rank] = squared[line, pick]
        index[:, rank] = np.where(np.isfinite(best[:, rank]), candidates[line, pick], -1)
        squared = np.where(candidates == index[:, rank, None], np.inf, squared)
    return index, best


def _separation(query: EncodedFrame, reference: EncodedFrame) -> float:
    """BIG for :func:`_tree_search`: more than twice the largest distance by numbers between
    any two rows of ``query`` and ``reference``."""
    if query.numbers.shape[1] == 0:
        return 1.0
    low = np.minimum(query.numbers.min(axis=0), reference.numbers.min(axis=0))
    high = np.maximum(query.numbers.max(axis=0), reference.numbers.max(axis=0))
    return 2.0 * math.sqrt(float(np.sum((high - low) ** 2))) + 1.0


def _tree_search(
    query: EncodedFrame,
    rows: np.ndarray,
    reference: EncodedFrame,
    group_ref: np.ndarray,
    group_q: np.ndarray,
    *,
    big: float,
    k: int,
    threads: int,
) -> np.ndarray:
    """Reference indices of the ``k`` nearest rows *in the query's group*, by numbers alone.

    ``group_ref``/``group_q`` label every reference row and each of ``query[rows]`` (dense
    labels, so ``label * big`` stays exact in float64). A KD-tree over
    ``[group * big, numbers]`` never prefers another group (``big``, from
    :func:`_separation`, is more than twice the largest in-group distance), and its distance
    bound of ``0.75 * big`` prunes other groups early. scipy's ``cKDTree`` builds and queries
    about 3x faster than sklearn's ``KDTree`` here and runs its ``workers`` outside the GIL.
    Returns a ``(len(rows), k)`` int64 array, ``-1`` where the group ran out.
    """
    from scipy.spatial import cKDTree

    out = np.full((len(rows), k), -1, dtype=np.int64)
    ref_rows = np.flatnonzero(np.isin(group_ref, group_q))
    if len(ref_rows) == 0:
        return out
    kk = min(k, len(ref_rows))
    tree = cKDTree(
        np.hstack([group_ref[ref_rows, None] * big, reference.numbers[ref_rows]]),
        leafsize=_LEAF_SIZE,
        balanced_tree=False,
    )
    # neighbouring queries of one group walk the same nodes: query them together
    order = np.argsort(group_q, kind="stable")
    points = np.hstack([group_q[order, None] * big, query.numbers[rows[order]]])
    distance, found = tree.query(points, k=kk, distance_upper_bound=0.75 * big, workers=threads)
    distance, found = distance.reshape(len(rows), kk), found.reshape(len(rows), kk)
    hits = ref_rows[np.minimum(found, len(ref_rows) - 1)]
    out[order, :kk] = np.where(np.isfinite(distance), hits, -1)
    return out


def _groups(
    codes_a: np.ndarray, codes_b: np.ndarray, columns: Iterable[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Dense group ids of rows of two code matrices, equal exactly when ``columns`` are.

    Codes are small, so one mixed-radix key and one factorization usually do it; keys that
    could overflow int64 are combined column by column instead.
    """
    columns = list(columns)
    joined = np.vstack([codes_a[:, columns], codes_b[:, columns]])
    if not columns:
        return np.zeros(len(codes_a), dtype=np.int64), np.zeros(len(codes_b), dtype=np.int64)
    levels = [int(v) + 1 for v in joined.max(axis=0)]
    if math.prod(levels) < 1 << 62:
        keys = joined[:, 0].copy()
        for column in range(1, len(columns)):
            keys *= levels[column]
            keys += joined[:, column]
        ids = pd.factorize(keys)[0].astype(np.int64)
    else:
        ids = np.zeros(len(joined), dtype=np.int64)
        for column in range(len(columns)):
            ids = combine_codes(ids, joined[:, column], levels[column])
    return ids[: len(codes_a)], ids[len(codes_a) :]


def _brute(
    query: EncodedFrame, reference: EncodedFrame, *, k: int, threads: int
) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest reference rows (``-1`` = none) and their exact squared distances, by
    blocked brute force.

    One float32 BLAS product per block gives approximately
    ``|u_q|^2 + |u_r|^2 - 2 u_q.u_r + C' - (matching one-hot entries)``, i.e. the numbers'
    part plus the mismatches of code columns with at most 64 codes (C' of them); wider code
    columns add their mismatches exactly. Its error, input rounding to float32 included, is
    at most ``tol = 4 (K + 4) u (|u_q|^2 + max |u_r|^2 + C + 1)`` (u = 2^-24, K the product's
    length, C code columns): twice the standard dot-product bound plus the input term. Every
    reference row whose approximation is within ``2 tol`` of the approximate k-th smallest is
    a candidate (this provably includes the true k nearest), and candidates are re-measured
    exactly in float64 by :func:`squared_distances`.
    """
    from threadpoolctl import threadpool_limits

    m, n = len(query), len(reference)
    kk = min(k, n)
    out = np.full((m, k), np.inf)
    out_index = np.full((m, k), -1, dtype=np.int64)
    code_columns = query.codes.shape[1]
    levels = [
        max(int(query.codes[:, c].max()), int(reference.codes[:, c].max())) + 1
        for c in range(code_columns)
    ]
    narrow = [c for c in range(code_columns) if levels[c] <= _BRUTE_ONE_HOT_MAX]
    wide = [c for c in range(code_columns) if levels[c] > _BRUTE_ONE_HOT_MAX]
    q_norm = np.einsum("ij,ij->i", query.numbers, query.numbers)
    r_norm = np.einsum("ij,ij->i", reference.numbers, reference.numbers)
    # float32 is twice as fast; far outliers would make its error bound admit every row
    small = max(q_norm.max(), r_norm.max()) <= _FLOAT32_MAX_NORM
    dtype, roundoff = (np.float32, 2.0**-24) if small else (np.float64, 2.0**-53)
    # [u_q, onehot_q, 1, |u_q|^2 + C'] . [-2 u_r, -onehot_r, |u_r|^2, 1]
    q_aug = _augmented(query, narrow, levels, [np.ones(m), q_norm + len(narrow)], 1.0, dtype)
    r_aug = _augmented(reference, narrow, levels, [r_norm, np.ones(n)], -1.0, dtype)
    r_aug_t = r_aug.T.copy()
    width = q_aug.shape[1]
    tol = 4.0 * (width + 4) * roundoff * (q_norm + r_norm.max() + code_columns + 1)
    block = max(1, _BRUTE_CELLS // n)
    with threadpool_limits(limits=threads, user_api="blas"):
        for start in range(0, m, block):
            stop = min(m, start + block)
            approx = q_aug[start:stop] @ r_aug_t
            for c in wide:
                approx += query.codes[start:stop, c, None] != reference.codes[None, :, c]
            line = np.arange(stop - start)
            picked = np.empty((stop - start, kk), dtype=np.int64)
            for rank in range(kk):  # the kk smallest, taken out as found
                picked[:, rank] = np.argmin(approx, axis=1)
                kth = approx[line, picked[:, rank]].astype(np.float64)
                approx[line, picked[:, rank]] = np.inf
            # round the bound up, not to nearest, on its way to float32
            limit = ((kth + 2.0 * tol[start:stop]) * (1 + 1e-6) + 1e-30).astype(dtype)
            near = approx <= limit[:, None]
            crowded = np.flatnonzero(near.any(axis=1))  # others within the error bound
            extra_rows, extra_cols = np.nonzero(near[crowded])
            pair_rows = np.concatenate([np.repeat(line, kk), crowded[extra_rows]]) + start
            pair_cols = np.concatenate([picked.ravel(), extra_cols])
            squared = squared_distances(query, pair_rows, reference, pair_cols)
            order = np.lexsort((squared, pair_rows))
            pair_rows, pair_cols, squared = pair_rows[order], pair_cols[order], squared[order]
            first = np.searchsorted(pair_rows, pair_rows, side="left")
            rank_of = np.arange(len(pair_rows)) - first
            keep = rank_of < kk
            out[pair_rows[keep], rank_of[keep]] = squared[keep]
            out_index[pair_rows[keep], rank_of[keep]] = pair_cols[keep]
    return out_index, out


def _augmented(
    frame: EncodedFrame,
    narrow: list[int],
    levels: list[int],
    tail: list[np.ndarray],
    sign: float,
    dtype: type[np.floating],
) -> np.ndarray:
    """``[numbers * (1 or -2), one-hot(narrow) * sign, *tail]`` for :func:`_brute`."""
    rows, numbers = frame.numbers.shape
    width = numbers + sum(levels[c] for c in narrow) + len(tail)
    out = np.zeros((rows, width), dtype=dtype)
    out[:, :numbers] = frame.numbers if sign > 0 else -2.0 * frame.numbers
    offset = numbers
    line = np.arange(rows)
    for c in narrow:
        out[line, offset + frame.codes[:, c]] = sign
        offset += levels[c]
    for column in tail:
        out[:, offset] = column
        offset += 1
    return out
