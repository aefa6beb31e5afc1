"""Detection scores: a classifier cannot tell like from like, and can tell obvious fakes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from registry.quality.detection import DetectionScores, score_detection, thread_count


def make_frame(rows: int = 1500, *, seed: int = 0, shift: float = 0.0) -> pd.DataFrame:
    """Numbers, a datetime, categories (one with many levels), a boolean and some nulls."""
    rng = np.random.default_rng(seed)
    base = rng.normal(loc=shift, size=rows)
    frame = pd.DataFrame(
        {
            "order_id": np.arange(rows) + seed * 10**6,
            "amount": np.exp(base),
            "score": base + rng.normal(scale=0.5, size=rows),
            "colour": rng.choice(["red", "green", "blue"], size=rows, p=[0.5, 0.3, 0.2]),
            "city": rng.choice([f"city{i}" for i in range(400)], size=rows),
            "vip": base > 1.0,
            "when": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(np.round(30 * base).astype("int64"), unit="D"),
        }
    )
    frame.loc[rng.random(rows) < 0.1, "score"] = np.nan
    return frame


def test_score_detection_cannot_tell_samples_of_one_distribution() -> None:
    scores = score_detection(make_frame(seed=0), make_frame(seed=1))
    assert scores.auc == pytest.approx(0.5, abs=0.05)
    assert scores.score is not None and scores.score > 0.9
    assert len(scores.auc_folds) == scores.folds == 3


def test_score_detection_identical_data_scores_half() -> None:
    frame = make_frame()
    scores = score_detection(frame, frame)
    assert scores.auc == pytest.approx(0.5, abs=0.02)
    assert scores.score == pytest.approx(1.0, abs=0.04)


def test_score_detection_half_copied_data_is_not_penalised() -> None:
    real = make_frame(seed=0)
    copied = pd.concat([real.iloc[:750], make_frame(seed=1).iloc[750:]], ignore_index=True)
    assert score_detection(real, copied).auc == pytest.approx(0.5, abs=0.05)


def test_score_detection_tells_obviously_different_data() -> None:
    scores = score_detection(make_frame(seed=0), make_frame(seed=1, shift=3.0))
    assert scores.auc is not None and scores.auc > 0.95
    assert scores.score is not None and scores.score < 0.1


def test_score_detection_sees_a_change_in_categories_only() -> None:
    real, synthetic = make_frame(seed=0), make_frame(seed=1)
    rng = np.random.default_rng(2)
    colours = ["red", "green", "blue"]
    synthetic["colour"] = rng.choice(colours, size=len(synthetic), p=[0.2, 0.3, 0.5])
    # the best possible AUC from colour alone, reversed frequencies (0.5, 0.3, 0.2), is 0.695
    scores = score_detection(real, synthetic)
    assert scores.auc is not None and 0.62 < scores.auc < 0.72


def test_score_detection_ignores_id_columns() -> None:
    scores = score_detection(make_frame(seed=0), make_frame(seed=1))
    assert "order_id" not in scores.columns  # ids differ entirely; they would give AUC 1
    assert set(scores.columns) == {"amount", "score", "colour", "city", "vip", "when"}


def test_score_detection_is_deterministic_and_seeded() -> None:
    real, synthetic = make_frame(seed=0), make_frame(seed=1, shift=0.3)
    first = score_detection(real, synthetic, random_seed=5)
    assert first == score_detection(real, synthetic, random_seed=5)
    assert first.auc_folds != score_detection(real, synthetic, random_seed=6).auc_folds


def test_score_detection_draws_a_balanced_capped_sample() -> None:
    real, synthetic = make_frame(rows=1500, seed=0), make_frame(rows=900, seed=1)
    assert score_detection(real, synthetic).rows == 900
    capped = score_detection(real, synthetic, max_rows=300, folds=5)
    assert capped.rows == 300 and len(capped.auc_folds) == 5


def test_score_detection_without_shared_columns_is_none() -> None:
    scores = score_detection(pd.DataFrame({"a": [1.0] * 50}), pd.DataFrame({"b": [1.0] * 50}))
    assert scores.auc is None and scores.score is None and scores.columns == []
    assert isinstance(scores, DetectionScores)


@pytest.mark.parametrize(("environ", "expected"), [({"OMP_NUM_THREADS": "3"}, 3), ({}, None)])
def test_thread_count_follows_omp_num_threads_else_half_the_cores(
    environ: dict[str, str], expected: int | None
) -> None:
    count = thread_count(environ)
    assert count == expected if expected is not None else 1 <= count <= 8
