"""Quality gates: thresholds a version must meet, and the verdict on each.

A recipe's ``quality:`` section sets gates; the defaults below apply to every key it leaves
unset. The defaults are deliberately loose — they catch broken or copied data, not mediocre
data — so that a recipe tightens them for its own purpose. A copy of the seed fails them
(DCR share ~1, exact copies far above the natural rate, membership inference AUC ~1).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from registry.recipes import QualityGates

DEFAULT_GATES = QualityGates(
    min_overall=40.0,
    max_dcr_share=0.75,
    max_exact_copy_excess=0.02,
    max_mia_auc=0.75,
    max_attribute_disclosure=0.25,
)

Comparison = Literal["min", "max"]

#: Gates on a generator's own checks (kind: llm): one verdict per check, named
#: ``<gate>[<check>]``, measured in quality.json's ``generation`` section.
PER_CHECK_GATES = ("max_rejection_rate", "min_judge_mean")


class GateResult(BaseModel):
    """One gate's verdict: the measured value against its threshold."""

    model_config = ConfigDict(frozen=True)

    gate: str
    threshold: float
    value: float | None
    passed: bool
    source: Literal["recipe", "default"]

    def describe(self) -> str:
        """``min_overall: 48.2 < 75 (recipe)``: the value, the comparison it failed, the source."""
        if self.value is None:
            return f"{self.gate}: not computed, threshold {self.threshold:g} ({self.source})"
        if self.passed:
            return f"{self.gate}: {self.value:g} ok ({self.source})"
        sign = "<" if self.gate.startswith("min_") else ">"
        return f"{self.gate}: {self.value:g} {sign} {self.threshold:g} ({self.source})"


def merge_gates(
    recipe: QualityGates | None,
) -> dict[str, tuple[float, Literal["recipe", "default"]]]:
    """The gates in force: the recipe's where it sets them, the defaults elsewhere."""
    per_check = set(PER_CHECK_GATES)
    explicit = recipe.model_dump(exclude_none=True, exclude=per_check) if recipe is not None else {}
    defaults = DEFAULT_GATES.model_dump(exclude_none=True)
    merged: dict[str, tuple[float, Literal["recipe", "default"]]] = {
        name: (float(value), "default") for name, value in defaults.items()
    }
    merged.update({name: (float(value), "recipe") for name, value in explicit.items()})
    return merged


def evaluate_gates(values: dict[str, float | None], gates: QualityGates | None) -> list[GateResult]:
    """Check every gate in force against ``values`` (keyed by gate name).

    A gate whose value could not be computed fails when the recipe asked for it (the user
    relies on it) and is skipped when it is only a default.
    """
    results = []
    for name, (threshold, source) in merge_gates(gates).items():
        value = values.get(name)
        if value is None:
            if source == "recipe":
                results.append(
                    GateResult(
                        gate=name, threshold=threshold, value=None, passed=False, source=source
                    )
                )
            continue
        passed = value >= threshold if name.startswith("min_") else value <= threshold
        results.append(
            GateResult(
                gate=name,
                threshold=threshold,
                value=round(float(value), 4),
                passed=passed,
                source=source,
            )
        )
    return results + _per_check_results(values, gates)


def check_gate_values(generation: dict[str, Any] | None) -> dict[str, float | None]:
    """The values behind the per-check gates: each check's rejection rate and each judge's
    mean score, keyed ``max_rejection_rate[<check>]`` and ``min_judge_mean[<judge>]``."""
    generation = generation or {}
    values: dict[str, float | None] = {
        f"max_rejection_rate[{name}]": check["rejection_rate"]
        for name, check in (generation.get("checks") or {}).items()
    }
    values |= {
        f"min_judge_mean[{name}]": judge["mean"]
        for name, judge in (generation.get("judges") or {}).items()
    }
    return values


def _per_check_results(
    values: dict[str, float | None], gates: QualityGates | None
) -> list[GateResult]:
    """A number holds for every check measured (and fails, not computed, when none was); a
    mapping holds for the checks it names (one that was not measured fails)."""
    results = []
    for gate in PER_CHECK_GATES:
        setting = getattr(gates, gate, None) if gates is not None else None
        if setting is None:
            continue
        measured = {n[len(gate) + 1 : -1]: v for n, v in values.items() if n.startswith(f"{gate}[")}
        if isinstance(setting, dict):
            thresholds = setting
        else:
            thresholds = dict.fromkeys(measured, setting) or {"": setting}
        for check, threshold in thresholds.items():
            value = measured.get(check)
            name = f"{gate}[{check}]" if check else gate
            passed = value is not None and (
                value >= threshold if gate.startswith("min_") else value <= threshold
            )
            shown = None if value is None else round(float(value), 4)
            results.append(
                GateResult(
                    gate=name, threshold=threshold, value=shown, passed=passed, source="recipe"
                )
            )
    return results


def missed(results: list[GateResult]) -> list[GateResult]:
    return [result for result in results if not result.passed]
