"""Quality gates: thresholds a version must meet, and the verdict on each.

A recipe's ``quality:`` section sets gates; the defaults below apply to every key it leaves
unset. The defaults are deliberately loose — they catch broken or copied data, not mediocre
data — so that a recipe tightens them for its own purpose. A copy of the seed fails them
(DCR share ~1, exact copies far above the natural rate, membership inference AUC ~1).
"""

from __future__ import annotations

from typing import Literal

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
    explicit = recipe.model_dump(exclude_none=True) if recipe is not None else {}
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
    return results


def missed(results: list[GateResult]) -> list[GateResult]:
    return [result for result in results if not result.passed]
