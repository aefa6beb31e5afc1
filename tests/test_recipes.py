"""Recipes validate against one pydantic model; a bad one gets one line naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.errors import RecipeError
from registry.recipes import Recipe, load_recipe, recipe_json_schema
from tests.conftest import write

GOOD = """\
name: fraud
version: 1.2.0
generator:
  kind: sampler
  columns:
    - {name: amount, type: lognormal, mean: 3.5, sigma: 1.0}
    - {name: hour, type: uniform, low: 0, high: 23, dtype: int}
rows: 100
"""


def test_load_recipe_reads_a_valid_recipe_with_defaults(tmp_path: Path) -> None:
    recipe = load_recipe(write(tmp_path / "fraud.yaml", GOOD))
    assert isinstance(recipe, Recipe)
    assert recipe.spec == "fraud@1.2.0"
    assert recipe.splits == {"train": 1.0}
    assert recipe.generator.columns[1].dtype == "int"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("rows: 100", "rows: many"), r"fraud\.yaml: rows: Input should be a valid integer"),
        (("rows: 100", "rows: 0"), r"rows: Input should be greater than 0"),
        (("rows: 100", "rows: -5"), r"rows: Input should be greater than 0"),
        (("rows: 100", "rows: 100\nrandm_seed: 3"), r"randm_seed: unknown field"),
        (
            ("kind: sampler", "kind: gan"),
            r"fraud.yaml: generator.kind: expected one of diffusion, llm, sampler, sdv, table "
            r"\(got 'gan'\)$",
        ),
        (("version: 1.2.0", "version: 1.2"), r"version: Input should be a valid string"),
        (
            ("version: 1.2.0", "version: v1"),
            r"version: expected a semantic version such as 1\.2\.0",
        ),
        (("type: lognormal", "type: zipf"), r"generator\.columns\[0\]: Input tag 'zipf'"),
        (("low: 0, high: 23", "low: 9, high: 2"), r"generator\.columns\[1\]: expected high >= low"),
        (("mean: 3.5, sigma", "mean: 3.5, sigm"), r"generator\.columns\[0\]\.sigm: unknown field"),
        (("name: fraud", "name: Fraud_Set"), r"name: expected lowercase letters, digits and '-'"),
        (("rows: 100", "rows: 100\nsplits: {train: 0.5}"), r"splits: split shares should add up"),
    ],
)
def test_load_recipe_rejects_bad_field_with_one_line(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = write(tmp_path / "fraud.yaml", GOOD.replace(*change))
    with pytest.raises(RecipeError, match=expected) as info:
        load_recipe(path)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(str(path))


def test_load_recipe_rejects_unknown_sdv_model_and_param(tmp_path: Path) -> None:
    sdv = "name: x\nversion: 1.0.0\nseed: {source: sklearn:wine}\nrows: 5\ngenerator: "
    with pytest.raises(RecipeError, match=r"generator\.model: Input should be 'gaussian_copula'"):
        load_recipe(write(tmp_path / "x.yaml", sdv + "{kind: sdv, model: gpt}"))
    with pytest.raises(RecipeError, match=r"unknown ctgan param 'epoch'; expected one of"):
        load_recipe(
            write(tmp_path / "x.yaml", sdv + "{kind: sdv, model: ctgan, params: {epoch: 3}}")
        )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("sklearn:mnist", "expected one of sklearn:iris"),
        ("s3://bucket/x.csv", "unknown seed scheme 's3'"),
        ("data.txt", "expected a .csv or .parquet file, or an image folder"),
        ("registry:penguins", "pinned to a version"),
    ],
)
def test_load_recipe_rejects_bad_seed_sources(tmp_path: Path, source: str, expected: str) -> None:
    text = (
        f"name: x\nversion: 1.0.0\nseed: {{source: '{source}'}}\nrows: 5\ngenerator: {{kind: sdv}}"
    )
    with pytest.raises(RecipeError, match=expected):
        load_recipe(write(tmp_path / "x.yaml", text))


def test_load_recipe_reports_broken_yaml_with_position(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"broken\.yaml: line \d+, column \d+"):
        load_recipe(write(tmp_path / "broken.yaml", "name: [unclosed\nrows: 3\n"))


def test_load_recipe_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="no such recipe file"):
        load_recipe(tmp_path / "nope.yaml")


def test_load_recipe_requires_name_to_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="should match the file name"):
        load_recipe(write(tmp_path / "other.yaml", GOOD))


def test_sampler_target_must_be_a_declared_column(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"target 'label' is not a column"):
        load_recipe(write(tmp_path / "fraud.yaml", GOOD + "target: label\n"))


def test_recipe_json_schema_describes_generators_and_samplers() -> None:
    schema = recipe_json_schema()
    assert schema["title"] == "Recipe"
    assert {"name", "version", "generator", "rows"} <= set(schema["required"])
    definitions = schema["$defs"]
    assert {"SdvGenerator", "SamplerGenerator", "ExpressionColumn"} <= set(definitions)


HOUR = "{name: hour, type: uniform, low: 0, high: 23, dtype: int}"


def test_datetime_bounds_must_agree_on_time_zones(tmp_path: Path) -> None:
    column = "{name: ts, type: datetime, start: '2025-01-01T00:00:00+00:00', end: '2025-02-01'}"
    text = GOOD.replace(HOUR, column)
    with pytest.raises(RecipeError, match=r"columns\[1\]: expected start and end both with a time"):
        load_recipe(write(tmp_path / "fraud.yaml", text))


def test_unquoted_yaml_dates_are_refused_with_the_fix(tmp_path: Path) -> None:
    column = "{name: ts, type: datetime, start: 2025-01-01, end: '2025-02-01'}"
    text = GOOD.replace(HOUR, column)
    with pytest.raises(RecipeError, match=r"columns\[1\]\.start: quote the date, e\.g\. '2025"):
        load_recipe(write(tmp_path / "fraud.yaml", text))
