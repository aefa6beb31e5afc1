"""Utility scores: TSTR against TRTR on the real holdout, for classification and regression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from registry.errors import RecipeError
from registry.quality.utility import infer_task, score_utility


def split(frame: pd.DataFrame, *, share: float = 0.75, seed: int = 0):
    """(train, holdout): a seeded random ``share`` of the rows, and the rest."""
    order = np.random.default_rng(seed).permutation(len(frame))
    cut = int(share * len(frame))
    train, holdout = frame.iloc[order[:cut]], frame.iloc[order[cut:]]
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def shuffle_columns(frame: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({n: rng.permutation(c.to_numpy()) for n, c in frame.items()})


@pytest.fixture(scope="module")
def penguins() -> tuple[pd.DataFrame, pd.DataFrame]:
    palmerpenguins = pytest.importorskip("palmerpenguins")
    return split(palmerpenguins.load_penguins())


@pytest.fixture(scope="module")
def wine() -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.datasets import load_wine

    return split(load_wine(as_frame=True).frame)


@pytest.fixture(scope="module")
def diabetes() -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.datasets import load_diabetes

    return split(load_diabetes(as_frame=True).frame)


def test_score_utility_real_data_as_synthetic_gives_ratio_one(penguins) -> None:
    train, holdout = penguins
    scores = score_utility(train, holdout, train, target="species")
    assert scores.task == "classification" and scores.metric == "roc_auc"
    assert scores.classes == 3
    assert scores.tstr_scores == scores.trtr_scores
    assert scores.tstr == scores.trtr == scores.trtr_scores.roc_auc
    assert scores.tstr_ratio == pytest.approx(1.0)
    assert scores.trtr_scores.accuracy is not None and scores.trtr_scores.accuracy > 0.9
    assert scores.trtr_scores.roc_auc is not None and scores.trtr_scores.roc_auc > 0.95
    assert scores.trtr_scores.r2 is None and scores.trtr_scores.mae is None
    assert "species" not in scores.features


def test_score_utility_unrelated_synthetic_columns_lose_utility(penguins) -> None:
    train, holdout = penguins
    scores = score_utility(train, holdout, shuffle_columns(train, seed=1), target="species")
    assert scores.tstr_ratio is not None and scores.tstr_ratio < 0.8
    assert scores.tstr_scores.accuracy is not None and scores.tstr_scores.accuracy < 0.7


def test_score_utility_multiclass_numeric_labels_are_classification(wine) -> None:
    train, holdout = wine
    scores = score_utility(train, holdout, train, target="target")
    assert scores.task == "classification" and scores.classes == 3
    assert scores.tstr_ratio == pytest.approx(1.0)
    assert scores.trtr_scores.roc_auc is not None and scores.trtr_scores.roc_auc > 0.95


def test_score_utility_regression_reports_r2_and_mae(diabetes) -> None:
    train, holdout = diabetes
    same = score_utility(train, holdout, train, target="target")
    assert same.task == "regression" and same.metric == "r2" and same.classes is None
    assert same.trtr_scores.r2 is not None and 0.2 < same.trtr_scores.r2 < 0.7
    assert same.trtr_scores.mae is not None and same.trtr_scores.mae > 0
    assert same.trtr_scores.accuracy is None and same.trtr_scores.roc_auc is None
    assert same.tstr_ratio == pytest.approx(1.0)

    unrelated = score_utility(train, holdout, shuffle_columns(train, seed=1), target="target")
    assert unrelated.tstr is not None and same.tstr is not None
    assert unrelated.tstr < same.tstr - 0.2  # R², the regression metric
    assert unrelated.tstr_scores.mae is not None and same.tstr_scores.mae is not None
    assert unrelated.tstr_scores.mae > same.tstr_scores.mae


def test_score_utility_single_class_synthetic_scores_accuracy_only(penguins) -> None:
    train, holdout = penguins
    adelie = train[train["species"] == "Adelie"]
    scores = score_utility(train, holdout, adelie, target="species")
    share = float((holdout["species"] == "Adelie").mean())
    assert scores.tstr_scores.accuracy == pytest.approx(share)
    assert scores.tstr_scores.roc_auc is None and scores.tstr is None
    assert scores.tstr_ratio is None
    assert scores.trtr_scores.roc_auc is not None


def test_score_utility_class_missing_from_synthetic_still_scores_auc(penguins) -> None:
    train, holdout = penguins
    two_species = train[train["species"] != "Chinstrap"]
    scores = score_utility(train, holdout, two_species, target="species")
    assert scores.tstr is not None and scores.trtr is not None
    assert 0.5 < scores.tstr < scores.trtr
    share = float((holdout["species"] != "Chinstrap").mean())
    assert scores.tstr_scores.accuracy is not None and scores.tstr_scores.accuracy <= share
    assert scores.tstr_ratio is not None and scores.tstr_ratio < 1.0


def test_score_utility_ratio_is_none_when_real_data_cannot_predict() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    frame["noise"] = rng.normal(size=400)
    train, holdout = split(frame)
    scores = score_utility(train, holdout, train, target="noise")
    assert scores.trtr is not None and scores.trtr <= 0
    assert scores.tstr_ratio is None


def test_score_utility_is_deterministic(penguins) -> None:
    train, holdout = penguins
    synthetic = shuffle_columns(train, seed=3)
    first = score_utility(train, holdout, synthetic, target="body_mass_g", random_seed=4)
    assert first.task == "regression"
    assert first == score_utility(train, holdout, synthetic, target="body_mass_g", random_seed=4)


def test_score_utility_caps_rows(penguins) -> None:
    train, holdout = penguins
    scores = score_utility(train, holdout, train, target="species", max_rows=100)
    assert (scores.rows_train, scores.rows_synthetic) == (100, 100)
    assert scores.rows_holdout == 86  # a quarter of 344 penguins, under the cap


@pytest.mark.parametrize("missing_from", ["train", "holdout", "synthetic"])
def test_score_utility_unknown_target_is_one_line_recipe_error(penguins, missing_from) -> None:
    train, holdout = penguins
    frames = {"train": train, "holdout": holdout, "synthetic": train}
    frames[missing_from] = frames[missing_from].drop(columns="species")
    with pytest.raises(RecipeError, match="target 'species'") as caught:
        score_utility(frames["train"], frames["holdout"], frames["synthetic"], target="species")
    assert "\n" not in str(caught.value) and missing_from in str(caught.value)


def test_score_utility_refuses_a_date_target() -> None:
    frame = pd.DataFrame(
        {"x": np.arange(60.0), "when": pd.date_range("2024-01-01", periods=60, freq="D")}
    )
    with pytest.raises(RecipeError, match="target 'when'"):
        score_utility(frame, frame, frame, target="when")


@pytest.mark.parametrize(
    ("values", "kind", "task"),
    [
        (pd.Series([0, 1, 2, 3] * 10), "numerical", "classification"),
        (pd.Series(np.arange(40) % 15), "numerical", "classification"),
        (pd.Series(np.arange(40) * 1.0), "numerical", "regression"),
        (pd.Series(np.linspace(0, 1, 40)), "numerical", "regression"),
        (pd.Series(["a", "b"] * 20), "categorical", "classification"),
        (pd.Series([True, False] * 20), "boolean", "classification"),
    ],
)
def test_infer_task_by_kind_and_distinct_whole_numbers(values, kind, task) -> None:
    assert infer_task(values, kind, target="y") == task
