"""The whole report on known cases: a copy, shuffled columns, noise, and the gates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import registry
from registry.cli import app
from registry.quality.report import score_tables
from registry.recipes import QualityGates


@pytest.fixture(scope="module")
def penguins() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Real penguins split in halves: the generator's train part and an unseen holdout.

    Equal halves, because the DCR share cuts the larger reference set to the smaller one's
    size: with equal sizes a copy of train is closer to train for every row.
    """
    from palmerpenguins import load_penguins

    frame = load_penguins().sample(frac=1.0, random_state=0).reset_index(drop=True)
    return frame.iloc[:172].reset_index(drop=True), frame.iloc[172:].reset_index(drop=True)


def noisy(frame: pd.DataFrame, level: float, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for column in out.select_dtypes("float").columns:
        spread = out[column].std()
        out[column] = out[column] + rng.normal(0, level * spread, len(out))
    return out


def test_a_copy_of_the_seed_scores_high_fidelity_and_fails_default_gates(penguins) -> None:
    train, holdout = penguins
    report = score_tables(train, train.copy(), holdout=holdout, target="species")
    assert report.areas["fidelity"].score >= 95
    assert report.privacy["dcr_share"] > 0.9
    assert report.privacy["exact_copy_share"] > 0.9
    missed = {gate.gate for gate in report.missed_gates}
    assert {"max_dcr_share", "max_exact_copy_excess"} <= missed
    assert not report.passed


def test_shuffled_independent_columns_keep_shapes_but_lose_pair_trends(penguins) -> None:
    train, holdout = penguins
    rng = np.random.default_rng(0)
    shuffled = train.apply(lambda column: rng.permutation(column.to_numpy()))
    report = score_tables(train, shuffled, holdout=holdout)
    assert report.fidelity["column_shapes"] > 0.97
    assert report.fidelity["column_pair_trends"] < 0.8
    assert report.accuracy["bivariate"] < report.accuracy["univariate"]


def test_more_noise_moves_every_area_the_right_way(penguins) -> None:
    train, holdout = penguins
    light = score_tables(train, noisy(train, 0.1), holdout=holdout, target="species")
    heavy = score_tables(train, noisy(train, 1.0), holdout=holdout, target="species")
    assert heavy.fidelity["column_shapes"] < light.fidelity["column_shapes"]
    assert heavy.accuracy["overall"] < light.accuracy["overall"]
    assert heavy.detection["auc"] > light.detection["auc"]
    assert heavy.privacy["dcr_share"] < light.privacy["dcr_share"]


def test_recipe_gate_fails_and_passes_at_its_threshold(penguins) -> None:
    train, holdout = penguins
    base = score_tables(train, noisy(train, 0.3), holdout=holdout)
    at = QualityGates(min_overall=base.overall)
    above = QualityGates(min_overall=base.overall + 0.1)
    assert score_tables(train, noisy(train, 0.3), holdout=holdout, gates=at).passed
    failing = score_tables(train, noisy(train, 0.3), holdout=holdout, gates=above)
    assert [g.gate for g in failing.missed_gates] == ["min_overall"]


def test_score_without_holdout_keeps_a_fifth_of_real_out(penguins) -> None:
    train, _ = penguins
    report = registry.score(train, noisy(train, 0.2))
    assert report.holdout_rows == 34 and report.real_rows == 138
    assert "kept out by Phantom" in report.holdout_source


def test_phantom_score_cli_prints_json_and_exits_1_on_a_missed_gate(
    penguins, tmp_path: Path
) -> None:
    train, holdout = penguins
    train.to_csv(tmp_path / "real.csv", index=False)
    holdout.to_parquet(tmp_path / "holdout.parquet")
    train.to_csv(tmp_path / "copy.csv", index=False)
    noisy(train, 0.3).to_parquet(tmp_path / "synthetic.parquet")
    runner = CliRunner()
    args = [
        "score",
        "--real",
        str(tmp_path / "real.csv"),
        "--holdout",
        str(tmp_path / "holdout.parquet"),
    ]

    good = runner.invoke(app, [*args, "--synthetic", str(tmp_path / "synthetic.parquet"), "--json"])
    assert good.exit_code == 0, good.output
    report = json.loads(good.stdout)
    assert {"fidelity", "accuracy", "detection", "privacy", "gates", "overall"} <= set(report)
    assert all(gate["passed"] for gate in report["gates"])

    copy = runner.invoke(
        app, [*args, "--synthetic", str(tmp_path / "copy.csv"), "--target", "species"]
    )
    assert copy.exit_code == 1
    assert "gate missed: max_dcr_share:" in copy.stderr
    assert "utility" in copy.stdout


def test_phantom_score_names_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "real.csv").write_text("a,b\n1,2\n")
    result = CliRunner().invoke(
        app,
        ["score", "--real", str(tmp_path / "real.csv"), "--synthetic", str(tmp_path / "no.csv")],
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: --synthetic {tmp_path / 'no.csv'}: no such file"
