"""The mixed-type encoding that privacy distances are measured in.

Every frame is encoded against the *train* frame, so one unit means the same thing whichever
frame a row comes from. A row becomes two blocks:

* ``numbers`` (float64, one column per numerical or datetime column): the value mapped
  through train's mid-rank empirical CDF, ``u = (F(x-) + F(x)) / 2`` interpolated linearly
  between train's distinct values, so train's own values land in (0, 1). Beyond train's range
  the map goes on as a straight line at the CDF's average slope over the range,
  ``(u(max) - u(min)) / (max - min)``, so a value far outside train stays far away instead of
  being clipped onto the edge (a column constant in train uses ``1 / max(|value|, 1)``).
  A null gets the centre, 0.5, plus a mismatch in the column's null indicator below;
  ``±inf`` get one quantile unit beyond the end they point to, and nothing is placed further
  than 10^6 units from 0 (so squares stay finite).

  Why ranks and not the range or the IQR: real columns are skewed (incomes, weights, counts).
  Dividing by the range lets one outlier squeeze the bulk of the column into a sliver, so the
  column stops counting; dividing by the IQR lets a far value dominate every other column.
  On the quantile scale each column spans one unit, a difference says how much of train lies
  between two values (closeness relative to how crowded that region is), and heavy tails,
  units and monotone transforms of a column stop mattering.

* ``codes`` (int64, one column per categorical or boolean column, plus one null indicator per
  numerical/datetime column that holds a null in any frame): equal values share a code, a
  null is a code of its own, and a value train never saw keeps its own code too (so two
  unseen values still differ). Codes enter the distance as a weighted one-hot block
  (see :meth:`MixedEncoding.dense`) whose weight ``sqrt(1/2)`` makes a mismatch cost exactly
  1 in squared distance: the same as two numbers at opposite ends of train's distribution,
  the Gower convention for mixed data.

So ``d(a, b)^2 = sum((u_a - u_b)^2 over numbers) + (number of code columns that differ)``;
:func:`squared_distances` computes it in that fixed order, and search code relies on the
second term being a whole number. Columns constant in every frame are dropped: they add
nothing to any distance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from registry.quality.fidelity import ColumnKind

#: One-hot weight: a category mismatch costs 2 * w^2 = 1 in squared distance.
ONE_HOT_WEIGHT = float(np.sqrt(0.5))
_NULL_POSITION = 0.5
_FARTHEST = 1e6  # quantile units: farther values are clipped (squares stay finite)
_CONTINUOUS: frozenset[str] = frozenset({"numerical", "datetime"})


@dataclass(frozen=True)
class EncodedFrame:
    """One frame in the encoding.

    ``numbers`` (rows x N float64) and ``codes`` (rows x C int64) are the blocks above;
    ``row_ids`` (int64) are equal across the frames encoded together exactly when two rows
    hold equal original values in every encoded column (see :func:`encode`).
    """

    numbers: np.ndarray
    codes: np.ndarray
    row_ids: np.ndarray

    def __len__(self) -> int:
        return self.numbers.shape[0]

    def take(self, rows: np.ndarray) -> EncodedFrame:
        return EncodedFrame(self.numbers[rows], self.codes[rows], self.row_ids[rows])


@dataclass(frozen=True)
class MixedEncoding:
    """Which columns the blocks hold and how many codes each code column uses."""

    number_columns: tuple[str, ...]
    code_columns: tuple[str, ...]  # a null indicator is named "<column> (null)"
    levels: tuple[int, ...]  # codes per code column: 0 .. levels - 1

    def dense(self, frame: EncodedFrame) -> np.ndarray:
        """``[numbers, one-hot(codes) * sqrt(1/2)]``: plain Euclidean distance on these rows
        equals the encoding's distance (up to float rounding)."""
        blocks = [frame.numbers]
        for column, levels in enumerate(self.levels):
            one_hot = np.zeros((len(frame), levels))
            one_hot[np.arange(len(frame)), frame.codes[:, column]] = ONE_HOT_WEIGHT
            blocks.append(one_hot)
        return np.hstack(blocks)


