"""Fidelity scores: behaviour on data whose answer we know, and agreement with SDMetrics.

The ``slow`` tests build SDMetrics' ``QualityReport`` on the same frames, with metadata that
``sdv.metadata.Metadata.detect_from_dataframes`` detects, and require every property, column
and pair to agree within 0.02 (in practice they agree to ~1e-15).
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy.stats import ks_2samp
from scipy.stats.contingency import association

from registry.quality.fidelity import (
    ColumnScore,
    FidelityScores,
    column_kinds,
    column_pair_trends,
    column_shapes,
    score_fidelity,
)

TOLERANCE = 0.02


# --- data ---------------------------------------------------------------------------------


def make_mixed(rows: int = 2000, *, seed: int = 0, noise: float = 0.0) -> pd.DataFrame:
    """Correlated numbers, a datetime, a boolean and categories; ``noise`` blurs every column.

    The same random draws are used at every noise level, so a larger ``noise`` only moves
    values further from the noiseless frame.
    """
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=rows)
    jitter = rng.normal(size=(rows, 4))
    flips = rng.random(rows)
    income = np.exp(10 + 0.5 * latent + 0.2 * jitter[:, 0] + noise * jitter[:, 1])
    days = 400 * latent + 200 * jitter[:, 2] + noise * 400 * jitter[:, 3]
    active = (latent + 0.5 * jitter[:, 0]) > 0
    active = np.where(flips < noise / 4, ~active, active)
    plan = np.where(latent > 0.7, "gold", np.where(latent < -0.7, "basic", "silver"))
    plan = np.where(flips > 1 - noise / 4, "silver", plan)
    return pd.DataFrame(
        {
            "income": income,
            "age": np.clip(40 + 10 * latent + 5 * jitter[:, 1] * (1 + noise), 18, 90).round(1),
            "signup": pd.Timestamp("2021-06-01") + pd.to_timedelta(days.round(), unit="D"),
            "active": active,
            "plan": plan,
        }
    )


def make_datetime_boolean() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A real frame with nulls in a datetime and a number, and a shifted, blurred copy."""
    real = make_mixed(1500, seed=1)
    synthetic = make_mixed(1200, seed=2, noise=0.6)
    rng = np.random.default_rng(3)
    real.loc[rng.random(len(real)) < 0.1, "signup"] = pd.NaT
    real.loc[rng.random(len(real)) < 0.05, "income"] = np.nan
    synthetic.loc[rng.random(len(synthetic)) < 0.2, "signup"] = pd.NaT
    synthetic["signup"] = synthetic["signup"] + pd.Timedelta(days=30)
    return real, synthetic


def make_penguins() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Palmer penguins (NaNs, text, an int year) and a resampled, noisy, re-shuffled copy."""
    from palmerpenguins import load_penguins

    real = load_penguins()
    rng = np.random.default_rng(7)
    synthetic = real.sample(n=300, replace=True, random_state=7).reset_index(drop=True)
    for column in ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]:
        synthetic[column] += rng.normal(0, 0.3 * real[column].std(), len(synthetic))
    synthetic["sex"] = synthetic["sex"].sample(frac=1, random_state=8).to_numpy()
    synthetic.loc[rng.random(len(synthetic)) < 0.15, "island"] = "Dream"
    return real, synthetic


def make_wine() -> tuple[pd.DataFrame, pd.DataFrame]:
    """sklearn's wine and a copy whose every column is permuted on its own."""
    from sklearn.datasets import load_wine

    real = load_wine(as_frame=True).frame
    return real, shuffle_columns(real, seed=11)


def shuffle_columns(df: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: df[c].to_numpy()[rng.permutation(len(df))] for c in df.columns})


# --- SDMetrics, the reference -------------------------------------------------------------


def sdmetrics_report(real: pd.DataFrame, synthetic: pd.DataFrame) -> Any:
    """SDMetrics' single-table QualityReport, given the metadata SDV detects from ``real``."""
    from sdv.metadata import Metadata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the single-table report is deprecated (FutureWarning)
        from sdmetrics.reports.single_table import QualityReport

        metadata = Metadata.detect_from_dataframes({"table": real}).to_dict()
        report = QualityReport()
        report.generate(real, synthetic, metadata["tables"]["table"], verbose=False)
    return report


