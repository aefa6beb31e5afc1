"""The quality report of one version: what ``quality.json``, DVC metrics and the card carry.

This issue's report holds fidelity (column shapes and column pair trends, as SDMetrics'
QualityReport defines them) against the seed's train part. Utility, privacy, detection,
sampler conformance and gates plug in here as their own sections.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from registry.recipes import Recipe

REPORT_FORMAT = 1
WORST_COLUMNS = 5


def score_dataset(recipe: Recipe, synthetic: pd.DataFrame, seed: Any | None) -> dict[str, Any]:
    """Score a synthetic frame against the seed it learned from; returns a JSON-able dict.

    Fidelity compares with the seed's train part (what the generator saw); a recipe without a
    seed (a sampler) gets no fidelity section.
    """
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "rows": len(synthetic),
        "generation_depth": seed.generation_depth if seed is not None else 0,
        "fidelity": None,
    }
    if seed is not None:
        from registry.quality.fidelity import score_fidelity

        fidelity = score_fidelity(seed.train, synthetic)
        columns = {
            name: round(col.score, 4)
            for name, col in fidelity.columns.items()
            if col.score is not None
        }
        report["fidelity"] = {
            "score": _round(fidelity.score),
            "column_shapes": _round(fidelity.column_shapes),
            "column_pair_trends": _round(fidelity.column_pair_trends),
            "columns": columns,
            "worst_columns": sorted(columns, key=columns.__getitem__)[:WORST_COLUMNS],
            "compared_with": f"seed train part ({len(seed.train):,} rows)",
        }
    return report


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)
