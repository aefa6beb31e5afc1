"""The one protocol every generator implements.

A generator is built from its recipe section and the recipe's ``random_seed``, learns from
the seed's train part (samplers ignore it), and samples a DataFrame. Randomness comes in only
through ``random_seed``: the same recipe, seed data and environment give the same rows.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import pandas as pd


@runtime_checkable
class Generator(Protocol):
    """Fit on real rows (or nothing), then sample synthetic rows."""

    def __init__(self, config: Any, *, random_seed: int) -> None: ...

    def fit(self, train: pd.DataFrame | None) -> None:
        """Learn from the seed's train part; ``None`` for generators without a seed."""
        ...

    def sample(self, rows: int) -> pd.DataFrame:
        """Return exactly ``rows`` rows; deterministic for a given ``random_seed``."""
        ...

    def library_versions(self) -> dict[str, str]:
        """The versions of the libraries whose behaviour decides the rows (for the manifest)."""
        ...
