"""A recipe's privacy and bias audits, end to end: recipe fields, materialize, quality.json,
the card, and ``phantom score``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from registry import Registry
from registry.cli import app

AUDITS = (
    "privacy_audit: {quasi_identifiers: [island, bill_length_mm, flipper_length_mm], "
    "sensitive: [sex, body_mass_g]}\n"
    "bias_audit: {columns: [sex]}\n"
)


@pytest.mark.slow
def test_materialized_version_carries_attacks_bias_and_lift(
    registry_root: Path, make_penguins_recipe
) -> None:
    recipe = make_penguins_recipe(
        "generator:\n  kind: sdv\n  model: gaussian_copula\n"
        "  conditions: [{column: species, value: Chinstrap, fraction: 0.4}]\n"
        "rows: 400\nrandom_seed: 5\ntarget: species\n" + AUDITS
    )

    result = Registry(registry_root).materialize(recipe)

    quality = json.loads((result.path / "quality.json").read_text())
    membership = quality["attacks"]["membership"]
    assert 0.3 < membership["auc"] < 0.75 and membership["verdict"] in {"pass", "warn"}
    assert [c["column"] for c in quality["attacks"]["attribute"]["columns"]] == [
        "sex",
        "body_mass_g",
    ]
    assert quality["bias"]["columns"][0]["column"] == "sex"
    (chinstrap,) = quality["bias"]["rebalanced"]
    assert chinstrap["requested_share"] == 0.4 and chinstrap["synthetic_share"] > 0.3
    assert chinstrap["seed_share"] < 0.25
    assert quality["augmentation"]["classes"][0]["label"] == "Chinstrap"
    gates = {g["gate"] for g in quality["gates"]}
    assert {"max_mia_auc", "max_attribute_disclosure"} <= gates
    card = (result.path / "README.md").read_text()
    for heading in ("### Privacy attacks", "### Rebalanced groups", "### Bias audit"):
        assert heading in card
    assert "DOMIAS" in card and "Anonymeter" in card
    assert "### Augmentation lift" in card and "| real + synthetic |" in card


@pytest.mark.slow
def test_score_of_a_seed_copy_names_the_attacks_and_fails_their_gates(
    registry_root: Path, make_penguins_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_penguins_recipe("generator: {kind: sdv}\nrows: 100\ntarget: species\n" + AUDITS)
    monkeypatch.chdir(registry_root)
    seed = pd.read_csv("recipes/seeds/penguins.csv").sample(frac=1, random_state=0)
    seed.iloc[:270].to_csv("train.csv", index=False)
    seed.iloc[270:].to_csv("holdout.csv", index=False)

    frames = ["--real", "train.csv", "--holdout", "holdout.csv", "--synthetic", "train.csv"]

    result = CliRunner().invoke(app, ["score", *frames, "--recipe", "recipes/pen.yaml"])

    assert result.exit_code == 1
    assert "membership inference AUC 1.000" in result.stdout
    assert "attribute disclosure" in result.stdout and "bias audit of sex" in result.stdout
    assert "augmentation: roc_auc real" in result.stdout
    missed = [line for line in result.stderr.splitlines() if "max_mia_auc" in line]
    assert missed == ["gate missed: max_mia_auc: 1 > 0.75 (default)"]


@pytest.mark.parametrize(
    ("audits", "expected"),
    [
        (
            "privacy_audit: {quasi_identifiers: [island, beak], sensitive: [sex]}\n",
            "privacy_audit.quasi_identifiers[1]: 'beak' is not in the seed; expected one of",
        ),
        (
            "bias_audit: {columns: [gender]}\n",
            "bias_audit.columns[0]: 'gender' is not in the seed",
        ),
        (
            "privacy_audit: {quasi_identifiers: [sex], sensitive: [sex]}\n",
            "column 'sex' is both a quasi-identifier and sensitive",
        ),
    ],
)
def test_validate_names_the_audit_field_that_is_wrong(
    registry_root: Path,
    make_penguins_recipe,
    monkeypatch: pytest.MonkeyPatch,
    audits: str,
    expected: str,
) -> None:
    make_penguins_recipe("generator: {kind: sdv}\nrows: 100\n" + audits)
    monkeypatch.chdir(registry_root)

    result = CliRunner().invoke(app, ["validate"])

    assert result.exit_code == 2
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert expected in line


def test_audits_need_a_seed(registry_root: Path, make_sampler_recipe) -> None:
    recipe = make_sampler_recipe("txns")
    recipe.write_text(recipe.read_text() + "bias_audit: {columns: [merchant]}\n")

    with pytest.raises(ValueError, match="bias_audit audits a table learned from a seed"):
        Registry(registry_root).load_recipe(recipe)
