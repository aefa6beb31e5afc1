"""Phantom's sequential CART (registry/generators/cart.py): `kind: table, model: cart`.

Grows its trees on the penguins in well under a second, so these tests build and sample real
models. Its recipe errors, value protection and conditions the seed cannot satisfy are checked
with the copula's (test_generators_copula.py), since both models share them.
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
from registry.generators.cart import CartGenerator
from registry.generators.table import TableGenerator
from registry.recipes import TabularArgnGenerator as TableConfig


def make_generator(*, random_seed: int = 7, **fields: Any) -> TableGenerator:
    config = TableConfig(kind="table", model="cart", **fields)
    return generator_class("table")(config, random_seed=random_seed)


@pytest.fixture(scope="module")
def fitted(penguins: pd.DataFrame) -> TableGenerator:
    generator = make_generator(min_leaf=5)
    generator.fit(penguins)
    return generator


def test_cart_is_the_table_kinds_model_cart(fitted: TableGenerator) -> None:
    assert isinstance(fitted.model, CartGenerator)
    assert fitted.config.label == "table/cart"
    assert "scikit-learn" in fitted.library_versions()
    assert "torch" not in fitted.library_versions()


def test_cart_keeps_the_seeds_columns_dtypes_links_and_missing_values(
    fitted: TableGenerator, penguins: pd.DataFrame
) -> None:
    sample = fitted.sample(2_000)

    assert list(sample.columns) == list(penguins.columns)
    assert dict(sample.dtypes) == dict(penguins.dtypes)
    assert set(sample["species"]) == set(penguins["species"])
    assert sample["year"].isin(penguins["year"].unique()).all()  # few values: not smoothed
    assert 0.0 < sample["sex"].isna().mean() < 0.1
    # Category-to-category links hold (Gentoos live on Biscoe only), and so do the numbers'.
    assert set(sample.loc[sample["species"] == "Gentoo", "island"]) == {"Biscoe"}
    by_species = sample.groupby("species")["body_mass_g"].mean()
    assert by_species["Gentoo"] > by_species["Adelie"] + 800
    # Smoothed numbers are fresh values, not copies of the seed's.
    assert sample["bill_length_mm"].isin(penguins["bill_length_mm"]).mean() < 0.2


def test_cart_batches_are_pure_functions_of_seed_and_index(
    fitted: TableGenerator, penguins: pd.DataFrame
) -> None:
    later_first = fitted.sample_batch(3, 50)
    fitted.sample_batch(0, 50)
    again = make_generator(min_leaf=5)
    again.fit(penguins)

    pd.testing.assert_frame_equal(later_first, fitted.sample_batch(3, 50))
    pd.testing.assert_frame_equal(later_first, again.sample_batch(3, 50))
    assert not later_first.equals(fitted.sample_batch(4, 50))
    other_seed = make_generator(random_seed=8, min_leaf=5)
    other_seed.fit(penguins)
    assert not later_first.equals(other_seed.sample_batch(3, 50))


def test_cart_leaves_hold_at_least_min_leaf_seed_rows(penguins: pd.DataFrame) -> None:
    for min_leaf in (5, 40):
        generator = make_generator(min_leaf=min_leaf)
        generator.fit(penguins)
        trees = generator.model.trees
        assert len(trees[0].left) == 1  # the first column is a bootstrap of its values
        for tree in trees:
            leaves = tree.left < 0
            assert tree.count[leaves].min() >= min_leaf
            assert tree.count.sum() == len(penguins)
    assert sum(len(t.left) for t in trees) < sum(len(t.left) for t in make_trees(penguins, 5))


def make_trees(penguins: pd.DataFrame, min_leaf: int) -> list[Any]:
    generator = make_generator(min_leaf=min_leaf)
    generator.fit(penguins)
    return generator.model.trees


def test_cart_walks_its_arrays_to_the_leaf_scikit_learn_finds(penguins: pd.DataFrame) -> None:
    from sklearn.tree import DecisionTreeRegressor

    from registry.generators.cart import Column, grow

    features = penguins[["bill_length_mm", "flipper_length_mm"]].fillna(0).to_numpy()
    target = penguins["body_mass_g"].fillna(0).to_numpy()
    column = Column("body_mass_g", "number", np.dtype(float), low=0.0, high=7000.0)
    tree = grow(features, target, column, min_leaf=5)
    reference = DecisionTreeRegressor(min_samples_leaf=5, random_state=0).fit(features, target)

    np.testing.assert_array_equal(tree.apply(features), reference.apply(features))


def test_cart_conditions_and_rebalancing_set_the_shares(penguins: pd.DataFrame) -> None:
    generator = make_generator(
        conditions=[{"column": "island", "value": "Biscoe", "fraction": 0.5}],
        rebalancing={"column": "sex", "probabilities": {"female": 0.8}},
    )
    generator.fit(penguins)
    batch = generator.sample_batch(0, 1_000)

    assert generator.model.order[:2] == [1, 6]  # conditioned, then rebalanced, columns first
    assert (batch["island"] == "Biscoe").sum() >= 500
    # The conditioned rows keep the seed's links: no Chinstrap lives on Biscoe.
    assert "Chinstrap" not in set(batch.loc[batch["island"] == "Biscoe", "species"])
    assert (batch["sex"] == "female").mean() > 0.6


def test_cart_saved_model_samples_the_same_rows_without_refitting(
    penguins: pd.DataFrame, tmp_path: Path
) -> None:
    fitted = make_generator(
        min_leaf=5, conditions=[{"column": "species", "value": "Gentoo", "fraction": 0.3}]
    )
    fitted.fit(penguins)
    assert fitted.save(tmp_path)
    assert not list((tmp_path / "model").glob("*.pkl"))  # plain arrays and JSON: no pickle
    np.load(tmp_path / "model" / "cart.npz", allow_pickle=False)  # would raise on objects

    for model in ("cart", "auto"):  # model: auto samples whichever model was saved
        loaded = TableGenerator(
            TableConfig(
                kind="table",
                model=model,
                path=str(tmp_path / "model"),
                conditions=[{"column": "species", "value": "Gentoo", "fraction": 0.3}],
            ),
            random_seed=7,
        )
        loaded.fit(None)
        pd.testing.assert_frame_equal(loaded.sample_batch(2, 40), fitted.sample_batch(2, 40))
    with pytest.raises(RecipeError, match=r"generator\.model: the saved model is 'cart'"):
        TableGenerator(
            TableConfig(kind="table", model="copula", path=str(tmp_path / "model")),
            random_seed=7,
        ).fit(None)


@pytest.mark.slow
def test_materialize_cart_recipe_twice_gives_the_same_content_hash(
    registry_root: Path, make_penguins_recipe
) -> None:
    recipe = make_penguins_recipe(
        "generator:\n  kind: table\n  model: cart\n  min_leaf: 10\n"
        "rows: 400\nrandom_seed: 5\ntarget: species\n"
    )
    first = Registry(registry_root).materialize(recipe)
    second = Registry(registry_root).materialize(recipe)

    assert first.content_hash == second.content_hash
    assert first.manifest["generator"] == {"kind": "table", "model": "cart"}
    assert first.quality["overall"] > 60
    assert (first.path / "model" / "cart.npz").is_file()
