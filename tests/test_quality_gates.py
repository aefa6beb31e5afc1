"""Gates fail and pass exactly at their thresholds; the recipe's override the defaults."""

from __future__ import annotations

import pytest

from registry.quality.gates import DEFAULT_GATES, evaluate_gates, merge_gates, missed
from registry.recipes import QualityGates


@pytest.mark.parametrize(
    ("gate", "threshold", "value", "passed"),
    [
        ("min_overall", 75, 75.0, True),
        ("min_overall", 75, 74.99, False),
        ("max_dcr_share", 0.6, 0.6, True),
        ("max_dcr_share", 0.6, 0.6001, False),
        ("max_exact_copies", 0, 0.0, True),
        ("max_exact_copies", 0, 1.0, False),
        ("min_tstr_ratio", 0.9, 0.95, True),
        ("max_detection_auc", 0.8, 0.81, False),
        ("max_generation_depth", 1, 2.0, False),
    ],
)
def test_gate_passes_at_and_fails_past_its_threshold(gate, threshold, value, passed) -> None:
    results = evaluate_gates({gate: value}, QualityGates(**{gate: threshold}))
    result = next(r for r in results if r.gate == gate)
    assert result.passed is passed
    assert result.source == "recipe"


def test_recipe_gates_override_defaults_and_defaults_fill_the_rest() -> None:
    merged = merge_gates(QualityGates(min_overall=90))
    assert merged["min_overall"] == (90.0, "recipe")
    assert merged["max_dcr_share"] == (DEFAULT_GATES.max_dcr_share, "default")


def test_uncomputed_gate_fails_only_when_the_recipe_asked_for_it() -> None:
    results = evaluate_gates({"min_overall": 80.0}, QualityGates(min_tstr_ratio=0.9))
    by_name = {r.gate: r for r in results}
    assert by_name["min_tstr_ratio"].passed is False
    assert "not computed" in by_name["min_tstr_ratio"].describe()
    assert "max_dcr_share" not in by_name  # a default with nothing measured is skipped
    assert [r.gate for r in missed(results)] == ["min_tstr_ratio"]


def test_describe_names_value_comparison_and_threshold() -> None:
    (result,) = [
        r
        for r in evaluate_gates({"min_overall": 48.2}, QualityGates(min_overall=75))
        if r.gate == "min_overall"
    ]
    assert result.describe() == "min_overall: 48.2 < 75 (recipe)"
