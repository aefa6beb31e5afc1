"""The statement that a version is AI-generated, in one shape for every place that carries it.

Rows carry nothing extra: a reader who holds only one parquet shard, only the card, or only
the published repo must still learn that the data was made by a generator, which one, from
what seed and at what generation depth. :func:`statement` is that fact as a dict; the parquet
shards carry it as schema key/value metadata (:func:`parquet_metadata`, read back with
:func:`read_parquet_statement`), the card says it in words (:func:`card_line`) and
``croissant.json`` declares it with the RAI vocabulary (:mod:`registry.croissant`).

Generation depth follows the manifest: 0 for data generated from a real seed (or from no
seed), a version seeded from Phantom data gets that data's depth + 1.

Nothing here depends on when or where a build ran, so the statement is part of the bytes a
rebuild repeats (no timestamps, no Phantom version).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.recipes import Recipe
    from registry.seeds import SeedData

#: Parquet key/value metadata keys: a plain flag any parquet reader shows, and the details.
AI_GENERATED_KEY = b"ai_generated"
STATEMENT_KEY = b"phantom"


def statement(recipe: Recipe, seed: SeedData | None) -> dict[str, Any]:
    """What made a version: ``ai_generated`` (always true), the generator, the seed's
    provenance (None for pure samplers) and the generation depth."""
    return {
        "ai_generated": True,
        "dataset": recipe.spec,
        "generator": recipe.generator.label,
        "random_seed": recipe.random_seed,
        "seed": None
        if seed is None
        else {"source": seed.source, "sha256": seed.sha256, "origin": seed.origin},
        "generation_depth": seed.generation_depth if seed is not None else 0,
    }


def parquet_metadata(recipe: Recipe, seed: SeedData | None) -> dict[bytes, bytes]:
    """The key/value metadata every shard's schema carries (merged with what it has)."""
    return {
        AI_GENERATED_KEY: b"true",
        STATEMENT_KEY: json.dumps(statement(recipe, seed), sort_keys=True).encode(),
    }


def read_parquet_statement(path: Path) -> dict[str, Any] | None:
    """The statement a parquet file's schema metadata carries, or None when it has none."""
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    raw = metadata.get(STATEMENT_KEY)
    return json.loads(raw) if raw else None


def card_line(recipe: Recipe, seed: SeedData | None) -> str:
    """The card's opening line: AI-generated, by what, from what, at what depth."""
    facts = statement(recipe, seed)
    origin = "no seed" if seed is None else f"the seed `{seed.source}`"
    return (
        f"**AI-generated data**, made by Phantom with `{facts['generator']}` from {origin} "
        f"(generation depth {facts['generation_depth']}) following the recipe below; no row is "
        f"a record of a real person or event. The parquet metadata "
        f"(`{AI_GENERATED_KEY.decode()}`) and `croissant.json` (`rai:hasSyntheticData`) say "
        "so too.\n"
    )


__all__ = [
    "AI_GENERATED_KEY",
    "STATEMENT_KEY",
    "card_line",
    "parquet_metadata",
    "read_parquet_statement",
    "statement",
]
