"""The generator table: a recipe's ``kind`` (and ``model``) names a lazily imported class.

Built-ins register here exactly as an extension would; nothing imports SDV or torch until a
generator of that kind is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

from registry.errors import GeneratorError
from registry.generators._base import Generator

# (kind, model) -> "module:Class"; model None matches every model of the kind.
GENERATORS: dict[tuple[str, str | None], str] = {
    ("sdv", "gaussian_copula"): "registry.generators.tabular:SdvGenerator",
    ("sdv", "ctgan"): "registry.generators.tabular:SdvGenerator",
    ("sdv", "tvae"): "registry.generators.tabular:SdvGenerator",
    ("sdv", "copulagan"): "registry.generators.tabular:SdvGenerator",
    ("sampler", None): "registry.generators.samplers:ColumnSampler",
    ("diffusion", None): "registry.generators.diffusion:DiffusionGenerator",
}


def generator_class(kind: str, model: str | None = None) -> type[Generator]:
    """The class registered for ``kind``/``model``; raises :class:`GeneratorError` if none is."""
    target = GENERATORS.get((kind, model)) or GENERATORS.get((kind, None))
    if target is None:
        known = ", ".join(sorted({k for k, _ in GENERATORS}))
        raise GeneratorError(
            f"no generator for kind {kind!r} model {model!r}; known kinds: {known}"
        )
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def make_generator(config: Any, *, random_seed: int) -> Generator:
    """Build the generator a recipe's ``generator:`` section asks for."""
    cls = generator_class(config.kind, getattr(config, "model", None))
    return cls(config, random_seed=random_seed)


__all__ = ["GENERATORS", "Generator", "generator_class", "make_generator"]
