"""Conformance: how well a ``sampler`` recipe's data follows the columns it declares.

A sampler recipe has no seed, so there is no real data to compare with; its quality is how
closely each column follows its declared distribution and each expression column its SQL.
Every declared column gets one score in [0, 1] from one test:

* ``uniform`` (float), ``gaussian``, ``lognormal``, ``datetime``: ``1 - D``, D the one-sample
  Kolmogorov-Smirnov statistic against the declared distribution (scipy.stats CDFs). Where
  the sampler's output is discrete the exact discrete CDF is used, so a perfect column is not
  penalised for its steps: ``gaussian`` with ``dtype: int`` is compared with the rounded normal
  and ``datetime`` with the uniform over its ticks (whole seconds, or microseconds when an end
  has a fractional second), as :mod:`registry.generators.samplers` draws them.
* ``uniform`` with ``dtype: int`` and ``poisson``: ``1 - TVD``, the total variation distance
  between the observed frequencies and the discrete uniform / Poisson pmf. The Poisson tails
  beyond ``P < 1e-6`` are lumped into the end bins; where the support is wider than
  :func:`max_bins` allows, neighbouring integers are grouped into bins of about equal
  expected mass (computed exactly from the CDF), so sampling noise stays near 0.02.
* ``bernoulli``: ``1 - |p_hat - p|``. ``category``: ``1 - TVD`` against the normalized weights
  (a value listed twice is twice as likely, as the sampler draws it).
* ``uuid``: the share of rows holding a distinct, well-formed version-4 UUID.
  ``faker``: the share of non-empty strings.
* ``expression``: the SQL is run again over the frame's earlier columns, on a sandboxed
  single-threaded DuckDB connection, by the sampler's own evaluator; the score is the share of
  rows whose value matches (floats to a relative 1e-9, nulls match nulls). Data the sampler
  made scores exactly 1; an edited column or an edited input scores lower.

Nulls and values that do not parse as the column's type are left out of the test and then
scale the score by the share of usable rows (a sampler never makes a null outside an
expression). Values outside the declared domain (below ``low``/above ``high``, negative for
``lognormal``/``poisson``, outside ``[start, end]``, a fraction in an integer column, a category
that was not declared, a malformed uuid) are counted in ``violations`` and described in
``detail``; they already lower the test statistic. Sampling noise keeps a perfect column a
little below 1 (about ``1 - 1/sqrt(rows)`` for KS): at 20,000 rows every column scores >= 0.97.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from registry.errors import RecipeError
from registry.recipes import (
    BernoulliColumn,
    CategoryColumn,
    DatetimeColumn,
    ExpressionColumn,
    FakerColumn,
    GaussianColumn,
    LognormalColumn,
    PoissonColumn,
    SamplerColumn,
    SamplerGenerator,
    UniformColumn,
    UuidColumn,
)

if TYPE_CHECKING:
    import duckdb

ConformanceTest = Literal["ks", "tvd", "rate", "unique_share", "non_empty_share", "sql_match"]
ColumnType = Literal[
    "uuid",
    "category",
    "uniform",
    "gaussian",
    "lognormal",
    "poisson",
    "bernoulli",
    "datetime",
    "faker",
    "expression",
]

#: How many of the lowest-scoring columns ``worst_columns`` lists.
WORST_COLUMNS = 5
#: Mass left out of a Poisson's enumerated support (lumped into the end bins).
TAIL_MASS = 1e-6
#: Most bins of a discrete comparison, and the fewest expected rows a bin should get.
MAX_BINS = 50
ROWS_PER_BIN = 200
#: Relative tolerance when an expression's floats are compared with their recomputed values.
FLOAT_RTOL = 1e-9

_UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class _Model(BaseModel):
    # allow_inf_nan=False: a NaN must never reach quality.json.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ColumnConformance(_Model):
    """One declared column: its test, the statistic, the score and the domain checks.

    ``statistic`` is the raw figure behind ``score`` (KS D, TVD, ``|p_hat - p|``), None for the
    share tests. ``missing`` counts nulls; ``violations`` counts non-null values outside the
    declared domain (for ``sql_match``: rows that differ from the recomputed SQL), and
    ``detail`` says which, or why a column could not be tested.
    """

    type: ColumnType
    test: ConformanceTest
    against: str
    statistic: float | None
    score: float
    rows: int
    missing: int
    violations: int
    detail: str | None = None


class ConformanceScores(_Model):
    """Every declared column's conformance, their mean and the lowest-scoring columns."""

    score: float
    rows: int
    columns: dict[str, ColumnConformance]
    worst_columns: list[str]


