"""benchmarks/tabular_quality.py's oracles on tiny frames, so the benchmark does not rot.

The benchmark itself takes many minutes; these run its scoring functions (SDMetrics'
QualityReport, mostlyai-qa's report, TSTR/TRTR with gradient boosting) and its summary on
a few hundred rows, where a copy of the real rows and rows of noise must score apart.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "tabular_quality.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tabular_quality", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def loans(rows: int, *, seed: int) -> pd.DataFrame:
    """A table whose binary target follows income and owner: numbers, categories, a target."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(1.0, 0.5, rows)
    owner = rng.choice(["yes", "no"], rows, p=[0.4, 0.6])
    score = income + (owner == "yes") * 1.5 + rng.normal(0, 0.5, rows)
    return pd.DataFrame(
        {
            "income": income.round(2),
            "age": rng.integers(18, 80, rows),
            "owner": owner,
            "card": np.where(score > np.median(score), "yes", "no"),
        }
    )


def noise(frame: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """Every column drawn on its own, uniformly over the column's range or values."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, column in frame.items():
        if pd.api.types.is_numeric_dtype(column):
            out[name] = rng.uniform(column.min(), column.max(), len(frame))
        else:
            out[name] = rng.choice(sorted(column.unique()), len(frame))
    return pd.DataFrame(out)


@pytest.mark.slow
def test_benchmark_oracles_score_a_fresh_sample_above_noise(bench: ModuleType) -> None:
    train, holdout = loans(300, seed=0), loans(300, seed=1)
    like_real = bench.oracle_scores(train, holdout, loans(300, seed=2), "card")
    random = noise(train, seed=3)

    assert like_real["sdmetrics_qr"] > bench.sdmetrics_quality(train, random) + 0.05
    assert like_real["tstr_auc"] > bench.tstr_trtr(train, holdout, random, "card")["tstr_auc"]
    assert like_real["trtr_auc"] > 0.8 and like_real["tstr_over_trtr"] > 0.9
    # mostlyai-qa: a fresh real sample is about as accurate as the holdout, and as close to
    # train as to the holdout
    assert like_real["qa_accuracy"] > like_real["qa_accuracy_max"] - 0.05
    assert 0.3 < like_real["qa_dcr_share"] < 0.7
    assert like_real["tstr_over_trtr"] == pytest.approx(
        like_real["tstr_auc"] / like_real["trtr_auc"], abs=2e-3
    )


def test_benchmark_tstr_of_a_one_class_sample_is_a_constant_guess(bench: ModuleType) -> None:
    train, holdout = loans(200, seed=0), loans(200, seed=1)
    one_class = train.assign(card="no")

    scores = bench.tstr_trtr(train, holdout, one_class, "card")

    assert scores["tstr_auc"] == 0.5 and scores["trtr_auc"] > 0.8


def test_benchmark_sdmetrics_quality_of_the_real_rows_is_near_one(bench: ModuleType) -> None:
    train = loans(200, seed=0)

    assert bench.sdmetrics_quality(train, train) > 0.99
    assert bench.sdmetrics_quality(train, noise(train, seed=1)) < 0.9


def test_benchmark_summary_averages_each_generator_and_its_accuracy_gap(
    bench: ModuleType,
) -> None:
    def row(table: str, generator: str, accuracy: float) -> dict[str, object]:
        return {
            "table": table,
            "generator": generator,
            "sdmetrics_qr": 0.9,
            "qa_accuracy": accuracy,
            "qa_dcr_share": 0.5,
            "tstr_over_trtr": 0.95,
            "phantom_overall": 80.0,
        }

    results = [row("a", "table", 0.95), row("a", "sdv", 0.90), row("b", "table", 0.85)]
    results.append(row("b", "sdv", 0.88))

    means = bench.averages(results)

    assert means["table"]["qa_accuracy"] == 0.9 and means["table"]["tables"] == 2
    assert means["table"]["max_accuracy_gap"] == pytest.approx(0.03)
    assert means["sdv"]["max_accuracy_gap"] == pytest.approx(0.05)
    lines = bench.format_table(results).splitlines()
    assert len(lines) == 5 and "SDM QR" in lines[0] and "0.950" in lines[1]
