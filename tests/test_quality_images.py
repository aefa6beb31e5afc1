"""Image scores on known cases: real images score as real, copies are flagged, noise is not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from registry.images import frame_pixels, image_frame, pixels_to_png
from registry.quality.images import frechet_distance, nearest_distance, score_images
from registry.quality.report import score_image_set
from registry.seeds import split_holdout


@pytest.fixture(scope="module")
def digits() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Real digits cut three ways: train, a holdout, and unseen images playing "synthetic"."""
    from registry.seeds import _read_digits

    frame = _read_digits("sklearn:digits").frame
    rest, unseen = split_holdout(frame, 0.25, random_seed=0)
    train, holdout = split_holdout(rest, 0.2, random_seed=0)
    return train, holdout, unseen


def noise_like(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    pixels = np.random.default_rng(seed).random(frame_pixels(frame).shape).astype(np.float32)
    return image_frame(pixels_to_png(pixels), frame["label"].tolist())


@pytest.fixture(scope="module")
def unseen_report(digits):
    """The report of real images the scorer has not seen, standing in for a perfect generator."""
    train, holdout, unseen = digits
    return score_image_set(train, unseen, holdout=holdout, random_seed=0)


def test_unseen_real_images_score_like_real_ones(unseen_report) -> None:
    images, utility, privacy = unseen_report.images, unseen_report.utility, unseen_report.privacy

    assert images["label_fidelity"] > 0.9
    assert utility["tstr_ratio"] > 0.9
    # Two samples of real images: the distance is of the order of the real-vs-real baseline.
    assert images["frechet_distance"] < 3 * images["frechet_baseline"] + 0.5
    assert 0.3 < privacy["dcr_share"] < 0.7
    assert privacy["exact_copies"] == 0
    assert unseen_report.passed


def test_copies_of_training_images_are_flagged_and_fail_the_default_gates(digits) -> None:
    train, holdout, _ = digits
    copies = train.iloc[:200].reset_index(drop=True)

    report = score_image_set(train, copies, holdout=holdout, random_seed=0)

    assert report.privacy["exact_copies"] == 200
    assert report.privacy["flagged_rows"][:3] == [0, 1, 2]
    # Train is cut to the holdout's size before comparing (as for tables), so a copy's DCR
    # share rises well above 0.5 but not to 1: the exact-copy gate is what catches copies.
    assert report.privacy["dcr_share"] > 0.55
    assert not report.passed
    assert "max_exact_copy_excess" in {g.gate for g in report.missed_gates}


def test_noise_with_labels_scores_poorly_on_every_area(digits) -> None:
    train, holdout, unseen = digits

    report = score_image_set(train, noise_like(unseen), holdout=holdout, random_seed=0)

    assert report.images["label_fidelity"] < 0.3
    assert report.images["frechet_distance"] > 10 * report.images["frechet_baseline"]
    assert report.utility["tstr"] < 0.4
    assert report.areas["fidelity"].verdict == "poor"
    assert report.privacy["exact_copies"] == 0  # noise copies nobody


def test_wrong_labels_lower_label_fidelity_and_tstr_but_not_frechet(digits, unseen_report) -> None:
    train, holdout, unseen = digits
    shifted = unseen.assign(label=[str((int(v) + 1) % 10) for v in unseen["label"]])

    wrong = score_images(train, holdout, shifted, random_seed=0)

    assert wrong.fidelity.label_fidelity < 0.1 < unseen_report.images["label_fidelity"]
    assert wrong.utility.tstr < 0.1
    assert wrong.fidelity.frechet_distance == pytest.approx(
        unseen_report.images["frechet_distance"]
    )


def test_min_label_fidelity_gate_fails_and_passes_at_its_threshold(unseen_report) -> None:
    from registry.quality.gates import evaluate_gates
    from registry.quality.report import gate_values
    from registry.recipes import QualityGates

    measured = unseen_report.images["label_fidelity"]

    def verdict(threshold: float) -> bool:
        gates = QualityGates(min_label_fidelity=threshold)
        results = evaluate_gates(gate_values(unseen_report), gates)
        return next(g.passed for g in results if g.gate == "min_label_fidelity")

    assert verdict(measured) is True
    assert verdict(measured + 0.001) is False


def test_frechet_distance_matches_the_matrix_square_root_formula() -> None:
    from scipy import linalg

    rng = np.random.default_rng(1)
    a = rng.normal(size=(400, 6))
    b = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 0.5
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(
        cov_a + cov_b - 2 * np.real(linalg.sqrtm(cov_a @ cov_b))
    )

    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)


def test_nearest_distance_is_exact_against_brute_force() -> None:
    rng = np.random.default_rng(2)
    queries, references = rng.random((50, 1, 4, 4)), rng.random((70, 1, 4, 4))

    brute = np.sqrt(
        ((queries.reshape(50, 1, -1) - references.reshape(1, 70, -1)) ** 2).mean(axis=2)
    ).min(axis=1)

    np.testing.assert_allclose(nearest_distance(queries, references, chunk=16), brute, atol=1e-6)
