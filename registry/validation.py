"""Deep recipe checks that need more than the pydantic model: the seed's columns and labels,
a generator's own checks (a sampler's SQL), and errors raised by code that does not know
which file it is serving.

``phantom validate`` and ``phantom materialize`` share these, so both reject the same recipes
with the same line, and neither writes anything when a check fails. What differs by kind is
found through the generator table and the modality table, never by asking for a class.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from registry.errors import RecipeError, SeedError
from registry.recipes import Recipe, load_recipe

if TYPE_CHECKING:
    from registry._types import RegistryLike
    from registry.generators import BuildContext


@contextmanager
def naming_recipe_file(path: Path) -> Iterator[None]:
    """Prefix recipe and seed errors raised by code that knows no file name with ``path``."""
    try:
        yield
    except (RecipeError, SeedError) as exc:
        if str(exc).startswith(str(path)):
            raise
        raise type(exc)(f"{path}: {exc}") from exc


def validate_recipe(path: Path, *, registry: RegistryLike) -> Recipe:
    """Load ``path`` and check what the model cannot: the seed, and the generator's own checks.

    Returns the recipe; raises :class:`RecipeError` or :class:`SeedError` naming the file.
    """
    from registry.context import build_context
    from registry.generators import generator_class
    from registry.modalities import modality

    recipe = load_recipe(path)
    context = build_context(registry)
    with naming_recipe_file(path):
        generator = generator_class(recipe.generator.kind)
        if recipe.seed is not None and recipe.seed.linked:
            _validate_linked(recipe, context=context)
        else:
            modality(generator.modality).validate(recipe, context=context)
        generator.check(recipe, context=context)
    return recipe


def _validate_linked(recipe: Recipe, *, context: BuildContext) -> None:
    """Linked tables: both read, their keys hold, and the parent has the columns named."""
    from registry.linked_seeds import load_linked_seed
    from registry.modalities import check_seed_columns

    assert context.root is not None
    seed = load_linked_seed(recipe, root=context.root, read_registry_version=context.read_version)
    check_seed_columns(recipe, [c for c in seed.parent.columns if c != seed.key])
