"""Sampler conformance (registry/quality/conformance.py): declared columns against their data.

The frames are 20,000 rows from the real sampler with a fixed seed, so the scores of
untouched columns are fixed numbers well above the thresholds and do not flake.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import stats

from registry.generators.samplers import ColumnSampler
from registry.quality.conformance import (
    ColumnConformance,
    ConformanceScores,
    max_bins,
    score_conformance,
)
from registry.recipes import SamplerGenerator

N = 20_000

COLUMNS: list[dict[str, Any]] = [
    {"name": "id", "type": "uuid"},
    {
        "name": "merchant",
        "type": "category",
        "values": {"grocery": 0.5, "travel": 0.2, "online": 0.3},
    },
    {"name": "amount", "type": "lognormal", "mean": 3.5, "sigma": 1.0},
    {"name": "hour", "type": "uniform", "low": 0, "high": 23, "dtype": "int"},
    {"name": "ts", "type": "datetime", "start": "2025-01-01", "end": "2025-12-31"},
    {"name": "n_items", "type": "poisson", "lam": 2.0},
    {"name": "score", "type": "gaussian", "mean": 0, "std": 1},
    {"name": "returning", "type": "bernoulli", "p": 0.3},
    {
        "name": "is_fraud",
        "type": "expression",
        "sql": "CASE WHEN amount > 900 AND hour < 5 THEN 1 ELSE 0 END",
    },
    {"name": "ratio", "type": "expression", "sql": "amount / (1 + n_items)"},
    {"name": "label", "type": "expression", "sql": "merchant || '-' || CAST(n_items AS VARCHAR)"},
    {"name": "fraction", "type": "uniform", "low": -2.5, "high": 4.0},
    {"name": "level", "type": "gaussian", "mean": 3, "std": 1.5, "dtype": "int"},
    {"name": "wide", "type": "uniform", "low": 0, "high": 1_000_000, "dtype": "int"},
    {"name": "visits", "type": "poisson", "lam": 400},
    {"name": "tier", "type": "category", "values": ["gold", "silver", "silver"]},
    {"name": "who", "type": "faker", "field": "name"},
    {
        "name": "seen",
        "type": "datetime",
        "start": "2025-03-01T00:00:00+02:00",
        "end": "2025-03-01T00:00:09+02:00",
    },
    {"name": "day", "type": "expression", "sql": "date_trunc('day', ts)"},
]
EXPRESSIONS = {"is_fraud", "ratio", "label", "day"}


def make_config(*columns: dict[str, Any]) -> SamplerGenerator:
    return SamplerGenerator.model_validate({"kind": "sampler", "columns": list(columns)})


@pytest.fixture(scope="module")
def config() -> SamplerGenerator:
    return make_config(*COLUMNS)


@pytest.fixture(scope="module")
def frame(config: SamplerGenerator) -> pd.DataFrame:
    return ColumnSampler(config, random_seed=7).sample(N)


@pytest.fixture(scope="module")
def scores(config: SamplerGenerator, frame: pd.DataFrame) -> ConformanceScores:
    return score_conformance(config, frame)


def edited(frame: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    copy = frame.copy()
    for name, values in columns.items():
        copy[name] = values
    return copy


# --- data the sampler made ----------------------------------------------------------------------


def test_conformance_of_sampler_data_is_high_on_every_column(scores: ConformanceScores):
    low = {name: col.score for name, col in scores.columns.items() if col.score < 0.97}
    assert not low
    assert list(scores.columns) == [c["name"] for c in COLUMNS]
    assert scores.score >= 0.98
    assert scores.rows == N


def test_conformance_of_sampler_data_has_no_violations(scores: ConformanceScores):
    for name, col in scores.columns.items():
        assert (col.violations, col.missing, col.detail) == (0, 0, None), name


def test_conformance_expressions_match_exactly_on_sampler_data(scores: ConformanceScores):
    for name in EXPRESSIONS:
        assert scores.columns[name].score == 1.0
        assert scores.columns[name].test == "sql_match"


@pytest.mark.parametrize(
    ("name", "test"),
    [
        ("id", "unique_share"),
        ("merchant", "tvd"),
        ("amount", "ks"),
        ("hour", "tvd"),
        ("ts", "ks"),
        ("n_items", "tvd"),
        ("score", "ks"),
        ("returning", "rate"),
        ("who", "non_empty_share"),
        ("label", "sql_match"),
    ],
)
def test_conformance_names_the_test_of_each_type(scores: ConformanceScores, name: str, test: str):
    assert scores.columns[name].test == test


def test_conformance_worst_columns_are_the_lowest_scores(scores: ConformanceScores):
    ranked = sorted(scores.columns, key=lambda n: scores.columns[n].score)
    assert scores.worst_columns == ranked[:5]
    assert scores.score == pytest.approx(np.mean([c.score for c in scores.columns.values()]))


def test_conformance_is_the_same_after_a_parquet_round_trip(
    config: SamplerGenerator, frame: pd.DataFrame, scores: ConformanceScores, tmp_path: Path
):
    frame.to_parquet(tmp_path / "data.parquet")
    again = score_conformance(config, pd.read_parquet(tmp_path / "data.parquet"))
    assert again == scores


def test_conformance_reads_text_columns_as_their_declared_types(
    config: SamplerGenerator, frame: pd.DataFrame, scores: ConformanceScores
):
    as_text = edited(frame, hour=frame["hour"].astype(str), ts=frame["ts"].astype(str))
    again = score_conformance(config, as_text)
    assert again.columns["hour"].score == pytest.approx(scores.columns["hour"].score)
    assert again.columns["ts"].score == pytest.approx(scores.columns["ts"].score)


# --- tampered data ------------------------------------------------------------------------


def _other_distribution(frame: pd.DataFrame, name: str) -> Any:
    rng = np.random.default_rng(11)
    return {
        "id": [f"row-{i}" for i in range(N)],
        "returning": rng.random(N) < 0.6,
        "score": rng.normal(0.8, 1.0, N),
        "fraction": rng.normal(0.75, 1.0, N),
        "level": np.rint(rng.normal(3, 4.0, N)).astype(np.int64),
        "wide": rng.integers(0, 400_000, N),
        "visits": rng.poisson(440, N),
        "tier": rng.choice(["gold", "silver"], size=N, p=[0.8, 0.2]),
        "who": np.where(rng.random(N) < 0.5, "", frame["who"]),
        "seen": frame["seen"].min() + pd.to_timedelta(rng.integers(0, 3, N), unit="s"),
    }[name]


@pytest.mark.parametrize(
    "name",
    [
        "id",
        "returning",
        "score",
        "fraction",
        "level",
        "wide",
        "visits",
        "tier",
        "who",
        "seen",
    ],
)
def test_conformance_drops_only_for_a_column_from_another_distribution(
    config: SamplerGenerator, frame: pd.DataFrame, scores: ConformanceScores, name: str
):
    result = score_conformance(config, edited(frame, **{name: _other_distribution(frame, name)}))
    assert result.columns[name].score < 0.85
    assert result.worst_columns[0] == name
    for other, col in result.columns.items():
        if other != name:
            assert col == scores.columns[other], other


@pytest.mark.parametrize(
    ("name", "values", "hit"),
    [
        ("amount", lambda rng: rng.normal(30, 10, N), {"is_fraud", "ratio"}),
        ("hour", lambda rng: rng.integers(0, 12, N), {"is_fraud"}),
        ("n_items", lambda rng: rng.poisson(4.0, N), {"label"}),
        ("merchant", lambda rng: rng.choice(["grocery", "travel", "online"], size=N), {"label"}),
        (
            "ts",
            lambda rng: pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.random(N), unit="D"),
            {"day"},
        ),
    ],
)
def test_conformance_detects_an_edited_expression_input(
    config: SamplerGenerator, frame: pd.DataFrame, name: str, values: Any, hit: set[str]
):
    result = score_conformance(config, edited(frame, **{name: values(np.random.default_rng(3))}))
    assert result.columns[name].score < 0.85
    for expression in hit:
        assert result.columns[expression].score < 1.0, expression
        assert result.columns[expression].violations > 0


def test_conformance_detects_an_edited_expression_column(
    config: SamplerGenerator, frame: pd.DataFrame
):
    flipped = frame["is_fraud"].copy()
    flipped.iloc[[5, 50, 500]] = 1 - flipped.iloc[[5, 50, 500]]
    result = score_conformance(config, edited(frame, is_fraud=flipped))
    col = result.columns["is_fraud"]
    assert col.score == pytest.approx(1 - 3 / N)
    assert col.violations == 3
    assert col.detail is not None and "row 5" in col.detail


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("ratio", lambda s: s * 1.001),
        ("label", lambda s: s.str.upper()),
        ("day", lambda s: s + pd.Timedelta(hours=1)),
    ],
)
def test_conformance_detects_edits_of_every_expression_type(
    config: SamplerGenerator, frame: pd.DataFrame, name: str, change: Any
):
    result = score_conformance(config, edited(frame, **{name: change(frame[name])}))
    assert result.columns[name].score < 0.01


def test_conformance_float_expressions_tolerate_last_bit_noise(
    config: SamplerGenerator, frame: pd.DataFrame
):
    noisy = frame["ratio"] * (1 + 1e-13)
    assert score_conformance(config, edited(frame, ratio=noisy)).columns["ratio"].score == 1.0


def test_conformance_reports_sql_that_cannot_be_recomputed(frame: pd.DataFrame):
    config = make_config(*COLUMNS)
    result = score_conformance(config, frame.drop(columns=["hour"]))
    assert result.columns["hour"].score == 0.0
    assert result.columns["hour"].detail == "the column is missing from the frame"
    col = result.columns["is_fraud"]
    assert col.score == 0.0 and col.violations == N
    assert col.detail is not None and "hour" in col.detail


# --- domain checks -------------------------------------------------------------------------


def _with_rows(frame: pd.DataFrame, name: str, values: list[Any]) -> pd.DataFrame:
    column = frame[name].astype(object) if isinstance(values[0], str) else frame[name].copy()
    column.iloc[: len(values)] = values
    return edited(frame, **{name: column})


@pytest.mark.parametrize(
    ("name", "values", "violations", "words"),
    [
        ("hour", [30, 24, -1], 3, ["2 values above high=23", "1 values below low=0"]),
        ("hour", [2.5, 7.25], 2, ["not whole numbers"]),
        ("fraction", [-3.0, 4.5], 2, ["below low=-2.5", "above high=4"]),
        ("amount", [-1.0, -2.0, -3.0], 3, ["3 negative values"]),
        ("n_items", [-1, -2], 2, ["2 negative values"]),
        ("merchant", ["shoes", "shoes", "cars"], 3, ["3 values not declared", "'shoes'"]),
        ("id", ["not-a-uuid", "F" * 36], 2, ["not lower-case version-4 UUIDs"]),
        ("returning", [2, 3], 2, ["other than true/false"]),
        (
            "ts",
            [pd.Timestamp("2024-12-31 23:59:59"), pd.Timestamp("2026-01-01")],
            2,
            ["before start=2025-01-01", "after end=2025-12-31"],
        ),
        ("who", ["", "   "], 2, ["empty or not text"]),
        ("score", ["abc", "def"], 2, ["not a number"]),
    ],
)
def test_conformance_counts_domain_violations(
    config: SamplerGenerator,
    frame: pd.DataFrame,
    name: str,
    values: list[Any],
    violations: int,
    words: list[str],
):
    col = score_conformance(config, _with_rows(frame, name, values)).columns[name]
    assert col.violations == violations
    assert col.detail is not None
    for word in words:
        assert word in col.detail


def test_conformance_counts_repeated_uuids(config: SamplerGenerator, frame: pd.DataFrame):
    ids = frame["id"].copy()
    ids.iloc[:100] = ids.iloc[0]
    col = score_conformance(config, edited(frame, id=ids)).columns["id"]
    assert col.score == pytest.approx((N - 99) / N)
    assert col.detail == "99 repeated UUIDs"


def test_conformance_nulls_scale_the_score(
    config: SamplerGenerator, frame: pd.DataFrame, scores: ConformanceScores
):
    amount = frame["amount"].copy()
    amount.iloc[: N // 4] = np.nan
    col = score_conformance(config, edited(frame, amount=amount)).columns["amount"]
    assert col.missing == N // 4
    assert col.score == pytest.approx(0.75, abs=0.01)


def test_conformance_of_an_all_null_column_is_zero(config: SamplerGenerator, frame: pd.DataFrame):
    result = score_conformance(config, edited(frame, score=np.full(N, np.nan)))
    assert result.columns["score"].score == 0.0
    assert result.columns["score"].missing == N
    json.dumps(result.model_dump(mode="json"), allow_nan=False)


def test_conformance_of_an_empty_frame_is_zero(config: SamplerGenerator, frame: pd.DataFrame):
    result = score_conformance(config, frame.iloc[:0])
    assert result.score == 0.0
    assert all(col.score == 0.0 for col in result.columns.values())


# --- the statistics ------------------------------------------------------------------------


def test_conformance_ks_agrees_with_scipy(frame: pd.DataFrame, scores: ConformanceScores):
    reference = stats.kstest(frame["amount"], stats.lognorm(s=1.0, scale=math.exp(3.5)).cdf)
    assert scores.columns["amount"].statistic == pytest.approx(reference.statistic, abs=1e-12)
    reference = stats.kstest(frame["fraction"], stats.uniform(loc=-2.5, scale=6.5).cdf)
    assert scores.columns["fraction"].statistic == pytest.approx(reference.statistic, abs=1e-12)


def test_conformance_poisson_tvd_is_exact_on_small_supports():
    config = make_config({"name": "n", "type": "poisson", "lam": 2.0})
    values = np.repeat([0, 1, 2], [3, 3, 4])  # no 3+, though the pmf expects ~32 % there
    col = score_conformance(config, pd.DataFrame({"n": values})).columns["n"]
    pmf = stats.poisson(2.0).pmf([0, 1, 2])
    expected = 0.5 * (np.abs(np.array([0.3, 0.3, 0.4]) - pmf).sum() + (1 - pmf.sum()))
    assert col.statistic == pytest.approx(expected)


def test_conformance_discrete_bins_are_few_for_small_frames():
    assert max_bins(1_000) == 5
    assert max_bins(20_000) == 50
    assert max_bins(10**7) == 50


def test_conformance_scores_refuse_nan():
    with pytest.raises(ValidationError):
        ColumnConformance(
            type="gaussian",
            test="ks",
            against="normal",
            statistic=float("nan"),
            score=0.5,
            rows=1,
            missing=0,
            violations=0,
        )