def encode(
    train: pd.DataFrame,
    others: Sequence[pd.DataFrame],
    kinds: Mapping[str, ColumnKind],
) -> tuple[MixedEncoding, list[EncodedFrame]]:
    """Encode ``train`` and every frame of ``others`` on train's scales.

    ``kinds`` names the columns to use (``"id"`` ones are skipped); every one must be present
    in every frame. Row ids compare the original values of all those columns: numbers as
    float64 (so ``1 == 1.0``), datetimes as exact instants, categories by equality, a null
    equal to a null. They come from pandas' hash-table factorization, column by column, so
    they are exact (no hash collisions) and need no per-row Python. Returns the encoding and
    the encoded frames, train first; raises nothing.
    """
    frames = [train, *others]
    sizes = [len(frame) for frame in frames]
    number_columns: list[str] = []
    numbers: list[list[np.ndarray]] = []
    code_columns: list[str] = []
    codes: list[list[np.ndarray]] = []
    levels: list[int] = []
    ids = _RowIds(sum(sizes))

    def add_codes(name: str, per_frame: list[np.ndarray], count: int) -> None:
        joined = np.concatenate(per_frame)
        if len(joined) and joined.min() == joined.max():
            return  # one code everywhere: never a mismatch
        code_columns.append(name)
        codes.append(per_frame)
        levels.append(count)

    for name, kind in kinds.items():
        if kind == "id":
            continue
        columns = [frame[name] for frame in frames]
        if kind in _CONTINUOUS:
            if kind == "datetime":
                pairs = _datetime_ns(columns)
                values = [np.where(ok, ns.astype(np.float64), np.nan) for ns, ok in pairs]
                exact = np.concatenate([ns for ns, _ in pairs])  # float64 merges nearby instants
            else:
                values = [_as_float(column) for column in columns]
                exact = np.concatenate(values)
            nulls = [np.isnan(v) for v in values]
            value_codes, uniques = pd.factorize(exact)
            value_codes = np.where(np.concatenate(nulls), len(uniques), value_codes)
            ids.add(value_codes, len(uniques) + 1)
            # each distinct value is placed once (noisy numbers repeat, whole numbers a lot)
            placed = _quantile_scale(values[0], np.asarray(uniques, dtype=np.float64))
            joined = np.append(placed, _NULL_POSITION)[value_codes]
            scaled = _split(joined, sizes)
            if len(joined) and joined.min() != joined.max():
                number_columns.append(name)
                numbers.append(scaled)
            add_codes(f"{name} (null)", [n.astype(np.int64) for n in nulls], 2)
        else:
            joined_codes, count = _category_codes(columns)
            ids.add(joined_codes, count)
            add_codes(name, _split(joined_codes, sizes), count)

    encoded = []
    for i, (rows, frame_ids) in enumerate(zip(sizes, _split(ids.dense(), sizes), strict=True)):
        encoded.append(
            EncodedFrame(
                numbers=np.ascontiguousarray(
                    np.column_stack([col[i] for col in numbers]) if numbers else np.zeros((rows, 0))
                ),
                codes=np.ascontiguousarray(
                    np.column_stack([col[i] for col in codes])
                    if codes
                    else np.zeros((rows, 0), dtype=np.int64)
                ),
                row_ids=frame_ids,
            )
        )
    return MixedEncoding(tuple(number_columns), tuple(code_columns), tuple(levels)), encoded


def squared_distances(
    a: EncodedFrame, rows_a: np.ndarray, b: EncodedFrame, rows_b: np.ndarray
) -> np.ndarray:
    """Squared distance between ``a[rows_a[i]]`` and ``b[rows_b[i]]`` for every i.

    Always summed in the same order (numbers column by column, then the mismatch count), so
    two pairs with equal values get bit-identical distances and ties are real ties.
    """
    total = np.zeros(len(rows_a))
    for column in range(a.numbers.shape[1]):
        diff = a.numbers[rows_a, column] - b.numbers[rows_b, column]
        total += diff * diff
    if a.codes.shape[1]:
        total += (a.codes[rows_a] != b.codes[rows_b]).sum(axis=1)
    return total


def combine_codes(ids: np.ndarray, codes: np.ndarray, levels: int) -> np.ndarray:
    """Dense ids for the pairs ``(ids, codes)``: equal pairs, equal ids; never overflows."""
    if len(ids) == 0:
        return ids
    combined, _ = pd.factorize(ids * np.int64(levels) + codes.astype(np.int64))
    return combined.astype(np.int64)