def max_difference(ours: FidelityScores, report: Any) -> float:
    """Largest |ours - SDMetrics| over both properties, every column and every counted pair.

    Also fails if the two disagree on which columns are scored or which pairs count.
    """
    properties = report.get_properties().set_index("Property")["Score"]
    differences = [
        abs(ours.column_shapes - properties["Column Shapes"]),
        abs(ours.column_pair_trends - properties["Column Pair Trends"]),
        abs(ours.score - report.get_score()),
    ]
    shapes = report.get_details("Column Shapes").set_index("Column")["Score"]
    assert list(shapes.index) == list(ours.columns)
    for column, expected in shapes.items():
        differences.append(abs(ours.columns[column].score - expected))
    trends = report.get_details("Column Pair Trends")
    mine = {(p.column_a, p.column_b): p for p in ours.pairs}
    assert len(mine) == len(trends)
    for row in trends.itertuples(index=False):
        pair = mine[(row[0], row[1])]
        flag = row[trends.columns.get_loc("Meets Threshold?")]
        counts = bool(flag) if not pd.isna(flag) else False
        assert pair.meets_threshold == counts, (pair, row)
        if counts:
            differences.append(abs(pair.score - row[trends.columns.get_loc("Score")]))
    return max(differences)


@pytest.mark.slow
@pytest.mark.parametrize(
    "make_frames", [make_penguins, make_wine, make_datetime_boolean], ids=lambda f: f.__name__
)
def test_score_fidelity_agrees_with_sdmetrics_quality_report(make_frames):
    real, synthetic = make_frames()
    ours = score_fidelity(real, synthetic)
    report = sdmetrics_report(real, synthetic)

    assert max_difference(ours, report) <= TOLERANCE
    assert sum(p.meets_threshold for p in ours.pairs) >= 3  # the pair property is exercised


@pytest.mark.slow
def test_column_kinds_match_sdv_detection_on_reference_data():
    from sdv.metadata import Metadata

    sdv_to_ours = {"ordinal": "categorical"}
    for real, _ in (make_penguins(), make_wine()):
        detected = Metadata.detect_from_dataframes({"t": real}).to_dict()["tables"]["t"]
        expected = {
            c: sdv_to_ours.get(m["sdtype"], m["sdtype"]) for c, m in detected["columns"].items()
        }
        assert column_kinds(real) == expected


def test_score_fidelity_penguins_noise_lowers_numbers_only():
    real, synthetic = make_penguins()
    scores = score_fidelity(real, synthetic)
    assert scores.columns["species"].score > 0.9
    assert scores.columns["bill_length_mm"].score < scores.columns["species"].score
    assert scores.columns["year"].metric == "TVComplement"  # 3 whole values: SDV's ordinal


def test_score_fidelity_wine_shuffle_keeps_shapes_breaks_trends():
    real, synthetic = make_wine()
    scores = score_fidelity(real, synthetic)
    assert scores.column_shapes == pytest.approx(1.0)
    assert scores.column_pair_trends is not None and scores.column_pair_trends < 0.8


# --- behaviour ----------------------------------------------------------------------------


def test_score_fidelity_identical_data_scores_one():
    real = make_mixed()
    scores = score_fidelity(real, real.copy())
    assert scores.column_shapes == pytest.approx(1.0)
    assert scores.column_pair_trends == pytest.approx(1.0)
    assert scores.score == pytest.approx(1.0)
    assert all(c.score == pytest.approx(1.0) for c in scores.columns.values())
    assert all(p.score == pytest.approx(1.0) for p in scores.pairs if p.score is not None)


def test_score_fidelity_independent_shuffle_keeps_shapes_drops_trends():
    real = make_mixed()
    scores = score_fidelity(real, shuffle_columns(real, seed=5))
    assert scores.column_shapes == pytest.approx(1.0)
    assert scores.column_pair_trends is not None and scores.column_pair_trends < 0.75
    counted = [p for p in scores.pairs if p.meets_threshold]
    assert {p.metric for p in counted} == {"CorrelationSimilarity", "ContingencySimilarity"}


