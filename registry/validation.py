"""Deep recipe checks that need more than the pydantic model: the seed's columns, the SQL of
expression columns, and errors raised by code that does not know which file it is serving.

``phantom validate`` and ``phantom materialize`` share these, so both reject the same recipes
with the same line, and neither writes anything when a check fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from registry.errors import RecipeError, SeedError
from registry.recipes import (
    DiffusionGenerator,
    Recipe,
    SamplerGenerator,
    SdvGenerator,
    load_recipe,
)

SQL_PROBE_ROWS = 64


@contextmanager
def naming_recipe_file(path: Path) -> Iterator[None]:
    """Prefix recipe and seed errors raised by code that knows no file name with ``path``."""
    try:
        yield
    except (RecipeError, SeedError) as exc:
        if str(exc).startswith(str(path)):
            raise
        raise type(exc)(f"{path}: {exc}") from exc


def check_seed_columns(recipe: Recipe, columns: list[str], *, source: Path | str) -> None:
    """The target and condition columns a recipe names must exist in its seed."""
    expected = ", ".join(map(str, columns))
    if recipe.target is not None and recipe.target not in columns:
        raise RecipeError(
            f"{source}: target: column {recipe.target!r} is not in the seed; "
            f"expected one of {expected}"
        )
    if isinstance(recipe.generator, SdvGenerator):
        for i, condition in enumerate(recipe.generator.conditions):
            if condition.column not in columns:
                raise RecipeError(
                    f"{source}: generator.conditions[{i}].column: {condition.column!r} is not "
                    f"in the seed; expected one of {expected}"
                )


def check_image_seed(recipe: Recipe, *, root: Path) -> None:
    """A diffusion recipe's seed must read as labeled images holding the classes it names."""
    from registry.images import LABEL_COLUMN, class_names
    from registry.materialize import registry_reader
    from registry.seeds import load_seed

    assert recipe.seed is not None and isinstance(recipe.generator, DiffusionGenerator)
    seed = load_seed(
        recipe.seed,
        root=root,
        random_seed=recipe.random_seed,
        read_registry_version=registry_reader(root),
        images=True,
    )
    check_known_classes(recipe.generator.classes or {}, class_names(seed.train[LABEL_COLUMN]))


def check_known_classes(classes: Iterable[str], labels: list[str]) -> None:
    """Every class a diffusion recipe weighs must be a label of its seed."""
    for name in classes:
        if name not in labels:
            raise RecipeError(
                f"generator.classes: {name!r} is not a label of the seed; expected one of "
                + ", ".join(labels)
            )


def validate_recipe(path: Path, *, root: Path) -> Recipe:
    """Load ``path`` and check what the model cannot: seed columns and expression SQL.

    Returns the recipe; raises :class:`RecipeError` or :class:`SeedError` naming the file.
    """
    from registry.materialize import registry_reader

    recipe = load_recipe(path)
    with naming_recipe_file(path):
        if isinstance(recipe.generator, DiffusionGenerator):
            check_image_seed(recipe, root=root)
        elif recipe.seed is not None:
            from registry.seeds import seed_columns

            columns = seed_columns(
                recipe.seed, root=root, read_registry_version=registry_reader(root)
            )
            check_seed_columns(recipe, columns, source=path)
        if isinstance(recipe.generator, SamplerGenerator):
            from registry.generators import make_generator

            probe = make_generator(recipe.generator, random_seed=recipe.random_seed)
            probe.sample(min(recipe.rows, SQL_PROBE_ROWS))
    return recipe