class _RowIds:
    """Row ids built column by column as mixed-radix numbers ``id * levels + code``.

    Equal ids mean equal codes in every column so far. A factorization compresses the ids
    only when the next column could overflow int64, not after every column: with a dozen
    columns of 100k+ rows that is most of the encoding's time saved.
    """

    def __init__(self, rows: int) -> None:
        self.ids = np.zeros(rows, dtype=np.int64)
        self.span = 1  # ids lie in range(span)

    def add(self, codes: np.ndarray, levels: int) -> None:
        if self.span * levels >= 1 << 62:
            self.ids = self.dense()
            self.span = int(self.ids.max()) + 1 if len(self.ids) else 1
        self.ids = self.ids * np.int64(levels) + codes.astype(np.int64)
        self.span *= levels

    def dense(self) -> np.ndarray:
        return pd.factorize(self.ids)[0].astype(np.int64)


# --- per-column conversion -------------------------------------------------------------------


def _quantile_scale(train: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` on train's mid-rank quantile scale (see the module docstring)."""
    reference = train[np.isfinite(train)]
    out = np.full(len(values), _NULL_POSITION)
    if len(reference) == 0:
        return out
    distinct, counts = np.unique(reference, return_counts=True)
    cumulative = np.cumsum(counts)
    position = (cumulative - counts / 2) / cumulative[-1]
    low, high = distinct[0], distinct[-1]
    if high > low:
        slope = (position[-1] - position[0]) / (high - low)
    else:
        slope = 1.0 / max(abs(float(low)), 1.0)
    finite = np.isfinite(values)
    x = values[finite]
    scaled = np.interp(x, distinct, position)
    scaled = np.where(x < low, position[0] - (low - x) * slope, scaled)
    scaled = np.where(x > high, position[-1] + (x - high) * slope, scaled)
    out[finite] = np.clip(scaled, -_FARTHEST, _FARTHEST)
    out[values == np.inf] = position[-1] + 1.0
    out[values == -np.inf] = position[0] - 1.0
    return out


def _split(joined: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    return np.split(joined, np.cumsum(sizes)[:-1])


def _category_codes(columns: list[pd.Series]) -> tuple[np.ndarray, int]:
    """Codes of all frames joined, train's values first; a null is the last code."""
    if len({str(c.dtype) for c in columns}) > 1:
        columns = [c.astype(object) for c in columns]
    joined = pd.concat(columns, ignore_index=True)
    codes, uniques = pd.factorize(joined, use_na_sentinel=True)
    null_code = len(uniques)
    return np.where(codes < 0, null_code, codes).astype(np.int64), null_code + 1


def _as_float(column: pd.Series) -> np.ndarray:
    """float64 values with NaN for nulls and for anything that is not a number."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return _datetime_values([column])[0]
    if pd.api.types.is_timedelta64_dtype(column.dtype):
        return column.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    numbers = pd.to_numeric(column, errors="coerce")
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _datetime_values(columns: list[pd.Series]) -> list[np.ndarray]:
    """Nanoseconds since the epoch as float64, NaN for nulls (see :func:`_datetime_ns`)."""
    return [np.where(ok, ns.astype(np.float64), np.nan) for ns, ok in _datetime_ns(columns)]


def _datetime_ns(columns: list[pd.Series]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Exact int64 nanoseconds since the epoch (UTC instants) and a mask of the non-nulls.

    Text is parsed with the format pandas guesses from train's first value, as
    :func:`registry.quality.fidelity.column_kinds` does when it calls a column a datetime;
    what does not parse counts as null.
    """
    fmt = None
    first = columns[0]
    if not pd.api.types.is_datetime64_any_dtype(first.dtype):
        present = first.dropna()
        fmt = guess_datetime_format(str(present.iloc[0])) if len(present) else None
    out = []
    for column in columns:
        if not pd.api.types.is_datetime64_any_dtype(column.dtype):
            text = column.where(column.isna(), column.astype(str))
            column = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            column = column.dt.tz_convert(None)
        column = column.dt.as_unit("ns")
        ok = column.notna().to_numpy()
        ns = column.to_numpy(dtype="datetime64[ns]").view(np.int64)
        out.append((np.where(ok, ns, 0), ok))
    return out