def test_score_fidelity_more_noise_lowers_column_shapes():
    real = make_mixed(seed=0)
    levels = (0, 0.5, 1, 2)
    shapes = [score_fidelity(real, make_mixed(seed=0, noise=n)).column_shapes for n in levels]
    assert shapes[0] == pytest.approx(1.0)
    assert shapes == sorted(shapes, reverse=True)
    assert shapes[-1] < shapes[0] - 0.1


def test_score_fidelity_excludes_id_like_columns():
    real = make_mixed(300)
    real.insert(0, "user_id", np.arange(300) % 7)
    real["email_text"] = [f"{i:08x}-4c1f-9a2b" for i in range(300)]
    synthetic = real.sample(frac=1.0, random_state=0)
    synthetic["email_text"] = [f"{i:08x}-beef" for i in range(300)]

    scores = score_fidelity(real, synthetic)

    assert column_kinds(real)["user_id"] == "id"
    assert column_kinds(real)["email_text"] == "id"
    assert set(scores.columns) == {"income", "age", "signup", "active", "plan"}
    paired = {c for p in scores.pairs for c in (p.column_a, p.column_b)}
    assert not {"user_id", "email_text"} & paired
    assert scores.column_shapes == pytest.approx(1.0)


def test_score_fidelity_accepts_different_dtypes_across_frames():
    real = make_mixed(500)
    real["rating"] = np.arange(500) % 4  # few whole values: categorical
    recast = real.astype(
        {"age": "Float64", "active": "boolean", "plan": "category", "rating": float}
    )
    recast["signup"] = recast["signup"].dt.strftime("%Y-%m-%d")
    recast["income"] = recast["income"].astype(object)

    scores = score_fidelity(real, recast)

    assert scores.column_shapes == pytest.approx(1.0, abs=1e-6)
    assert scores.column_pair_trends == pytest.approx(1.0, abs=1e-6)
    assert set(scores.columns) == set(real.columns)


def test_score_fidelity_ignores_unshared_columns_and_differing_lengths():
    real = make_mixed(800, seed=0).assign(only_real=1.0)
    synthetic = make_mixed(300, seed=1).assign(only_synthetic="x")
    scores = score_fidelity(real, synthetic)
    assert set(scores.columns) == {"income", "age", "signup", "active", "plan"}
    assert 0.8 < scores.score < 1.0


def test_score_fidelity_never_returns_nan():
    real = make_mixed(200).assign(empty=np.nan, constant=2.5)
    synthetic = make_mixed(150, seed=4).assign(empty=np.nan, constant=2.5)
    synthetic.loc[0, "income"] = np.inf

    scores = score_fidelity(real, synthetic)

    assert scores.columns["empty"].score is None
    assert scores.columns["constant"].score == 1.0
    constant_pairs = [p for p in scores.pairs if "constant" in (p.column_a, p.column_b)]
    assert constant_pairs and all(not p.meets_threshold for p in constant_pairs)
    assert "NaN" not in scores.model_dump_json()
    assert "empty" not in column_shapes(real, synthetic, column_kinds(real))


def test_fidelity_models_reject_nan():
    with pytest.raises(ValidationError):
        ColumnScore(kind="numerical", metric="KSComplement", score=math.nan)


def test_score_fidelity_nothing_to_score_is_none():
    real = pd.DataFrame({"id": range(10)})
    scores = score_fidelity(real, real)
    assert scores.column_shapes is None
    assert scores.column_pair_trends is None
    assert scores.score is None


def test_score_fidelity_property_means_match_the_public_functions():
    real, synthetic = make_datetime_boolean()
    kinds = column_kinds(real)
    scores = score_fidelity(real, synthetic)
    shapes = column_shapes(real, synthetic, kinds)
    trends = column_pair_trends(real, synthetic, kinds)
    assert scores.column_shapes == pytest.approx(np.mean(list(shapes.values())))
    assert scores.column_pair_trends == pytest.approx(np.mean(list(trends.values())))
    assert set(trends) == {(p.column_a, p.column_b) for p in scores.pairs if p.meets_threshold}


