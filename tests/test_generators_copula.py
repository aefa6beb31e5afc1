"""Phantom's own Gaussian copula (registry/generators/copula.py): `kind: table, model: copula`.

Fits in well under a second on the penguins, so these tests build and sample real models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from registry.core import Registry
from registry.errors import RecipeError
from registry.generators import generator_class
from registry.generators.copula import CopulaGenerator
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
    assert isinstance(fitted.model, CopulaGenerator)
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
    assert (first.path / "model" / "copula.npz").is_file()
    assert "model_selection" not in first.quality and "model_selection" not in first.manifest
    assert np.isfinite(first.quality["utility"]["tstr"])
