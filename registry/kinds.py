"""The generator table: a recipe's ``kind`` names a lazily imported generator class.

Built-ins register here exactly as an extension would: another package adds a kind with an
entry point in the ``phantom.generators`` group (``mykind = "mypackage.module:MyGenerator"``)
and gets everything a built-in gets: its recipe section validated by its ``Config``, ``phantom
validate``, ``materialize``, scores, card and ``phantom schema``. Classes are imported by name
when first asked for, so reading a recipe never loads SDV or torch, and the table sits below
both the recipe models (which look a kind's ``Config`` up here) and the generators.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

from registry.errors import GeneratorError, RecipeError

if TYPE_CHECKING:
    from registry.generators import Generator

ENTRY_POINT_GROUP = "phantom.generators"

# kind -> "module:Class"
GENERATORS: dict[str, str] = {
    "table": "registry.generators.table:TableGenerator",
    "sdv": "registry.generators.tabular:SdvGenerator",
    "sampler": "registry.generators.samplers:ColumnSampler",
    "diffusion": "registry.generators.diffusion:DiffusionGenerator",
    "llm": "registry.generators.llm:LlmGenerator",
}


@cache
def _plugins() -> dict[str, Any]:
    """Kinds other installed packages register (entry points), read once per process."""
    from importlib.metadata import entry_points

    return {
        ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name not in GENERATORS
    }


def known_kinds() -> list[str]:
    """Every kind a recipe may name: the built-ins and the installed plugins."""
    return sorted({*GENERATORS, *_plugins()})


def generator_class(kind: str) -> type[Generator]:
    """The class registered for ``kind``; raises :class:`RecipeError` if none is."""
    if kind in GENERATORS:
        module_name, _, class_name = GENERATORS[kind].partition(":")
        return getattr(importlib.import_module(module_name), class_name)
    plugin = _plugins().get(kind)
    if plugin is None:
        raise RecipeError(
            f"generator.kind: no generator of kind {kind!r}; expected one of "
            f"{', '.join(known_kinds())}"
        )
    try:
        return plugin.load()
    except Exception as exc:  # a broken plugin: say which, once
        raise GeneratorError(
            f"generator kind {kind!r} (entry point {plugin.value}) failed to load: {exc}"
        ) from exc


__all__ = ["ENTRY_POINT_GROUP", "GENERATORS", "generator_class", "known_kinds"]