def test_column_pair_trends_zero_thresholds_count_every_pair():
    rng = np.random.default_rng(123)  # not make_mixed's seed, or "unrelated" is its latent
    real = make_mixed(500).assign(unrelated=rng.normal(size=500))
    synthetic = make_mixed(400, seed=9, noise=0.5).assign(unrelated=rng.normal(size=400))
    kinds = column_kinds(real)
    every = column_pair_trends(
        real, synthetic, kinds, real_correlation_threshold=0, real_association_threshold=0
    )
    related = column_pair_trends(real, synthetic, kinds)
    assert len(every) == 15
    assert len(related) == 10
    assert not any("unrelated" in pair for pair in related)


def test_column_shapes_ks_matches_scipy_with_ties_and_nulls():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.integers(0, 50, 700).astype(float)})
    synthetic = pd.DataFrame({"x": rng.integers(5, 60, 400).astype(float)})
    real.loc[:30, "x"] = np.nan
    expected = 1 - ks_2samp(real["x"].dropna(), synthetic["x"]).statistic
    assert column_shapes(real, synthetic, {"x": "numerical"})["x"] == pytest.approx(expected)


def test_score_fidelity_real_association_is_cramers_v():
    real = make_mixed(1000)
    scores = score_fidelity(real, real)
    pair = next(p for p in scores.pairs if (p.column_a, p.column_b) == ("active", "plan"))
    table = pd.crosstab(real["active"], real["plan"]).to_numpy()
    assert pair.metric == "ContingencySimilarity"
    assert pair.real == pytest.approx(association(table, method="cramer"))


@pytest.mark.parametrize(
    ("values", "name", "kind"),
    [
        ([True, False] * 50, "flag", "boolean"),
        (np.linspace(0, 1, 100), "x", "numerical"),
        ([1, 2, 3, 4] * 25, "grade", "categorical"),
        (np.arange(100) * 1.5, "x", "numerical"),
        (pd.date_range("2020-01-01", periods=100), "when", "datetime"),
        (pd.date_range("2020-01-01", periods=100).strftime("%Y-%m-%d"), "day", "datetime"),
        (["a", "b", None, "c"] * 25, "letter", "categorical"),
        ([f"uuid-{i:04x}-{i * 7:04x}" for i in range(100)], "token", "id"),
        ([1, 2, 3, 4] * 25, "shopId", "id"),
        (pd.Categorical(["x", "y"] * 50), "group", "categorical"),
    ],
)
def test_column_kinds_classifies_like_a_user_expects(values, name, kind):
    df = pd.DataFrame({"first": np.linspace(-1, 1, 100), name: values})
    assert column_kinds(df)[name] == kind


def test_column_kinds_first_unique_whole_number_column_is_the_key():
    df = pd.DataFrame({"row": np.arange(1, 101), "count": np.arange(101, 201), "x": np.ones(100)})
    assert column_kinds(df) == {"row": "id", "count": "numerical", "x": "categorical"}


@pytest.mark.slow
def test_score_fidelity_scores_100k_rows_quickly():
    rng = np.random.default_rng(0)

    def frame(seed: int) -> pd.DataFrame:
        base = pd.concat([make_mixed(20_000, seed=seed + i) for i in range(5)], ignore_index=True)
        extra = {f"x{i}": base["age"] + rng.normal(size=len(base)) for i in range(5)}
        return base.assign(**extra, city=rng.choice([f"c{i}" for i in range(40)], len(base)))

    real, synthetic = frame(0), frame(10)
    assert real.shape == (100_000, 11)
    score_fidelity(real.head(100), synthetic.head(100))  # warm up imports
    start = time.perf_counter()
    scores = score_fidelity(real, synthetic)
    elapsed = time.perf_counter() - start
    assert len(scores.pairs) == 55
    assert elapsed < 5.0  # ~0.3 s on one core; per-row Python would take minutes


def test_fidelity_module_does_not_import_sdv_or_sdmetrics():
    code = (
        "import sys, registry.quality.fidelity; "
        "print(sorted(m for m in ('sdv', 'sdmetrics') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
