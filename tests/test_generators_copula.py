"""Phantom's own Gaussian copula (registry/generators/copula.py): `kind: table, model: copula`.

Fits in well under a second on the penguins, so these tests build and sample real models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from registry.core import Registry
from registry.errors import RecipeError
from registry.generators import generator_class
from registry.generators.copula import CopulaGenerator
from registry.generators.copula_strata import StratifiedCopula, apportion
from registry.generators.table import TableGenerator
from registry.recipes import TabularArgnGenerator as TableConfig
from registry.recipes import parse_recipe


def make_generator(*, random_seed: int = 7, **fields: Any) -> TableGenerator:
    config = TableConfig(kind="table", model="copula", **fields)
    return generator_class("table")(config, random_seed=random_seed)


@pytest.fixture(scope="module")
def fitted(penguins: pd.DataFrame) -> TableGenerator:
    generator = make_generator()
    generator.fit(penguins)
    return generator


def test_copula_is_the_table_kinds_model_copula(fitted: TableGenerator) -> None:
    assert isinstance(fitted.model, StratifiedCopula)
    assert fitted.model.column is None  # no target: one copula for every row
    assert [type(part) for part in fitted.model.parts] == [CopulaGenerator]
    assert fitted.config.label == "table/copula"
    assert "torch" not in fitted.library_versions() and "scipy" in fitted.library_versions()


def test_copula_keeps_the_seeds_columns_dtypes_and_missing_values(
    fitted: TableGenerator, penguins: pd.DataFrame
) -> None:
    sample = fitted.sample(2_000)

    assert list(sample.columns) == list(penguins.columns)
    assert dict(sample.dtypes) == dict(penguins.dtypes)
    assert set(sample["species"]) == set(penguins["species"])
    assert sample["year"].isin(penguins["year"].unique()).all()
    assert 0.0 < sample["sex"].isna().mean() < 0.1


def test_copula_keeps_the_correlations_of_the_seed(
    fitted: TableGenerator, penguins: pd.DataFrame
) -> None:
    sample = fitted.sample(3_000)
    columns = ["bill_length_mm", "flipper_length_mm", "body_mass_g"]

    gap = (sample[columns].corr() - penguins[columns].corr()).abs().to_numpy()
    assert gap.max() < 0.15
    by_species = sample.groupby("species")["body_mass_g"].mean()
    assert by_species["Gentoo"] > by_species["Adelie"] + 500  # categories correlate too


def test_copula_batches_are_pure_functions_of_seed_and_index(
    fitted: TableGenerator, penguins: pd.DataFrame
) -> None:
    later_first = fitted.sample_batch(3, 50)
    fitted.sample_batch(0, 50)
    again = make_generator()
    again.fit(penguins)

    pd.testing.assert_frame_equal(later_first, fitted.sample_batch(3, 50))
    pd.testing.assert_frame_equal(later_first, again.sample_batch(3, 50))
    assert not later_first.equals(fitted.sample_batch(4, 50))
    other_seed = make_generator(random_seed=8)
    other_seed.fit(penguins)
    assert not later_first.equals(other_seed.sample_batch(3, 50))


@pytest.mark.parametrize("model", ["copula", "cart"])
def test_copula_value_protection_leaves_out_rare_categories_and_extremes(
    penguins: pd.DataFrame, model: str
) -> None:
    seed = penguins.copy()
    seed.loc[:2, "island"] = "Atlantis"  # 3 rows: rare

    def fitted(**fields: Any) -> TableGenerator:
        config = TableConfig(kind="table", model=model, **fields)
        generator = generator_class("table")(config, random_seed=7)
        generator.fit(seed)
        return generator

    sample = fitted().sample(5_000)
    assert "Atlantis" not in set(sample["island"])
    assert sample["body_mass_g"].max() < seed["body_mass_g"].max()
    assert sample["body_mass_g"].min() > seed["body_mass_g"].min()
    assert "Atlantis" in set(fitted(value_protection=False).sample(5_000)["island"])
    assert "_RARE_" in set(fitted(rare_categories="constant").sample(5_000)["island"])


def test_copula_conditions_and_rebalancing_set_the_shares(penguins: pd.DataFrame) -> None:
    generator = make_generator(
        conditions=[{"column": "species", "value": "Gentoo", "fraction": 0.5}],
        rebalancing={"column": "sex", "probabilities": {"female": 0.8}},
    )
    generator.fit(penguins)
    batch = generator.sample_batch(0, 1_000)

    assert (batch["species"] == "Gentoo").sum() >= 500
    # The conditioned rows keep the seed's link: Gentoos are the heavy penguins.
    gentoo = batch["species"] == "Gentoo"
    assert batch.loc[gentoo, "body_mass_g"].mean() > batch.loc[~gentoo, "body_mass_g"].mean() + 500
    assert (batch["sex"] == "female").mean() > 0.6


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"conditions": [{"column": "species", "value": "Emperor", "fraction": 0.2}]},
            r"generator\.conditions\[0\]\.value: 'Emperor' never occurs",
        ),
        (
            {"rebalancing": {"column": "body_mass_g", "probabilities": {"1": 0.5}}},
            r"generator\.rebalancing\.column: 'body_mass_g' is not a categorical column",
        ),
        (
            {"rebalancing": {"column": "sex", "probabilities": {"other": 0.5}}},
            r"generator\.rebalancing\.probabilities: 'other' is not a category",
        ),
    ],
)
@pytest.mark.parametrize("model", ["copula", "cart"])
def test_copula_conditions_the_seed_cannot_satisfy_name_the_field(
    penguins: pd.DataFrame, fields: dict[str, Any], message: str, model: str
) -> None:
    config = TableConfig(kind="table", model=model, **fields)
    with pytest.raises(RecipeError, match=message):
        generator_class("table")(config, random_seed=7).fit(penguins)


@pytest.mark.parametrize(
    ("generator", "message"),
    [
        ({"model_size": "S"}, r"model_size is a TabularARGN setting; set model: argn"),
        ({"privacy": {"epsilon": 4}}, r"privacy \(DP-SGD\) needs model: argn"),
        ({"budget": "90s"}, r"budget chooses among candidate models; set model: auto"),
        ({"model": "cart", "model_size": "S"}, r"model_size is a TabularARGN setting"),
        ({"model": "cart", "privacy": {"epsilon": 4}}, r"privacy \(DP-SGD\) needs model: argn"),
        ({"min_leaf": 10}, r"min_leaf is a sequential CART setting; set model: cart"),
    ],
)
def test_copula_recipe_errors_are_one_line(generator: dict[str, Any], message: str) -> None:
    recipe = {
        "name": "pen",
        "version": "1.0.0",
        "seed": {"source": "recipes/seeds/penguins.csv"},
        "generator": {"kind": "table", "model": "copula", **generator},
        "rows": 10,
    }
    with pytest.raises(RecipeError, match=rf"^pen\.yaml: generator: {message}") as caught:
        parse_recipe(recipe, source="pen.yaml")
    assert "\n" not in str(caught.value)


def test_copula_saved_model_samples_the_same_rows_without_refitting(
    fitted: TableGenerator, tmp_path: Path
) -> None:
    assert fitted.save(tmp_path)
    assert not list((tmp_path / "model").glob("*.pkl"))  # plain arrays and JSON: no pickle

    loaded = TableGenerator(
        TableConfig(kind="table", model="copula", path=str(tmp_path / "model")), random_seed=7
    )
    loaded.fit(None)
    pd.testing.assert_frame_equal(loaded.sample_batch(2, 40), fitted.sample_batch(2, 40))
    auto = TableGenerator(
        TableConfig(kind="table", model="auto", path=str(tmp_path / "model")), random_seed=7
    )
    auto.fit(None)  # model: auto samples whichever model was saved
    pd.testing.assert_frame_equal(auto.sample_batch(2, 40), fitted.sample_batch(2, 40))
    with pytest.raises(RecipeError, match=r"generator\.model: the saved model is 'copula'"):
        TableGenerator(TableConfig(kind="table", path=str(tmp_path / "model")), random_seed=7).fit(
            None
        )


@pytest.mark.slow
def test_materialize_copula_recipe_twice_gives_the_same_content_hash(
    registry_root: Path, make_penguins_recipe
) -> None:
    recipe = make_penguins_recipe(
        "generator:\n  kind: table\n  model: copula\nrows: 400\nrandom_seed: 5\ntarget: species\n"
    )
    first = Registry(registry_root).materialize(recipe)
    second = Registry(registry_root).materialize(recipe)

    assert first.content_hash == second.content_hash
    assert first.manifest["generator"] == {"kind": "table", "model": "copula"}
    assert first.quality["overall"] > 60
    strata = json.loads((first.path / "model" / "phantom.json").read_text())["strata"]
    assert strata["column"] == "species" and len(strata["values"]) == 3
    assert (first.path / "model" / "strata" / "2" / "copula.npz").is_file()
    assert "model_selection" not in first.quality and "model_selection" not in first.manifest
    assert np.isfinite(first.quality["utility"]["tstr"])


def make_target_generator(target: str | None, **fields: Any) -> TableGenerator:
    config = TableConfig(kind="table", model="copula", **fields)
    config._target = target  # what reading a recipe with `target:` sets
    return generator_class("table")(config, random_seed=3)


def class_means(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("species")["bill_length_mm"].mean()


def test_copula_fits_one_copula_per_class_of_the_target(penguins: pd.DataFrame) -> None:
    # Bill length differs by species in a way one correlation cannot hold (the species are
    # categories): one copula per species keeps each species' own mean.
    pooled, stratified = make_target_generator(None), make_target_generator("species")
    pooled.fit(penguins)
    stratified.fit(penguins)

    assert stratified.model.column == "species" and len(stratified.model.parts) == 3
    real = class_means(penguins)
    pooled_gap = (class_means(pooled.sample(3_000)) - real).abs().max()
    stratified_gap = (class_means(stratified.sample(3_000)) - real).abs().max()
    assert stratified_gap < 1.0 < pooled_gap
    sample = stratified.sample_batch(0, 344)
    shares = penguins["species"].value_counts(normalize=True)
    assert (sample["species"].value_counts() - (shares * 344).round()).abs().max() <= 1
    assert dict(sample.dtypes) == dict(penguins.dtypes)


def test_copula_strata_need_a_target_with_few_common_values(penguins: pd.DataFrame) -> None:
    def strata(target: str, rows: pd.DataFrame = penguins, **fields: Any) -> Any:
        generator = make_target_generator(target, **fields)
        generator.fit(rows)
        return generator.model.column

    assert strata("island") == "island"
    assert strata("bill_length_mm") is None  # a number with many values
    assert strata("island", penguins.iloc[:60]) is None  # an island in fewer than 30 rows
    condition = {"column": "sex", "value": "male", "fraction": 0.5}
    assert strata("species", conditions=[condition]) is None  # one copula makes it exact


def test_stratified_copula_saved_model_samples_the_same_rows(
    penguins: pd.DataFrame, tmp_path: Path
) -> None:
    fitted = make_target_generator("species")
    fitted.fit(penguins)
    assert fitted.save(tmp_path)
    assert sorted(p.name for p in (tmp_path / "model" / "strata").iterdir()) == ["0", "1", "2"]

    loaded = TableGenerator(
        TableConfig(kind="table", model="copula", path=str(tmp_path / "model")), random_seed=3
    )
    loaded.fit(None)
    pd.testing.assert_frame_equal(loaded.sample_batch(4, 90), fitted.sample_batch(4, 90))
    conditioned = TableConfig(
        kind="table",
        model="copula",
        path=str(tmp_path / "model"),
        conditions=[{"column": "sex", "value": "male", "fraction": 0.5}],
    )
    with pytest.raises(RecipeError, match=r"one copula per value of 'species'"):
        TableGenerator(conditioned, random_seed=3).fit(None)


@pytest.mark.parametrize("rows", [0, 1, 7, 1000])
def test_apportion_splits_rows_by_shares_to_within_one(rows: int) -> None:
    shares = np.array([0.5, 0.3, 0.2])
    counts = apportion(shares, rows)
    assert counts.sum() == rows and np.all(np.abs(counts - shares * rows) < 1)


def test_copula_correlation_sees_through_ties() -> None:
    # A latent normal pair with correlation 0.6, one side cut into 3 counts (as "children":
    # 70% zeros): the tie-corrected estimate recovers 0.6, random spreading within ties does not.
    rng = np.random.default_rng(0)
    latent = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=20_000)
    counts = pd.Series(np.digitize(latent[:, 1], [0.52, 1.28]))  # 0, 1, 2: 70%, 20%, 10%
    seed = pd.DataFrame({"income": latent[:, 0], "children": counts})
    generator = CopulaGenerator(TableConfig(kind="table", model="copula"), random_seed=1)
    generator.fit(seed)

    assert generator.correlation[0, 1] == pytest.approx(0.6, abs=0.03)
    sample = generator.sample(20_000)
    assert sample["children"].value_counts(normalize=True).to_dict() == pytest.approx(
        {0: 0.7, 1: 0.2, 2: 0.1}, abs=0.015
    )
    sampled, seeded = sample.corr().iloc[0, 1], seed.corr().iloc[0, 1]
    assert sampled == pytest.approx(seeded, abs=0.03)


def test_copula_strata_keep_a_missing_target_as_a_class_of_its_own() -> None:
    rng = np.random.default_rng(0)
    seed = pd.DataFrame(
        {
            "label": rng.choice(np.array(["a", "b", None], dtype=object), 600, p=[0.5, 0.4, 0.1]),
            "amount": rng.gamma(2, 50, 600),
            "kids": rng.integers(0, 4, 600),
        }
    )
    generator = make_target_generator("label")
    generator.fit(seed)

    assert generator.model.column == "label" and len(generator.model.parts) == 3
    sample = generator.sample_batch(0, 1000)
    assert len(sample) == 1000
    assert sample["label"].isna().mean() == pytest.approx(seed["label"].isna().mean(), abs=0.002)