def score_conformance(
    config: SamplerGenerator, frame: pd.DataFrame, *, worst: int = WORST_COLUMNS
) -> ConformanceScores:
    """Score how well ``frame`` follows the columns ``config`` declares.

    ``frame`` is the sampled data (all splits; expressions are row-wise, so the order of rows
    does not change their values). A declared column missing from the frame
    scores 0, as does every column of an empty frame. Returns :class:`ConformanceScores`
    (``score`` is the mean of the column scores; ``worst_columns`` the ``worst`` lowest, in
    ascending order); raises nothing on odd data.
    """
    frame = frame.reset_index(drop=True)
    rows = len(frame)
    columns: dict[str, ColumnConformance] = {}
    expressions: list[tuple[int, ExpressionColumn]] = []
    for index, column in enumerate(config.columns):
        if isinstance(column, ExpressionColumn):
            expressions.append((index, column))
            continue
        columns[column.name] = _score_column(column, frame)
    if expressions:
        columns |= _score_expressions(config.columns, expressions, frame)
    ordered = {c.name: columns[c.name] for c in config.columns}
    scores = [c.score for c in ordered.values()]
    ranking = sorted(range(len(scores)), key=lambda i: (scores[i], i))
    names = list(ordered)
    return ConformanceScores(
        score=float(np.mean(scores)),
        rows=rows,
        columns=ordered,
        worst_columns=[names[i] for i in ranking[:worst]],
    )


