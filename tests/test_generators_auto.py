"""`kind: table, model: auto` (registry/generators/auto.py): fit the candidates within a budget,
score each on a validation split of the seed's train part, keep the best.

The fast tests use Phantom's copula (under a second); the one that needs two real candidates
trains TabularARGN for one epoch of its small network (marked slow).
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from registry.core import Registry
from registry.errors import GeneratorError, RecipeError
from registry.generators import BuildContext, generator_class
from registry.generators.auto import (
    AutoGenerator,
    Candidate,
    choose,
    dcr_limit,
    validation_split,
)
from registry.quality.report import score_tables
from registry.recipes import parse_recipe


def auto_recipe(**generator: Any) -> dict[str, Any]:
    return {
        "name": "pen",
        "version": "1.0.0",
        "seed": {"source": "recipes/seeds/penguins.csv"},
        "generator": {"kind": "table", "model": "auto", **generator},
        "rows": 100,
        "target": "species",
    }


def make_generator(*, context: BuildContext | None = None, **generator: Any) -> Any:
    recipe = parse_recipe(auto_recipe(**generator))
    context = context or BuildContext(score_table=score_tables)
    return generator_class("table")(recipe.generator, random_seed=3, context=context)


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    import palmerpenguins

    return palmerpenguins.load_penguins().sample(200, random_state=0).reset_index(drop=True)


def test_validation_split_carves_disjoint_rows_of_the_train_part(penguins: pd.DataFrame) -> None:
    fit_rows, validation = validation_split(penguins, 0.25, 3)

    assert (len(fit_rows), len(validation)) == (150, 50)
    assert set(fit_rows.index).isdisjoint(validation.index)
    assert set(fit_rows.index) | set(validation.index) == set(penguins.index)
    again, _ = validation_split(penguins, 0.25, 3)
    other, _ = validation_split(penguins, 0.25, 4)
    assert list(again.index) == list(fit_rows.index) != list(other.index)


def test_auto_keeps_the_first_candidate_and_skips_what_the_budget_leaves_out(
    penguins: pd.DataFrame,
) -> None:
    generator = make_generator(budget="1s", candidates=["copula", "argn"])
    generator.fit(penguins)
    selection = generator.model_selection()

    assert isinstance(generator.model, AutoGenerator)
    assert selection["winner"] == "copula"
    assert selection["candidates"][1] == {"model": "argn", "skipped": "the budget was spent"}
    assert selection["candidates"][0]["overall"] > 50
    assert set(selection["candidates"][0]["areas"]) == {"fidelity", "privacy", "utility"}
    assert (selection["fit_rows"], selection["validation_rows"]) == (160, 40)
    assert len(generator.sample_batch(0, 30)) == 30
    pd.testing.assert_frame_equal(
        generator.sample_batch(1, 30), generator.model.winner.sample_batch(1, 30)
    )
    shipped = pickle.loads(pickle.dumps(generator))  # what an executor sends a Ray worker
    pd.testing.assert_frame_equal(shipped.sample_batch(1, 30), generator.sample_batch(1, 30))


def test_auto_tries_the_copula_then_cart_then_argn_by_default(
    penguins: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.generators.auto as auto

    clock = [0.0]
    monkeypatch.setattr(auto, "monotonic", lambda: clock[0])

    def score(*args: Any, **kwargs: Any) -> Any:
        clock[0] += 30.0  # each scoring takes 30 s on this clock: two fit a 60 s budget
        return score_tables(*args, **kwargs)

    generator = make_generator(budget="60s", context=BuildContext(score_table=score))
    generator.fit(penguins)
    selection = generator.model_selection()

    assert [c["model"] for c in selection["candidates"]] == ["copula", "cart", "argn"]
    assert selection["candidates"][1]["overall"] > 50  # cart was fitted and scored
    assert selection["candidates"][2] == {"model": "argn", "skipped": "the budget was spent"}
    assert selection["winner"] in ("copula", "cart")


def test_auto_refits_a_copula_winner_on_every_train_row(penguins: pd.DataFrame) -> None:
    generator = make_generator(candidates=["copula"])
    generator.fit(penguins)

    assert generator.model_selection()["refit"] is True
    winner = generator.model.winner  # one copula per species, with the whole train part's shares
    counts = penguins["species"].value_counts()
    assert dict(zip(winner.values, winner.shares * len(penguins), strict=True)) == {
        species: pytest.approx(n) for species, n in counts.items()
    }


def test_auto_passes_over_a_candidate_whose_rows_sit_close_to_its_fit_rows() -> None:
    close = Candidate("cart", overall=95.0, dcr_share=0.60)
    honest = Candidate("copula", overall=90.0, dcr_share=0.52)
    closer = Candidate("argn", overall=80.0, dcr_share=0.65)

    assert dcr_limit(10_000) == pytest.approx(0.535)
    assert dcr_limit(100) == pytest.approx(0.58)  # a small validation split is noisier
    assert choose([close, honest, closer], 10_000) is honest
    assert choose([close, closer], 10_000) is close  # none within: the least close wins
    assert choose([close, honest], 4) is close  # within 0.53 + 0.25 on 4 rows


def test_auto_without_a_scorer_says_how_to_get_one(penguins: pd.DataFrame) -> None:
    with pytest.raises(GeneratorError, match=r"model: auto scores its candidates"):
        make_generator(context=BuildContext()).fit(penguins)


def test_auto_needs_enough_train_rows_for_a_validation_split(penguins: pd.DataFrame) -> None:
    with pytest.raises(GeneratorError, match=r"at least 20 seed train rows"):
        make_generator().fit(penguins.head(12))


def test_auto_reports_a_failing_candidate_and_keeps_the_others(
    penguins: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.generators.copula import CopulaGenerator

    def broken(self: Any, train: Any) -> None:
        raise GeneratorError("the copula broke")

    monkeypatch.setattr(CopulaGenerator, "fit", broken)
    with pytest.raises(GeneratorError, match=r"fitted no candidate \(copula: failed: the copula"):
        make_generator(candidates=["copula"]).fit(penguins)


@pytest.mark.parametrize(
    ("generator", "message"),
    [
        ({"budget": "soon"}, r"generator: budget 'soon': expected seconds, e.g. 90s, 5m or 1h"),
        ({"budget": "0s"}, r"generator: budget '0s': expected between 1s and 24h"),
        ({"candidates": ["argn", "xgboost"]}, r"generator\.candidates\[1\]: Input should be"),
        ({"candidates": []}, r"generator\.candidates: List should have at least 1 item"),
        ({"candidates": ["copula", "copula"]}, r"generator: candidates: each model may be listed"),
        ({"validation": 0.9}, r"generator\.validation: Input should be less than or equal to 0.5"),
        ({"privacy": {"epsilon": 4}}, r"generator: privacy \(DP-SGD\) needs model: argn"),
        ({"model": "argn", "budget": "90s"}, r"generator: budget chooses among candidate models"),
        (
            {"model": "best"},
            r"generator\.model: Input should be 'argn', 'copula', 'cart' or",
        ),
    ],
)
def test_auto_recipe_errors_are_one_line(generator: dict[str, Any], message: str) -> None:
    with pytest.raises(RecipeError, match=rf"^pen\.yaml: {message}") as caught:
        parse_recipe(auto_recipe(**generator), source="pen.yaml")
    assert "\n" not in str(caught.value)


def test_auto_bad_budget_exits_2_with_one_line(registry_root: Path, make_penguins_recipe) -> None:
    from typer.testing import CliRunner

    from registry.cli import app

    make_penguins_recipe("generator: {kind: table, model: auto, budget: 2 weeks}\nrows: 10\n")
    result = CliRunner().invoke(app, ["validate", str(registry_root / "recipes" / "pen.yaml")])

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {registry_root / 'recipes' / 'pen.yaml'}: generator: budget '2 weeks': "
        "expected seconds, e.g. 90s, 5m or 1h"
    ]


def test_auto_validation_rows_come_from_the_train_part_never_the_holdout(
    registry_root: Path, make_penguins_recipe, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.quality.report
    from registry.materialize import fit

    scored: list[pd.DataFrame] = []

    def recording(real: pd.DataFrame, synthetic: pd.DataFrame, **kwargs: Any) -> Any:
        scored.append(kwargs["holdout"])
        return score_tables(real, synthetic, **kwargs)

    monkeypatch.setattr(registry.quality.report, "score_tables", recording)
    recipe = make_penguins_recipe(
        "generator: {kind: table, model: auto, candidates: [copula]}\nrows: 50\ntarget: species\n"
    )
    build = fit(Registry(registry_root), recipe)

    def rows(frame: pd.DataFrame) -> set[str]:
        return set(frame.astype(str).agg("|".join, axis=1))

    (validation,) = scored
    assert len(validation) == round(0.2 * len(build.seed.train))
    assert rows(validation) <= rows(build.seed.train)
    assert rows(validation).isdisjoint(rows(build.seed.holdout))


@pytest.mark.slow
def test_materialize_auto_keeps_the_better_candidate_and_says_so(
    registry_root: Path, make_penguins_recipe
) -> None:
    # TabularARGN after one epoch of its small network, sampled at temperature 5, is clearly
    # worse than the copula: auto must keep the copula and report both.
    recipe = make_penguins_recipe(
        "generator:\n  kind: table\n  model: auto\n  budget: 5m\n  candidates: [argn, copula]\n"
        "  model_size: S\n  max_epochs: 1\n  sampling_temperature: 5\n"
        "rows: 200\nrandom_seed: 5\ntarget: species\n"
    )
    result = Registry(registry_root).materialize(recipe)

    selection = result.quality["model_selection"]
    assert selection["winner"] == "copula"
    argn, copula = selection["candidates"]
    assert argn["model"] == "argn" and copula["model"] == "copula"
    assert copula["overall"] > argn["overall"] + 5
    assert "seconds" not in selection  # quality.json is hashed; seconds differ between runs
    assert set(result.manifest["model_selection"]["seconds"]) == {"argn", "copula"}
    card = (result.path / "README.md").read_text()
    assert "Model selection (`model: auto`): **copula** won" in card
    assert f"| argn | {argn['overall']:.1f} |" in card
    assert f"| copula (kept) | {copula['overall']:.1f} |" in card
    assert json.loads((registry_root / "cards" / "pen.quality.json").read_text()) == result.quality
    saved = json.loads((result.path / "model" / "phantom.json").read_text())
    assert saved["model"] == "copula"  # only the winner's model is kept
    assert not (result.path / "model" / "ModelStore").exists()
