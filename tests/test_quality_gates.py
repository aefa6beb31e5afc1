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


# --- gates on a generator's checks (kind: llm) ---------------------------------------------

GENERATION = {
    "checks": {
        "correct": {"tried": 10, "rejected": 6, "rejection_rate": 0.6},
        "dedup": {"tried": 4, "rejected": 0, "rejection_rate": 0.0},
    },
    "judges": {"grade": {"scores": {"3": 1, "4": 1}, "count": 2, "mean": 3.5}},
}


def test_a_rejection_rate_number_holds_for_every_check_and_names_the_one_that_missed() -> None:
    from registry.quality.gates import check_gate_values

    results = evaluate_gates(check_gate_values(GENERATION), QualityGates(max_rejection_rate=0.5))

    assert {r.gate: r.passed for r in results if "[" in r.gate} == {
        "max_rejection_rate[correct]": False,
        "max_rejection_rate[dedup]": True,
    }
    assert [r.describe() for r in missed(results)] == [
        "max_rejection_rate[correct]: 0.6 > 0.5 (recipe)"
    ]


def test_per_check_gates_hold_for_the_checks_they_name() -> None:
    from registry.quality.gates import check_gate_values

    gates = QualityGates(max_rejection_rate={"dedup": 0.1}, min_judge_mean={"grade": 4})
    results = evaluate_gates(check_gate_values(GENERATION), gates)

    assert [r.describe() for r in missed(results)] == ["min_judge_mean[grade]: 3.5 < 4 (recipe)"]
    assert "max_rejection_rate[correct]" not in {r.gate for r in results}


def test_check_gates_without_generated_checks_fail_as_not_computed() -> None:
    results = evaluate_gates({"min_overall": 90.0}, QualityGates(min_judge_mean=3))
    assert [r.describe() for r in missed(results)] == [
        "min_judge_mean: not computed, threshold 3 (recipe)"
    ]


def test_check_gates_are_not_in_the_scalar_gates_in_force() -> None:
    merged = merge_gates(QualityGates(max_rejection_rate={"dedup": 0.1}, min_overall=50))
    assert "max_rejection_rate" not in merged and merged["min_overall"] == (50.0, "recipe")


@pytest.mark.parametrize("value", [1.5, {"dedup": -0.1}])
def test_a_rejection_rate_gate_is_a_share(value) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        QualityGates(max_rejection_rate=value)
