"""Quality scores for a synthetic version: fidelity, utility, privacy and their gates.

Each submodule owns one family of scores and is pure (frames in, pydantic models out), so
``report.py`` can combine them and tests can check each against its reference implementation.
"""

from __future__ import annotations

from registry.quality.fidelity import (
    ColumnKind,
    ColumnScore,
    FidelityScores,
    PairScore,
    column_kinds,
    column_pair_trends,
    column_shapes,
    score_fidelity,
)

__all__ = [
    "ColumnKind",
    "ColumnScore",
    "FidelityScores",
    "PairScore",
    "column_kinds",
    "column_pair_trends",
    "column_shapes",
    "score_fidelity",
]
