"""The SDV generator (registry/generators/tabular.py): models, determinism, conditions, errors.

Neural models train for 2 epochs on ~100 rows: these tests check plumbing, not quality.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from registry.errors import GeneratorError, RecipeError
from registry.generators import generator_class
from registry.generators.tabular import (
    SYNTHESIZERS,
    SdvGenerator,
    condition_counts,
    torch_thread_count,
)
from registry.recipes import SDV_MODEL_PARAMS, Recipe
from registry.recipes import SdvGenerator as SdvConfig

FAST_PARAMS: dict[str, dict[str, Any]] = {
    "gaussian_copula": {},
    "ctgan": {"epochs": 2, "batch_size": 50},
    "tvae": {"epochs": 2, "batch_size": 50},
    "copulagan": {"epochs": 2, "batch_size": 50},
}


def make_config(model: str = "gaussian_copula", **fields: Any) -> SdvConfig:
    params = fields.pop("params", FAST_PARAMS[model])
    return SdvConfig(kind="sdv", model=model, params=params, **fields)


def make_generator(model: str = "gaussian_copula", *, random_seed: int = 7, **fields: Any):
    return SdvGenerator(make_config(model, **fields), random_seed=random_seed)


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    """120 complete Palmer penguins rows: strings, floats and an int column (year)."""
    import palmerpenguins

    frame = palmerpenguins.load_penguins().dropna().reset_index(drop=True)
    return frame.sample(120, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted_copula(penguins: pd.DataFrame) -> SdvGenerator:
    generator = make_generator()
    generator.fit(penguins)
    return generator


# --- wiring ----------------------------------------------------------------------------------


def test_tabular_import_leaves_sdv_and_torch_unloaded() -> None:
    code = (
        "import sys, registry.generators.tabular, registry.seeds;"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'sdv', 'torch', 'ctgan'});"
        "print(heavy); assert not heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generator_table_maps_sdv_kind_to_sdv_generator() -> None:
    assert generator_class("sdv") is SdvGenerator


@pytest.mark.parametrize("model", sorted(SYNTHESIZERS))
def test_sdv_model_params_match_synthesizer_signatures(model: str) -> None:
    import sdv.single_table

    cls = getattr(sdv.single_table, SYNTHESIZERS[model])
    accepted = set(inspect.signature(cls.__init__).parameters)
    not_exposed = {"self", "metadata", "locales", "verbose", "enable_gpu", "cuda"}
    assert SDV_MODEL_PARAMS[model] == accepted - not_exposed


# --- models ----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", sorted(SYNTHESIZERS))
def test_sdv_generator_samples_rows_with_seed_columns_and_dtypes(
    penguins: pd.DataFrame, model: str
) -> None:
    generator = make_generator(model)
    generator.fit(penguins)
    sample = generator.sample(150)

    assert len(sample) == 150
    assert list(sample.columns) == list(penguins.columns)
    assert sample.dtypes.equals(penguins.dtypes)
    assert list(sample.index) == list(range(150))
    assert set(sample["species"]) <= set(penguins["species"])


@pytest.mark.parametrize("model", ["gaussian_copula", "tvae"])
def test_sdv_generator_same_seed_same_rows(penguins: pd.DataFrame, model: str) -> None:
    first, second = make_generator(model), make_generator(model)
    first.fit(penguins)
    second.fit(penguins)
    pd.testing.assert_frame_equal(first.sample(80), second.sample(80))


def test_sdv_generator_ctgan_same_seed_same_rows(penguins: pd.DataFrame) -> None:
    first, second = make_generator("ctgan"), make_generator("ctgan")
    first.fit(penguins)
    second.fit(penguins)
    pd.testing.assert_frame_equal(first.sample(80), second.sample(80))


def test_sdv_generator_other_seed_other_rows(
    penguins: pd.DataFrame, fitted_copula: SdvGenerator
) -> None:
    other = make_generator(random_seed=8)
    other.fit(penguins)
    assert not fitted_copula.sample(50).equals(other.sample(50))


def test_sdv_generator_sample_is_repeatable(fitted_copula: SdvGenerator) -> None:
    pd.testing.assert_frame_equal(fitted_copula.sample(40), fitted_copula.sample(40))


def test_sdv_generator_sample_zero_rows_keeps_columns(
    penguins: pd.DataFrame, fitted_copula: SdvGenerator
) -> None:
    empty = fitted_copula.sample(0)
    assert empty.empty
    assert list(empty.columns) == list(penguins.columns)


def test_sdv_generator_keeps_categorical_and_bool_dtypes() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "grade": pd.Categorical(rng.choice(["lo", "mid", "hi"], 80)),
            "flag": rng.random(80) < 0.3,
            "count": rng.integers(0, 9, 80),
            "value": rng.normal(size=80),
        }
    )
    generator = make_generator()
    generator.fit(frame)
    sample = generator.sample(30)
    assert sample.dtypes.equals(frame.dtypes)
    assert list(sample["grade"].cat.categories) == list(frame["grade"].cat.categories)


def test_sdv_generator_models_name_typed_columns_from_their_data() -> None:
    rng = np.random.default_rng(0)
    n = 80
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(n)],
            "email": [f"person{i}@example.org" for i in range(n)],
            "city": rng.choice(["Oslo", "Rome", "Lima"], n),
            "latitude": rng.normal(50, 1, n),
        }
    )
    generator = make_generator()
    generator.fit(frame)
    sample = generator.sample(60)

    assert generator.sdtypes["city"] == "categorical"
    assert generator.sdtypes["latitude"] == "numerical"
    assert set(sample["city"]) <= {"Oslo", "Rome", "Lima"}  # not Faker's cities
    assert sample["latitude"].between(45, 55).all()  # not Faker's latitudes
    assert set(sample["customer_id"]).isdisjoint(frame["customer_id"])  # fresh ids
    assert set(sample["email"]).isdisjoint(frame["email"])  # anonymized


def test_sdv_generator_library_versions_name_the_stack() -> None:
    copula = make_generator().library_versions()
    assert {"sdv", "rdt", "copulas", "numpy", "pandas"} <= set(copula)
    assert "torch" not in copula
    assert {"ctgan", "torch"} <= set(make_generator("ctgan").library_versions())


# --- conditions ------------------------------------------------------------------------------


def test_sdv_generator_conditions_fix_each_share(penguins: pd.DataFrame) -> None:
    conditions = [
        {"column": "species", "value": "Chinstrap", "fraction": 0.5},
        {"column": "island", "value": "Dream", "fraction": 0.25},
    ]
    generator = make_generator(conditions=conditions)
    generator.fit(penguins)
    sample = generator.sample(200)

    assert len(sample) == 200
    assert (sample["species"] == "Chinstrap").sum() >= 100
    assert (sample["island"] == "Dream").sum() >= 50
    # The conditioned rows are shuffled in, not stacked at the top.
    assert (sample["species"].iloc[:100] != "Chinstrap").any()


def test_sdv_generator_conditions_summing_to_one_give_exact_counts(
    penguins: pd.DataFrame,
) -> None:
    conditions = [
        {"column": "species", "value": "Adelie", "fraction": 0.3},
        {"column": "species", "value": "Gentoo", "fraction": 0.3},
        {"column": "species", "value": "Chinstrap", "fraction": 0.4},
    ]
    generator = make_generator(conditions=conditions)
    generator.fit(penguins)
    counts = generator.sample(100)["species"].value_counts().to_dict()
    assert counts == {"Adelie": 30, "Gentoo": 30, "Chinstrap": 40}


def test_sdv_generator_conditions_by_reject_sampling(penguins: pd.DataFrame) -> None:
    conditions = [{"column": "species", "value": "Adelie", "fraction": 0.5}]
    generator = make_generator("tvae", conditions=conditions)
    generator.fit(penguins)
    sample = generator.sample(60)
    assert len(sample) == 60
    assert (sample["species"] == "Adelie").sum() >= 30


def test_sdv_generator_condition_value_matches_int_column(penguins: pd.DataFrame) -> None:
    conditions = [{"column": "year", "value": "2008", "fraction": 1.0}]
    generator = make_generator(conditions=conditions)
    generator.fit(penguins)
    sample = generator.sample(20)
    assert (sample["year"] == 2008).all()
    assert sample["year"].dtype == penguins["year"].dtype


def test_sdv_generator_unknown_condition_column_is_recipe_error(penguins: pd.DataFrame) -> None:
    generator = make_generator(conditions=[{"column": "spieces", "value": "x", "fraction": 0.2}])
    with pytest.raises(RecipeError, match=r"generator\.conditions\[0\]\.column: 'spieces'"):
        generator.fit(penguins)


def test_sdv_generator_unseen_condition_value_is_recipe_error(penguins: pd.DataFrame) -> None:
    conditions = [
        {"column": "species", "value": "Adelie", "fraction": 0.2},
        {"column": "species", "value": "Emperor", "fraction": 0.2},
    ]
    generator = make_generator(conditions=conditions)
    with pytest.raises(RecipeError, match=r"generator\.conditions\[1\]\.value: 'Emperor'"):
        generator.fit(penguins)


@pytest.mark.parametrize("column", ["user_id", "email"])
def test_sdv_generator_condition_on_identifier_is_recipe_error(column: str) -> None:
    frame = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(40)],
            "email": [f"p{i}@example.org" for i in range(40)],
            "x": np.arange(40.0),
        }
    )
    value = frame[column].iloc[1]
    generator = make_generator(conditions=[{"column": column, "value": value, "fraction": 0.1}])
    with pytest.raises(RecipeError, match=rf"conditions\[0\]\.column: '{column}' is an identifier"):
        generator.fit(frame)


@pytest.mark.parametrize(
    ("fractions", "rows", "expected"),
    [([0.5, 0.5], 3, [2, 1]), ([0.25], 10, [2]), ([0.4, 0.6], 5, [2, 3]), ([1.0], 0, [0])],
)
def test_condition_counts_round_and_fit_in_rows(
    fractions: list[float], rows: int, expected: list[int]
) -> None:
    assert condition_counts(fractions, rows) == expected


# --- errors ----------------------------------------------------------------------------------


def test_sdv_generator_unknown_distribution_is_generator_error(penguins: pd.DataFrame) -> None:
    generator = make_generator(params={"default_distribution": "lognormal-ish"})
    with pytest.raises(GeneratorError, match="sdv gaussian_copula rejected its params") as info:
        generator.fit(penguins)
    assert "'lognormal-ish'; expected one of norm, beta" in str(info.value)
    assert "\n" not in str(info.value)


def test_sdv_generator_conditions_draw_no_progress_bar(
    penguins: pd.DataFrame, capfd: pytest.CaptureFixture[str]
) -> None:
    generator = make_generator(conditions=[{"column": "sex", "value": "male", "fraction": 0.5}])
    generator.fit(penguins)
    capfd.readouterr()
    generator.sample(30)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_sdv_generator_distribution_for_unknown_column_is_generator_error(
    penguins: pd.DataFrame,
) -> None:
    generator = make_generator(params={"numerical_distributions": {"nope": "norm"}})
    with pytest.raises(GeneratorError, match=r"rejected its params.*nope") as info:
        generator.fit(penguins)
    assert "\n" not in str(info.value)
    assert info.value.__cause__ is not None  # SDV's own error, translated once


def test_sdv_generator_without_seed_rows_is_generator_error() -> None:
    with pytest.raises(GeneratorError, match="needs seed rows"):
        make_generator().fit(None)


def test_sdv_generator_sample_before_fit_is_generator_error() -> None:
    with pytest.raises(GeneratorError, match="must be fitted"):
        make_generator().sample(5)


def test_recipe_accepts_sdv_section_the_generator_reads() -> None:
    recipe = Recipe.model_validate(
        {
            "name": "p",
            "version": "1.0.0",
            "seed": {"source": "sklearn:wine"},
            "generator": {"kind": "sdv", "model": "tvae", "params": {"epochs": 3}},
            "rows": 10,
        }
    )
    assert isinstance(SdvGenerator(recipe.generator, random_seed=0), SdvGenerator)


# --- batches and the saved model ---------------------------------------------------------


def test_sdv_batches_are_pure_functions_of_seed_and_index(fitted_copula) -> None:
    later_first = fitted_copula.sample_batch(4, 30)
    fitted_copula.sample_batch(0, 50)

    pd.testing.assert_frame_equal(fitted_copula.sample_batch(4, 30), later_first)
    assert not fitted_copula.sample_batch(5, 30).equals(later_first)


def test_sdv_saved_model_samples_the_same_batches_without_fitting(
    fitted_copula, tmp_path: Path
) -> None:
    assert fitted_copula.save(tmp_path)

    loaded = SdvGenerator.load(
        tmp_path / "model", fitted_copula.config, random_seed=fitted_copula.random_seed
    )

    pd.testing.assert_frame_equal(loaded.sample_batch(2, 40), fitted_copula.sample_batch(2, 40))


def test_sdv_recipe_path_reuses_a_saved_model_of_the_same_model(
    fitted_copula, penguins: pd.DataFrame, tmp_path: Path
) -> None:
    fitted_copula.save(tmp_path)
    reuse = make_generator(path=str(tmp_path / "model"))
    reuse.fit(penguins)  # reads the saved synthesizer: nothing is fitted

    pd.testing.assert_frame_equal(reuse.sample_batch(0, 25), fitted_copula.sample_batch(0, 25))
    with pytest.raises(RecipeError, match=r"generator.model: the saved model is 'gaussian_copula'"):
        make_generator("tvae", path=str(tmp_path / "model")).fit(penguins)


# --- threads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("3", 3), (" 2 ", 2)])
def test_torch_thread_count_follows_omp_num_threads(value: str, expected: int) -> None:
    assert torch_thread_count({"OMP_NUM_THREADS": value}) == expected


@pytest.mark.parametrize("environ", [{}, {"OMP_NUM_THREADS": "lots"}, {"OMP_NUM_THREADS": "0"}])
def test_torch_thread_count_defaults_to_a_few_cores(environ: dict[str, str]) -> None:
    assert 1 <= torch_thread_count(environ) <= 4


def test_sdv_generator_restores_torch_threads(penguins: pd.DataFrame) -> None:
    import torch

    before = torch.get_num_threads()
    generator = make_generator("tvae")
    generator.fit(penguins)
    generator.sample(10)
    assert torch.get_num_threads() == before
