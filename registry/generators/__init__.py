"""Generators: the protocol (:mod:`._base`), the built-in kinds, and how to build one.

The table from a recipe's ``kind`` to its class is :mod:`registry.kinds` (built-ins and
``phantom.generators`` entry points alike); it is re-exported here for convenience.
"""

from __future__ import annotations

from typing import Any

from registry.generators._base import (
    MODEL_FOLDER,
    BaseGenerator,
    BuildContext,
    Generator,
    Modality,
    batch_seed,
    batches,
)
from registry.kinds import ENTRY_POINT_GROUP, GENERATORS, generator_class, known_kinds


def make_generator(
    config: Any, *, random_seed: int, context: BuildContext | None = None
) -> Generator:
    """Build the generator a recipe's ``generator:`` section asks for."""
    return generator_class(config.kind)(config, random_seed=random_seed, context=context)


__all__ = [
    "ENTRY_POINT_GROUP",
    "GENERATORS",
    "MODEL_FOLDER",
    "BaseGenerator",
    "BuildContext",
    "Generator",
    "Modality",
    "batch_seed",
    "batches",
    "generator_class",
    "known_kinds",
    "make_generator",
]
