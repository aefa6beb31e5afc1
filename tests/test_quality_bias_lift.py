"""Bias audit and augmentation lift on tables whose group rates and usefulness we set."""

from __future__ import annotations

import numpy as np
import palmerpenguins
import pandas as pd
import pytest

from registry.quality._holdout_models import fit_holdout_models
from registry.quality.bias import score_bias
from registry.quality.fidelity import column_kinds
from registry.quality.lift import score_lift
from registry.quality.report import score_tables
from registry.recipes import BiasAudit


def applicants(rows: int, *, rates: dict[str, float], shares: dict[str, float], seed: int):
    """Loan applicants: ``group`` drawn by ``shares``, ``approved`` with the group's rate,
    and an ``income`` that, with the group, explains approval."""
    rng = np.random.default_rng(seed)
    group = rng.choice(list(shares), rows, p=list(shares.values()))
    rate = np.array([rates[g] for g in group])
    approved = rng.random(rows) < rate
    income = rng.normal(50, 10, rows) + 15 * approved
    return pd.DataFrame({"group": group, "income": income.round(1), "approved": approved})


SHARES = {"a": 0.5, "b": 0.5}


def test_bias_demographic_parity_difference_of_known_rates():
    seed = applicants(4_000, rates={"a": 0.6, "b": 0.4}, shares=SHARES, seed=1)
    synthetic = applicants(4_000, rates={"a": 0.6, "b": 0.4}, shares=SHARES, seed=2)

    audit = score_bias(
        seed, synthetic, columns=["group"], kinds=column_kinds(seed), target="approved"
    )

    (group,) = audit.columns
    assert group.seed_gap == pytest.approx(0.2, abs=0.04)
    assert group.synthetic_gap == pytest.approx(0.2, abs=0.04)
    assert {g.group: g.seed_share for g in group.groups} == pytest.approx(SHARES, abs=0.03)
    assert audit.verdict == "pass" and audit.warnings == []


def test_bias_synthetic_data_that_widens_a_gap_is_warned_about():
    seed = applicants(4_000, rates={"a": 0.6, "b": 0.4}, shares=SHARES, seed=1)
    widened = applicants(4_000, rates={"a": 0.8, "b": 0.2}, shares=SHARES, seed=2)

    audit = score_bias(
        seed, widened, columns=["group"], kinds=column_kinds(seed), target="approved"
    )

    assert audit.verdict == "warn"
    (warning,) = audit.warnings
    assert "group: the gap in approved rate" in warning and "widens from 0.2" in warning
    assert audit.columns[0].synthetic_gap == pytest.approx(0.6, abs=0.04)


def test_bias_share_moved_without_asking_warns_and_a_requested_one_shows_before_after():
    seed = applicants(4_000, rates={"a": 0.5, "b": 0.5}, shares=SHARES, seed=1)
    skewed = applicants(4_000, rates={"a": 0.5, "b": 0.5}, shares={"a": 0.8, "b": 0.2}, seed=2)
    kinds = column_kinds(seed)

    unasked = score_bias(seed, skewed, columns=["group"], kinds=kinds)
    asked = score_bias(
        seed, skewed, columns=["group"], kinds=kinds, requested={"group": {"b": 0.2}}
    )

    assert any("group a's share moves from 5" in w for w in unasked.warnings)
    (rebalanced,) = asked.rebalanced
    assert rebalanced.value == "b" and rebalanced.requested_share == 0.2
    assert rebalanced.seed_share == pytest.approx(0.5, abs=0.03)
    assert rebalanced.synthetic_share == pytest.approx(0.2, abs=0.03)
    assert not any("group b's share" in w for w in asked.warnings)


@pytest.fixture(scope="module")
def penguin_parts() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Train, holdout, and other real penguins standing in for good synthetic rows."""
    frame = palmerpenguins.load_penguins()
    order = np.random.default_rng(0).permutation(len(frame))
    parts = np.split(order, [120, 220])
    return tuple(frame.iloc[p].reset_index(drop=True) for p in parts)


def test_lift_trains_on_real_synthetic_and_both_and_tests_on_the_holdout(penguin_parts):
    train, holdout, more_real = penguin_parts
    models = fit_holdout_models(
        train, holdout, more_real, target="species", kinds=column_kinds(train), max_rows=1_000
    )

    lift = score_lift(models, train=train, synthetic=more_real)

    assert models.rows == {"real": 120, "synthetic": len(more_real), "holdout": 100}
    assert lift.real.roc_auc > 0.95 and lift.synthetic.roc_auc > 0.95
    assert lift.lift == round(lift.real_plus_synthetic.roc_auc - lift.real.roc_auc, 4)
    assert lift.verdict in {"helps", "neutral"}


def test_lift_mislabelled_synthetic_rows_hurt(penguin_parts):
    train, holdout, more_real = penguin_parts
    shuffled = more_real.assign(
        species=more_real["species"].sample(frac=1, random_state=0).to_numpy()
    )
    models = fit_holdout_models(
        train, holdout, shuffled, target="species", kinds=column_kinds(train), max_rows=1_000
    )

    lift = score_lift(models, train=train, synthetic=shuffled)

    assert lift.synthetic.roc_auc < 0.7
    assert lift.verdict == "hurts" and lift.lift < -0.01


def test_lift_reports_recall_of_the_class_a_recipe_over_samples(penguin_parts):
    train, holdout, more_real = penguin_parts
    models = fit_holdout_models(
        train, holdout, more_real, target="species", kinds=column_kinds(train), max_rows=1_000
    )

    lift = score_lift(models, train=train, synthetic=more_real, requested={"Chinstrap": 0.4})

    (chinstrap,) = lift.classes
    assert chinstrap.label == "Chinstrap" and chinstrap.requested_share == 0.4
    assert chinstrap.holdout_rows == int((holdout["species"] == "Chinstrap").sum())
    assert set(chinstrap.recall) == {"real", "synthetic", "real+synthetic"}
    assert 0.5 < chinstrap.recall["real"] <= 1.0


def test_bias_tstr_per_group_comes_from_the_lift_models(penguin_parts):
    train, holdout, more_real = penguin_parts
    report = score_tables(
        train, more_real, holdout=holdout, target="species", bias_audit=BiasAudit(columns=["sex"])
    )

    (sex,) = report.bias["columns"]
    figures = {g["group"]: g for g in sex["groups"]}
    assert set(figures) >= {"male", "female"}
    assert all(0.5 < figures[g]["tstr"] <= 1.0 for g in ("male", "female"))
    assert sum(figures[g]["holdout_rows"] for g in figures) == len(holdout)
    assert report.augmentation["real"]["roc_auc"] == pytest.approx(
        report.utility["trtr_scores"]["roc_auc"]
    )


def test_bias_groups_numbers_by_value_or_by_the_seeds_quartiles():
    seed = applicants(2_000, rates={"a": 0.5, "b": 0.5}, shares=SHARES, seed=1)
    seed["children"] = np.arange(len(seed)) % 3  # whole numbers in the seed ...
    synthetic = seed.assign(children=seed["children"].astype(float))  # ... floats made

    audit = score_bias(seed, synthetic, columns=["children", "income"], kinds=column_kinds(seed))

    children, income = audit.columns
    assert [g.group for g in children.groups] == ["0", "1", "2"]
    assert [g.synthetic_share for g in children.groups] == [g.seed_share for g in children.groups]
    assert len(income.groups) == 4 and income.groups[0].group.startswith("[")
    assert sum(g.seed_share for g in income.groups) == pytest.approx(1.0)