def max_bins(rows: int) -> int:
    """Bins of a discrete comparison: about ``ROWS_PER_BIN`` expected rows each, 5 to 50."""
    return max(5, min(MAX_BINS, rows // ROWS_PER_BIN))


# --- typed columns -------------------------------------------------------------------------


def _score_column(column: SamplerColumn, frame: pd.DataFrame) -> ColumnConformance:
    test, against = _test_of(column)
    rows = len(frame)
    if column.name not in frame.columns or rows == 0:
        detail = "the column is missing from the frame" if rows else "the frame has no rows"
        return ColumnConformance(
            type=column.type,
            test=test,
            against=against,
            statistic=None,
            score=0.0,
            rows=rows,
            missing=rows,
            violations=0,
            detail=detail,
        )
    series = frame[column.name]
    if isinstance(column, UuidColumn):
        result = _uuid(series)
    elif isinstance(column, FakerColumn):
        result = _faker(series)
    elif isinstance(column, CategoryColumn):
        result = _category(column, series)
    elif isinstance(column, BernoulliColumn):
        result = _bernoulli(column, series)
    elif isinstance(column, DatetimeColumn):
        result = _datetime(column, series)
    else:
        result = _number(column, series)
    return ColumnConformance(
        type=column.type,
        test=test,
        against=against,
        statistic=result.statistic,
        score=_clip(result.score),
        rows=rows,
        missing=int(series.isna().sum()),
        violations=result.violations,
        detail="; ".join(result.problems) or None,
    )


class _Result:
    __slots__ = ("problems", "score", "statistic", "violations")

    def __init__(
        self,
        score: float,
        statistic: float | None = None,
        violations: int = 0,
        problems: Sequence[str] = (),
    ) -> None:
        self.score = score
        self.statistic = None if statistic is None else _clip(statistic)
        self.violations = violations
        self.problems = list(problems)


def _test_of(column: SamplerColumn) -> tuple[ConformanceTest, str]:
    """The test a column gets and a short description of what it is compared with."""
    if isinstance(column, UuidColumn):
        return "unique_share", "distinct version-4 UUID strings"
    if isinstance(column, FakerColumn):
        return "non_empty_share", f"non-empty Faker {column.field} strings ({column.locale})"
    if isinstance(column, CategoryColumn):
        return "tvd", f"category weights over {len(_category_weights(column))} values"
    if isinstance(column, BernoulliColumn):
        return "rate", f"bernoulli(p={column.p:g})"
    if isinstance(column, DatetimeColumn):
        return "ks", f"uniform datetimes in [{column.start}, {column.end}]"
    if isinstance(column, UniformColumn):
        if column.dtype == "int":
            low, high = math.ceil(column.low), math.floor(column.high)
            return "tvd", f"discrete uniform on [{low}, {high}]"
        return "ks", f"uniform(low={column.low:g}, high={column.high:g})"
    if isinstance(column, GaussianColumn):
        rounded = ", rounded to integers" if column.dtype == "int" else ""
        return "ks", f"normal(mean={column.mean:g}, std={column.std:g}){rounded}"
    if isinstance(column, LognormalColumn):
        return "ks", f"lognormal(mean={column.mean:g}, sigma={column.sigma:g})"
    if isinstance(column, PoissonColumn):
        return "tvd", f"poisson(lam={column.lam:g}) pmf, tails lumped"
    assert isinstance(column, ExpressionColumn)
    return "sql_match", column.sql.strip()


def _uuid(series: pd.Series) -> _Result:
    present = series.dropna()
    text = present.map(lambda v: v if isinstance(v, str) else None).dropna()
    well_formed = text[text.str.fullmatch(_UUID4.pattern).fillna(False).astype(bool)]
    malformed = len(present) - len(well_formed)
    distinct = int(well_formed.nunique())
    duplicates = len(well_formed) - distinct
    problems = []
    if malformed:
        problems.append(f"{malformed} values are not lower-case version-4 UUIDs")
    if duplicates:
        problems.append(f"{duplicates} repeated UUIDs")
    return _Result(distinct / len(series), violations=malformed, problems=problems)


def _faker(series: pd.Series) -> _Result:
    present = series.dropna()
    good = int(present.map(lambda v: isinstance(v, str) and bool(v.strip())).sum())
    bad = len(present) - good
    problems = [f"{bad} values are empty or not text"] if bad else []
    return _Result(good / len(series), violations=bad, problems=problems)


def _category_weights(column: CategoryColumn) -> dict[str, float]:
    if isinstance(column.values, dict):
        weights = dict(column.values)
    else:
        weights = {}
        for value in column.values:  # a value listed twice is twice as likely
            weights[value] = weights.get(value, 0.0) + 1.0
    total = sum(weights.values())
    return {value: weight / total for value, weight in weights.items()}


def _category(column: CategoryColumn, series: pd.Series) -> _Result:
    weights = _category_weights(column)
    present = series.dropna()
    if present.empty:
        return _Result(0.0, problems=["every value is null"])
    counts = present.astype(str).value_counts()
    shares = counts / len(present)
    observed = np.array([shares.get(value, 0.0) for value in weights])
    unknown = counts[~counts.index.isin(list(weights))]
    expected = np.array(list(weights.values()))
    tvd = 0.5 * (np.abs(observed - expected).sum() + unknown.sum() / len(present))
    problems = []
    if len(unknown):
        examples = ", ".join(repr(v) for v in unknown.index[:3])
        problems.append(f"{int(unknown.sum())} values not declared (e.g. {examples})")
    return _Result(
        (1.0 - tvd) * len(present) / len(series),
        statistic=tvd,
        violations=int(unknown.sum()),
        problems=problems,
    )


def _bernoulli(column: BernoulliColumn, series: pd.Series) -> _Result:
    values, unparsed = _numbers(series)
    usable = values[~np.isnan(values)]
    outside = int(((usable != 0) & (usable != 1)).sum())
    problems = _unparsed_problem(unparsed, "a boolean")
    if outside:
        problems.append(f"{outside} values other than true/false (0/1)")
    if len(usable) == 0:
        return _Result(0.0, violations=outside + unparsed, problems=problems)
    gap = abs(float(np.mean(usable != 0)) - column.p)
    return _Result(
        (1.0 - gap) * len(usable) / len(series),
        statistic=gap,
        violations=outside + unparsed,
        problems=problems,
    )


def _number(column: SamplerColumn, series: pd.Series) -> _Result:
    values, unparsed = _numbers(series)
    usable = values[~np.isnan(values)]
    problems = _unparsed_problem(unparsed, "a number")
    violations = unparsed
    integer = isinstance(column, PoissonColumn) or (
        isinstance(column, UniformColumn | GaussianColumn) and column.dtype == "int"
    )
    if integer:
        fractions = int((np.isfinite(usable) & (usable != np.round(usable))).sum())
        if fractions:
            problems.append(f"{fractions} values are not whole numbers")
        violations += fractions
    if isinstance(column, UniformColumn):
        below, above = int((usable < column.low).sum()), int((usable > column.high).sum())
        if below:
            problems.append(f"{below} values below low={column.low:g}")
        if above:
            problems.append(f"{above} values above high={column.high:g}")
        violations += below + above
    elif isinstance(column, LognormalColumn | PoissonColumn):
        negative = int((usable < 0).sum())
        if negative:
            problems.append(f"{negative} negative values")
        violations += negative
    if len(usable) == 0:
        return _Result(0.0, violations=violations, problems=problems or ["every value is null"])

    statistic = _number_statistic(column, usable)
    return _Result(
        (1.0 - statistic) * len(usable) / len(series),
        statistic=statistic,
        violations=violations,
        problems=problems,
    )


def _number_statistic(column: SamplerColumn, values: np.ndarray) -> float:
    from scipy import stats

    if isinstance(column, UniformColumn):
        if column.dtype == "int":
            low, high = math.ceil(column.low), math.floor(column.high)
            if low > high:  # the sampler refuses this recipe; nothing can conform
                return 1.0
            return _discrete_tvd(values, stats.randint(low, high + 1), rows=len(values))
        low, high = column.low, column.high
        if high == low:
            return _ks(values, lambda x: (x >= low).astype(float), lambda x: (x > low) * 1.0)
        return _ks(values, stats.uniform(loc=low, scale=high - low).cdf)
    if isinstance(column, GaussianColumn):
        normal = stats.norm(loc=column.mean, scale=column.std)
        if column.dtype == "int":  # np.rint: k holds the mass of [k - 0.5, k + 0.5]
            return _ks(
                values,
                lambda x: normal.cdf(np.floor(x) + 0.5),
                lambda x: normal.cdf(np.ceil(x) - 0.5),
            )
        return _ks(values, normal.cdf)
    if isinstance(column, LognormalColumn):
        return _ks(values, stats.lognorm(s=column.sigma, scale=math.exp(column.mean)).cdf)
    assert isinstance(column, PoissonColumn)
    return _discrete_tvd(values, stats.poisson(column.lam), rows=len(values))


def _datetime(column: DatetimeColumn, series: pd.Series) -> _Result:
    micros, unparsed = _micros(series)
    first, last = (_utc_micros(column.start), _utc_micros(column.end))
    step = 1_000_000 if column.start.microsecond == 0 and column.end.microsecond == 0 else 1
    problems = _unparsed_problem(unparsed, "a datetime")
    usable = micros.dropna().to_numpy(dtype=np.int64)
    before, after = int((usable < first).sum()), int((usable > last).sum())
    if before:
        problems.append(f"{before} datetimes before start={column.start}")
    if after:
        problems.append(f"{after} datetimes after end={column.end}")
    violations = unparsed + before + after
    if len(usable) == 0:
        return _Result(0.0, violations=violations, problems=problems or ["every value is null"])

    # The sampler draws whole ticks uniformly between the first and the last tick inside.
    first_tick, last_tick = -(-first // step), last // step
    ticks = last_tick - first_tick + 1

    def cdf(x: np.ndarray) -> np.ndarray:
        return np.clip((np.floor_divide(x, step) - first_tick + 1) / ticks, 0.0, 1.0)

    def cdf_left(x: np.ndarray) -> np.ndarray:
        return np.clip((-np.floor_divide(-x, step) - first_tick) / ticks, 0.0, 1.0)

    statistic = _ks(usable, cdf, cdf_left)
    return _Result(
        (1.0 - statistic) * len(usable) / len(series),
        statistic=statistic,
        violations=violations,
        problems=problems,
    )


# --- statistics ----------------------------------------------------------------------------


def _ks(
    values: np.ndarray,
    cdf: Callable[[np.ndarray], np.ndarray],
    cdf_left: Callable[[np.ndarray], np.ndarray] | None = None,
) -> float:
    """One-sample KS statistic ``sup |F_n - F|`` for a continuous or a step CDF.

    ``cdf_left`` gives ``F(x-)``, the CDF just below ``x``; it is needed where ``F`` jumps
    (a discrete distribution), and equals ``cdf`` otherwise. With a continuous ``cdf`` this is
    ``scipy.stats.kstest(values, cdf).statistic``.
    """
    points, counts = np.unique(values, return_counts=True)
    above = np.cumsum(counts) / len(values)  # F_n(x)
    below = above - counts / len(values)  # F_n(x-)
    at = np.asarray(cdf(points), dtype=np.float64)
    left = at if cdf_left is None else np.asarray(cdf_left(points), dtype=np.float64)
    return float(max(np.max(above - at), np.max(left - below), 0.0))


def _discrete_tvd(values: np.ndarray, dist: object, *, rows: int) -> float:
    """TVD between integer values and a scipy discrete distribution, over grouped bins.

    Each integer of the support gets its own bin while there are at most :func:`max_bins`
    of them (mass beyond ``TAIL_MASS`` at either end lumped into the end bins); a wider
    support is cut at the distribution's quantiles into bins of about equal mass. Values
    outside the support (negative counts, beyond a uniform's bounds) form a bin of their own
    whose expected share is 0.
    """
    bins = max_bins(rows)
    low, high = dist.support()  # type: ignore[attr-defined]
    first = int(dist.ppf(TAIL_MASS))  # type: ignore[attr-defined]
    last = int(dist.ppf(1.0 - TAIL_MASS))  # type: ignore[attr-defined]
    if last - first + 1 <= bins:
        uppers = np.arange(first, last, dtype=np.float64)
    else:
        quantiles = np.linspace(0.0, 1.0, bins + 1)[1:-1]
        uppers = np.unique(dist.ppf(quantiles))  # type: ignore[attr-defined]
        uppers = uppers[uppers < last]
    # bin i holds the integers in (uppers[i-1], uppers[i]]; the last bin reaches the top
    expected = np.diff(np.concatenate([[0.0], dist.cdf(uppers), [1.0]]))  # type: ignore[attr-defined]
    inside = (values >= low) & (values <= high)
    index = np.searchsorted(uppers, np.floor(values[inside]), side="left")
    observed = np.bincount(index, minlength=len(expected)) / len(values)
    outside = float((~inside).sum()) / len(values)
    return float(0.5 * (np.abs(observed - expected).sum() + outside))


# --- conversions ---------------------------------------------------------------------------


def _numbers(series: pd.Series) -> tuple[np.ndarray, int]:
    """float64 values (NaN for nulls and text that is no number) and how many did not parse."""
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), 0
    present = series.notna()
    parsed = pd.to_numeric(series.where(present), errors="coerce")
    values = parsed.astype(np.float64).to_numpy(na_value=np.nan)
    return values, int((present.to_numpy() & np.isnan(values)).sum())


def _micros(series: pd.Series) -> tuple[pd.Series, int]:
    """Microseconds since the epoch (UTC for aware values, nullable Int64) and parse failures."""
    present = series.notna()
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        converted = pd.to_datetime(series, errors="coerce", utc=True, format="ISO8601")
    else:
        converted = series
    if isinstance(converted.dtype, pd.DatetimeTZDtype):
        converted = converted.dt.tz_convert("UTC").dt.tz_localize(None)
    converted = converted.dt.as_unit("us")
    ok = converted.notna()
    micros = pd.Series(
        converted.to_numpy(dtype="datetime64[us]").view(np.int64), dtype="Int64"
    ).where(ok.to_numpy(), pd.NA)
    return micros, int((present & ~ok).sum())


def _utc_micros(value: dt.datetime) -> int:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return int(np.datetime64(value, "us").astype(np.int64))


def _unparsed_problem(unparsed: int, what: str) -> list[str]:
    return [f"{unparsed} values are not {what}"] if unparsed else []


def _clip(value: float) -> float:
    value = float(value)
    return min(1.0, max(0.0, value)) if math.isfinite(value) else 0.0


# --- expression columns --------------------------------------------------------------------


def _score_expressions(
    declared: Sequence[SamplerColumn],
    expressions: Sequence[tuple[int, ExpressionColumn]],
    frame: pd.DataFrame,
) -> dict[str, ColumnConformance]:
    """Recompute each expression over the frame's earlier columns and count matching rows."""
    from registry._duckdb import sandboxed_connection

    names = [column.name for column in declared]
    con = sandboxed_connection(threads=1)  # as the sampler's
    try:
        return {
            column.name: _expression_conformance(con, column, index, names, frame)
            for index, column in expressions
        }
    finally:
        con.close()


def _expression_conformance(
    con: duckdb.DuckDBPyConnection,
    column: ExpressionColumn,
    index: int,
    names: list[str],
    frame: pd.DataFrame,
) -> ColumnConformance:
    # The sampler's own evaluator, so the check runs exactly what the build ran (same parser
    # checks, same row order, same types). It is private to samplers.py today and should be
    # made public there; nothing of it is copied here.
    from registry.generators.samplers import evaluate_expression

    rows = len(frame)
    test, against = _test_of(column)
    present = column.name in frame.columns
    score, violations, detail = 0.0, 0, None
    if not present or rows == 0:
        detail = "the column is missing from the frame" if rows else "the frame has no rows"
    else:
        earlier = {name: frame[name] for name in names[:index] if name in frame.columns}
        try:
            expected = evaluate_expression(
                con,
                column,
                earlier,
                rows=rows,
                path=f"generator.columns[{index}] ({column.name})",
                # only what the frame holds, so DuckDB's hints name what is really there
                declared=[n for n in names if n in frame.columns or n == column.name],
            )
        except RecipeError as exc:
            absent = [n for n in names[:index] if n not in frame.columns]
            why = f" ({', '.join(absent)} missing from the frame)" if absent else ""
            violations, detail = rows, f"the SQL could not be recomputed{why}: {exc}"
        else:
            actual = frame[column.name]
            differs = ~_same_values(expected, actual)
            violations = int(differs.sum())
            score = 1.0 - violations / rows
            if violations:
                first = int(np.flatnonzero(differs)[0])
                detail = (
                    f"{violations} rows differ from the SQL (first: row {first} holds "
                    f"{_show(actual.iloc[first])} where the SQL gives "
                    f"{_show(expected.iloc[first])})"
                )
    return ColumnConformance(
        type="expression",
        test=test,
        against=against,
        statistic=None,
        score=_clip(score),
        rows=rows,
        missing=int(frame[column.name].isna().sum()) if present else rows,
        violations=violations,
        detail=detail,
    )


def _show(value: object) -> str:
    """A value as a reader would write it: ``1``, not ``np.int32(1)``."""
    item = getattr(value, "item", None)
    if isinstance(value, np.generic) and callable(item):
        value = item()
    return repr(value)


def _same_values(expected: pd.Series, actual: pd.Series) -> np.ndarray:
    """Row-wise equality; nulls equal nulls, floats within ``FLOAT_RTOL``, bool equals 0/1."""
    expected, actual = expected.reset_index(drop=True), actual.reset_index(drop=True)
    null_e, null_a = expected.isna().to_numpy(), actual.isna().to_numpy()
    same = null_e & null_a
    present = ~null_e & ~null_a
    if not present.any():
        return same
    kinds = (_value_kind(expected), _value_kind(actual))
    if kinds == ("datetime", "datetime"):
        a, b = _micros(expected)[0], _micros(actual)[0]
        equal = (a == b).fillna(False).to_numpy(dtype=bool)
    elif kinds == ("number", "number"):
        a = expected.to_numpy(dtype=np.float64, na_value=np.nan)
        b = actual.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            equal = (a == b) | np.isclose(a, b, rtol=FLOAT_RTOL, atol=0.0)
    else:
        a_obj, b_obj = expected.to_numpy(dtype=object), actual.to_numpy(dtype=object)
        equal = np.zeros(len(expected), dtype=bool)
        for i in np.flatnonzero(present):
            equal[i] = _equal(a_obj[i], b_obj[i])
    return same | (present & equal)


def _value_kind(series: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "datetime"
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return "number"
    return "other"


def _equal(a: object, b: object) -> bool:
    try:
        result = a == b
        if isinstance(result, np.ndarray):
            return bool(np.shape(a) == np.shape(b) and result.all())
        return bool(result)
    except (TypeError, ValueError):
        return False


__all__ = [
    "ColumnConformance",
    "ConformanceScores",
    "ConformanceTest",
    "max_bins",
    "score_conformance",
]
